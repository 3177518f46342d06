"""Trace once, replay many: record a function's graph and rerun it on new numbers, fast.

A training loop rebuilds the same graph every step. :func:`trace` runs a function once on
example arguments, records the graph it builds, and returns a :class:`Traced` callable
that, given new input numbers, recomputes the output from the *current* values of the
parameters and adds the parameters' gradients into their ``.grad`` exactly as
``backward()`` would, without creating a Value per node.

How it runs (a flat-array interpreter, chosen by measurement; see ``bench/engine.py``):

* every node gets a slot in one list of floats; nodes of the same op at the same depth
  are grouped, and each group runs in a small loop compiled from the op table's
  ``inline`` rule (ops without one call the table's ``forward``), so the op table stays
  the single source of each op's rule;
* a node used once, by an op that never reads its value in backward (the products and
  partial sums of ``w·x + b``), is evaluated inside its parent's expression instead of
  being stored: the same operations in the same order, one loop iteration per neuron;
* backward is one loop over the graph's edges in the dynamic engine's order,
  ``g[child] += local[edge] * g[parent]``, the same arithmetic in the same order as
  ``backward()``, so results are bit-identical (when ``.grad`` starts at zero); a child
  whose only parent is a ``+`` shares its parent's gradient slot instead of an edge.

Generated straight-line Python (one statement per node) ran no faster per node than these
loops (~23 vs ~24 ns) but took ~35 µs per statement to compile, seconds for a
65,000-node training graph; the loops compile in microseconds and tracing costs about
five dynamic steps. (The module is ``tracing``, not ``trace``, so that the function
``autograd.trace`` is never shadowed by its own submodule.)

What is frozen at trace time (the honest limit, as with ``jax.jit``): the graph's shape.
Python ``if``/``while`` on data, comparisons of Values, and plain Python numbers used in
the function (they become constants) are recorded as they were for the example
arguments. ``validate=True`` re-runs the function with the dynamic engine and raises
:class:`TraceMismatchError` on any difference; arguments of a different structure raise
``TypeError``. Inputs get no gradients: what should be learned must be a parameter (a
Value the function uses but does not receive as an argument). Replay runs no
``detect_anomaly`` checks; debug a NaN with the dynamic engine.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .backward import grad as _grad
from .modes import is_grad_enabled
from .ops import Op, exponent_of, op_of
from .value import Const, Value, walk

__all__ = ["TraceMismatchError", "Traced", "trace"]

# Relative tolerance of validate=True (the replay is normally bit-identical).
VALIDATE_RTOL = 1e-12

_ONE, _MINUS_ONE = 0, 1  # value slots holding the constants 1.0 and -1.0
_KERNEL_NAMES = {"tanh": math.tanh, "sin": math.sin, "cos": math.cos, "exp": math.exp,
                 "log": math.log, "sqrt": math.sqrt}


class TraceMismatchError(RuntimeError):
    """``validate=True`` found the replay and the dynamic engine disagreeing."""


# ----------------------------------------------------------------------------- arguments


def _flatten(args: tuple[Any, ...]) -> tuple[list[float], list[Any]]:
    """The numbers in nested lists/tuples/dicts of numbers and Values, and their shape."""
    leaves: list[float] = []
    shape: list[Any] = []
    stack: list[Any] = [args]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is float:
            leaves.append(x)
            shape.append(0)
        elif t is list or t is tuple:
            shape.append((t, len(x)))
            stack.extend(reversed(x))
        elif isinstance(x, Value):
            leaves.append(x.data)
            shape.append(0)
        elif t is int or t is bool or (isinstance(x, numbers.Real)):
            leaves.append(float(x))
            shape.append(0)
        elif t is dict:
            keys = tuple(x)
            shape.append((dict, keys))
            stack.extend(x[k] for k in reversed(keys))
        else:
            raise TypeError(
                f"trace: arguments must be numbers, Values, or lists/tuples/dicts of them; "
                f"got {t.__name__}: {x!r}. Pass other objects by closing over them in the function."
            )
    return leaves, shape


def _unflatten(shape: list[Any], leaves: list[Any]) -> tuple[Any, ...]:
    """Rebuild the argument tuple of ``shape`` with ``leaves`` in place of its numbers."""
    it_shape = iter(shape)
    it_leaves = iter(leaves)
    # Build bottom-up from the pre-order shape with an explicit stack of open containers.
    root_kind = next(it_shape)
    stack: list[tuple[Any, int, list[Any]]] = [(root_kind, root_kind[1], [])]
    while True:
        kind, n, items = stack[-1]
        want = n if kind[0] is not dict else len(kind[1])
        if len(items) == want:
            stack.pop()
            t = kind[0]
            obj: Any = dict(zip(kind[1], items)) if t is dict else (items if t is list else tuple(items))
            if not stack:
                return obj
            stack[-1][2].append(obj)
            continue
        s = next(it_shape)
        if s == 0:
            items.append(next(it_leaves))
        else:
            stack.append((s, s[1], []))


def _paths(args: tuple[Any, ...]) -> list[tuple[str, Any]]:
    """(path, shape token) in the order of :func:`_flatten`, for error messages."""
    out: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = [("args", args)]
    while stack:
        path, x = stack.pop()
        t = type(x)
        if t is list or t is tuple:
            out.append((path, (t, len(x))))
            stack.extend((f"{path}[{i}]", x[i]) for i in reversed(range(len(x))))
        elif t is dict:
            out.append((path, (dict, tuple(x))))
            stack.extend((f"{path}[{k!r}]", x[k]) for k in reversed(tuple(x)))
        else:
            out.append((path, 0))
    return out


def _describe(token: Any) -> str:
    if token == 0:
        return "a number"
    t, n = token
    return f"a dict with keys {list(n)}" if t is dict else f"a {t.__name__} of length {n}"


# ----------------------------------------------------------------------------- kernels

Kernel = Callable[[list[float], list[tuple]], None]
_kernels: dict[Any, Kernel] = {}

# Compiled loops kept for reuse across traces (one per distinct fused expression shape).
MAX_KERNELS = 4096

# How deep fused expressions may nest (a sum of 40 products is one statement; longer
# chains are cut into pieces): far below the parser's limit on nested parentheses.
MAX_FUSE_DEPTH = 40

_PH = "\x00"  # placeholder for an operand slot inside a fused expression
_OPERAND = re.compile(r"\b[ab]\b")


@dataclass(frozen=True)
class _OpInfo:
    """What the tracer needs to know about one op string, worked out once from the table."""

    entry: Op
    exponent: float | None  # the n of "**n"
    fmt: str | None  # inline out-expression as a str.format template over the operands
    d_kinds: tuple[str, ...]  # per local derivative: "1.0", "-1.0", "a", "b", "out" or "expr"
    fusable: bool  # may be computed inside its parent's expression
    accepts: tuple[bool, ...]  # per operand: may that operand be fused into this op


_infos: dict[str, _OpInfo] = {}


def _info(op: str) -> _OpInfo:
    got = _infos.get(op)
    if got is not None:
        return got
    try:
        entry = op_of(op)
    except KeyError as e:
        raise TypeError(f"trace: a node with op {op!r} is not in the op table and cannot be replayed") from e
    exponent = exponent_of(op) if entry.param_domain is not None else None
    if entry.inline is None:
        got = _OpInfo(entry, exponent, None, (), False, (False,) * entry.arity)
    else:
        out_expr, d_exprs = entry.inline
        kinds = tuple(d if d in ("1.0", "-1.0", "a", "b", "out") else "expr" for d in d_exprs)
        escaped = out_expr.replace("{", "{{").replace("}", "}}")
        fmt = _OPERAND.sub(lambda m: "({" + str("ab".index(m.group())) + "})", escaped)
        in_order = _OPERAND.findall(out_expr) == list("ab"[: entry.arity])
        fusable = in_order and all(k in ("1.0", "-1.0", "a", "b") for k in kinds)
        accepts = tuple("ab"[k] not in kinds for k in range(entry.arity))
        got = _OpInfo(entry, exponent, fmt, kinds, fusable, accepts)
    _infos[op] = got
    return got


def _forward_kernel(entry: Op) -> Kernel:
    """A loop calling the table's ``forward`` for each node of a group (ops without ``inline``).

    Run items are ``(out, operand slots..., derivative slots...[, exponent])``.
    """
    key = ("forward", entry.name)
    k = _kernels.get(key)
    if k is None:
        ops = ["i0", "i1"][: entry.arity]
        js = [f"j{i}" for i in range(entry.arity)]
        has_param = entry.param_domain is not None
        item = ", ".join(["o", *ops, *js, *(["n"] if has_param else [])])
        call_args = ", ".join([f"v[{i}]" for i in ops] + (["n"] if has_param else []))
        outs = ", ".join(["v[o]", *(f"v[{j}]" for j in js)])
        src = f"def _k(v, run):\n    for {item} in run:\n        {outs} = f({call_args})\n"
        ns: dict[str, Any] = {"f": entry.forward}
        exec(compile(src, f"<chaingrad kernel {entry.name}>", "exec"), ns)  # our own code, from the table
        k = _kernels[key] = ns["_k"]
    return k


def _inline_kernel(info: _OpInfo, operands: tuple[str, ...], stored: tuple[int, ...]) -> Kernel:
    """A loop for a group of nodes of an ``inline`` op whose operands are ``operands``.

    Each operand is an expression with a placeholder per slot it reads (a plain slot, or a
    fused subexpression); placeholders become ``v[i0]``, ``v[i1]``... in order. Run items
    are ``(out, placeholder slots..., stored-derivative slots...)``.
    """
    key = (info.entry.name, operands, stored)
    k = _kernels.get(key)
    if k is not None:
        return k
    out_expr, d_exprs = info.entry.inline  # type: ignore[misc]
    n_ph = 0
    numbered = []
    for e in operands:
        parts = e.split(_PH)
        text = parts[0]
        for part in parts[1:]:
            text += f"v[i{n_ph}]" + part
            n_ph += 1
        numbered.append(text)
    names = "ab"[: info.entry.arity]
    body: list[str] = []
    if not stored and all(len(re.findall(rf"\b{n}\b", out_expr)) <= 1 for n in names):
        body.append(f"v[o] = {info.fmt.format(*numbered)}")  # type: ignore[union-attr]
    else:
        body += [f"{n} = {e}" for n, e in zip(names, numbered)]
        body.append(f"out = v[o] = {out_expr}")
        body += [f"v[j{i}] = {d_exprs[i]}" for i in stored]
    item = ", ".join(["o", *(f"i{i}" for i in range(n_ph)), *(f"j{i}" for i in stored)])
    src = f"def _k(v, run):\n    for {item} in run:\n" + "".join(f"        {line}\n" for line in body)
    ns: dict[str, Any] = dict(_KERNEL_NAMES)
    exec(compile(src, f"<chaingrad kernel {info.entry.name}>", "exec"), ns)  # our own code, from the table
    if len(_kernels) >= MAX_KERNELS:  # many different graphs in one process: start afresh
        _kernels.clear()
    k = _kernels[key] = ns["_k"]
    return k


# ----------------------------------------------------------------------------- tracing


class Traced:
    """A function's graph recorded once; call it to replay forward and backward.

    ``traced(*args, gradient=1.0, validate=False) -> float`` takes arguments with the
    structure of the example arguments (numbers or Values in the same nested lists,
    tuples and dicts), returns the output's value, and adds ``d output / d p · gradient``
    to ``p.grad`` for every parameter ``p`` (see :attr:`parameters`), reading each
    parameter's *current* ``data``. ``traced.forward(*args)`` computes the value only.

    >>> from autograd import Value, trace
    >>> w = Value(2.0)
    >>> f = trace(lambda x: (w * x).tanh(), 0.5)
    >>> round(f(0.5), 6), round(w.grad, 6)          # tanh(1), 0.5·(1 - tanh²(1))
    (0.761594, 0.209987)
    >>> w.data = -1.0; round(f(3.0), 6)              # new parameter value, new input
    -0.995055
    """

    def __init__(self, fn: Callable[..., Value], args: tuple[Any, ...]) -> None:
        if not callable(fn):
            raise TypeError(f"trace() needs a function, got {type(fn).__name__}: {fn!r}")
        if not is_grad_enabled():
            raise RuntimeError("trace() records a graph, which no_grad() prevents: call it outside no_grad()")
        self.fn = fn
        leaves, self._shape = _flatten(args)
        self._n_inputs = len(leaves)
        inputs = [Value(x) for x in leaves]
        out, extras = _split_result(fn(*_unflatten(self._shape, inputs)))
        self._extras_shape: list[Any] | None = None
        extra_nodes: list[Value] = []
        if extras is not None:
            extra_nodes, self._extras_shape = _flatten_values(extras)
        self._build(out, inputs, extra_nodes)

    # -------------------------------------------------------------- building the program

    def _build(self, out: Value, inputs: list[Value], extras: list[Value]) -> None:
        order = walk(out, leaves=True)
        N = len(order)
        idx = {n: i for i, n in enumerate(order)}
        keep = [False] * N  # nodes whose values the caller gets back: never fused
        keep[N - 1] = True
        extra_idx = []
        for k, e in enumerate(extras):
            i = idx.get(e, -1)
            if i < 0:
                raise ValueError(
                    f"trace: extra output {k} ({e!r}) is not part of the output's graph; only values "
                    "the returned Value depends on can be replayed alongside it"
                )
            keep[i] = True
            extra_idx.append(i)
        c0 = [-1] * N
        c1 = [-1] * N
        uses = [0] * N
        parent = [-1] * N
        parent_pos = [0] * N
        for i, n in enumerate(order):
            kids = n.children
            a = kids[0] if kids else None
            if a is not None:
                j = c0[i] = idx[a]
                uses[j] += 1
                parent[j] = i
                parent_pos[j] = 0
                b = kids[1] if len(kids) == 2 else None
                if b is not None:
                    j = c1[i] = idx[b]
                    uses[j] += 1
                    parent[j] = i
                    parent_pos[j] = 1
        # value slots: 1.0, -1.0, the inputs, the parameters, then constants, nodes, derivatives
        slot = [-1] * N
        is_param = [False] * N
        input_pos = []
        for k, x in enumerate(inputs):
            i = idx.get(x, -1)
            input_pos.append(i)
            if i >= 0:
                slot[i] = 2 + k
        first_param = 2 + len(inputs)
        params: list[Value] = []
        for i, n in enumerate(order):
            if c0[i] < 0 and slot[i] < 0 and not isinstance(n, Const):
                slot[i] = first_param + len(params)
                is_param[i] = True
                params.append(n)
        values: list[float] = [1.0, -1.0] + [0.0] * (first_param - 2 + len(params))
        level = [0] * N
        dref: list[tuple[int, ...]] = [()] * N  # per op node: value slot of each local derivative
        sig: list[tuple] = [()] * N  # per node, for validate: (op, child positions, constant)
        groups: dict[tuple[int, Any], list[tuple]] = {}
        kernels: dict[Any, Kernel] = {}
        # A node used once, by an op that never reads its value in backward, is computed
        # inside its parent's expression instead of being stored ("fused"): e.g. every
        # product and partial sum of w·x + b. The arithmetic and its order are unchanged.
        fused: list[tuple[str, tuple[int, ...], int] | None] = [None] * N  # (expr, slots, depth)
        out_i = N - 1
        for i, n in enumerate(order):
            a = c0[i]
            if a < 0:
                if isinstance(n, Const):
                    slot[i] = len(values)
                    values.append(n.data)
                    sig[i] = ("const", (), n.data)
                else:
                    sig[i] = ("leaf", (), None)
                continue
            b = c1[i]
            op = n.op
            info = _info(op)
            entry = info.entry
            if b < 0:
                kids: tuple[int, ...] = (a,)
                level[i] = level[a] + 1
            else:
                kids = (a, b)
                level[i] = max(level[a], level[b]) + 1
            sig[i] = (op, kids, None)
            if info.fmt is None:  # no inline rule: call the table's forward
                o = slot[i] = len(values)
                refs = tuple(range(o + 1, o + 1 + entry.arity))
                values.extend([0.0] * (1 + entry.arity))
                item: tuple = (o, *(slot[k] for k in kids), *refs)
                if info.exponent is not None:
                    item = (*item, info.exponent)
                dref[i] = refs
                key: Any = ("forward", entry.name)
                if key not in kernels:
                    kernels[key] = _forward_kernel(entry)
                groups.setdefault((level[i], key), []).append(item)
                continue
            operands = []
            op_slots: tuple[int, ...] = ()
            depth = 0
            for k in kids:
                f = fused[k]
                if f is None:
                    operands.append(_PH)
                    op_slots += (slot[k],)
                else:
                    operands.append(f[0])
                    op_slots += f[1]
                    if f[2] > depth:
                        depth = f[2]
            kinds = info.d_kinds
            if (info.fusable and uses[i] == 1 and not keep[i] and depth < MAX_FUSE_DEPTH
                    and _info(order[parent[i]].op).accepts[parent_pos[i]]):
                fused[i] = (info.fmt.format(*operands), op_slots, depth + 1)
                dref[i] = tuple(_ref(kd, kids, slot) for kd in kinds)
                continue
            o = slot[i] = len(values)
            values.append(0.0)
            refs_l = []
            js = []
            for k, kd in enumerate(kinds):
                if kd == "expr":
                    refs_l.append(len(values))
                    values.append(0.0)
                    js.append(k)
                elif kd == "out":
                    refs_l.append(o)
                else:
                    refs_l.append(_ref(kd, kids, slot))
            stored = tuple(js)
            key = (entry.name, tuple(operands), stored)
            kernel = kernels.get(key)
            if kernel is None:
                kernel = kernels[key] = _inline_kernel(info, tuple(operands), stored)
            dref[i] = tuple(refs_l)
            groups.setdefault((level[i], key), []).append((o, *op_slots, *(refs_l[k] for k in js)))
        self._schedule = [(kernels[key], groups[(lv, key)]) for lv, key in sorted(groups, key=lambda g: g[0])]
        self._values = values
        self._out = slot[out_i]
        self._extra_slots = tuple(slot[i] for i in extra_idx)
        self.parameters: tuple[Value, ...] = tuple(params)
        self._param_slots = (first_param, first_param + len(params))
        self._sig = sig
        self._order_len = N
        self._input_positions = tuple(input_pos)
        self._param_positions = tuple(i for i in range(N) if is_param[i])
        self._build_backward(c0, c1, dref, is_param)

    def _build_backward(self, c0: list[int], c1: list[int], dref: list[tuple[int, ...]],
                        is_param: list[bool]) -> None:
        N = len(c0)
        need = [False] * N
        fan_in = [0] * N
        for i in range(N):
            a = c0[i]
            if a < 0:
                need[i] = is_param[i]
                continue
            b = c1[i]
            if need[a] or (b >= 0 and need[b]):
                need[i] = True
                if need[a]:
                    fan_in[a] += 1
                if b >= 0 and need[b]:
                    fan_in[b] += 1
        gslot = [-1] * N
        gslot[N - 1] = 0
        ng = 1
        edges: list[tuple[int, int, int]] = []
        if need[N - 1]:
            for i in range(N - 1, -1, -1):
                if c0[i] < 0 or not need[i]:
                    continue
                gp = gslot[i]
                refs = dref[i]
                for k, c in enumerate((c0[i], c1[i])):
                    if c < 0 or not need[c]:
                        continue
                    d = refs[k]
                    if d == _ONE and fan_in[c] == 1:  # its gradient is exactly its parent's
                        gslot[c] = gp
                        continue
                    gc = gslot[c]
                    if gc < 0:
                        gc = gslot[c] = ng
                        ng += 1
                    edges.append((gc, d, gp))
        self._edges = edges
        self._n_grads = ng
        self._grad_slots = tuple(gslot[i] for i in self._param_positions)

    # -------------------------------------------------------------- replaying

    def _inputs(self, args: tuple[Any, ...]) -> list[float]:
        leaves, shape = _flatten(args)
        if shape != self._shape:
            now = _paths(args)
            then = _paths(_unflatten(self._shape, [0.0] * self._n_inputs))
            for (path, tok), (_, tok0) in zip(now, then):
                if tok != tok0:
                    raise TypeError(
                        f"traced function called with arguments of a different structure: {path} is "
                        f"{_describe(tok)}, but was {_describe(tok0)} when traced. Trace again for "
                        "this structure."
                    )
            raise TypeError(
                f"traced function called with {len(now)} argument parts, traced with {len(then)}; "
                "trace again for this structure."
            )
        return leaves

    def _forward(self, xs: list[float]) -> list[float]:
        v = self._values.copy()
        v[2 : 2 + self._n_inputs] = xs
        a, b = self._param_slots
        v[a:b] = [p.data for p in self.parameters]
        for kernel, run in self._schedule:
            kernel(v, run)
        return v

    def _backward(self, v: list[float], gradient: float) -> list[float]:
        g = [0.0] * self._n_grads
        g[0] = gradient
        for c, d, p in self._edges:
            g[c] += v[d] * g[p]
        return g

    def _result(self, v: list[float]) -> Any:
        if self._extras_shape is None:
            return v[self._out]
        return v[self._out], _unflatten(self._extras_shape, [v[s] for s in self._extra_slots])[0]

    def forward(self, *args: Any) -> Any:
        """The output's value for ``args`` and the current parameters; no gradients."""
        return self._result(self._forward(self._inputs(args)))

    def __call__(self, *args: Any, gradient: float = 1.0, validate: bool = False) -> Any:
        xs = self._inputs(args)
        if isinstance(gradient, Value):
            gradient = gradient.data
        elif not isinstance(gradient, (int, float)):
            raise TypeError(f"gradient must be a number, got {type(gradient).__name__}: {gradient!r}")
        v = self._forward(xs)
        g = self._backward(v, float(gradient))
        grads = [g[s] if s >= 0 else 0.0 for s in self._grad_slots]
        if validate:
            self._validate(xs, v[self._out], grads, float(gradient))
        for p, d in zip(self.parameters, grads):
            p.grad += d
        return self._result(v)

    # -------------------------------------------------------------- validating

    def _validate(self, xs: list[float], out_value: float, grads: list[float], gradient: float) -> None:
        inputs = [Value(x) for x in xs]
        try:
            out, _ = _split_result(self.fn(*_unflatten(self._shape, inputs)))
        except TypeError as e:
            raise TraceMismatchError(f"the function now returns something else: {e}") from None
        order = walk(out, leaves=True)
        advice = (
            "Python branches on data, comparisons of Values and plain numbers are frozen at trace "
            "time; trace again for these inputs, or run this step with the dynamic engine."
        )
        if len(order) != self._order_len:
            raise TraceMismatchError(
                f"the function built a graph of {len(order)} nodes for these inputs; the trace has "
                f"{self._order_len}. {advice}"
            )
        pos = {n: i for i, n in enumerate(order)}
        in_pos = {pos.get(x, -1): k for k, x in enumerate(inputs)}
        for i, (n, (op, kids, const)) in enumerate(zip(order, self._sig)):
            if n.is_leaf:
                kind = "const" if isinstance(n, Const) else "leaf"
                if kind != op or (kind == "const" and n.data != const):
                    raise TraceMismatchError(
                        f"node {i} is {_what(n)} now but was a {op} when traced. {advice}"
                    )
                continue
            now_kids = tuple(pos[c] for c in n.children)
            if n.op != op or now_kids != kids:
                raise TraceMismatchError(
                    f"node {i} is {_what(n)} of nodes {now_kids} now, but was {op!r} of nodes {kids} "
                    f"when traced. {advice}"
                )
        for k, p in enumerate(self._input_positions):
            if p >= 0 and in_pos.get(p) != k:
                raise TraceMismatchError(f"input {k} now feeds a different node. {advice}")
        leaves = [order[p] for p in self._param_positions]
        for p_then, p_now in zip(self.parameters, leaves):
            if p_now is not p_then and p_now.data != p_then.data:
                raise TraceMismatchError(
                    f"the function creates a leaf {p_now!r} whose value changed since tracing "
                    f"(was {p_then.data!r}); pass such numbers as arguments instead. {advice}"
                )
        if not _close(out.data, out_value):
            raise TraceMismatchError(
                f"replayed output {out_value!r} but the dynamic engine gives {out.data!r}"
            )
        dyn = _grad(out, leaves, gradient=gradient)
        for p, a, b in zip(self.parameters, grads, dyn):
            if not _close(a, b):
                raise TraceMismatchError(
                    f"replayed gradient {a!r} for parameter {p!r} but the dynamic engine gives {b!r}"
                )

    def __repr__(self) -> str:
        edges = len(self._edges)
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return (
            f"Traced({name}, nodes={self._order_len}, parameters={len(self.parameters)}, "
            f"inputs={self._n_inputs}, groups={len(self._schedule)}, edges={edges})"
        )


def _split_result(result: Any) -> tuple[Value, Any]:
    """``(output, extras)`` from what the traced function returned (extras may be None)."""
    if isinstance(result, Value):
        return result, None
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Value):
        return result
    raise TypeError(
        "trace() needs a function that returns one Value (e.g. a loss), or a pair (Value, extras) "
        f"with extras Values it depends on; got {type(result).__name__}"
    )


def _flatten_values(extras: Any) -> tuple[list[Value], list[Any]]:
    """The Values in ``extras`` (a Value or nested lists/tuples of them) and its shape."""
    nodes: list[Value] = []
    shape: list[Any] = []
    stack = [(extras,)]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is list or t is tuple:
            shape.append((t, len(x)))
            stack.extend(reversed(x))
        elif isinstance(x, Value):
            nodes.append(x)
            shape.append(0)
        else:
            raise TypeError(f"trace: extra outputs must be Values or lists/tuples of them, got {t.__name__}")
    return nodes, shape


def _ref(kind: str, kids: tuple[int, ...], slot: list[int]) -> int:
    """The value slot holding a constant-or-operand local derivative of kind ``kind``."""
    if kind == "1.0":
        return _ONE
    if kind == "-1.0":
        return _MINUS_ONE
    return slot[kids["ab".index(kind)]]  # an operand's value: never fused (see _OpInfo.accepts)


def _what(n: Value) -> str:
    if n.is_leaf:
        return "a constant" if isinstance(n, Const) else "a leaf"
    return f"{n.op!r}"


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return math.isclose(a, b, rel_tol=VALIDATE_RTOL, abs_tol=0.0)


def trace(fn: Callable[..., Value], *example_args: Any) -> Traced:
    """Record ``fn``'s graph on ``example_args`` once; return a fast replaying :class:`Traced`.

    ``fn(*args)`` must return one Value, or a pair ``(Value, extras)`` where ``extras`` is a
    Value or nested lists/tuples of Values the first one depends on (e.g. a model's outputs,
    for metrics): the replay then returns ``(value, extras as floats)``. Its arguments may
    be numbers, Values, or nested lists/tuples/dicts of them; each number becomes an input
    leaf. Every other leaf the
    output depends on (except constants made from plain numbers) is a *parameter*: its
    current ``data`` is read at each call and its ``grad`` receives
    ``d output / d parameter · gradient`` (``+=``, exactly as ``backward()``).

    Frozen at trace time: the graph's shape (Python branches on data, as with
    ``jax.jit``) and plain numbers inside ``fn``. ``traced(..., validate=True)`` checks a
    call against the dynamic engine and raises :class:`TraceMismatchError` on any
    difference.

    >>> from autograd import Value
    >>> w, b = Value(0.5), Value(0.1)
    >>> loss = trace(lambda x, y: (w * x + b - y) ** 2, 1.0, 2.0)   # (wx + b - y)²
    >>> round(loss(3.0, 1.0), 12)
    0.36
    >>> round(w.grad, 12), round(b.grad, 12)                     # 2(wx+b-y)·x, 2(wx+b-y)
    (3.6, 1.2)
    """
    return Traced(fn, example_args)

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
* backward is one loop over the graph's edges in the dynamic engine's order,
  ``g[child] += local[edge] * g[parent]``, the same arithmetic in the same order as
  ``backward()``, so results are bit-identical (when ``.grad`` starts at zero); a child
  whose only parent is a ``+`` shares its parent's gradient slot instead of an edge.

Generated straight-line Python ran at the same speed per node but took seconds to compile
for a 65,000-node training graph; these loops compile in microseconds. (The module is
``tracing``, not ``trace``, so that the function ``autograd.trace`` is never shadowed by
its own submodule.)

What is frozen at trace time (the honest limit, as with ``jax.jit``): the graph's shape.
Python ``if``/``while`` on data, comparisons of Values, and plain Python numbers used in
the function (they become constants) are recorded as they were for the example
arguments. ``validate=True`` re-runs the function with the dynamic engine and raises
:class:`TraceMismatchError` on any difference; arguments of a different structure raise
``TypeError``. Inputs get no gradients: what should be learned must be a parameter (a
Value the function uses but does not receive as an argument).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from typing import Any

from .backward import _walk
from .backward import grad as _grad
from .modes import is_grad_enabled
from .ops import Op, exponent_of, op_of
from .value import Const, Value

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
_kernels: dict[str, Kernel] = {}

# How deep fused expressions may nest (a sum of 40 products is one statement; longer
# chains are cut into pieces): far below the parser's limit on nested parentheses.
MAX_FUSE_DEPTH = 40

_OPERAND = re.compile(r"\b[ab]\b")


def _compile_kernel(item: str, body: list[str], name: str) -> Kernel:
    """``def _k(v, run): for <item> in run: <body>``, compiled once per distinct source."""
    src = f"def _k(v, run):\n    for {item} in run:\n" + "".join(f"        {line}\n" for line in body)
    k = _kernels.get(src)
    if k is None:
        ns: dict[str, Any] = dict(_KERNEL_NAMES)
        exec(compile(src, f"<chaingrad kernel {name}>", "exec"), ns)  # our own code, from the op table
        k = _kernels[src] = ns["_k"]
    return k


def _forward_kernel(entry: Op) -> Kernel:
    """A loop calling the table's ``forward`` for each node of a group (ops without ``inline``).

    Run items are ``(out, operand slots..., derivative slots...[, exponent])``.
    """
    ops = ["i0", "i1"][: entry.arity]
    js = [f"j{i}" for i in range(entry.arity)]
    has_param = entry.param_domain is not None
    item = ", ".join(["o", *ops, *js, *(["n"] if has_param else [])])
    call_args = ", ".join([f"v[{i}]" for i in ops] + (["n"] if has_param else []))
    body = [f"v[o], {', '.join(f'v[{j}]' for j in js)} = f({call_args})"]
    src_key = f"forward:{entry.name}"
    k = _kernels.get(src_key)
    if k is None:
        ns: dict[str, Any] = {"f": entry.forward}
        src = f"def _k(v, run):\n    for {item} in run:\n" + "".join(f"        {line}\n" for line in body)
        exec(compile(src, f"<chaingrad kernel {entry.name}>", "exec"), ns)  # our own code
        k = _kernels[src_key] = ns["_k"]
    return k


def _fusing_parent(op: str) -> Op | None:
    """The table entry of ``op`` if it has an ``inline`` rule (children can fuse into it)."""
    try:
        entry = op_of(op)
    except KeyError:
        return None
    return entry if entry.inline is not None else None


def _substitute(template: str, operands: list[str]) -> str:
    """``template`` (an op's ``inline`` expression) with ``a``/``b`` replaced by ``operands``."""
    return _OPERAND.sub(lambda m: f"({operands['ab'.index(m.group())]})", template)


def _inline_kernel(entry: Op, operands: list[str], stored: list[int]) -> tuple[Kernel, int]:
    """A loop for a group of nodes of an ``inline`` op whose operands are ``operands``.

    Each operand is an expression over ``{}`` placeholders (a slot, or a fused
    subexpression); placeholders are numbered ``v[i0]``, ``v[i1]``... in order. Run items
    are ``(out, placeholder slots..., stored-derivative slots...)``. Returns the kernel and
    the number of placeholders.
    """
    out_expr, d_exprs = entry.inline  # type: ignore[misc]
    counter = iter(range(1 << 30))
    numbered = [re.sub(r"\{\}", lambda _m: f"v[i{next(counter)}]", e) for e in operands]
    n_ph = next(counter)
    names = "ab"[: entry.arity]
    body: list[str] = []
    if not stored and all(len(re.findall(rf"\b{n}\b", out_expr)) <= 1 for n in names):
        body.append(f"v[o] = {_substitute(out_expr, numbered)}")
    else:
        body += [f"{n} = {e}" for n, e in zip(names, numbered)]
        body.append(f"out = v[o] = {out_expr}")
        body += [f"v[j{i}] = {d_exprs[i]}" for i in stored]
    item = ", ".join(["o", *(f"i{k}" for k in range(n_ph)), *(f"j{i}" for i in stored)])
    return _compile_kernel(item, body, entry.name), n_ph


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
        out = fn(*_unflatten(self._shape, inputs))
        if not isinstance(out, Value):
            raise TypeError(
                f"trace() needs a function that returns one Value (e.g. a loss), got {type(out).__name__}"
            )
        self._build(out, inputs)

    # -------------------------------------------------------------- building the program

    def _build(self, out: Value, inputs: list[Value]) -> None:
        order = _walk(out, True)
        slot: dict[Value, int] = {x: 2 + i for i, x in enumerate(inputs)}
        first_param = 2 + len(inputs)
        params: list[Value] = []
        nxt = first_param
        for n in order:  # parameters (non-input, non-constant leaves) take the next slots
            if n._c0 is None and n not in slot and not isinstance(n, Const):
                slot[n] = nxt
                nxt += 1
                params.append(n)
        values: list[float] = [1.0, -1.0] + [0.0] * (nxt - 2)
        level: dict[Value, int] = {}
        groups: dict[tuple[int, str], list[tuple]] = {}
        group_kernel: dict[str, Kernel] = {}
        dref: dict[Value, tuple[int, ...]] = {}  # per op node: slot of each local derivative
        sig: list[tuple] = []  # per node, for validate: (op, child positions, constant)
        pos = {n: i for i, n in enumerate(order)}
        entries: dict[str, Op] = {}
        # A node used once, by an op that never reads its value in backward, is computed
        # inside its parent's expression instead of being stored ("fused"): e.g. every
        # product and partial sum of w·x + b. The arithmetic and its order are unchanged.
        uses: dict[Value, int] = {}
        parent: dict[Value, tuple[Value, int]] = {}
        for n in order:
            if n._c0 is not None:
                for k, c in enumerate((n._c0, n._c1)):
                    if c is not None:
                        uses[c] = uses.get(c, 0) + 1
                        parent[c] = (n, k)
        fused: dict[Value, tuple[str, tuple[int, ...], int]] = {}  # node -> (expr, slots, depth)
        for n in order:
            c0 = n._c0
            if c0 is None:
                if isinstance(n, Const):
                    slot[n] = len(values)
                    values.append(n.data)
                    sig.append(("const", (), n.data))
                else:
                    sig.append(("leaf", (), None))
                level[n] = 0
                continue
            c1 = n._c1
            kids = (c0,) if c1 is None else (c0, c1)
            op = n.op
            entry = entries.get(op)
            if entry is None:
                try:
                    entry = entries[op] = op_of(op)
                except KeyError as e:
                    raise TypeError(f"trace: node with unknown op {op!r} cannot be replayed") from e
            lv = 1 + max(level[c] for c in kids)
            level[n] = lv
            sig.append((op, tuple(pos[c] for c in kids), None))
            if entry.inline is None:
                o = slot[n] = len(values)
                values.append(0.0)
                refs = list(range(len(values), len(values) + entry.arity))
                values.extend([0.0] * entry.arity)
                item: tuple = (o, *(slot[c] for c in kids), *refs)
                if entry.param_domain is not None:
                    item = (*item, exponent_of(op))
                dref[n] = tuple(refs)
                key = f"forward:{entry.name}"
                group_kernel.setdefault(key, _forward_kernel(entry))
                groups.setdefault((lv, key), []).append(item)
                continue
            d_exprs = entry.inline[1]
            refs = []
            stored = []
            for i, d in enumerate(d_exprs):
                if d == "1.0":
                    refs.append(_ONE)
                elif d == "-1.0":
                    refs.append(_MINUS_ONE)
                elif d in ("a", "b"):
                    refs.append(slot.get(kids["ab".index(d)], -1))  # a fused operand is never named
                else:
                    refs.append(-2 - i)  # stored (or "out"): slot assigned below if the node is stored
                    stored.append(i)
            operands = []
            op_slots: list[int] = []
            depth = 0
            for c in kids:
                f = fused.get(c)
                if f is None:
                    operands.append("{}")
                    op_slots.append(slot[c])
                else:
                    operands.append(f[0])
                    op_slots.extend(f[1])
                    depth = max(depth, f[2])
            if (not stored and uses.get(n, 0) == 1 and n is not out and depth < MAX_FUSE_DEPTH
                    and _OPERAND.findall(entry.inline[0]) == list("ab"[: entry.arity])):
                up, k = parent[n]
                up_entry = _fusing_parent(up.op)
                if up_entry is not None and "ab"[k] not in up_entry.inline[1]:  # type: ignore[index]
                    fused[n] = (_substitute(entry.inline[0], operands), tuple(op_slots), depth + 1)
                    dref[n] = tuple(refs)
                    continue
            o = slot[n] = len(values)
            values.append(0.0)
            js = []
            for i in stored:
                if d_exprs[i] == "out":
                    refs[i] = o
                else:
                    refs[i] = len(values)
                    values.append(0.0)
                    js.append(i)
            kernel, _ = _inline_kernel(entry, operands, js)
            key = f"{id(kernel)}"
            group_kernel.setdefault(key, kernel)
            dref[n] = tuple(refs)
            groups.setdefault((lv, key), []).append((o, *op_slots, *(refs[i] for i in js)))
        schedule = []
        for lv, key in sorted(groups, key=lambda k: k[0]):
            schedule.append((group_kernel[key], groups[(lv, key)]))
        self._schedule = schedule
        self._values = values
        self._out = slot[out]
        self.parameters: tuple[Value, ...] = tuple(params)
        self._param_slots = (first_param, first_param + len(params))
        self._sig = sig
        self._order_len = len(order)
        self._input_positions = tuple(pos.get(x, -1) for x in inputs)
        self._param_positions = tuple(pos[p] for p in params)
        self._build_backward(order, out, dref, set(params))

    def _build_backward(self, order: list[Value], out: Value, dref: dict[Value, tuple[int, ...]],
                        params: set[Value]) -> None:
        need: dict[Value, bool] = {}
        for n in order:
            c0 = n._c0
            if c0 is None:
                need[n] = n in params
            else:
                c1 = n._c1
                need[n] = need[c0] or (c1 is not None and need[c1])
        fan_in: dict[Value, int] = {}
        for n in order:
            if n._c0 is not None and need[n]:
                for c in (n._c0, n._c1):
                    if c is not None and need[c]:
                        fan_in[c] = fan_in.get(c, 0) + 1
        gslot: dict[Value, int] = {out: 0}
        ng = 1
        edges: list[tuple[int, int, int]] = []
        if need[out]:
            for n in reversed(order):
                if n._c0 is None or not need[n]:
                    continue
                gp = gslot[n]
                refs = dref[n]
                for c, d in zip((n._c0, n._c1), refs):
                    if c is None or not need[c]:
                        continue
                    if d == _ONE and fan_in[c] == 1:  # its gradient is exactly its parent's
                        gslot[c] = gp
                        continue
                    gc = gslot.get(c)
                    if gc is None:
                        gc = gslot[c] = ng
                        ng += 1
                    edges.append((gc, d, gp))
        self._edges = edges
        self._n_grads = ng
        self._grad_slots = tuple(gslot.get(p, -1) for p in self.parameters)

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

    def forward(self, *args: Any) -> float:
        """The output's value for ``args`` and the current parameters; no gradients."""
        return self._forward(self._inputs(args))[self._out]

    def __call__(self, *args: Any, gradient: float = 1.0, validate: bool = False) -> float:
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
        return v[self._out]

    # -------------------------------------------------------------- validating

    def _validate(self, xs: list[float], out_value: float, grads: list[float], gradient: float) -> None:
        inputs = [Value(x) for x in xs]
        out = self.fn(*_unflatten(self._shape, inputs))
        if not isinstance(out, Value):
            raise TraceMismatchError(f"the function now returns {type(out).__name__}, not a Value")
        order = _walk(out, True)
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
            if n._c0 is None:
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


def _what(n: Value) -> str:
    if n._c0 is None:
        return "a constant" if isinstance(n, Const) else "a leaf"
    return f"{n.op!r}"


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return math.isclose(a, b, rel_tol=VALIDATE_RTOL, abs_tol=0.0)


def trace(fn: Callable[..., Value], *example_args: Any) -> Traced:
    """Record ``fn``'s graph on ``example_args`` once; return a fast replaying :class:`Traced`.

    ``fn(*args)`` must return one Value. Its arguments may be numbers, Values, or nested
    lists/tuples/dicts of them; each number becomes an input leaf. Every other leaf the
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

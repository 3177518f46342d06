"""Pass 4, lower (numpy): each level's same-op instructions become a few array calls.

Needs the ``fast`` extra (``pip install 'chaingrad[fast]'``). The program's numbers live in
one float64 array, laid out so that each step's results are one consecutive run of slots;
the lowering emits one straight-line Python function of numpy calls for the forward pass
and one for the backward pass (``traced._numpy._forward.source`` shows one), over buffers
allocated once. Per level and op, the operands are gathered (a view where they are
consecutive already, ``np.take`` into a buffer otherwise, or, for the products of a layer,
each operand at its small shape and a broadcasting multiply), one vectorized call computes
every result (and the local derivatives backward needs) into its slots.

A ``sum`` of L operands (single-use products folded in, as the Python lowering does) is
an ``(L, n)`` table reduced down its columns with ``np.add.reduce(axis=0)``: row after
row, the same additions in the same order as the engine's ``((a + b) + c) + ...`` (numpy
sums pairwise only along the fast axis in memory, see :func:`_fold`).

Backward: the gradients of a level that have the same number of terms are computed
together: the terms, laid out in ``backward()``'s order, are multiplied in one call and
folded the same way (a segmented, order-keeping scatter-add), so fan-in gradients are
added in exactly the engine's order too. What could differ from the engine is the last
bit of transcendental functions (numpy's ``exp``, ``log``, ``tanh`` round differently
from libm), so those call libm per element (:func:`_libm`): the replay is bit-identical
to the engine, not just close.

Only finite numbers are handled here: if any input, result or local derivative is not
finite (an overflow, a domain error such as ``log(-1)``, a NaN), the call is replayed by
the pure-Python lowering instead, which follows the engine's semantics exactly (including
raising its errors).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

from ..ops import Op, op_of
from .ir import NODE, ONE, Program, local_slots
from .lower_python import guard_check
from .passes import inlined_products, kept, uses

__all__ = ["NonFinite", "NumpyReplay", "lower_numpy", "numpy_rule"]



class NonFinite(ArithmeticError):
    """A non-finite number appeared: replay this call with the pure-Python lowering."""


def _np() -> Any:
    try:
        import numpy
    except ImportError as e:
        raise ImportError(
            "trace(..., backend='numpy') needs numpy: pip install 'chaingrad[fast]' (or numpy), "
            "or use backend='python'"
        ) from e
    return numpy


# ----------------------------------------------------------------------------- op rules


class _ToNumpy(ast.NodeTransformer):
    """``x if c else y`` -> ``where(c, x, y)``; ``and``/``or`` -> logical_and/or."""

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return ast.Call(ast.Name("where", ast.Load()), [node.test, node.body, node.orelse], [])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        fn = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        out = node.values[0]
        for v in node.values[1:]:
            out = ast.Call(ast.Name(fn, ast.Load()), [out, v], [])
        return out


def _vectorize(expr: str) -> str:
    tree = _ToNumpy().visit(ast.parse(expr, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


def _libm(f: Callable[[float], float]) -> Callable[[Any], Any]:
    """``f`` (a :mod:`math` function) on every element: libm's rounding, as the engine's.

    numpy's own ``exp``/``log``/``tanh``... may round the last bit differently; calling the
    same libm function per element keeps the replay bit-identical (about 40 ns an element).
    A math domain or range error means the engine would raise: replay with Python instead.
    """
    np = _np()

    def rule(a: Any) -> Any:
        try:
            return np.fromiter(map(f, a.tolist()), np.float64, len(a))
        except (ValueError, OverflowError):
            raise NonFinite from None

    return rule


def _math_names() -> dict[str, Any]:
    np = _np()
    names = {n: _libm(getattr(math, n)) for n in ("tanh", "sin", "cos", "exp", "log", "log1p")}
    names["sqrt"] = np.sqrt  # IEEE: correctly rounded, so equal to math.sqrt
    return names


def _inline_rule(entry: Op) -> Callable[..., tuple[Any, ...]]:
    """The op table's ``inline`` rule as a function of arrays (conditionals become ``where``)."""
    np = _np()
    out_expr, d_exprs = entry.inline  # type: ignore[misc]
    args = ", ".join("ab"[: entry.arity])
    ds = ", ".join(f"full_like(out, {d})" if d in ("1.0", "-1.0") else _vectorize(d) for d in d_exprs)
    src = f"def _r({args}):\n    out = {_vectorize(out_expr)}\n    return (out, {ds})\n"
    ns: dict[str, Any] = {"where": np.where, "logical_and": np.logical_and, "logical_or": np.logical_or,
                          "full_like": np.full_like, **_math_names()}
    exec(compile(src, f"<chaingrad numpy rule {entry.name}>", "exec"), ns)  # our own code, from the table
    return ns["_r"]


def _rules() -> dict[str, Callable[..., tuple[Any, ...]]]:
    """Array versions of the ops the table writes only as Python functions (they raise)."""
    np = _np()
    m = _math_names()
    py_pow = _libm_pow()

    def div(a: Any, b: Any) -> tuple[Any, ...]:
        out = a / b
        return out, 1.0 / b, -out / b

    def pow_(a: Any, b: Any) -> tuple[Any, ...]:
        out = py_pow(a, b)
        return out, b * py_pow(a, b - 1.0), out * m["log"](a)

    def pow_const(a: Any, n: float) -> tuple[Any, ...]:
        out = py_pow(a, n)
        if n == 0:
            return out, np.zeros_like(a)
        return out, n * py_pow(a, n - 1)

    def exp(a: Any) -> tuple[Any, ...]:
        out = m["exp"](a)
        return out, out

    def log(a: Any) -> tuple[Any, ...]:
        return m["log"](a), 1.0 / a

    def log1p(a: Any) -> tuple[Any, ...]:
        return m["log1p"](a), 1.0 / (1.0 + a)

    def sigmoid(a: Any) -> tuple[Any, ...]:
        e = m["exp"](-np.abs(a))
        s = np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
        return s, s * (1.0 - s)

    def sqrt(a: Any) -> tuple[Any, ...]:
        r = np.sqrt(a)
        return r, 0.5 / r

    return {"/": div, "**": pow_, "**n": pow_const, "exp": exp, "log": log, "sigmoid": sigmoid,
            "sqrt": sqrt, "log1p": log1p}


def _libm_pow() -> Callable[[Any, Any], Any]:
    """Python's float ``**`` per element (numpy special-cases some exponents, e.g. squares)."""
    np = _np()

    def pow_(a: Any, b: Any) -> Any:
        bs = b.tolist() if isinstance(b, np.ndarray) else [b] * len(a)
        try:
            out = np.fromiter(map(pow, a.tolist(), bs), np.float64, len(a))
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            raise NonFinite from None
        return out

    return pow_


_rule_cache: dict[str, Callable[..., tuple[Any, ...]]] = {}


def numpy_rule(name: str) -> Callable[..., tuple[Any, ...]]:
    """``rule(a[, b][, n]) -> (out, d_a[, d_b])`` on arrays for the op ``name``.

    The table's ``inline`` rule where it has one, else a written array rule, else the
    table's ``forward`` applied element by element (slow, but the op's own arithmetic).
    """
    got = _rule_cache.get(name)
    if got is None:
        entry = op_of(name)
        written = _rules()
        if entry.name in written:
            got = written[entry.name]
        elif entry.inline is not None:
            got = _inline_rule(entry)
        else:
            got = _elementwise(entry)
        _rule_cache[name] = got
    return got


def _elementwise(entry: Op) -> Callable[..., tuple[Any, ...]]:
    np = _np()
    f = np.frompyfunc(entry.forward, entry.arity, entry.arity + 1)

    def rule(*arrays: Any) -> tuple[Any, ...]:
        return tuple(np.asarray(r, dtype=np.float64) for r in f(*arrays))

    return rule


# ----------------------------------------------------------------------------- the replay


class _Emitter:
    """Collects the lines of one generated straight-line function and the arrays it names."""

    def __init__(self, np: Any) -> None:
        self.np = np
        self.lines: list[str] = []
        self.ns: dict[str, Any] = {}

    def const(self, prefix: str, obj: Any) -> str:
        name = f"{prefix}{len(self.ns)}"
        self.ns[name] = obj
        return name

    def gather(self, src: str, slots: list[int] | list[list[int]]) -> str:
        """An expression for ``src[slots]``: a slice where the slots run consecutively, else np.take."""
        np = self.np
        idx = np.array(slots, dtype=np.intp)
        flat = idx.ravel()
        if len(flat) and flat[-1] - flat[0] == len(flat) - 1 and (np.diff(flat) == 1).all():
            view = f"{src}[{int(flat[0])}:{int(flat[-1]) + 1}]"
            return view if idx.ndim == 1 else f"{view}.reshape({', '.join(map(str, idx.shape))})"
        buf = self.const("B", np.empty(idx.shape, dtype=np.float64))
        self.lines.append(f"take({src}, {self.const('I', idx)}, out={buf})")
        return buf

    def product(self, a_src: str, a: list[list[int]], b_src: str, b: list[list[int]], out: str) -> None:
        """``out = a_src[a] * b_src[b]`` elementwise over (L, n) slot tables.

        Where the n columns are R blocks of C and one operand repeats along the blocks (a
        weight, the same for every sample) while the other repeats within a block (a sample's
        activation, the same for every neuron), each is gathered once at its small shape and
        the multiply broadcasts: the same products, a fraction of the gathering. Rows are
        taken in runs that share such a shape (a weight's gradient has one term per sample
        that broadcasts and an L2 term that does not).
        """
        np = self.np
        ia, ib = np.array(a, dtype=np.intp), np.array(b, dtype=np.intp)
        runs = _runs(np, ia, ib)
        for j0, j1, shape in runs:
            part = out if len(runs) == 1 else f"{out}[{j0}:{j1}]"
            if shape is None:
                xa, xb = self.gather(a_src, ia[j0:j1].tolist()), self.gather(b_src, ib[j0:j1].tolist())
                self.lines.append(f"multiply({xa}, {xb}, out={part})")
                continue
            r, c, ka, kb = shape
            sa = ia[j0:j1].reshape(j1 - j0, r, c)
            sb = ib[j0:j1].reshape(j1 - j0, r, c)
            xa = self.gather(a_src, (sa[:, :1, :] if ka == "tile" else sa[:, :, :1]).tolist())
            xb = self.gather(b_src, (sb[:, :1, :] if kb == "tile" else sb[:, :, :1]).tolist())
            self.lines.append(f"multiply({xa}, {xb}, out={part}.reshape({j1 - j0}, {r}, {c}))")

    def compile(self, name: str, args: str) -> Callable[..., Any]:
        np = self.np
        self.ns.update(take=np.take, add=np.add, multiply=np.multiply, negative=np.negative,
                       subtract=np.subtract, fold=np.add.reduce)
        body = "".join(f"    {line}\n" for line in self.lines) or "    pass\n"
        src = f"def {name}({args}):\n{body}"
        exec(compile(src, f"<chaingrad numpy {name}>", "exec"), self.ns)  # our own code, from the program
        fn = self.ns[name]
        fn.source = src  # type: ignore[attr-defined]
        return fn


class NumpyReplay:
    """The lowered program: one straight-line function of array calls forward, one backward.

    Slot layout: ``1.0``, ``-1.0``, then the leaves (inputs, parameters, constants) in
    variable order, then each step's results in one consecutive run (so a step writes
    its results with ``out=`` into a slice, and a next step reading exactly those results
    takes a view instead of a gather), then the stored local derivatives. A single-use
    product inside a sum is computed inside the sum's step and never stored.
    """

    def __init__(self, p: Program) -> None:
        np = self.np = _np()
        variables, eqns = p.var_records, p.eqn_records  # (kind, name, value), (op, ins, out, param)
        nv = len(variables)
        n_leaves = sum(1 for v in variables if v[0] != NODE)
        slot = [-1] * nv
        for i in range(n_leaves):
            slot[i] = 2 + i
        n_uses = uses(p)
        keep = kept(p)
        producer = p.producer()
        inlined = inlined_products(p, n_uses, keep, producer)  # computed inside their sum
        plan: list[tuple[Any, list[int]]] = []  # (key, eqn indices) per step, in order
        for members in p.levels:
            by_key: dict[Any, list[int]] = {}
            for k in members:
                if k in inlined:
                    continue
                op, ins, _, param = eqns[k]
                if op in ("sum", "+"):
                    key: Any = ("sum", tuple(2 if producer.get(i) in inlined else 1 for i in ins))
                else:
                    key = (op, param)
                by_key.setdefault(key, []).append(k)
            plan.extend(by_key.items())
        n_slots = 2 + n_leaves
        for _, ks in plan:  # each step's results in one run of slots
            for k in ks:
                slot[eqns[k][2]] = n_slots
                n_slots += 1
        local: dict[tuple[int, int], int] = {}
        fw = _Emitter(np)
        for key, ks in plan:
            o0, o1 = slot[eqns[ks[0]][2]], slot[eqns[ks[-1]][2]] + 1
            if key[0] == "sum":
                self._emit_sum(fw, eqns, key[1], ks, slot, producer, f"v[{o0}:{o1}]")
                continue
            op, param = key
            entry = op_of(op if param is None else f"**{param!r}")
            args = [fw.gather("v", [slot[eqns[k][1][j]] for k in ks]) for j in range(entry.arity)]
            if op in _UFUNCS:  # local derivatives read from slots: see _local
                fw.lines.append(f"{_UFUNCS[op]}({', '.join(args)}, out=v[{o0}:{o1}])")
                continue
            rule = fw.const("R", numpy_rule(op))
            call = f"{rule}({', '.join(args)})" if param is None else f"{rule}({args[0]}, {param!r})"
            fw.lines.append(f"r = {call}")
            fw.lines.append(f"v[{o0}:{o1}] = r[0]")
            for pos in range(entry.arity):
                d0 = n_slots
                n_slots += len(ks)
                for j, k in enumerate(ks):
                    local[(k, pos)] = d0 + j
                fw.lines.append(f"v[{d0}:{n_slots}] = r[{pos + 1}]")
        self._forward = fw.compile("forward_steps", "v")
        values = np.zeros(n_slots, dtype=np.float64)
        values[0], values[1] = 1.0, -1.0
        values[2 : 2 + n_leaves] = [v[2] for v in variables[:n_leaves]]
        self.values = values
        self.slot = slot
        self.n_inputs = len(p.inputs)
        self.param_slots = (2 + p.params[0], 2 + p.params[-1] + 1) if p.params else (0, 0)
        self.out_slots = tuple(slot[i] for i in p.outputs)
        self.guard_check = guard_check(p, slot)
        self._lower_backward(p, local, slot)

    @staticmethod
    def _emit_sum(fw: _Emitter, eqns: tuple[tuple, ...],
                  pattern: tuple[int, ...], ks: list[int], slot: list[int],
                  producer: dict[int, int], out: str) -> None:
        """``out = ((t0 + t1) + t2) + ...`` for every row: terms gathered as an (L, n) array, then
        ``np.add.accumulate`` down the columns (a sequential left fold, the engine's order)."""
        np = fw.np
        width, n = len(pattern), len(ks)
        rows: list[list[tuple[int, ...]]] = [[] for _ in range(width)]  # per operand: its slots per row
        for k in ks:
            for j, i in enumerate(eqns[k][1]):  # [1]: an eqn record's ins
                if pattern[j] == 2:  # a product's two operands
                    a, b = eqns[producer[i]][1]
                    rows[j].append((slot[a], slot[b]))
                else:
                    rows[j].append((slot[i],))
        if width == 2 and pattern == (1, 1):
            a, b = fw.gather("v", [r[0] for r in rows[0]]), fw.gather("v", [r[0] for r in rows[1]])
            fw.lines.append(f"add({a}, {b}, out={out})")
            return
        terms = fw.const("T", np.zeros((width, max(n, 2)), dtype=np.float64))  # see _fold
        cols = "" if n > 1 else ", :1"
        j = 0
        while j < width:  # runs of operands of one kind: one gather (and multiply) per run
            j1 = j
            while j1 < width and pattern[j1] == pattern[j]:
                j1 += 1
            if pattern[j] == 1:
                src = fw.gather("v", [[r[0] for r in rows[x]] for x in range(j, j1)])
                fw.lines.append(f"{terms}[{j}:{j1}{cols}] = {src}")
            else:
                fw.product("v", [[r[0] for r in rows[x]] for x in range(j, j1)],
                           "v", [[r[1] for r in rows[x]] for x in range(j, j1)], f"{terms}[{j}:{j1}{cols}]")
            j = j1
        if width == 2:
            fw.lines.append(f"add({terms}[0{cols}], {terms}[1{cols}], out={out})")
            return
        _fold(fw, terms, n, out)

    def _lower_backward(self, p: Program, local: dict[tuple[int, int], int], slot: list[int]) -> None:
        np = self.np
        nv = len(p.var_records)
        root = list(range(nv))  # a gradient that is exactly another one shares its slot
        glevel = [0] * nv
        groups: dict[tuple[int, int], list[tuple[int, list[int], list[int]]]] = {}
        seed_var = -1
        d0, d1 = local_slots(p, local, slot)
        eq_out = [e[2] for e in p.eqn_records]  # e[2]: an eqn record's out
        for var, terms in p.grad_records:
            if len(terms) == 1:  # most gradients: one term, often exactly the parent's gradient
                k, pos = terms[0]
                d, u = d1[k] if pos else d0[k], root[eq_out[k]]
                if d == ONE:  # share the parent's slot
                    root[var] = u
                    glevel[var] = glevel[u]
                    continue
                ds, ups, lv = [d], [u], 1 + glevel[u]
            elif not terms:
                seed_var = var
                continue
            else:
                ds = [d1[k] if pos else d0[k] for k, pos in terms]
                ups = [root[eq_out[k]] for k, _ in terms]
                lv = 1 + max(map(glevel.__getitem__, ups))
            glevel[var] = lv
            groups.setdefault((lv, len(ds)), []).append((var, ds, ups))
        gslot = [-1] * nv
        n_g = 1  # slot 0 stays 0.0: the gradient of a parameter the output does not depend on
        if seed_var >= 0:
            gslot[seed_var] = n_g
            n_g += 1
        order = sorted(groups, key=lambda g: g[0])
        for key in order:
            for var, _, _ in groups[key]:
                gslot[var] = n_g
                n_g += 1
        bw = _Emitter(np)
        for key in order:
            rows = groups[key]
            t0, t1 = gslot[rows[0][0]], gslot[rows[-1][0]] + 1
            width, n = key[1], len(rows)
            table = bw.const("C", np.zeros((width, max(n, 2)), dtype=np.float64))  # see _fold
            bw.product("v", [[r[1][j] for r in rows] for j in range(width)],
                       "g", [[gslot[r[2][j]] for r in rows] for j in range(width)],
                       table if n > 1 else f"{table}[:, :1]")
            total = f"{table}[0, :{n}]"
            if width > 1:
                total = bw.const("S", np.empty(n, dtype=np.float64))
                _fold(bw, table, n, total)
            bw.lines.append(f"add({total}, 0.0, out=g[{t0}:{t1}])")
        self._backward = bw.compile("backward_steps", "v, g")
        self.n_grads = n_g
        self.param_grad_slots = np.array([max(gslot[root[i]], 0) for i in p.params], dtype=np.intp)
        self.seed = gslot[seed_var] if seed_var >= 0 else -1

    def forward(self, xs: list[float], params: list[float]) -> Any:
        np = self.np
        v = self.values.copy()
        v[2 : 2 + self.n_inputs] = xs
        a, b = self.param_slots
        v[a:b] = params
        try:
            with np.errstate(all="ignore"):
                self._forward(v)
        except (ArithmeticError, ValueError):  # an op's own error: let the Python replay raise it
            raise NonFinite from None
        # every input, result and stored derivative has a slot (a product folded into a sum
        # that overflows makes the sum non-finite), so one check covers the whole pass
        if not np.isfinite(v).all():
            raise NonFinite
        return v

    def backward(self, v: Any, gradient: float) -> list[float]:
        """Each parameter's gradient (0.0 where the output does not depend on it)."""
        if self.seed < 0:
            return [0.0] * len(self.param_grad_slots)
        np = self.np
        g = np.zeros(self.n_grads, dtype=np.float64)
        g[self.seed] = 0.0 + gradient
        with np.errstate(all="ignore"):
            self._backward(v, g)
        return g.take(self.param_grad_slots).tolist()

    def outputs(self, v: Any) -> list[float]:
        return [float(v[s]) for s in self.out_slots]


_UFUNCS = {"*": "multiply", "-": "subtract", "neg": "negative"}


def _runs(np: Any, ia: Any, ib: Any) -> list[tuple[int, int, Any]]:
    """Consecutive rows of two (L, n) index tables that share a broadcast shape.

    Each run is ``(first row, end row, None or (R, C, mode of a, mode of b))`` where a mode
    ``"tile"`` means the row is the same in each of its R blocks of C columns, ``"repeat"``
    that each block is one index repeated C times.
    """
    L, n = ia.shape
    label: list[Any] = [None] * L
    for c in range(2, n // 2 + 1):
        if n % c:
            continue
        r = n // c
        modes = []
        for t in (ia.reshape(L, r, c), ib.reshape(L, r, c)):
            tile = (t == t[:, :1, :]).all(axis=(1, 2))
            repeat = (t == t[:, :, :1]).all(axis=(1, 2))
            modes.append((tile, repeat))
        for j in range(L):
            if label[j] is None:
                ka = "tile" if modes[0][0][j] else "repeat" if modes[0][1][j] else None
                kb = "tile" if modes[1][0][j] else "repeat" if modes[1][1][j] else None
                if ka is not None and kb is not None:
                    label[j] = (r, c, ka, kb)
        if all(x is not None for x in label):
            break
    runs: list[tuple[int, int, Any]] = []
    for j, x in enumerate(label):
        if runs and runs[-1][2] == x:
            runs[-1] = (runs[-1][0], j + 1, x)
        else:
            runs.append((j, j + 1, x))
    return runs


def _fold(em: _Emitter, table: str, n: int, out: str) -> None:
    """``out[i] = ((table[0, i] + table[1, i]) + table[2, i]) + ...`` for i < n, in one call.

    ``table`` names a C-ordered (L, max(n, 2)) buffer. ``np.add.reduce`` down its axis 0 adds
    row after row into the result: numpy sums pairwise only along the fast axis in memory
    (the documentation of ``numpy.sum``), and axis 0 is not that axis when there are at least
    two columns, which is why a one-row table has a second, unused column. Tested against
    Python's left fold (tests/autograd/test_tracing.py).
    """
    if n >= 2:
        em.lines.append(f"fold({table}, axis=0, out={out})")
        return
    pad = em.const("P", em.np.empty(2, dtype=em.np.float64))
    em.lines.append(f"fold({table}, axis=0, out={pad})")
    em.lines.append(f"{out}[0] = {pad}[0]")


def lower_numpy(p: Program) -> NumpyReplay:
    """The numpy replay of a fused, scheduled program (ImportError naming the extra without numpy)."""
    return NumpyReplay(p)


def numpy_available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


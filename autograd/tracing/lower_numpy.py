"""Pass 4, lower (numpy): each level's same-op instructions become one array operation.

Needs the ``fast`` extra (``pip install 'chaingrad[fast]'``). The program's numbers live in
one float64 array; per level and op, the operands are gathered, one vectorized call
computes every result (and the local derivatives backward needs), and the results are
scattered back. A ``sum`` of L operands runs as ``np.add.accumulate`` along rows of an
``(n, L)`` array: a sequential left fold, the same additions in the same order as the
engine's ``((a + b) + c) + ...`` (numpy's pairwise summation is never used).

Backward: the gradients of a level that have the same number of terms are computed
together: the terms, laid out in ``backward()``'s order, are multiplied in one call and
summed along rows with ``np.add.accumulate`` (a segmented, order-keeping scatter-add), so
fan-in gradients are added in exactly the engine's order too. What can differ from the
engine would be the last bit of transcendental functions (numpy's ``exp``, ``log``, ``tanh``
round differently from libm), so those call libm per element (:func:`_libm`): the replay
is bit-identical to the engine, not just close.

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
from .ir import ONE, Program, local_slot

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


class NumpyReplay:
    """The lowered program: per level and op one array call forward, one per level and width backward."""

    def __init__(self, p: Program) -> None:
        np = self.np = _np()
        nv = len(p.vars)
        values = [1.0, -1.0] + [v.value for v in p.vars]
        self.n_inputs = len(p.inputs)
        self.param_slots = (2 + p.params[0], 2 + p.params[-1] + 1) if p.params else (0, 0)
        local: dict[tuple[int, int], int] = {}
        steps: list[tuple] = []
        for members in p.levels:
            by_key: dict[Any, list[int]] = {}
            for k in members:
                e = p.eqns[k]
                key = ("sum", len(e.ins)) if e.op in ("sum", "+") else (e.op, e.param)
                by_key.setdefault(key, []).append(k)
            for key, ks in by_key.items():
                outs = np.array([2 + p.eqns[k].out for k in ks], dtype=np.intp)
                if key[0] == "sum":
                    idx = np.array([[2 + i for i in p.eqns[k].ins] for k in ks], dtype=np.intp)
                    steps.append(("sum", outs, idx))
                    continue
                op, param = key
                entry = op_of(op if param is None else f"**{param!r}")
                rule = numpy_rule(op)
                ins = [np.array([2 + p.eqns[k].ins[j] for k in ks], dtype=np.intp)
                       for j in range(entry.arity)]
                if op in ("*", "-", "neg"):  # local derivatives read from slots: see local_slot
                    steps.append(("op", outs, ins, rule, param, ()))
                    continue
                dslots = []
                for pos in range(entry.arity):
                    start = len(values)
                    values.extend([0.0] * len(ks))
                    for j, k in enumerate(ks):
                        local[(k, pos)] = start + j
                    dslots.append(np.arange(start, start + len(ks), dtype=np.intp))
                steps.append(("op", outs, ins, rule, param, tuple(dslots)))
        self.steps = steps
        self.values = np.array(values, dtype=np.float64)
        self.out_slots = tuple(2 + i for i in p.outputs)
        self._lower_backward(p, local, nv)

    def _lower_backward(self, p: Program, local: dict[tuple[int, int], int], nv: int) -> None:
        np = self.np
        gslot = [-1] * nv
        glevel = [0] * nv
        n_g = 0
        groups: dict[tuple[int, int], list[tuple[int, list[int], list[int]]]] = {}
        for ge in p.grads:
            if not ge.terms:
                gslot[ge.var] = n_g
                n_g += 1
                continue
            ds = [local_slot(p, k, pos, local) for k, pos in ge.terms]
            qs = [gslot[p.eqns[k].out] for k, _ in ge.terms]
            lv = 1 + max(glevel[p.eqns[k].out] for k, _ in ge.terms)
            if len(ds) == 1 and ds[0] == ONE:
                gslot[ge.var] = qs[0]
                glevel[ge.var] = lv - 1
                continue
            gslot[ge.var] = n_g
            n_g += 1
            glevel[ge.var] = lv
            groups.setdefault((lv, len(ds)), []).append((gslot[ge.var], ds, qs))
        steps = []
        for lv, width in sorted(groups, key=lambda g: g[0]):
            rows = groups[(lv, width)]
            t = np.array([r[0] for r in rows], dtype=np.intp)
            d = np.array([r[1] for r in rows], dtype=np.intp)
            q = np.array([r[2] for r in rows], dtype=np.intp)
            steps.append((t, d, q, width))
        self.backward_steps = steps
        self.n_grads = n_g
        self.param_grad_slots = np.array([gslot[i] for i in p.params], dtype=np.intp)
        self.param_has_grad = [gslot[i] >= 0 for i in p.params]
        self.seed = gslot[p.outputs[0]] if p.grads else -1

    def forward(self, xs: list[float], params: list[float]) -> Any:
        np = self.np
        v = self.values.copy()
        n = self.n_inputs
        v[2 : 2 + n] = xs
        a, b = self.param_slots
        v[a:b] = params
        if not np.isfinite(v).all():
            raise NonFinite
        accumulate = np.add.accumulate
        for step in self.steps:
            if step[0] == "sum":
                _, outs, idx = step
                r = accumulate(v[idx], axis=1)[:, -1] if idx.shape[1] > 2 else v[idx[:, 0]] + v[idx[:, 1]]
                if not np.isfinite(r).all():
                    raise NonFinite
                v[outs] = r
                continue
            _, outs, ins, rule, param, dslots = step
            with np.errstate(all="ignore"):
                res = rule(*(v[i] for i in ins)) if param is None else rule(v[ins[0]], param)
            if not all(np.isfinite(x).all() for x in res):
                raise NonFinite
            v[outs] = res[0]
            for ds, dv in zip(dslots, res[1:]):
                v[ds] = dv
        return v

    def backward(self, v: Any, gradient: float) -> list[float]:
        if self.seed < 0:
            return [0.0] * len(self.param_has_grad)
        np = self.np
        g = np.zeros(self.n_grads, dtype=np.float64)
        g[self.seed] = 0.0 + gradient
        accumulate = np.add.accumulate
        for t, d, q, width in self.backward_steps:
            c = v[d] * g[q]
            g[t] = (accumulate(c, axis=1)[:, -1] if width > 1 else c[:, 0]) + 0.0
        grads = g[self.param_grad_slots].tolist()
        return [x if has else 0.0 for x, has in zip(grads, self.param_has_grad)]

    def outputs(self, v: Any) -> list[float]:
        return [float(v[s]) for s in self.out_slots]


def lower_numpy(p: Program) -> NumpyReplay:
    """The numpy replay of a fused, scheduled program (ImportError naming the extra without numpy)."""
    return NumpyReplay(p)


def numpy_available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


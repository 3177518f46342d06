"""Hypothesis strategies for property-testing gradients in your own test suite.

Needs the ``hypothesis`` extra (``pip install 'chaingrad[hypothesis]'``). Users import them
from :mod:`autograd.testing`.

* :func:`values` — floats for one operand of an op, inside its domain and away from kinks
  (with ``edges=True``: also exactly at its kinks and domain boundaries, ±0.0, subnormals,
  huge magnitudes, nan and ±inf);
* :func:`op_calls` — an op from the table with arguments it can take;
* :func:`expressions` — random expression DAGs over every op in the table, reusing earlier
  nodes so fan-in (a node feeding several others) is common, each with a point where it is
  smooth, ready for :func:`autograd.gradcheck`.

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.testing import expressions
>>> @given(expressions())
... def test_backprop_matches_finite_differences(expr):
...     assert gradcheck(expr, expr.point)
>>> test_backprop_matches_finite_differences()
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "autograd.testing needs Hypothesis: pip install 'chaingrad[hypothesis]' (or hypothesis)"
    ) from e

from ..ops import OPS, Op, apply
from ..value import Value

# How far from a kink (relu, abs at 0) every kinked op's operand must stay, so that the
# central difference with h = 1e-6 never straddles it.
KINK_MARGIN = 1e-3
# Intermediate values stay below this magnitude, so finite differences stay accurate.
MAX_MAGNITUDE = 1e4


# The edge points every op is tested at with ``edges=True``: signed zeros, the smallest
# subnormal, the smallest normal, huge finite magnitudes, the infinities and nan.
EDGE_POINTS: tuple[float, ...] = (
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308,
    1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308,
    math.inf, -math.inf, math.nan,
)

# Domain boundaries by (op, operand): where the op stops being defined, or overflows; from
# the op table's ``boundaries``. (Kinks come from the op table's ``kink``.)
DOMAIN_BOUNDARIES: dict[tuple[str, int], tuple[float, ...]] = {
    (op.name, k): points for op in OPS.values() for k, points in enumerate(op.boundaries) if points
}


def edge_points(op: str | Op | None = None, operand: int = 0) -> tuple[float, ...]:
    """The edge points of operand ``operand`` of ``op``: its kinks, its domain boundaries,
    the operands of its documented edge rows (``Op.edges``) and :data:`EDGE_POINTS` (nan and
    ±inf included), each once.

    >>> points = edge_points("log")
    >>> 0.0 in points, -1.0 in points, any(p != p for p in points)   # boundary, a row, nan
    (True, True, True)
    """
    extra: tuple[float, ...] = ()
    if op is not None:
        entry = _entry(op, operand)
        documented = tuple(e.args[operand] for e in entry.edges)  # the op table's edge rows
        extra = tuple(entry.kinks) + DOMAIN_BOUNDARIES.get((entry.name, operand), ()) + documented
    out: list[float] = []
    for x in (*extra, *EDGE_POINTS):
        # signed zeros and nan are distinct points here (0.0 == -0.0 and nan != nan)
        key = repr(x)
        if key not in {repr(y) for y in out}:
            out.append(x)
    return tuple(out)


def _entry(op: str | Op, operand: int) -> Op:
    if isinstance(op, str):
        if op not in OPS:
            raise ValueError(f"no op named {op!r}; the ops are {', '.join(OPS)}")
        entry = OPS[op]
    else:
        entry = op
    if not 0 <= operand < entry.arity:
        raise ValueError(f"op {entry.name!r} has {entry.arity} operand(s); operand={operand} is out of range")
    return entry


def values(op: str | Op | None = None, operand: int = 0, *, edges: bool = False) -> st.SearchStrategy[float]:
    """Floats for operand ``operand`` of ``op``, inside its domain and away from its edges.

    Without ``op``: floats in [-3, 3]. With ``edges=True`` the edge points are drawn too,
    often: exactly at the op's kinks and domain boundaries, ±0.0, subnormals, huge
    magnitudes, nan and ±inf (see :func:`edge_points`). Edge draws assume nothing about
    the result: at an edge an op may give nan or inf, or raise (``log(-1.0)``); compare
    with the op's documented edge behaviour.

    >>> from hypothesis import given
    >>> @given(values("log"))
    ... def test_log_domain(x):
    ...     assert x > 0
    >>> test_log_domain()
    """
    if op is None:
        inner = st.floats(-3.0, 3.0, allow_nan=False)
    else:
        entry = _entry(op, operand)
        inner = st.one_of([st.floats(lo, hi, allow_nan=False) for lo, hi in entry.domain[operand]])
    if not edges:
        return inner
    points = edge_points(op, operand)
    # next to a kink or boundary too: the floats either side of it
    sharp: tuple[float, ...] = (0.0,)
    if op is not None:
        entry = _entry(op, operand)
        sharp += tuple(entry.kinks) + DOMAIN_BOUNDARIES.get((entry.name, operand), ())
    near = tuple(math.nextafter(p, d) for p in sharp for d in (-math.inf, math.inf))
    return st.one_of(st.sampled_from(points), st.sampled_from(near), inner)


@dataclass(frozen=True)
class OpCall:
    """One op with arguments it accepts: ``call(*Values)`` applies it."""

    op: Op
    args: tuple[float, ...]
    param: float | None = None

    def __call__(self, *xs: Value) -> Value:
        return apply(self.op.name, *xs, param=self.param)

    def __repr__(self) -> str:
        p = "" if self.param is None else f", param={self.param!r}"
        return f"OpCall({self.op.name!r}, args={self.args!r}{p})"


@st.composite
def op_calls(draw: Any, ops: Sequence[str] | None = None, *, edges: bool = False) -> OpCall:
    """An op from the table (or from ``ops``) with arguments in its domain (``edges=True``:
    arguments often at the op's edges, see :func:`values`)."""
    names = list(ops) if ops is not None else list(OPS)
    entry = OPS[draw(st.sampled_from(names))]
    args = tuple(draw(values(entry, i, edges=edges)) for i in range(entry.arity))
    if edges and entry.kink is not None and entry.arity == 2 and draw(st.booleans()):
        args = (args[0], args[0])  # exactly at a binary op's kink: max/min at a tie
    elif not edges and entry.kink is not None and abs(entry.kink(*args)) < KINK_MARGIN:
        from hypothesis import assume

        assume(False)  # max/min at a tie: not differentiable there
    param = None
    if entry.param_domain is not None:
        lo, hi = entry.param_domain
        param = draw(st.one_of(st.integers(int(lo), int(hi)).map(float), st.floats(lo, hi, allow_nan=False)))
    return OpCall(entry, args, param)


# An instruction: (op name, operand node indices, param). Nodes 0..n_inputs-1 are inputs.
Instr = tuple[str, tuple[int, ...], float | None]


@dataclass(frozen=True)
class Expression:
    """A random expression DAG: call it with one Value per input to build its graph.

    ``point`` is where it was found smooth (finite, within :data:`MAX_MAGNITUDE`, every
    kinked op's operand at least :data:`KINK_MARGIN` from its kink), unless it was drawn
    with ``edges=True`` (then ``edges`` is True and the point may be anywhere: evaluating
    may give nan or inf or raise).
    """

    n_inputs: int
    program: tuple[Instr, ...]
    point: tuple[float, ...]
    edges: bool = False

    def __call__(self, *xs: Value) -> Value:
        return self.evaluate(xs)[-1]

    def evaluate(self, xs: Sequence[Value]) -> list[Value]:
        if len(xs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(xs)}")
        nodes: list[Value] = list(xs)
        for name, args, param in self.program:
            nodes.append(apply(name, *(nodes[i] for i in args), param=param))
        return nodes

    def is_smooth_at(self, point: Sequence[float]) -> bool:
        try:
            nodes = self.evaluate([Value(x) for x in point])
        except (ValueError, ZeroDivisionError, OverflowError):
            return False
        for n in nodes:
            if not (math.isfinite(n.data) and abs(n.data) < MAX_MAGNITUDE):
                return False
        for name, args, _ in self.program:
            kink = OPS[name].kink
            if kink is not None and abs(kink(*(nodes[i].data for i in args))) < KINK_MARGIN:
                return False
        return True

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        for name, args, param in self.program:
            a = [names[i] for i in args]
            if name == "**n":
                names.append(f"({a[0]} ** {param!r})")
            elif len(a) == 2:
                names.append(f"({a[0]} {name} {a[1]})")
            else:
                names.append(f"{name}({a[0]})")
        return f"Expression({names[-1]} at {self.point!r})"


def _needs_guard(entry: Op, k: int) -> bool:
    """True where operand k must stay away from 0 for a reason other than a kink."""
    return entry.kink is None and not any(lo <= 0.0 <= hi for lo, hi in entry.domain[k])


def _guard_positive(program: list[Instr], n_inputs: int, node: int) -> int:
    """Append ``exp(tanh(x))`` (always in [1/e, e]) for node ``node``; return its node index."""
    program.append(("tanh", (node,), None))
    program.append(("exp", (n_inputs + len(program) - 1,), None))
    return n_inputs + len(program) - 1


@st.composite
def expressions(draw: Any, max_inputs: int = 3, max_ops: int = 8,
                ops: Sequence[str] | None = None, *, edges: bool = False) -> Expression:
    """A random expression DAG over the table's ops with a smooth point to check it at.

    Operands are drawn from every earlier node, so shared subexpressions (fan-in) are
    common. Ops with a restricted domain (``log``, ``sqrt``, ``/``, ``**``) get their
    operand through a positive guard (``exp(tanh(x))``), so they apply anywhere.

    With ``edges=True`` the point's coordinates are often edge points (:data:`EDGE_POINTS`:
    ±0.0, subnormals, huge magnitudes, nan, ±inf, and 0 — the kink and boundary shared by
    most ops) and the point is *not* filtered for smoothness: the expression may give nan
    or inf or raise there. Use it to test documented non-finite semantics.
    """
    names = list(ops) if ops is not None else list(OPS)
    for name in names:
        if name not in OPS:
            raise ValueError(f"expressions(): no op named {name!r}; the ops are {', '.join(OPS)}")
    n_inputs = draw(st.integers(1, max_inputs))
    n_ops = draw(st.integers(1, max_ops))
    program: list[Instr] = []
    for _ in range(n_ops):
        entry = OPS[draw(st.sampled_from(names))]
        args = []
        for k in range(entry.arity):
            # favour recent nodes so the graph gets deep, but reach back for fan-in
            idx = draw(st.integers(0, n_inputs + len(program) - 1))
            if _needs_guard(entry, k):
                idx = _guard_positive(program, n_inputs, idx)
            args.append(idx)
        param = None
        if entry.param_domain is not None:
            lo_p, hi_p = entry.param_domain
            param = float(draw(st.integers(int(lo_p), int(hi_p))))
        program.append((entry.name, tuple(args), param))
    if edges:
        coord = st.one_of(st.sampled_from(EDGE_POINTS), st.floats(-2.0, 2.0, allow_nan=False))
        point = tuple(draw(coord) for _ in range(n_inputs))
        return Expression(n_inputs, tuple(program), point, edges=True)
    point = tuple(draw(st.floats(-2.0, 2.0, allow_nan=False)) for _ in range(n_inputs))
    expr = Expression(n_inputs, tuple(program), point)
    if not expr.is_smooth_at(point):
        from hypothesis import assume

        assume(False)
    return expr

"""Hypothesis strategies for property-testing gradients in your own test suite.

Needs the ``hypothesis`` extra (``pip install 'chaingrad[hypothesis]'``).

* :func:`values` — floats for one operand of an op, inside its domain and away from kinks;
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

from .ops import OPS, Op, apply
from .value import Value

# How far from a kink (relu, abs at 0) every kinked op's operand must stay, so that the
# central difference with h = 1e-6 never straddles it.
KINK_MARGIN = 1e-3
# Intermediate values stay below this magnitude, so finite differences stay accurate.
MAX_MAGNITUDE = 1e4


def values(op: str | Op | None = None, operand: int = 0) -> st.SearchStrategy[float]:
    """Floats for operand ``operand`` of ``op``, inside its domain and away from its edges.

    Without ``op``: floats in [-3, 3].

    >>> from hypothesis import given
    >>> @given(values("log"))
    ... def test_log_domain(x):
    ...     assert x > 0
    >>> test_log_domain()
    """
    if op is None:
        return st.floats(-3.0, 3.0, allow_nan=False)
    entry = OPS[op] if isinstance(op, str) else op
    if not 0 <= operand < entry.arity:
        raise ValueError(f"op {entry.name!r} has {entry.arity} operand(s); operand={operand} is out of range")
    return st.one_of([st.floats(lo, hi, allow_nan=False) for lo, hi in entry.domain[operand]])


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
def op_calls(draw: Any, ops: Sequence[str] | None = None) -> OpCall:
    """An op from the table (or from ``ops``) with arguments in its domain."""
    names = list(ops) if ops is not None else list(OPS)
    entry = OPS[draw(st.sampled_from(names))]
    args = tuple(draw(values(entry, i)) for i in range(entry.arity))
    if entry.kink is not None and abs(entry.kink(*args)) < KINK_MARGIN:
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
    kinked op's operand at least :data:`KINK_MARGIN` from its kink).
    """

    n_inputs: int
    program: tuple[Instr, ...]
    point: tuple[float, ...]

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
                ops: Sequence[str] | None = None) -> Expression:
    """A random expression DAG over the table's ops with a smooth point to check it at.

    Operands are drawn from every earlier node, so shared subexpressions (fan-in) are
    common. Ops with a restricted domain (``log``, ``sqrt``, ``/``, ``**``) get their
    operand through a positive guard (``exp(tanh(x))``), so they apply anywhere.
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
    point = tuple(draw(st.floats(-2.0, 2.0, allow_nan=False)) for _ in range(n_inputs))
    expr = Expression(n_inputs, tuple(program), point)
    if not expr.is_smooth_at(point):
        from hypothesis import assume

        assume(False)
    return expr

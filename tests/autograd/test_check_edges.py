"""gradcheck at non-finite derivatives and bad tolerances, and the strategies' edge mode
(``edges=True``) drawing the points the op table documents, for chaingrad and for users."""

import math
import random
import struct

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd import OPS, GradcheckError, Value, gradcheck, gradgradcheck
from autograd.gradcheck import numerical_grad
from autograd.ops import apply
from autograd.testing import EDGE_POINTS, edge_points, expressions, op_calls, values


def same(x: float, y: float) -> bool:
    """Bit-level float equality: nan equals nan, and 0.0 differs from -0.0."""
    return struct.pack("<d", x) == struct.pack("<d", y) or (math.isnan(x) and math.isnan(y))


# ------------------------------------------------------------------ gradcheck: never a pass on nan/inf


@pytest.mark.parametrize("f, point, side", [
    (lambda x: x * math.inf, [1.0], "analytical inf, numerical nan"),
    (lambda x: x * math.nan, [1.0], "analytical nan"),
    (lambda x: x + Value(math.inf), [1.0], "analytical 1, numerical nan (inf - inf)"),
    (lambda x, y: x * y * math.inf, [1.0, 2.0], "two inputs"),
])
def test_gradcheck_fails_on_a_non_finite_derivative(f, point, side):
    with pytest.raises(GradcheckError, match="not finite") as info:
        gradcheck(f, point)
    assert "<- non-finite" in str(info.value), side


def test_gradgradcheck_fails_on_a_non_finite_second_derivative():
    with pytest.raises(GradcheckError, match="not finite") as info:
        gradgradcheck(lambda x: x * x * math.inf, [1.0])
    assert "d²f/dx0dx0" in str(info.value)


def test_the_finite_case_still_passes_and_a_real_mismatch_still_says_disagree():
    assert gradcheck(lambda x: x * 1e300, [1.0])  # huge but finite
    with pytest.raises(GradcheckError, match="disagree"):
        gradcheck(lambda x: x * x.detach(), [3.0])


@pytest.mark.parametrize("name, bad", [
    ("atol", math.nan), ("atol", math.inf), ("atol", -1e-5),
    ("rtol", math.nan), ("rtol", -math.inf), ("rtol", -0.1),
    ("eps", math.nan), ("eps", math.inf), ("eps", 0.0), ("eps", -1e-6),
])
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_a_non_finite_or_negative_tolerance_is_a_value_error(check, name, bad):
    with pytest.raises(ValueError, match=f"{name} must be a finite number"):
        check(lambda x: x * x, [1.0], **{name: bad})


def test_tolerances_must_be_numbers_and_zero_tolerance_is_allowed():
    with pytest.raises(TypeError, match="atol must be a number, got str"):
        gradcheck(lambda x: x, [1.0], atol="0.1")
    with pytest.raises(TypeError, match="rtol must be a number, got bool"):
        gradcheck(lambda x: x, [1.0], rtol=True)
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        numerical_grad(lambda x: x, [1.0], eps=math.nan)
    with pytest.raises(GradcheckError, match="disagree"):  # zero tolerance is allowed, and strict
        gradcheck(lambda x: x * 3.0, [1.0], atol=0.0, rtol=0.0)


# ------------------------------------------------------------------ edge mode of the strategies


def test_edge_points_name_the_kinks_boundaries_and_documented_rows():
    assert edge_points("relu")[0] == 0.0  # the kink first
    assert 0.0 in edge_points("/", 1) and -1.0 in edge_points("log1p")
    assert 709.782712893384 in edge_points("exp")  # just below exp's overflow
    for e in OPS["*"].edges:
        assert all(any(same(a, p) for p in edge_points("*", k)) for k, a in enumerate(e.args))
    for p in EDGE_POINTS:
        assert any(same(p, q) for q in edge_points("tanh"))
    with pytest.raises(ValueError, match="no op named 'tan'"):
        edge_points("tan")
    with pytest.raises(ValueError, match="operand=1 is out of range"):
        edge_points("tanh", 1)


@pytest.mark.parametrize("want", [0.0, -0.0, 5e-324, 1e300, math.inf, -math.inf, math.nan])
def test_values_with_edges_draws_each_edge_point(want):
    seen = []

    @settings(max_examples=300, database=None, derandomize=True)
    @given(values("log", edges=True))
    def collect(x):
        seen.append(x)

    collect()
    assert any(same(x, want) for x in seen)


@settings(max_examples=200, database=None)
@given(st.sampled_from(sorted(OPS)).flatmap(lambda op: st.tuples(st.just(op), values(op))))
def test_values_without_edges_stay_finite_and_off_kinks(case):
    op, x = case
    assert math.isfinite(x) and all(abs(x - k) >= 1e-3 for k in OPS[op].kinks)


@settings(max_examples=300, database=None)
@given(op_calls(edges=True))
def test_documented_non_finite_semantics_at_drawn_edges(call):
    """nan propagates (except nan ** 0 = 1); nan and inf operands alone are never a domain error;
    where the drawn point is a documented edge row, the result is exactly that row's."""
    op, args = call.op, call.args
    row = next((e for e in op.edges if len(e.args) == len(args) and all(map(same, e.args, args))
                and (e.param is None or e.param == call.param)), None)
    try:
        y = call(*(Value(a) for a in args))
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        if row is not None:
            assert row.error is type(e), f"{op.name}{args}: raised {e!r}, documented {row}"
        if not any(math.isfinite(a) for a in args):  # (a finite base 0.0 ** inf may still raise)
            assert not isinstance(e, ValueError), f"{op.name}{args}: domain error at a non-finite: {e}"
        return
    if row is not None:
        assert row.error is None and same(y.data, row.out), f"{op.name}{args}: {y.data!r}, documented {row}"
    if any(math.isnan(a) for a in args) and not (op.name == "**n" and call.param == 0):
        assert math.isnan(y.data), f"{op.name}{args} = {y.data!r}: nan must propagate"


def test_op_calls_with_edges_hits_a_max_tie():
    seen = []

    @settings(max_examples=200, database=None, derandomize=True)
    @given(op_calls(["max"], edges=True))
    def collect(call):
        seen.append(call.args)

    collect()
    assert any(a == b for a, b in seen)  # exactly at max's kink: the gradient splits ½ : ½
    y = apply("max", Value(1.0), Value(1.0))
    assert y.local_grads == (0.5, 0.5)


@pytest.mark.parametrize("kind", ["nan", "inf", "-0.0", "subnormal"])
def test_expressions_with_edges_draw_unfiltered_points_marked_as_edges(kind):
    has = {"nan": math.isnan, "inf": math.isinf, "-0.0": lambda x: same(x, -0.0),
           "subnormal": lambda x: 0 < abs(x) < 2.2250738585072014e-308}[kind]
    expr = find(expressions(edges=True), lambda e: any(map(has, e.point)),
                settings=settings(max_examples=1000, database=None), random=random.Random(0))
    assert expr.edges and any(map(has, expr.point))


def test_expressions_without_edges_are_smooth_where_drawn():
    @settings(max_examples=50, database=None)
    @given(expressions())
    def smooth(expr):
        assert not expr.edges and expr.is_smooth_at(expr.point)

    smooth()

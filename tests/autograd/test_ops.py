"""Every op in the table, generated from the table: first and second derivatives against
central differences, and the float rule against the differentiable rule."""

import doctest
import math

import pytest
from hypothesis import given

from autograd import OPS, Value, gradcheck, gradgradcheck, op_of
from autograd.testing import OpCall, op_calls

# One tolerance for every derivative check (central differences, h = 1e-6).
ATOL, RTOL = 1e-5, 1e-3

OP_NAMES = sorted(OPS)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=__import__("hypothesis").strategies.data())
def test_first_derivative_matches_central_differences(name, data):
    call: OpCall = data.draw(op_calls([name]))
    assert gradcheck(call, call.args, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=__import__("hypothesis").strategies.data())
def test_second_derivative_matches_central_differences(name, data):
    call: OpCall = data.draw(op_calls([name]))
    assert gradgradcheck(call, call.args, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=__import__("hypothesis").strategies.data())
def test_node_stores_the_table_rule(name, data):
    """What a node stores equals the table's forward rule and its differentiable rule."""
    call: OpCall = data.draw(op_calls([name]))
    xs = [Value(a) for a in call.args]
    node = call(*xs)
    entry = op_of(node.op)
    assert entry.name == name
    assert node.children == tuple(xs)
    fwd = entry.forward(*call.args) if call.param is None else entry.forward(call.args[0], call.param)
    assert node.data == fwd[0]
    assert node.local_grads == pytest.approx(fwd[1:], rel=1e-12, abs=1e-300)
    symbolic = [float(g) for g in entry.graph_grads(node)]
    assert symbolic == pytest.approx(list(node.local_grads), rel=1e-12, abs=1e-12)


def test_table_is_complete_and_consistent():
    expected = {"+", "-", "*", "/", "**", "**n", "neg", "exp", "log", "tanh", "sigmoid", "relu",
                "abs", "sqrt", "sin", "cos"}
    assert expected <= set(OPS)
    for name, op in OPS.items():
        assert op.name == name
        assert len(op.domain) == op.arity
        assert op.formula and op.symbol


def test_power_with_number_exponent_records_it_like_micrograd():
    y = Value(3.0) ** 2
    assert y.op == "**2"
    assert y.data == 9.0 and y.local_grads == (6.0,)
    assert (Value(4.0) ** 0.5).op == "**0.5"
    assert op_of("**-1.5").name == "**n"


def test_integer_power_of_negative_base_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    x = Value(-800.0)
    x.sigmoid().backward()
    assert x.grad == 0.0 and not math.isnan(x.grad)


def test_relu_and_abs_take_zero_at_the_kink():
    for method in ("relu", "abs"):
        x = Value(0.0)
        getattr(x, method)().backward()
        assert x.grad == 0.0
    x = Value(1e-9)
    x.relu().backward()
    assert x.grad == 1.0
    x = Value(-1e-9)
    x.relu().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize(("a", "b", "out", "ga", "gb"), [
    (3.0, 1.0, 3.0, 1.0, 0.0),     # the larger operand takes the gradient
    (1.0, 3.0, 3.0, 0.0, 1.0),
    (2.0, 2.0, 2.0, 0.5, 0.5),     # a tie splits it, as torch.maximum does
])
def test_the_max_gate_routes_the_gradient_to_the_larger_input(a, b, out, ga, gb):
    x, y = Value(a), Value(b)
    z = x.max(y)
    z.backward()
    assert (z.data, x.grad, y.grad) == (out, ga, gb)
    x, y = Value(-a), Value(-b)
    z = x.min(y)
    z.backward()
    assert (z.data, x.grad, y.grad) == (-out, ga, gb)


def test_max_and_min_take_numbers_on_either_side():
    x = Value(1.5)
    assert x.max(0).data == 1.5 and x.min(0).data == 0.0
    from autograd.ops import apply
    y = apply("max", 2, x)           # a number first becomes a Const, as in 2 * x
    assert y.data == 2.0 and y.children[0].is_constant


def test_log1p_is_accurate_where_log_of_one_plus_x_is_not():
    x = Value(1e-20)
    assert x.log1p().data == 1e-20 and (1 + x).log().data == 0.0


def test_every_table_op_is_a_generated_value_method():
    for op in OPS.values():
        for name in (op.method, op.reflected):
            if name is not None:
                fn = getattr(Value, name)
                assert "def " + name in fn.__source__ and op.formula in fn.__doc__
                test = doctest.DocTestParser().get_doctest(fn.__doc__, {"Value": Value}, name, None, 0)
                runner = doctest.DocTestRunner()
                runner.run(test)
                assert runner.summarize(verbose=False).failed == 0, f"the example of Value.{name}"

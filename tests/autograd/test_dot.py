"""autograd.dot: a neuron's sum built in one loop must be micrograd's sum, node for node."""

import contextlib
import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Const, Value, detect_anomaly, dot, no_grad, scope
from autograd.value import walk

EDGE = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1.0])
FLOAT = st.floats(allow_nan=True, allow_infinity=True) | EDGE


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _shape(root: Value) -> list[tuple]:
    """Every node of the graph below ``root``: its kind, op, bits of data and local grads, children."""
    order = walk(root)
    index = {id(n): i for i, n in enumerate(order)}
    return [(type(n).__name__, n.is_constant, n.op, _bits(n.data), tuple(map(_bits, n.local_grads)),
             tuple(index[id(c)] for c in n.children), n.scope) for n in order]


def _generic(ws, xs, b):
    return sum((w * x for w, x in zip(ws, xs)), b)


@st.composite
def neuron(draw):
    n = draw(st.integers(0, 6))
    ws = [Value(draw(FLOAT)) for _ in range(n)]
    shared = Value(draw(FLOAT))  # an input used twice: fan-out must stay one node
    kinds = st.sampled_from(["float", "value", "shared", "int", "const", "op"])
    xs = []
    for _ in range(n):
        kind, v = draw(kinds), draw(FLOAT)
        xs.append({"float": v, "value": Value(v), "shared": shared, "const": Const(v),
                   "int": draw(st.integers(-3, 3)), "op": shared * 2.0}[kind])
    return ws, xs, Value(draw(FLOAT))


@given(neuron())
def test_the_graph_is_micrograds_sum_node_for_node(case):
    ws, xs, b = case
    assert _shape(dot(ws, xs, b)) == _shape(_generic(ws, xs, b))


@given(neuron())
def test_gradients_equal_the_generic_sum_bit_for_bit(case):
    ws, xs, b = case
    y = dot(ws, xs, b)
    y.backward()
    fast = [_bits(v.grad) for v in (*ws, b)]
    for v in (*ws, b):
        v.grad = 0.0
    _generic(ws, xs, b).backward()
    assert fast == [_bits(v.grad) for v in (*ws, b)]


def test_known_values_and_the_result_of_an_empty_sum():
    w, b = [Value(0.5), Value(-1.0)], Value(0.25)
    y = dot(w, [2.0, 3.0], b)
    assert y.data == -1.75 and [c.op for c in y.children] == ["+", "*"]
    assert dot([], [], b) is b  # sum((), b) is b itself


def test_modes_go_through_the_operators():
    ws, xs, b = [Value(1.0), Value(2.0)], [3.0, Value(4.0)], Value(0.5)
    with no_grad():
        y = dot(ws, xs, b)
    assert y.is_leaf and y.data == 11.5
    with scope("layer"):
        y = dot(ws, xs, b)
        z = _generic(ws, xs, b)
    assert _shape(y) == _shape(z) and y.scope == "layer"
    with detect_anomaly(), pytest.raises(Exception, match="produced inf"):
        dot([Value(1e308)], [10.0], b)


@given(neuron(), st.sampled_from([None, "layers.0"]))
def test_under_no_grad_the_sum_is_the_operators_number_as_one_leaf(case, name):
    ws, xs, b = case
    with no_grad(), scope(name) if name else contextlib.nullcontext():
        fast = dot(ws, xs, b)
        generic = _generic(ws, xs, b)
    assert _bits(fast.data) == _bits(generic.data)
    assert fast.is_leaf and fast.scope == generic.scope
    assert (fast is b) == (generic is b)  # an empty sum is the start itself, as sum() gives


@pytest.mark.parametrize("ws, xs", [([Value(1.0)], ["2"]), (["w"], [2.0]), ([Value(1.0)], [None])])
def test_bad_operands_get_the_operators_errors(ws, xs):
    with pytest.raises(TypeError) as generic:
        _generic(ws, xs, Value(0.0))
    with pytest.raises(TypeError) as fast:
        dot(ws, xs, Value(0.0))
    assert str(fast.value) == str(generic.value)

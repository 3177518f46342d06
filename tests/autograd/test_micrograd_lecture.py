"""The nn-zero-to-hero micrograd lecture and EurekaLabsAI's micrograd, run on chaingrad's Value."""

import pytest

from autograd import Value


def test_the_lectures_manual_backward_node_by_node():
    # The lecture's neuron, backpropagated by calling _backward() on each node in turn.
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"  # noqa: E702
    x2w2 = x2 * w2; x2w2.label = "x2*w2"  # noqa: E702
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = "x1*w1 + x2*w2"  # noqa: E702
    n = x1w1x2w2 + b; n.label = "n"  # noqa: E702
    o = n.tanh(); o.label = "o"  # noqa: E702
    o.grad = 1.0
    for node in (o, n, b, x1w1x2w2, x2w2, x1w1, x2, w2, x1, w1):
        node._backward()
    assert n.grad == pytest.approx(0.5, abs=1e-6)
    assert (x1.grad, w1.grad) == pytest.approx((-1.5, 1.0), abs=1e-6)
    assert (x2.grad, w2.grad) == pytest.approx((0.5, 0.0), abs=1e-6)
    # ... and the same numbers as backward()
    manual = [v.grad for v in (x1, x2, w1, w2, b)]
    for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o):
        v.grad = 0.0
    o.backward()
    assert [v.grad for v in (x1, x2, w1, w2, b)] == manual


def test_backward_of_a_node_used_twice_adds_both_edges():
    a = Value(3.0)
    b = a * a
    b.grad = 1.0
    b._backward()
    assert a.grad == 6.0


def test_values_take_new_attributes_like_micrograds():
    p = Value(0.5)
    p.m, p.v = 0.0, 0.0  # EurekaLabsAI's AdamW keeps its moments on the parameter
    p.m = 0.9 * p.m + 0.1 * 1.0
    assert p.m == pytest.approx(0.1)
    p.color = "lightblue"  # ... and a colour for drawing (on parameters and inputs)
    assert p.color == "lightblue"
    y = p * 2
    y.label = "y"  # the lecture names op results: label, data and grad are settable on any node
    y.grad = 1.0
    assert (y.label, y.grad) == ("y", 1.0)
    with pytest.raises(AttributeError):
        _ = Value(1.0).m  # a name never set is still an error
    with pytest.raises(AttributeError):
        y.color = "red"  # an op's result keeps no attributes of its own (24 bytes a node saved)


def test_the_keyword_internal_constructor_is_explained():
    a = Value(1.0)
    with pytest.raises(TypeError, match="micrograd's internal constructor"):
        Value(2.0, _children=(a,), _op="+")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        Value(2.0, lable="x")

"""copy, deepcopy and pickle round-trip graphs, deep ones included, without recursion."""

import copy
import math
import pickle

import pytest

from autograd import Const, Value, grad


def _chain(n):
    x = Value(0.3, "x")
    y = x
    for _ in range(n):
        y = (y * 0.999).tanh() + 0.001
    return x, y


def _same_graph(a, b):
    from autograd import topological_order

    oa, ob = topological_order(a), topological_order(b)
    assert len(oa) == len(ob)
    for p, q in zip(oa, ob):
        assert (p.data, p.grad, p.label, p.op, p.local_grads, type(p).__name__) == (
            q.data, q.grad, q.label, q.op, q.local_grads, type(q).__name__)
        assert p is not q


def test_an_op_result_pickles_and_is_a_value_of_the_same_kind():
    y = Value(2.0) + 1
    z = pickle.loads(pickle.dumps(y))
    assert isinstance(z, Value) and type(z) is type(y) and z.data == 3.0 and z.op == "+"
    assert isinstance(z.children[1], Const) and z.children[1].is_constant
    assert type(z.children[0]) is type(Value(0.0))  # a loaded leaf takes attributes again
    z.children[0].m = 1.0


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_graph_round_trips_and_still_differentiates(how):
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    y = (a * b + a).tanh()
    y.label = "y"
    y.backward()
    z = pickle.loads(pickle.dumps(y)) if how == "pickle" else copy.deepcopy(y)
    _same_graph(y, z)
    za = z.children[0].children[1]
    assert za.label == "a"
    assert grad(z, [za]) == grad(y, [a])


@pytest.fixture(scope="module")
def deep_chain():
    """One 1e5-deep chain (x, y) for both round trips: each test zeroes its gradients first."""
    return _chain(100_000)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_chain_1e5_deep_round_trips(how, deep_chain, collector_paused):
    x, y = deep_chain
    y.zero_grad()
    z = pickle.loads(pickle.dumps(y, pickle.HIGHEST_PROTOCOL)) if how == "pickle" else copy.deepcopy(y)
    assert z.data == y.data and x.grad == 0.0
    z.backward()
    y.backward()
    leaf = z
    while not leaf.is_leaf:
        leaf = leaf.children[0]
    assert leaf.label == "x" and leaf.grad == x.grad and math.isfinite(x.grad)


def test_shared_leaves_stay_shared_across_one_pickle():
    w = Value(0.5, "w")
    loss = w * w + w
    params, loss2 = pickle.loads(pickle.dumps(([w], loss)))
    loss2.backward()
    assert params[0].grad == 2 * 0.5 + 1  # the loaded parameter is the loaded graph's leaf


def test_deepcopy_keeps_sharing_inside_one_call():
    w = Value(0.5)
    a, b = w * 2, w * 3
    a2, b2 = copy.deepcopy([a, b])
    assert a2.children[0] is b2.children[0] and a2.children[0] is not w


def test_shallow_copy_shares_children():
    x = Value(2.0)
    y = x * x
    z = copy.copy(y)
    assert z is not y and z.children == (x, x) and z.local_grads == y.local_grads


def test_user_attributes_and_scopes_survive():
    from autograd import scope

    x = Value(1.0)
    x.m = 0.25  # EurekaLabsAI's AdamW stores moments on the Value
    x.color = "red"  # EurekaLabsAI colours leaves for drawing
    with scope("layer"):
        y = x * 2
    y.label = "y"
    z = pickle.loads(pickle.dumps(y))
    assert z.label == "y" and z.scope == "layer" and z.children[0].m == 0.25
    assert z.children[0].color == "red"
    for c in (copy.deepcopy(y), copy.copy(y)):
        assert (c.label, c.scope, c.children[0].m) == ("y", "layer", 0.25)

"""backward, grad (first and higher order), zero_grad, topological order, deep graphs."""

import math
import random
import threading

import pytest
from hypothesis import given

from autograd import Value, backward, grad, gradcheck, no_grad, scope, topological_order, zero_grad
from autograd.testing import expressions


def test_fan_in_adds_gradients():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_every_node_gets_its_gradient():
    x, w, b = Value(2.0), Value(-3.0), Value(6.5)
    z = x * w + b
    y = z.tanh()
    y.backward()
    dz = 1 - y.data**2
    assert z.grad == pytest.approx(dz)
    assert w.grad == pytest.approx(dz * 2.0)
    assert x.grad == pytest.approx(dz * -3.0)
    assert y.grad == 1.0


def test_second_backward_adds_exactly_once_more():
    x = Value(0.3)
    y = (x * x).tanh() * x
    y.backward()
    first = {id(n): n.grad for n in topological_order(y)}
    y.backward()
    for n in topological_order(y):
        assert n.grad == pytest.approx(2 * first[id(n)], rel=1e-12)


def test_backward_with_an_upstream_gradient():
    x = Value(2.0)
    y = x * x
    y.backward(0.5)
    assert x.grad == 2.0 and y.grad == 0.5


def test_zero_grad_clears_the_whole_graph():
    x = Value(2.0)
    y = (x * 3).exp()
    y.backward()
    zero_grad(y)
    assert all(n.grad == 0.0 for n in topological_order(y))
    y.backward()
    x2 = x.grad
    y.zero_grad()
    y.backward()
    assert x.grad == x2


def test_grad_has_no_side_effects():
    x, y = Value(1.5), Value(-0.5)
    z = (x * y).sin() + x
    d = grad(z, [x, y])
    assert all(n.grad == 0.0 for n in topological_order(z))
    assert d[0] == pytest.approx(math.cos(-0.75) * -0.5 + 1)
    assert d[1] == pytest.approx(math.cos(-0.75) * 1.5)
    assert grad(z, x) == (d[0],)


def test_grad_of_an_unused_input_is_zero():
    x, u = Value(1.0), Value(5.0)
    assert grad(x * 2, [x, u]) == (2.0, 0.0)
    (dv,) = grad(x * 2, [u], create_graph=True)
    assert isinstance(dv, Value) and dv.data == 0.0


def test_higher_order_derivatives():
    x = Value(0.7)
    y = x**4
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    (d4,) = grad(d3, [x])
    assert d1.data == pytest.approx(4 * 0.7**3)
    assert d2.data == pytest.approx(12 * 0.7**2)
    assert d3.data == pytest.approx(24 * 0.7)
    assert d4 == pytest.approx(24.0)


def test_mixed_second_derivatives():
    x, y = Value(0.5), Value(2.0)
    f = (x * y).exp() + x.sin() * y
    dfdx, dfdy = grad(f, [x, y], create_graph=True)
    hxy = grad(dfdx, [y])[0]
    hyx = grad(dfdy, [x])[0]
    expected = math.exp(1.0) * (1 + 1.0) + math.cos(0.5)  # d/dy (y e^{xy} + y cos x)
    assert hxy == pytest.approx(expected)
    assert hyx == pytest.approx(expected)


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="inputs\\[0\\] must be a Value"):
        grad(Value(1.0), [1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="differentiates a Value"):
        grad(1.0, [Value(1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gradient must be a real number"):
        Value(1.0).backward("one")  # type: ignore[arg-type]


@given(expressions())
def test_random_dags_match_finite_differences(expr):
    assert gradcheck(expr, expr.point)


@given(expressions(max_ops=6))
def test_backward_and_grad_agree_on_random_dags(expr):
    xs = [Value(p) for p in expr.point]
    y = expr(*xs)
    d = grad(y, xs)
    y.backward()
    for x in xs:
        assert x.grad == pytest.approx(d[xs.index(x)], rel=1e-12, abs=1e-12)


def test_topological_order_is_deterministic_and_complete():
    rng = random.Random(0)
    xs = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(5)]
    nodes = list(xs)
    for _ in range(40):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(a * b + a)
    order = topological_order(nodes[-1])
    assert order[-1] is nodes[-1]
    assert len(order) == len({id(n) for n in order})
    pos = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for c in n.children:
            assert pos[id(c)] < pos[id(n)]
    assert [id(n) for n in topological_order(nodes[-1])] == [id(n) for n in order]


def test_a_chain_one_million_nodes_deep_builds_and_backprops(collector_paused):
    x = Value(0.5)
    v = x
    for i in range(1_000_000):
        v = v.tanh() if i % 2 else v * 1.0000001
    v.backward()
    assert math.isfinite(x.grad) and x.grad > 0
    assert len(topological_order(v)) > 1_000_000
    del v  # freeing a deep graph must not overflow the C stack either


def test_nothing_is_recorded_under_no_grad():
    x = Value(2.0)
    with no_grad():
        y = (x * x).exp() + 1
    assert y.children == () and y.op == "" and y.is_leaf and not y.is_constant
    assert y.data == math.exp(4.0) + 1
    y.backward()
    assert (y.grad, x.grad) == (1.0, 0.0)
    y2 = x * x
    assert y2.children == (x, x)
    with scope("eval"), no_grad():
        z = x * 3
    assert z.is_leaf and z.scope == "eval" and z.data == 6.0


def test_no_grad_is_local_to_its_thread():
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def worker():
        with no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    x = Value(1.0)
    seen["children"] = (x * x).children
    release.set()
    t.join()
    assert seen["children"] == (x, x)


def test_backward_function_matches_method():
    x = Value(1.2)
    y = x.sin() * x
    backward(y)
    assert x.grad == pytest.approx(math.cos(1.2) * 1.2 + math.sin(1.2))


@given(expressions())
def test_the_chain_rule_walk_is_the_full_walk_without_leaves(expr):
    # backward() walks interior nodes only; trace replay orders its edges by the full walk:
    # both must see the interior nodes in the same order.
    from autograd.value import walk

    out = expr(*(Value(x) for x in expr.point))
    full = [n for n in walk(out, leaves=True) if not n.is_leaf]
    assert walk(out, leaves=False) == full


@pytest.mark.parametrize("bad", [True, False, "1.0", None, [1.0]])
def test_the_seed_gradient_is_checked_the_same_way_everywhere(bad):
    from autograd import backward_steps

    y = Value(2.0) * 3
    messages = set()
    for call in (lambda: y.backward(bad), lambda: grad(y, [y], gradient=bad), lambda: backward_steps(y, bad)):
        with pytest.raises(TypeError, match="gradient must be a real number") as info:
            call()
        messages.add(str(info.value).split(": ", 1)[1])
    assert len(messages) == 1  # the same words, after the name of the call


@given(expressions())
def test_the_fast_chain_rule_loop_is_the_edge_stream(expr):
    from autograd.value import edges, walk

    xs = [Value(x) for x in expr.point]
    out = expr(*xs)
    out.backward()
    fast = [n.grad for n in walk(out)]
    grads = {out: 1.0}
    for node, _, child, local in edges(walk(out, leaves=False)):
        grads[child] = grads.get(child, 0.0) + local * grads[node]
    assert fast == [grads.get(n, 0.0) for n in walk(out)]

"""autograd.paths: the chain rule as a sum over paths, against backward() on random DAGs."""

import math

import pytest
from hypothesis import given

from autograd import Value, paths, topological_order
from autograd.testing import expressions


@given(expressions(max_inputs=3, max_ops=10))
def test_the_products_of_all_paths_sum_to_the_gradient(expr):
    xs = [Value(p, label=f"x{i}") for i, p in enumerate(expr.point)]
    out = expr(*xs)
    out.backward()
    for x in xs:
        if x not in topological_order(out):
            with pytest.raises(ValueError, match="is not in the graph"):
                paths(out, x)
            continue
        found = paths(out, x, max_paths=None)
        assert found.complete and len(found) == found.count
        for p in found:  # each path runs leaf -> root along real edges, its product is theirs
            assert p.nodes[0] is x and p.nodes[-1] is out
            for child, parent, i, g in zip(p.nodes, p.nodes[1:], p.operands, p.local_grads):
                assert parent.children[i] is child and parent.local_grads[i] == g
            assert p.product == pytest.approx(math.prod(p.local_grads), rel=1e-12, abs=0)
        scale = math.fsum(abs(p.product) for p in found)
        assert found.total == pytest.approx(x.grad, rel=1e-9, abs=1e-12 * scale)


def test_duplicate_edges_are_separate_paths():
    x = Value(3.0, label="x")
    y = x * x
    found = paths(y, x)
    assert [p.operands for p in found] == [(0,), (1,)] and found.total == 6.0
    assert paths(y, y).count == 1 and paths(y, y)[0].product == 1.0  # the root to itself: the empty path


def test_exploding_path_counts_are_capped_and_say_so():
    x = Value(1.0001, label="x")
    y = x
    for _ in range(40):  # squaring doubles the paths: 2**40
        y = y * y
    found = paths(y, x, max_paths=100)
    assert found.count == 2**40 and len(found) == 100 and not found.complete
    assert "1099511627776 paths, too many to list: showing the first 100" in found.statement()
    assert "NOT the whole gradient" in repr(found)


def test_a_deep_chain_needs_no_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y + 0.0
    (p,) = paths(y, x)
    assert len(p.nodes) == 100_001 and p.product == 1.0


def test_bad_arguments_are_named():
    x = Value(1.0)
    with pytest.raises(TypeError, match="leaf must be a Value, got float"):
        paths(x * 2, 1.0)
    with pytest.raises(TypeError, match="draws a Value's graph, got str"):
        paths("y", x)
    with pytest.raises(ValueError, match="max_paths must be a non-negative int"):
        paths(x * 2, x, max_paths=-1)

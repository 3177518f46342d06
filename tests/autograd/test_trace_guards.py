"""Trace guards and validation: decisions taken on data are recomputed, guarded, or caught."""

import pytest

import autograd
from autograd import TraceMismatchError, Value, trace

BACKENDS = ["python", "numpy"]


def test_comparisons_are_reported_to_the_recording_hook():
    seen = []
    with autograd.modes.comparisons_reported(lambda a, op, b, r: seen.append((op, b, r))):
        assert Value(2.0) > 1
        assert not (Value(2.0) <= Value(1.0))
        assert 3 > Value(1.0)  # reflected: reported as Value(1.0) < 3
    assert [(op, r) for op, _, r in seen] == [(">", True), ("<=", False), ("<", True)]
    assert Value(1.0) < 2  # outside the block: nothing reported
    assert len(seen) == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_relu_abs_max_min_follow_the_current_side_of_the_kink(backend):
    w = Value(1.0)
    f = trace(lambda x: (w * x).relu() + (w * x).abs() + (w * x).max(0.5) + (w * x).min(-0.5), 2.0,
              backend=backend)
    assert not f.program.guards  # nothing to guard: the rules are recomputed
    for x in (2.0, -3.0, 0.25, 0.0):
        w.grad = 0.0
        got = f(x)
        w.grad, replayed = 0.0, w.grad
        y = (w * x).relu() + (w * x).abs() + (w * x).max(0.5) + (w * x).min(-0.5)
        y.backward()
        assert (got, replayed) == (y.data, w.grad)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_comparison_of_values_becomes_a_guard_checked_on_every_call(backend):
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    f = trace(lambda x: max(a * x, b) * 3.0, 1.0, backend=backend)  # Python's max compares Values
    (g,) = f.program.guards
    assert "test_trace_guards.py" in g.where
    assert "b > v1 is True" in str(f)  # Python's max asked b > a·x
    assert f(1.5) == 6.0 and b.grad == 3.0 and a.grad == 0.0  # same side: fine
    with pytest.raises(TraceMismatchError, match=r"comparison b > v1 at test_trace_guards\.py:\d+ was True"):
        f(3.0)  # now a·x > b: max would pick the other operand
    assert b.grad == 3.0 and a.grad == 0.0  # a failed guard writes no gradient


def test_a_guard_on_a_value_outside_the_loss_is_still_checked():
    w = Value(1.0)

    def f(x):
        flag = x * 2.0  # compared, but the loss does not use it
        return w * x if flag > 0 else x * w  # the guard protects the choice

    t = trace(f, 1.0)
    t(2.0)
    with pytest.raises(TraceMismatchError, match="guard failed"):
        t(-1.0)


def test_validate_catches_a_branch_choosing_between_parameters_of_equal_value():
    w1, w2 = Value(0.5, label="w1"), Value(0.5, label="w2")
    f = trace(lambda x: (w1 if x.data > 0 else w2) * x, 1.0)  # a branch on .data: invisible
    f(2.0, validate=True)
    with pytest.raises(TraceMismatchError, match="did not use when traced"):
        f(-1.0, validate=True)  # same numbers, another parameter


def test_validate_catches_parameters_swapped_between_positions():
    w1, w2 = Value(0.5, label="w1"), Value(0.5, label="w2")
    f = trace(lambda x: w1 * x + w2 if x.data > 0 else w2 * x + w1, 1.0)
    with pytest.raises(TraceMismatchError, match="uses parameter w2 where it used w1"):
        f(-1.0, validate=True)


def test_validate_catches_a_leaf_made_inside_the_function_whose_value_changed():
    k = [2.0]
    f = trace(lambda x: x * Value(k[0]), 1.0)
    f(3.0, validate=True)  # a fresh leaf each call, same value: fine
    k[0] = 5.0
    with pytest.raises(TraceMismatchError, match="whose value changed since tracing"):
        f(3.0, validate=True)


def test_validate_catches_a_changed_output():
    w = Value(1.0)

    def f(x):
        w.data += 1.0  # a side effect: the dynamic run sees another parameter value
        return w * x

    t = trace(f, 1.0)
    with pytest.raises(TraceMismatchError, match="replayed output"):
        t(1.0, validate=True)


def test_validate_names_the_instruction_that_changed():
    w = Value(2.0)
    f = trace(lambda x: (x * w).tanh() if x.data > 0 else (x * w).sin(), 1.0)
    with pytest.raises(TraceMismatchError, match=r"`v1 = tanh\(v0\)` is `v1 = sin\(v0\)` now"):
        f(-1.0, validate=True)


def test_comparisons_inside_a_scope_are_still_guarded():
    w = Value(1.0)

    def f(x):
        with autograd.scope("layer"):  # nn modules enter scopes around their forward pass
            y = w * x
            return y if y > 0 else -y

    t = trace(f, 1.0)
    assert len(t.program.guards) == 1
    with pytest.raises(TraceMismatchError, match="guard failed"):
        t(-2.0)

"""Several threads on one graph give exactly what the same calls give one after another."""

import random
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, backward_steps, grad, to_svg, zero_grad
from autograd.testing import expressions

THREADS = 4


def _run_together(fn, n=THREADS):
    """Start n threads on fn at the same moment; re-raise the first error."""
    barrier = threading.Barrier(n)
    errors, results = [], [None] * n

    def body(k):
        try:
            barrier.wait()
            results[k] = fn()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=body, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def _wide_graph(seed=0, n=3000):
    rng = random.Random(seed)
    x = Value(0.5, "x")
    out = Value(0.0)
    for _ in range(n):
        out = out + (x * rng.uniform(-1, 1)).tanh() * x
    return x, out


def test_concurrent_backward_adds_exactly_once_per_call():
    x, out = _wide_graph()
    out.backward()
    once = x.grad
    zero_grad(out)
    reps = 5
    _run_together(lambda: [out.backward() for _ in range(reps)])
    zero_grad(out)
    for _ in range(THREADS * reps):
        out.backward()
    assert x.grad == x.grad  # not nan
    sequential = x.grad
    zero_grad(out)
    _run_together(lambda: [out.backward() for _ in range(reps)])
    assert x.grad == sequential
    assert abs(sequential - THREADS * reps * once) <= 1e-9 * abs(sequential)


def test_concurrent_grad_and_steps_equal_the_sequential_result():
    x, out = _wide_graph(1, 800)
    want = grad(out, [x])
    want_steps = [(s.contribution, s.child_grad) for s in backward_steps(out)]
    assert _run_together(lambda: grad(out, [x])) == [want] * THREADS
    got = _run_together(lambda: [(s.contribution, s.child_grad) for s in backward_steps(out)])
    assert got == [want_steps] * THREADS


def test_concurrent_drawing_gives_identical_dot():
    _, out = _wide_graph(2, 40)
    want = to_svg(out, format="dot", max_nodes=None)
    assert _run_together(lambda: to_svg(out, format="dot", max_nodes=None)) == [want] * THREADS


@settings(max_examples=15, deadline=None)
@given(expressions(max_inputs=3, max_ops=10), st.integers(2, 4))
def test_mixed_calls_on_random_dags_agree_with_sequential(expr, n):
    xs = [Value(v) for v in expr.point]
    out = expr(*xs)
    want = grad(out, xs)
    out.backward()
    single = [x.grad for x in xs]
    zero_grad(out)

    def work():
        g = grad(out, xs)
        out.backward()
        return g

    assert _run_together(work, n) == [want] * n
    # n backward() calls added n times the single pass (each addition exact in order).
    seq = [0.0] * len(xs)
    for _ in range(n):
        seq = [s + g for s, g in zip(seq, single)]
    got = [x.grad for x in xs]
    for a, b in zip(got, seq):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b))

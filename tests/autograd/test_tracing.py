"""autograd.trace: replay equals the dynamic engine bit for bit (both backends), every op,
random DAGs and MLPs, errors."""

import itertools
import math
import random
import struct

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import OPS, Traced, TraceMismatchError, Value, no_grad, trace
from autograd.testing import expressions, op_calls, values


def _dynamic(fn, params, *args):
    """Output value and parameter gradients from backward(), gradients starting at zero."""
    for p in params:
        p.grad = 0.0
    out = fn(*args)
    out.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return out.data, grads


def _replayed(traced, params, *args, **kw):
    for p in params:
        p.grad = 0.0
    out = traced(*args, **kw)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return out, grads


def _same(a, b):
    """Bit for bit (so 0.0 and -0.0 differ), any NaN equal to any NaN."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))


def _all_same(a, b):
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))


BACKENDS = ["python", "numpy"]


# ----------------------------------------------------------------------------- every op


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(OPS))
@given(data=st.data())
def test_every_rule_equals_the_table_forward_bit_for_bit(name, backend, data):
    entry = OPS[name]
    call = data.draw(op_calls([name]))
    params = [Value(a) for a in call.args]
    traced = trace(lambda: call(*params), backend=backend)  # the kernel built from the table's rule
    out, grads = _replayed(traced, params)
    value, *local = entry.forward(*call.args, *(() if call.param is None else (call.param,)))
    # backward() starts each gradient at +0.0 and adds: 0.0 + local
    assert _all_same([out, *grads], [value, *(0.0 + d for d in local)])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(OPS))
@given(data=st.data())
def test_every_op_in_the_table_replays_like_backward(name, backend, data):
    call = data.draw(op_calls([name]))
    params = [Value(a) for a in call.args]
    x = Value(data.draw(values()))
    # each operand is a parameter times an input, so both data paths and gradients are exercised
    fn = lambda s: call(*(p * (s * 0.0 + 1.0) for p in params))  # noqa: E731
    traced = trace(fn, x.data, backend=backend)
    v1, g1 = _replayed(traced, params, x.data)
    v2, g2 = _dynamic(fn, params, x)
    assert _same(v1, v2) and _all_same(g1, g2)


# ----------------------------------------------------------------------------- properties


@pytest.mark.parametrize("backend", BACKENDS)
@given(expressions())
def test_random_dags_of_every_op_replay_bit_for_bit(backend, expr):
    params = [Value(x) for x in expr.point]
    fn = lambda: expr(*params)  # noqa: E731
    traced = trace(fn, backend=backend)
    v1, g1 = _replayed(traced, params, validate=True)
    v2, g2 = _dynamic(fn, params)
    assert _same(v1, v2) and _all_same(g1, g2)


@pytest.mark.parametrize("backend", BACKENDS)
@given(expressions(), st.floats(0.9, 1.1))
def test_random_dags_with_inputs_as_arguments(backend, expr, scale):
    w = Value(1.0)
    fn = lambda *xs: expr(*(w * x for x in xs))  # noqa: E731
    traced = trace(fn, *expr.point, backend=backend)  # traced at the point, replayed scaled
    w.data = scale
    try:
        v2, g2 = _dynamic(fn, [w], *(Value(x) for x in expr.point))
    except (ValueError, ZeroDivisionError, OverflowError) as e:  # scaled out of an op's domain
        # (an op the output does not depend on is not replayed, so cannot raise there)
        assume(len(traced.recorded.eqns) == len(expr.program) + len(expr.point))
        with pytest.raises(type(e)):
            traced(*expr.point)
        return
    v1, g1 = _replayed(traced, [w], *expr.point)
    assert _same(v1, v2) and _same(g1[0], g2[0])


def _mlp(rng, sizes):
    layers = []
    for nin, nout in itertools.pairwise(sizes):
        layers.append([([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(0.0)) for _ in range(nout)])

    def model(x):
        for i, layer in enumerate(layers):
            out = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            x = [o.relu() if i < len(layers) - 1 else o for o in out]
        return x

    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    return model, params


@pytest.mark.parametrize("backend", BACKENDS)
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_random_mlps_train_identically_traced_and_dynamic(backend, seed, hidden):
    rng = random.Random(seed)
    sizes = [2, *hidden, 1]
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(5)]
    y = [rng.choice((-1.0, 1.0)) for _ in range(5)]
    model_a, pa = _mlp(random.Random(seed), sizes)
    model_b, pb = _mlp(random.Random(seed), sizes)

    def loss(model, params, xs):
        scores = [model(x)[0] for x in xs]
        data = sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(xs))
        return data + 1e-4 * sum(p * p for p in params)

    traced = trace(lambda xs: loss(model_b, pb, xs), X, backend=backend)
    for step in range(3):
        va, ga = _dynamic(lambda: loss(model_a, pa, [[Value(a) for a in r] for r in X]), pa)
        vb, gb = _replayed(traced, pb, X, validate=step == 0)
        assert va == vb and ga == gb  # bit-identical
        for p, g in zip(pa, ga):
            p.data -= 0.1 * g
        for p, g in zip(pb, gb):
            p.data -= 0.1 * g


# ----------------------------------------------------------------------------- semantics


def test_gradients_accumulate_and_scale_like_backward():
    w = Value(3.0)
    f = trace(lambda x: w * w * x, 2.0)
    assert f(2.0) == 18.0 and w.grad == 12.0
    f(2.0, gradient=0.5)
    assert w.grad == 18.0


def test_forward_only_leaves_gradients_alone():
    w = Value(3.0)
    f = trace(lambda x: (w * x).tanh(), 1.0)
    assert f.forward(0.5) == math.tanh(1.5) and w.grad == 0.0


def test_parameters_are_read_at_each_call():
    w = Value(1.0)
    f = trace(lambda x: w * x + 1, 2.0)
    w.data = 5.0
    assert f(2.0) == 11.0 and f.parameters == (w,)
    assert "parameters=1" in repr(f)


def test_nested_arguments_and_values_as_inputs():
    w = Value(2.0)
    f = trace(lambda d, t: w * d["a"] + t[0] * t[1], {"a": 1.0}, (Value(2.0), 3))
    assert isinstance(f, Traced)
    assert f({"a": 4.0}, (1.0, Value(5.0))) == 13.0 and w.grad == 4.0


def test_a_deep_chain_traces_and_replays_without_recursion():
    w = Value(0.5)

    def chain(x):
        for _ in range(100_000):
            x = x * w + 0.25
        return x

    f = trace(chain, 1.0)
    assert f.backend == "python"  # auto: a chain is one instruction wide, too narrow for arrays
    v1, g1 = _replayed(f, [w], 1.0)
    v2, g2 = _dynamic(chain, [w], Value(1.0))
    assert v1 == v2 and g1 == g2


def test_output_may_be_a_parameter_or_an_input():
    w = Value(4.0)
    assert trace(lambda x: w, 1.0)(1.0) == 4.0 and w.grad == 1.0
    assert trace(lambda x: x, 1.0)(7.0) == 7.0


# ----------------------------------------------------------------------------- errors


def test_validate_catches_a_branch_frozen_at_trace_time():
    w = Value(2.0)

    def f(x):
        return x * w if x.data > 0 else (x * w).tanh()

    traced = trace(f, 1.0)
    traced(3.0, validate=True)  # same path: fine
    with pytest.raises(TraceMismatchError, match="branch on data"):
        traced(-1.0, validate=True)


def test_validate_catches_a_changed_constant():
    w = Value(2.0)
    k = [1.0]
    traced = trace(lambda x: w * x + k[0], 1.0)
    k[0] = 2.0
    with pytest.raises(TraceMismatchError, match="constant"):
        traced(1.0, validate=True)


def test_validate_names_the_instruction_that_changed():
    w = Value(0.5, label="w")

    def f(x):  # the same graph size either way: only the op differs
        return (x * w).tanh() if x.data > 0 else (x * w).sin()

    traced = trace(f, 1.0, backend="python")
    traced(2.0, validate=True)
    with pytest.raises(TraceMismatchError, match=r"instruction `v1 = tanh\(v0\)` is `v1 = sin\(v0\)` now"):
        traced(-1.0, validate=True)


def test_validate_names_a_leaf_that_changed_kind():
    w = Value(0.5, label="w")

    def f(x):  # a parameter on one side, a plain number (a constant) on the other
        return x * w if x.data > 0 else x * 3.0

    traced = trace(f, 1.0, backend="python")
    with pytest.raises(TraceMismatchError, match=r"leaf 1 is a const now but was a param \(w\)"):
        traced(-1.0, validate=True)


def test_arguments_of_another_structure_raise_naming_the_place():
    w = Value(1.0)
    f = trace(lambda xs: w * xs[0] * xs[1], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"args\[0\] is a list of length 3, but was a list of length 2"):
        f([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="different structure"):
        f((1.0, 2.0))
    with pytest.raises(TypeError, match="str"):
        f(["a", 2.0])


def test_bad_functions_and_modes_are_clear_errors():
    with pytest.raises(TypeError, match="returns one Value"):
        trace(lambda x: 1.0, 2.0)
    with pytest.raises(TypeError, match="needs a function"):
        trace(3.0)
    with no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        trace(lambda x: x * 2, 1.0)
    with pytest.raises(TypeError, match="gradient must be a number"):
        trace(lambda x: x * 2, 1.0)(1.0, gradient="1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_op_errors_are_the_dynamic_engines(backend):
    f = trace(lambda x: x.log(), 1.0, backend=backend)
    with pytest.raises(ValueError, match=r"log of -1\.0 is undefined"):
        f(-1.0)
    g = trace(lambda x: 1.0 / x, 1.0, backend=backend)
    with pytest.raises(ZeroDivisionError, match="division by zero in '/'"):
        g(0.0)
    h = trace(lambda x: x.exp(), 1.0, backend=backend)
    with pytest.raises(OverflowError, match="exp overflowed"):
        h(800.0)
    assert math.isinf(trace(lambda x: x * 1e300, 1.0, backend=backend)(1e300))


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_fused_sums_replay_exactly(backend):
    rng = random.Random(3)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(300)]

    def f(xs):
        return (sum((w * x for w, x in zip(ws, xs)), Value(0.5)) - 1.0).tanh() + sum(w * w for w in ws)

    xs = [rng.uniform(-1, 1) for _ in ws]
    traced = trace(f, xs, backend=backend)
    v1, g1 = _replayed(traced, ws, xs)
    v2, g2 = _dynamic(f, ws, [Value(x) for x in xs])
    assert _same(v1, v2) and _all_same(g1, g2)


def test_extra_outputs_are_replayed_alongside_the_loss():
    w = Value(2.0)

    def f(xs):
        scores = [w * x for x in xs]
        return sum(s * s for s in scores), scores

    traced = trace(f, [1.0, 2.0])
    loss, scores = traced([3.0, -1.0])
    assert (loss, scores) == (40.0, [6.0, -2.0]) and w.grad == 40.0
    assert traced.forward([1.0, 1.0]) == (8.0, [2.0, 2.0])
    with pytest.raises(ValueError, match="not part of the output's graph"):
        trace(lambda x: (w * x, [Value(1.0)]), 1.0)
    with pytest.raises(TypeError, match="extra outputs must be Values"):
        trace(lambda x: (w * x, ["a"]), 1.0)


@pytest.mark.parametrize("rows", [1, 2, 3, 16])
def test_sums_keep_the_engines_order_where_another_order_rounds_differently(rows):
    """1 + 1e-16 + 1e-16 + ... is 1.0 added left to right; summing the small terms first (numpy's
    pairwise sum, or any other order) gives more. The numpy replay's folds must stay left to right,
    in one row or many, forward and in the gradients' fan-in."""
    np = pytest.importorskip("numpy")
    ws = [Value(1.0), *(Value(1e-16) for _ in range(64))]
    xs = [[1.0 if r % 2 == 0 else 1e-16] * len(ws) for r in range(rows)]

    def f(xs):
        outs = [sum((w * x for w, x in zip(ws, row)), Value(0.0)) for row in xs]
        return sum(((o - 1.0) * 1e16 for o in outs), Value(0.0))

    terms = [w.data * x for w, x in zip(ws, xs[0])]
    left = 0.0
    for t in terms:
        left += t
    assert left == 1.0 and float(np.add.reduce(np.array(terms))) != left  # the order shows in the bits
    traced = trace(f, xs, backend="numpy")
    v1, g1 = _replayed(traced, ws, xs)
    v2, g2 = _dynamic(f, ws, [[Value(x) for x in row] for row in xs])
    assert _same(v1, v2) and _all_same(g1, g2)


def test_a_layers_products_are_gathered_once_and_broadcast_bit_identically():
    """The numpy lowering multiplies a layer's weights (the same for every sample) by its
    inputs (the same for every neuron) at their small shapes, forward and backward; the
    numbers stay the engine's, in a net wide enough to take that path."""
    pytest.importorskip("numpy")
    rng = random.Random(7)
    model, params = _mlp(rng, [2, 8, 8, 1])
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(20)]

    def loss(xs):
        return sum((1 + -s).relu() for s in (model(x)[0] for x in xs)) + 1e-3 * sum(p * p for p in params)

    traced = trace(loss, X, backend="numpy")
    low = traced._numpy
    assert "reshape(8, 20, 8)" in low._forward.source and "reshape(8, 20, 8)" in low._backward.source
    # a weight's gradient: 20 per-sample terms broadcast, its two L2 terms gathered apart
    assert "[2:22].reshape(20, 8, 9)" in low._backward.source
    for _ in range(3):
        v1, g1 = _replayed(traced, params, X)
        v2, g2 = _dynamic(loss, params, [[Value(a) for a in r] for r in X])
        assert _same(v1, v2) and _all_same(g1, g2)
        for p, g in zip(params, g1):
            p.data -= 0.05 * g


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_live_trace_leaves_the_garbage_collector_little_to_track(backend):
    """A trace keeps its programs as plain tuples: a full collection does not walk one object
    per node while a Traced is alive (it walked ~300k for micrograd's demo step before)."""
    import gc

    from autograd.tracing.passes import fuse, schedule
    from autograd.tracing.record import record

    rng = random.Random(5)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(40)]

    def f(xs):
        return sum(((w * x).relu() for w in ws for x in xs), Value(0.0))

    xs = [rng.uniform(-1, 1) for _ in range(50)]  # 2000 products, 2000 relus, 2000 sums
    trace(f, xs, backend=backend)(xs)  # the first trace compiles its kernels (kept for reuse)
    gc.collect()
    before = len(gc.get_objects())
    t = trace(f, xs, backend=backend)
    t(xs)
    gc.collect()  # untracks the innermost tuples,
    gc.collect()  # then the tuples holding them
    assert len(gc.get_objects()) - before < 200
    # the programs read back are the ones built, and shared while held
    p = t.program
    assert p is t.program
    assert p == schedule(fuse(record(f, (xs,)).program))
    assert t.recorded == record(f, (xs,)).program
    assert str(t).splitlines()[1:] == str(p).splitlines()

"""Properties of nn.functional and modules over random inputs (Hypothesis)."""

import math
import random

from hypothesis import given
from hypothesis import strategies as st
from tolerances import ROUNDING

from autograd import Value, grad, gradcheck
from nn import MLP
from nn import functional as F

logit = st.floats(-30.0, 30.0, allow_nan=False)
logits = st.lists(logit, min_size=1, max_size=6)


@given(logits, st.floats(-500.0, 500.0))
def test_softmax_is_a_distribution_and_shift_invariant(z, c):
    p = [v.data for v in F.softmax(z)]
    assert all(0.0 <= q <= 1.0 for q in p)
    assert math.isclose(sum(p), 1.0, abs_tol=ROUNDING)
    shifted = [v.data for v in F.softmax([zi + c for zi in z])]
    assert all(math.isclose(a, b, rel_tol=1e-6, abs_tol=ROUNDING) for a, b in zip(p, shifted))


@given(logits, st.data())
def test_cross_entropy_gradient_is_softmax_minus_one_hot(z, data):
    y = data.draw(st.integers(0, len(z) - 1))
    zs = [Value(v) for v in z]
    loss = F.cross_entropy(zs, y)
    p = [v.data for v in F.softmax(z)]
    assert math.isclose(loss.data, -F.log_softmax(z)[y].data, rel_tol=ROUNDING, abs_tol=ROUNDING)
    for j, g in enumerate(grad(loss, zs)):
        assert math.isclose(g, p[j] - (j == y), abs_tol=ROUNDING)


@given(st.floats(-40.0, 40.0), st.sampled_from([0.0, 1.0, 0.3]))
def test_bce_with_logits_matches_its_definition_and_derivative(z, y):
    zv = Value(z)
    loss = F.binary_cross_entropy_with_logits(zv, y)
    # log(1 + e^z) - y·z, written with log1p for the reference
    ref = (z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))) - y * z
    assert math.isclose(loss.data, ref, rel_tol=1e-9, abs_tol=ROUNDING)
    (g,) = grad(loss, [zv])
    assert math.isclose(g, 1 / (1 + math.exp(-z)) - y, abs_tol=ROUNDING)


@given(st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=4))
def test_every_loss_passes_gradcheck(xs):
    n = len(xs)
    ys01 = [i % 2 for i in range(n)]
    ypm = [1 if i % 2 else -1 for i in range(n)]
    targets = [0.5 * i - 0.7 for i in range(n)]
    assert gradcheck(lambda *v: F.mse_loss(list(v), targets), xs)
    assert gradcheck(lambda *v: F.cross_entropy(list(v), n - 1), xs)
    assert gradcheck(lambda *v: F.binary_cross_entropy_with_logits(list(v), ys01, reduction="sum"), xs)
    assert gradcheck(lambda *v: F.binary_cross_entropy(F.sigmoid(list(v)), ys01), xs)
    # kinked losses: only where every input is away from its kink
    if all(abs(x - t) > 1e-3 for x, t in zip(xs, targets)):
        assert gradcheck(lambda *v: F.l1_loss(list(v), targets), xs)
    if all(abs(1 - y * x) > 1e-3 for x, y in zip(xs, ypm)):
        assert gradcheck(lambda *v: F.hinge_loss(list(v), ypm), xs)


def _flat(out):
    return [out] if isinstance(out, Value) else out


@given(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2**32 - 1))
def test_state_dict_round_trip_for_any_architecture(nin, nouts, seed):
    a = MLP(nin, nouts, activation="tanh", rng=random.Random(seed))
    b = MLP(nin, nouts, activation="tanh", rng=random.Random(seed + 1))
    b.load_state_dict(a.state_dict())
    x = [0.1 * (i + 1) for i in range(nin)]
    out_a, out_b = a(x), b(x)
    assert [v.data for v in _flat(out_a)] == [v.data for v in _flat(out_b)]
    assert len(a.parameters()) == sum((i + 1) * o for i, o in zip([nin, *nouts], nouts))

"""micrograd compatibility: its nn usage and its demo training loop run on our classes.

The loop in ``demo_steps`` is micrograd's demo notebook code (MIT licence, A. Karpathy):
the ``loss`` function and the SGD loop, with only the names it reads passed in instead of
imported. Run with micrograd's own ``MLP``/``Value`` and with ours from the same starting
weights, it must give the same numbers; run with ours alone it must learn.
"""

import math
import random

import pytest
from tolerances import ROUNDING, ULPS

from autograd import Value
from nn import MLP, Neuron

micrograd_nn = pytest.importorskip("micrograd.nn")  # in the dev extra; skips only outside it


def moons(n, rng):
    """A small two-moons set (labels -1/+1), like sklearn's make_moons(noise=0.1)."""
    X, y = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            x0, x1, label = math.cos(t), math.sin(t), -1
        else:
            x0, x1, label = 1 - math.cos(t), 0.5 - math.sin(t), 1
        X.append([x0 + rng.gauss(0, 0.1), x1 + rng.gauss(0, 0.1)])
        y.append(label)
    return X, y


def demo_steps(model, Value, X, y, steps):
    """micrograd's demo.ipynb training code, verbatim apart from the function wrapper."""

    def loss(batch_size=None):
        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))  # noqa: UP034 (verbatim)
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        history.append((total_loss.data, acc))
    return history


def test_seeded_model_matches_micrograd_weight_for_weight_and_step_for_step():
    from micrograd.engine import Value as MicroValue

    X, y = moons(16, random.Random(0))
    state = random.getstate()
    try:
        random.seed(1337)
        theirs = micrograd_nn.MLP(2, [8, 8, 1])
    finally:
        random.setstate(state)
    ours = MLP(2, [8, 8, 1], rng=random.Random(1337))  # same draws in the same order
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]

    h_theirs = demo_steps(theirs, MicroValue, X, y, steps=4)
    h_ours = demo_steps(ours, Value, X, y, steps=4)
    for (lt, at), (lo, ao) in zip(h_theirs, h_ours):
        assert lo == pytest.approx(lt, rel=ROUNDING) and ao == at
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-9, abs=ROUNDING)


def test_micrograd_demo_loop_learns_on_our_classes(collector_paused):
    X, y = moons(40, random.Random(1))
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    history = demo_steps(model, Value, X, y, steps=30)
    first_loss, _ = history[0]
    last_loss, last_acc = history[-1]
    assert last_loss < 0.5 * first_loss
    assert last_acc >= 0.9


def readme_loop(model, steps):
    """micrograd's README-style example: squared error on four points, plain SGD."""
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(steps):
        ypred = [model(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += -0.01 * p.grad
        losses.append(loss.data)
    return losses


def test_micrograd_module_api():
    model = MLP(3, [4, 4, 1])  # unseeded, exactly as micrograd code writes it
    assert len(model.parameters()) == 41
    assert len(readme_loop(model, 3)) == 3
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    seeded = MLP(3, [4, 4, 1], rng=random.Random(2))
    losses = readme_loop(seeded, 40)
    assert losses[-1] < 0.5 * losses[0]


def test_nonlin_and_activation_are_read_at_call_time_as_in_micrograd():
    # micrograd users switch a neuron off after construction: `n.nonlin = False`
    n = Neuron(2, init=lambda fan_in, fan_out, rng: 1.0)
    assert n([-1.0, -2.0]).data == 0.0  # relu
    n.nonlin = False
    assert n([-1.0, -2.0]).data == -3.0 and repr(n) == "Neuron(2, linear)"
    n.nonlin = True
    assert n([-1.0, -2.0]).data == 0.0
    model = MLP(2, [3, 1], rng=random.Random(0))
    for neuron in model.layers[0].neurons:
        neuron.nonlin = False
    x = [0.3, -0.7]
    w = [[p.data for p in nr.parameters()] for nr in model.layers[0].neurons]
    hidden = [wi[0] * x[0] + wi[1] * x[1] + wi[2] for wi in w]  # linear now: no relu
    out = model.layers[1].neurons[0]
    expect = sum((p.data * h for p, h in zip(out.w, hidden)), out.b.data)
    assert model(x).data == pytest.approx(expect, abs=ULPS)
    n.activation = "tanh"
    assert n.nonlin and n([-1.0, -2.0]).data == pytest.approx(math.tanh(-3.0), abs=ULPS)
    n.activation = "linear"
    assert not n.nonlin
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        n.activation = "swish"

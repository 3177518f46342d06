"""fit(traced=True): the replayed training run equals the dynamic one, number for number."""

import random

from nn import MLP
from nn import functional as F
from nn.data import make_moons
from nn.optim import SGD, Adam
from nn.train import fit


def _run(traced, batch_size=None, optimizer=SGD, **kw):
    X, y = make_moons(30, noise=0.1, rng=random.Random(0))
    y = [2 * t - 1 for t in y]
    model = MLP(2, [8, 8, 1], rng=random.Random(1))

    def loss_fn(scores, ys):
        return F.hinge_loss(scores, ys) + 1e-4 * sum(p * p for p in model.parameters())

    opt = optimizer(model.parameters(), lr=0.05)
    h = fit(model, loss_fn, opt, (X, y), epochs=4, batch_size=batch_size, metrics=["accuracy"],
            progress=False, traced=traced, **kw)
    return h.as_dict(), [p.data for p in model.parameters()]


def test_full_batch_traced_training_is_identical():
    assert _run(True) == _run(False)


def test_fixed_mini_batches_and_adam_are_identical():
    assert _run(True, batch_size=7, optimizer=Adam) == _run(False, batch_size=7, optimizer=Adam)


def test_shuffled_batches_still_give_the_same_numbers():
    a = _run(True, batch_size=10, rng=random.Random(5))
    b = _run(False, batch_size=10, rng=random.Random(5))
    assert a == b

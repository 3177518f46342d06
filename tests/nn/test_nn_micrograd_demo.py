"""micrograd's demo notebook training loop, its own code, runs on chaingrad and learns.

Only the imports differ. micrograd's notebook takes its data from scikit-learn and seeds
its network through the global ``random``; here the same names come from chaingrad, with
the network seeded explicitly (chaingrad never reads the global ``random``) and the moons
returned as numpy arrays, as scikit-learn returns them.
"""

import functools
import random

import pytest

np = pytest.importorskip("numpy", reason="micrograd's notebook code uses numpy arrays")

# ---- imports: micrograd's were `from micrograd.engine import Value`,
# `from micrograd.nn import Neuron, Layer, MLP` and `from sklearn.datasets import make_moons`.
from autograd import Value  # noqa: E402
from nn import MLP as _MLP  # noqa: E402
from nn.data import make_moons as _make_moons  # noqa: E402

MLP = functools.partial(_MLP, rng=random.Random(1337))


def make_moons(n_samples, noise):
    X, y = _make_moons(n_samples, noise, rng=random.Random(1337))
    return np.array(X), np.array(y)


# collector_paused (tests/conftest.py): the cyclic GC paused around the loop, as fit() pauses it
# around each step; the notebook's code itself stays unchanged
def test_micrograd_demo_training_loop_learns(capsys, collector_paused):
    # ---- from here on: micrograd's demo.ipynb, unchanged
    np.random.seed(1337)
    random.seed(1337)

    # make up a dataset
    X, y = make_moons(n_samples=100, noise=0.1)

    y = y*2 - 1 # make y be -1 or 1

    # initialize a model
    model = MLP(2, [16, 16, 1]) # 2-layer neural network
    print(model)
    print("number of parameters", len(model.parameters()))

    # loss function
    def loss(batch_size=None):

        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p*p for p in model.parameters()))  # noqa: UP034 (verbatim)
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    total_loss, acc = loss()
    print(total_loss, acc)

    # optimization
    for k in range(100):

        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9*k/100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        if k % 1 == 0:
            print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
    # ---- end of micrograd's code

    log = capsys.readouterr().out
    assert "number of parameters 337" in log
    steps = [line for line in log.splitlines() if line.startswith("step ")]
    assert len(steps) == 100
    start = float(steps[0].split()[3].rstrip(","))
    end = float(steps[-1].split()[3].rstrip(","))
    assert end < start / 5, (start, end)  # the loss fell
    assert acc >= 0.97  # and the moons are separated
    _, mini_acc = loss(batch_size=10)  # the notebook's mini-batch path runs too
    assert 0.0 <= mini_acc <= 1.0

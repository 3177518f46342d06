"""fit and evaluate: what History records, batching, schedules, metrics, progress and errors."""

import io
import math
import random
import subprocess
import sys
import types

import pytest

from autograd import Value
from nn import MLP
from nn import functional as F
from nn.data import train_val_test_split
from nn.optim import SGD, Adam, ExponentialLR
from nn.train import History, evaluate, fit


def identity_model():
    """MLP(1, [1]) with w = 1, b = 0: model([x]) = x."""
    return MLP(1, [1], init=lambda fan_in, fan_out, rng: 1.0)


class CountingSGD(SGD):
    """SGD that counts its steps."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = 0

    def step(self):
        self.calls += 1
        super().step()


def line_data():
    X = [[x / 10] for x in range(-10, 11)]
    return X, [2.0 * x[0] + 1.0 for x in X]


def test_full_batch_fit_recovers_a_line_and_records_every_epoch():
    model = MLP(1, [1], rng=random.Random(0))
    opt = CountingSGD(model.parameters(), lr=0.3)
    h = fit(model, F.mse_loss, opt, line_data(), epochs=150, metrics=("mae",), progress=False)
    assert isinstance(h, History) and h.epochs == 150 and opt.calls == 150  # one step per epoch
    assert h.train["loss"][-1] < 1e-8 < h.train["loss"][0]
    assert h.train["mae"][-1] < 1e-4
    w, b = (p.data for p in model.parameters())
    assert w == pytest.approx(2.0, abs=1e-4) and b == pytest.approx(1.0, abs=1e-4)
    assert h.val == {} and h.lr == [0.3] * 150


def test_train_loss_is_the_batch_losses_averaged_by_size():
    # lr ~ 0 keeps the model fixed: the epoch loss must equal the full-data loss
    model = identity_model()
    X, y = [[1.0], [2.0], [3.0], [4.0], [5.0]], [0.0, 0.0, 0.0, 0.0, 0.0]
    opt = CountingSGD(model.parameters(), lr=1e-300)
    h = fit(model, F.mse_loss, opt, (X, y), epochs=1, batch_size=2, progress=False)
    assert opt.calls == 3  # batches of 2, 2, 1
    assert h.train["loss"] == [pytest.approx((1 + 4 + 9 + 16 + 25) / 5)]


def test_minibatches_are_shuffled_by_rng_and_deterministic(moons):
    def run(seed):
        model = MLP(2, [4, 1], rng=random.Random(0))
        X, y = moons.head(40)
        fit(model, F.binary_cross_entropy_with_logits, SGD(model.parameters(), lr=0.1), (X, y), epochs=2,
            batch_size=8, progress=False, rng=random.Random(seed))
        return [p.data for p in model.parameters()]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_validation_metrics_and_schedule_are_recorded(moons):
    model = MLP(2, [8, 1], rng=random.Random(0))
    train, val, _ = train_val_test_split(*moons.head(60), val=0.25, test=0.1, rng=random.Random(0))
    opt = Adam(model.parameters(), lr=0.05)
    h = fit(model, F.binary_cross_entropy_with_logits, opt, train, epochs=4, batch_size=10, val=val,
            scheduler=ExponentialLR(opt, gamma=0.5), metrics=("accuracy", "f1"), progress=False)
    assert set(h.train) == set(h.val) == {"loss", "accuracy", "f1"}
    assert all(len(v) == 4 for v in (*h.train.values(), *h.val.values()))
    assert h.lr == pytest.approx([0.05, 0.025, 0.0125, 0.00625])
    # the last validation entry is the trained model evaluated on val
    again = evaluate(model, val, loss_fn=F.binary_cross_entropy_with_logits, metrics=("accuracy", "f1"))
    assert again == pytest.approx({k: v[-1] for k, v in h.val.items()})
    assert "4 epochs" in repr(h) and h.as_dict()["lr"] == h.lr


def test_seeded_training_on_moons_reaches_97_percent_test_accuracy(moons):
    # fixed mini-batches replayed from traces (the demo's setting): the same numbers as the
    # dynamic engine (tests/nn/test_nn_train_traced.py), a few times faster
    model = MLP(2, [16, 16, 1], rng=random.Random(1))
    h = fit(model, F.binary_cross_entropy_with_logits, Adam(model.parameters(), lr=0.02), moons.train,
            epochs=15, batch_size=16, val=moons.val, metrics=("accuracy",), progress=False, traced=True,
            patience=5)
    assert h.train["loss"][-1] < h.train["loss"][0] / 5
    assert evaluate(model, moons.test)["accuracy"] >= 0.97


def test_default_predict_uses_the_label_set():
    model = identity_model()
    X = [[-2.0], [3.0], [0.5], [-0.1]]
    assert evaluate(model, (X, [0, 1, 0, 0]))["accuracy"] == 0.75  # 0/1 labels: score > 0 -> 1
    assert evaluate(model, (X, [-1, 1, 1, -1]))["accuracy"] == 1.0  # -1/+1 labels (hinge)
    three = MLP(1, [3], init=lambda fi, fo, rng: 1.0)  # three equal scores: argmax is class 0
    assert evaluate(three, ([[1.0]], [0]))["accuracy"] == 1.0
    prob = evaluate(model, (X, [0, 1, 1, 0]), predict=lambda p: int(p.data > 0.5))
    assert prob["accuracy"] == 0.75


def test_metric_functions_take_labels():
    def errors(y_true, y_pred):
        return sum(a != b for a, b in zip(y_true, y_pred))

    got = evaluate(identity_model(), ([[-2.0], [3.0], [0.5]], [0, 1, 0]), metrics=(errors, "precision"))
    assert got == {"errors": 1.0, "precision": 0.5}


def test_hinge_loss_with_l2_as_in_micrograd(moons):
    X, y = moons.head(60)
    y = [2 * t - 1 for t in y]
    model = MLP(2, [8, 1], rng=random.Random(0))

    def loss_fn(scores, ys):
        return F.hinge_loss(scores, ys) + 1e-4 * sum(p * p for p in model.parameters())

    h = fit(model, loss_fn, SGD(model.parameters(), lr=0.1, momentum=0.9), (X, y), epochs=25,
            metrics=("accuracy",), progress=False)
    assert h.train["loss"][-1] < h.train["loss"][0] and h.train["accuracy"][-1] >= 0.8


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    model = identity_model()
    data = ([[1.0]], [1])
    fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), data, epochs=2, progress=True)
    assert capsys.readouterr().err == ""  # captured stderr is no terminal: no bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), data, epochs=3, progress=True)
    assert "3/3" in term.getvalue() and "loss=" in term.getvalue()
    term2 = Terminal()
    monkeypatch.setattr("sys.stderr", term2)
    fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), data, epochs=3, progress=False)
    assert term2.getvalue() == ""


def test_a_diverging_loss_stops_with_advice():
    model = identity_model()
    with pytest.raises(ArithmeticError, match="lower the learning rate"):
        fit(model, F.mse_loss, SGD(model.parameters(), lr=1e6), ([[1e3]], [0.0]), epochs=50, progress=False)


def test_bad_arguments_are_clear_errors():
    model = identity_model()
    opt = SGD(model.parameters(), lr=0.1)
    good = ([[1.0]], [1.0])
    with pytest.raises(TypeError, match=r"pair \(X, y\)"):
        fit(model, F.mse_loss, opt, [[1.0]], epochs=1)
    with pytest.raises(ValueError, match="2 samples but 1 labels"):
        fit(model, F.mse_loss, opt, ([[1.0], [2.0]], [1.0]), epochs=1)
    with pytest.raises(ValueError, match="train is empty"):
        fit(model, F.mse_loss, opt, ([], []), epochs=1)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        fit(model, F.mse_loss, opt, good, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, F.mse_loss, opt, good, epochs=1, batch_size=0)
    with pytest.raises(TypeError, match="optimizer must have zero_grad"):
        fit(model, F.mse_loss, object(), good, epochs=1)
    with pytest.raises(TypeError, match=r"rng=random.Random\(s\)"):
        fit(model, F.mse_loss, opt, good, epochs=1, batch_size=1, rng=42)
    with pytest.raises(TypeError, match="predict must be a function"):
        fit(model, F.mse_loss, opt, good, epochs=1, predict="argmax")
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        fit(model, F.mse_loss, opt, good, epochs=1, metrics=("auc",))
    with pytest.raises(TypeError, match="must return one Value"):
        fit(model, lambda o, t: F.mse_loss(o, t, reduction="none"), opt, good, epochs=1, progress=False)
    with pytest.raises(ValueError, match="needs one number per sample"):
        evaluate(MLP(1, [2]), good, metrics=("mse",))


def test_loss_value_is_a_float_in_history():
    model = identity_model()
    h = fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), ([[1.0]], [Value(2.0).data]), epochs=1,
            progress=False)
    assert isinstance(h.train["loss"][0], float) and math.isclose(h.train["loss"][0], 1.0)


def test_a_nan_loss_stops_with_advice():
    model = identity_model()
    with pytest.raises(FloatingPointError, match="loss became nan at epoch 0, batch 0"):
        fit(model, lambda o, t: F.mse_loss(o, t) * math.nan, SGD(model.parameters(), lr=0.1),
            ([[1.0]], [0.0]), epochs=2, progress=False)


def test_progress_bar_in_a_notebook_falls_back_to_text_without_widgets(monkeypatch):
    class ZMQInteractiveShell:  # the class name Jupyter's kernel shell has
        pass

    fake_ipython = types.ModuleType("IPython")
    fake_ipython.get_ipython = ZMQInteractiveShell
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    monkeypatch.setitem(sys.modules, "tqdm.notebook", None)  # no ipywidgets: text bar instead
    out = io.StringIO()  # not a terminal, but a notebook shows the bar anyway
    monkeypatch.setattr("sys.stderr", out)
    model = identity_model()
    fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), ([[1.0]], [1.0]), epochs=2, progress=True)
    assert "2/2" in out.getvalue()


def test_importing_nn_loads_no_plotting_or_progress_packages():
    code = "import sys, nn, nn.demo, nn.train; print('matplotlib' in sys.modules, 'tqdm' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]

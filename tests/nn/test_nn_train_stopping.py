"""fit's stopping conditions (patience, min_grad_norm), its GC pausing and its progress bar in Jupyter."""

import gc
import importlib.util
import io
import math
import random
import sys
import types
import warnings
from pathlib import Path

import pytest
from tolerances import ULPS

from nn import MLP
from nn import functional as F
from nn.optim import SGD, Adam
from nn.train import evaluate, fit

ROOT = Path(__file__).resolve().parents[2]


def noisy_line(n, seed):
    r = random.Random(seed)
    X = [[r.uniform(-1, 1)] for _ in range(n)]
    return X, [2 * x[0] + r.gauss(0, 0.3) for x in X]


def overfitting_setup():
    """Twelve hidden units on 6 noisy points: the validation loss falls, then rises as it memorizes."""
    model = MLP(1, [12, 1], rng=random.Random(0))
    return model, noisy_line(6, 1), noisy_line(12, 2)


# ----------------------------------------------------------------------------- patience


def test_patience_stops_on_validation_loss_and_restores_the_best_parameters():
    model, train, val = overfitting_setup()
    h = fit(model, F.mse_loss, Adam(model.parameters(), lr=0.05), train, epochs=300, val=val,
            patience=10, progress=False, traced=True)
    assert h.stop_reason == "patience" and h.epochs < 300
    best = h.best_epoch
    assert h.val["loss"][best] == min(h.val["loss"])
    assert h.epochs == best + 1 + 10  # ten epochs without improvement, then stop
    # the model holds the best epoch's parameters: evaluating it gives that epoch's val loss
    assert evaluate(model, val, loss_fn=F.mse_loss, metrics=())["loss"] == h.val["loss"][best]
    assert "stopped: patience" in repr(h) and h.as_dict()["best_epoch"] == best


def test_patience_restores_the_best_even_when_the_epochs_run_out_first():
    model, train, val = overfitting_setup()
    h = fit(model, F.mse_loss, Adam(model.parameters(), lr=0.05), train, epochs=60, val=val,
            patience=1000, progress=False, traced=True)
    assert h.stop_reason == "epochs" and h.epochs == 60
    assert evaluate(model, val, loss_fn=F.mse_loss, metrics=())["loss"] == min(h.val["loss"])


def test_without_patience_training_runs_every_epoch_and_keeps_the_last_parameters():
    model, train, val = overfitting_setup()
    h = fit(model, F.mse_loss, Adam(model.parameters(), lr=0.05), train, epochs=60, val=val, progress=False,
            traced=True)
    assert h.stop_reason == "epochs" and h.best_epoch is None
    assert evaluate(model, val, loss_fn=F.mse_loss, metrics=())["loss"] == h.val["loss"][-1]
    assert h.val["loss"][-1] > min(h.val["loss"])  # it did over-fit: the tests above are not vacuous


# ----------------------------------------------------------------------------- min_grad_norm


def test_min_grad_norm_stops_when_the_gradient_vanishes():
    model = MLP(1, [1], rng=random.Random(0))
    data = ([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    h = fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), data, epochs=2000, min_grad_norm=1e-6,
            progress=False)
    assert h.stop_reason == "min_grad_norm" and h.epochs < 2000
    assert h.grad_norm[-1] < 1e-6 <= min(h.grad_norm[:-1])
    # the norm recorded is ‖∇loss‖₂ at the start of the last step
    w, b = (p.data for p in model.parameters())
    assert w == pytest.approx(2.0, abs=1e-5) and b == pytest.approx(1.0, abs=1e-5)


def test_grad_norm_is_the_largest_batch_gradient_norm_of_the_epoch():
    model = MLP(1, [1], init=lambda fi, fo, rng: 1.0)  # y = x
    X, y = [[1.0], [2.0]], [0.0, 0.0]
    # lr ~ 0 keeps the model fixed: batch grads of mse (x - 0)² are 2x·(x, 1): norms 2√2 and 4√5
    h = fit(model, F.mse_loss, SGD(model.parameters(), lr=1e-300), (X, y), epochs=1, batch_size=1,
            progress=False)
    assert h.grad_norm == [pytest.approx(4 * math.sqrt(5), rel=ULPS)]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"patience": 3}, ValueError, r"patience=3 stops when the validation loss .* no validation data"),
        ({"patience": 0, "val": ([[1.0]], [1.0])}, ValueError, "patience must be an int >= 1"),
        ({"patience": 2.5, "val": ([[1.0]], [1.0])}, ValueError, "patience must be an int >= 1"),
        ({"min_grad_norm": -1e-3}, ValueError, "min_grad_norm must be a finite number > 0"),
        ({"min_grad_norm": 0}, ValueError, "min_grad_norm must be a finite number > 0"),
        ({"min_grad_norm": math.nan}, ValueError, "min_grad_norm must be a finite number > 0"),
        ({"min_grad_norm": "1e-3"}, ValueError, r"min_grad_norm must be a finite number > 0 .*got str"),
        ({"gc_pause": "no"}, TypeError, "gc_pause must be True or False"),
    ],
)
def test_bad_stopping_options_are_clear_errors(kwargs, exc, match):
    model = MLP(1, [1], rng=random.Random(0))
    with pytest.raises(exc, match=match):
        fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), ([[1.0]], [1.0]), epochs=1, progress=False,
            **kwargs)


def test_stopping_needs_the_parameters_of_a_bare_function_model():
    class Opt:  # the user's own optimizer, without .params
        def zero_grad(self):
            pass

        def step(self):
            pass

    def model(x):
        return F.relu(x[0])

    with pytest.raises(TypeError, match="need the parameters"):
        fit(model, F.mse_loss, Opt(), ([[1.0]], [1.0]), epochs=1, min_grad_norm=1e-3, progress=False)


# ----------------------------------------------------------------------------- the garbage collector


class GcProbe(MLP):
    """An MLP that records whether the collector was enabled each time it runs."""

    def __init__(self):
        super().__init__(1, [1], rng=random.Random(0))
        self.seen = []

    def forward(self, x):
        self.seen.append(gc.isenabled())
        return super().forward(x)


@pytest.mark.parametrize("traced", [False, True])
def test_fit_and_evaluate_pause_the_collector_in_each_step_and_restore_it(traced):
    model = GcProbe()
    data = ([[1.0], [2.0]], [1.0, 2.0])
    assert gc.isenabled()
    fit(model, F.mse_loss, SGD(model.parameters(), lr=0.01), data, epochs=2, val=data, progress=False,
        traced=traced)
    assert model.seen and not any(model.seen) and gc.isenabled()
    model.seen.clear()
    evaluate(model, data, loss_fn=F.mse_loss, metrics=())
    assert model.seen == [False, False] and gc.isenabled()


def test_the_collector_is_left_disabled_if_it_was_and_alone_with_gc_pause_false():
    model = GcProbe()
    data = ([[1.0]], [1.0])
    gc.disable()
    try:
        fit(model, F.mse_loss, SGD(model.parameters(), lr=0.01), data, epochs=2, progress=False)
        assert not gc.isenabled()
    finally:
        gc.enable()
    model.seen.clear()
    fit(model, F.mse_loss, SGD(model.parameters(), lr=0.01), data, epochs=2, val=data, progress=False,
        gc_pause=False)
    evaluate(model, data, gc_pause=False)
    assert model.seen == [True] * 5 and gc.isenabled()


def test_the_collector_is_restored_when_a_step_fails():
    model = MLP(1, [1], rng=random.Random(0))
    with pytest.raises(FloatingPointError):
        fit(model, lambda o, t: F.mse_loss(o, t) * math.nan, SGD(model.parameters(), lr=0.1),
            ([[1.0]], [0.0]), epochs=2, progress=False)
    assert gc.isenabled()


# ----------------------------------------------------------------------------- progress in Jupyter


def fake_kernel(monkeypatch):
    class ZMQInteractiveShell:  # the class name Jupyter's kernel shell has
        pass

    fake_ipython = types.ModuleType("IPython")
    fake_ipython.get_ipython = ZMQInteractiveShell
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)


def test_in_a_kernel_without_ipywidgets_the_text_bar_shows_and_nothing_is_ignored(monkeypatch):
    fake_kernel(monkeypatch)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` raises ImportError
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    out = io.StringIO()  # not a terminal, but a notebook shows the bar anyway
    monkeypatch.setattr("sys.stderr", out)
    model = MLP(1, [1], rng=random.Random(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(model, F.mse_loss, SGD(model.parameters(), lr=0.1), ([[1.0]], [1.0]), epochs=2, progress=True)
    gc.collect()  # a half-made tqdm_notebook would complain from __del__ here at the latest
    assert unraisable == []
    assert "2/2" in out.getvalue() and "Exception ignored" not in out.getvalue()


def test_a_real_kernel_shows_the_text_bar_without_ipywidgets_and_the_widget_with_it(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    spec = importlib.util.spec_from_file_location("chaingrad_notebooks_run", ROOT / "notebooks" / "run.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    train = (
        "import random\nfrom nn import MLP, functional as F\n"
        "from nn.optim import SGD\nfrom nn.train import fit\n"
        "m = MLP(1, [1], rng=random.Random(0))\n"
        "fit(m, F.mse_loss, SGD(m.parameters(), lr=0.1), ([[1.0]], [1.0]), epochs=3).epochs"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import sys\nsys.modules['ipywidgets'] = None\n" + train),
        nbformat.v4.new_code_cell("import gc\ndel sys.modules['ipywidgets']\ngc.collect()\n" + train),
    ]
    runner.execute(nb, tmp_path, timeout=60)
    text_cell, widget_cell = nb.cells
    stderr = "".join(o.get("text", "") for o in text_cell.outputs if o.get("name") == "stderr")
    assert "3/3" in stderr and "Exception ignored" not in stderr and "Error" not in stderr
    assert text_cell.outputs[-1]["data"]["text/plain"] == "3"
    every = "".join(str(o) for o in widget_cell.outputs)
    assert "Exception ignored" not in every and "Error" not in every
    if importlib.util.find_spec("ipywidgets") is not None:  # the notebook extra: a widget bar
        widget = "application/vnd.jupyter.widget-view+json"
        assert any(widget in o.get("data", {}) for o in widget_cell.outputs)
    assert widget_cell.outputs[-1]["data"]["text/plain"] == "3"


def test_a_model_whose_parameters_are_a_generator_can_stop_early():
    class Gen(MLP):
        def parameters(self):  # micrograd-style models sometimes yield their parameters
            yield from super().parameters()

    model = Gen(1, [1], rng=random.Random(0))
    data = ([[0.0], [1.0]], [1.0, 3.0])
    h = fit(model, F.mse_loss, SGD(list(model.parameters()), lr=0.1), data, epochs=3000, min_grad_norm=1e-6,
            progress=False)
    assert h.stop_reason == "min_grad_norm"


def test_an_early_stop_ends_the_progress_bar_complete_not_failed(monkeypatch):
    # tqdm's notebook bar closes red (a failure) when n < total: a planned stop must not.
    import tqdm

    import nn.train as train

    bars = []

    def text_bar(epochs, enabled):
        bars.append(tqdm.tqdm(total=epochs, desc="epoch", file=io.StringIO()))
        return bars[-1]

    monkeypatch.setattr(train, "_progress_bar", text_bar)
    model, data, val = overfitting_setup()
    h = fit(model, F.mse_loss, Adam(model.parameters(), lr=0.05), data, epochs=300, val=val, patience=10)
    assert h.stop_reason == "patience"
    assert bars[0].n == bars[0].total == h.epochs
    assert "stopped: patience" in bars[0].desc
    model, data, val = overfitting_setup()
    fit(model, F.mse_loss, Adam(model.parameters(), lr=0.05), data, epochs=5, val=val)
    assert bars[1].n == bars[1].total == 5 and "stopped" not in bars[1].desc

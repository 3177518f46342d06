"""`chaingrad demo`: the default run reaches 97% on moons and writes its files; options; errors."""

import importlib.util
import json
import sys
import types

import pytest

import nn.demo as demo
from autograd import Value, topological_order
from nn.cli import main

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


@pytest.fixture
def fake_render(monkeypatch):
    """An ``autograd.render`` whose save_svg records the graph it was given and writes a file."""
    seen = []

    def save_svg(root, path, params=()):
        seen.append(root)
        assert all(p in set(topological_order(root)) for p in params)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"<svg><!-- {len(topological_order(root))} nodes --></svg>")
        return path

    module = types.ModuleType("autograd.render")
    module.save_svg = save_svg
    monkeypatch.setitem(sys.modules, "autograd.render", module)
    return seen


def test_default_demo_reaches_97_percent_on_moons_and_writes_its_files(tmp_path, capsys, fake_render):
    assert main(["demo", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "task moons: 300 samples (180 train / 60 validation / 60 test)" in out
    assert "MLP(2 -> 16 -> 16 -> 1, relu)" in out
    for split in ("train", "val", "test"):
        assert any(line.startswith(split) for line in out.splitlines())
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["scores"]["test"]["accuracy"] >= 0.97
    epochs_run = len(saved["history"]["train"]["loss"])
    assert epochs_run <= demo.DEFAULT_EPOCHS["moons"] and saved["patience"] == demo.DEFAULT_PATIENCE
    assert saved["history"]["stop_reason"] in ("epochs", "patience")
    assert "early stopping (patience 5)" in out and "fixed batches, traced once and replayed" in out
    assert set(saved["scores"]["test"]) == {"accuracy", "precision", "recall", "f1"}
    # the neuron's graph: h = relu(w0·x0 + w1·x1 + b), from the trained first neuron, on a
    # sample where it is active, backpropagated: d h / d w0 = x0, d h / d b = 1
    (root,) = fake_render
    assert root.label == "h" and root.op == "relu" and root.data > 0
    nodes = {n.label: n for n in topological_order(root)}
    assert set(nodes) >= {"x0", "x1", "w0", "w1", "b"}
    assert nodes["w0"].grad == nodes["x0"].data and nodes["b"].grad == 1.0
    assert (tmp_path / "neuron.svg").read_text().startswith("<svg>")
    if HAS_MATPLOTLIB:
        assert (tmp_path / "curves.png").stat().st_size > 1000
        assert (tmp_path / "boundary.png").stat().st_size > 1000
        assert (tmp_path / "confusion.png").stat().st_size > 1000
    else:
        assert "pip install 'chaingrad[plot]'" in out


def test_sentiment_task_trains_an_embedding(tmp_path, capsys, fake_render):
    argv = ["--task", "sentiment", "--epochs", "1", "--hidden", "4", "--optimizer", "sgd", "--lr", "0.05",
            "--out", str(tmp_path), "--no-progress", "--seed", "3"]
    assert demo.main(argv) == 0
    out = capsys.readouterr().out
    assert "PhraseClassifier(Embedding(80, 1) -> mean -> MLP(1 -> 4 -> 2, relu))" in out
    assert "SGD(" in out and "lr=0.05" in out
    (root,) = fake_render  # the neuron sees an embedding value
    assert any(n.label.startswith("e") for n in topological_order(root))
    if HAS_MATPLOTLIB:
        assert (tmp_path / "embedding.png").exists()


def test_sentiment_phrases_are_labelled_by_majority():
    import random

    from nn.data import word_sentiment

    _, labels = word_sentiment()
    X, y = demo.sentiment_phrases(50, random.Random(0))
    assert all(len(p) == 3 for p in X)
    assert y == [int(sum(labels[i] for i in p) >= 2) for p in X]


def test_without_a_graphviz_backend_the_graph_is_skipped_with_a_message(tmp_path, monkeypatch):
    from autograd import render

    def no_backend(backend="auto"):
        raise render.RenderError("no Graphviz: install it with apt-get install graphviz")

    monkeypatch.setattr(render, "choose_backend", no_backend)
    msg = demo.write_neuron_svg(Value(1.0) * 2, str(tmp_path / "neuron.svg"))
    assert "skipped neuron.svg: rendering failed (RenderError: no Graphviz" in msg
    assert not (tmp_path / "neuron.svg").exists()


def test_without_matplotlib_the_demo_says_how_to_get_the_plots(tmp_path, capsys, monkeypatch, fake_render):
    monkeypatch.setattr(demo, "_matplotlib_figure", lambda: None)
    assert demo.main(["--epochs", "1", "--hidden", "4", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "matplotlib is not installed" in out and "pip install 'chaingrad[plot]'" in out
    assert not (tmp_path / "curves.png").exists() and (tmp_path / "history.json").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--task", "mnist"], "invalid choice: 'mnist'"),
        (["--hidden", "16,x"], "comma-separated list of layer sizes"),
        (["--hidden", "16,0"], "layer sizes must be >= 1"),
        (["--epochs", "0"], "must be >= 1"),
        (["--epochs", "many"], "'many' is not an integer"),
        (["--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
        (["--lr", "-0.1"], "must be a positive number"),
        (["--lr", "nan"], "must be a positive number"),
        (["--seed", "x"], "invalid int value"),
        (["--patience", "-1"], "must be >= 0"),
        (["--weight-decay", "-0.5"], "must be a number >= 0"),
        (["--task", "yinyang", "--weight-decay", "inf"], "must be a number >= 0"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(argv, message, capsys):
    assert main(["demo", *argv]) == 2
    assert message in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["demo", "--help"]) == 0
    assert "--optimizer" in capsys.readouterr().out


def test_unwritable_output_folder_exits_1(tmp_path, capsys, fake_render):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert demo.main(["--epochs", "1", "--hidden", "2", "--out", str(blocker / "sub"), "--no-progress"]) == 1
    assert "cannot write to" in capsys.readouterr().err


def test_yinyang_task_learns_three_classes_and_draws_their_confusion_matrix(tmp_path, capsys, fake_render,
                                                                          monkeypatch):
    monkeypatch.setitem(demo.N_SAMPLES, "yinyang", 90)
    argv = ["--task", "yinyang", "--epochs", "3", "--hidden", "8", "--out", str(tmp_path), "--no-progress"]
    assert demo.main(argv) == 0
    out = capsys.readouterr().out
    assert "task yinyang: 90 samples (54 train / 18 validation / 18 test)" in out
    assert "MLP(2 -> 8 -> 3, relu)" in out and "softmax cross-entropy" in out
    saved = json.loads((tmp_path / "history.json").read_text())
    assert 0.0 <= saved["scores"]["test"]["accuracy"] <= 1.0
    if HAS_MATPLOTLIB:
        assert (tmp_path / "confusion.png").stat().st_size > 1000
        assert (tmp_path / "boundary.png").stat().st_size > 1000


def test_sentiment_defaults_stop_early_with_weight_decay(tmp_path, capsys, fake_render, monkeypatch):
    monkeypatch.setitem(demo.N_SAMPLES, "sentiment", 60)
    argv = ["--task", "sentiment", "--hidden", "4", "--epochs", "30", "--out", str(tmp_path), "--no-progress"]
    assert demo.main(argv) == 0
    out = capsys.readouterr().out
    assert "AdamW(" in out and "with weight decay 0.5" in out and "early stopping (patience 5)" in out
    saved = json.loads((tmp_path / "history.json").read_text())
    h = saved["history"]
    if h["stop_reason"] == "patience":
        assert "stopped early after" in out and len(h["train"]["loss"]) == h["best_epoch"] + 1 + 5
    assert h["val"]["loss"][h["best_epoch"]] == min(h["val"]["loss"])


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="needs the plot extra")
def test_curves_mark_the_epoch_whose_weights_early_stopping_kept(tmp_path):
    from matplotlib.figure import Figure

    from nn.train import History

    h = History(train={"loss": [0.9, 0.5, 0.4, 0.45], "accuracy": [0.5, 0.7, 0.8, 0.8]},
                val={"loss": [0.8, 0.6, 0.7, 0.75], "accuracy": [0.5, 0.7, 0.7, 0.7]},
                lr=[0.1] * 4, stop_reason="patience", best_epoch=1)
    seen = []

    class Spy(Figure):
        def savefig(self, path, **kw):
            seen.extend(self.axes)
            super().savefig(path, **kw)

    demo.plot_curves(Spy, h, str(tmp_path / "curves.png"))
    for ax in seen:
        marks = [line for line in ax.get_lines() if line.get_label() == "best (weights kept)"]
        assert len(marks) == 1 and list(marks[0].get_xdata()) == [2, 2]  # epoch 1 drawn as epoch 2


@pytest.mark.parametrize("sizes", [[16, 16, 1], [8, 3]], ids=["one score", "three class scores"])
def test_the_boundary_grid_is_replayed_with_the_models_numbers(sizes):
    import random

    from nn import MLP
    from nn.plots import grid_classes, grid_scores

    model = MLP(2, sizes, rng=random.Random(4))
    fast = demo.replayed(model, [0.3, -0.2])
    assert fast is not model  # an MLP's grid is replayed, not run through the engine point by point
    grid = grid_scores if sizes[-1] == 1 else grid_classes
    assert grid(fast, (-1.5, 2.5), (-1.0, 1.5), 12) == grid(model, (-1.5, 2.5), (-1.0, 1.5), 12)
    if sizes[-1] == 1:
        assert fast([0.7, 0.1]) == model([0.7, 0.1]).data  # bit for bit, every point
    else:
        assert fast([0.7, 0.1]) == [o.data for o in model([0.7, 0.1])]


def test_a_model_that_is_not_an_mlp_or_compares_values_is_drawn_by_the_engine():
    from nn import MLP

    def other(p):
        return Value(p[0]) - p[1]

    assert demo.replayed(other, [0.0, 0.0]) is other

    class Clipped(MLP):  # Python's max over Values: a comparison the trace guards
        def forward(self, x):
            return max(super().forward(x), Value(0.0) * x[0])

    clipped = Clipped(2, [3, 1], init=lambda fan_in, fan_out, rng: 0.5)
    assert demo.replayed(clipped, [1.0, 1.0]) is clipped

    class Branchy(MLP):  # a branch on .data, invisible to the trace: caught on the second point
        def forward(self, x):
            out = super().forward(x)
            return out if out.data < 0.05 else out * 2.0

    branchy = Branchy(2, [1], init=lambda fan_in, fan_out, rng: 0.5)
    assert branchy([0.0, 0.0]).data < 0.05 <= branchy([0.5, -0.25]).data  # the point and the probe
    assert demo.replayed(branchy, [0.0, 0.0]) is branchy

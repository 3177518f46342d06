"""``chaingrad demo``: train a small network end to end, report its scores and draw what it learned.

By default it trains ``MLP(2, [16, 16, 1])`` on two moons (a stratified 60/20/20
train/validation/test split) with Adam and binary cross-entropy, prints accuracy,
precision, recall and F1 on each split, and writes into ``--out``: ``neuron.svg`` (the
computation graph of one trained neuron), ``history.json``, and with matplotlib (the
``plot`` extra) ``curves.png`` (loss and accuracy per epoch), ``confusion.png`` (the test
set's confusion matrix) and ``boundary.png`` (the decision regions) or, for the word task,
``embedding.png`` (the learned word values). Training stops early when the validation loss
has not improved for ``--patience`` epochs (5 by default), keeping the best epoch's weights.

``--task yinyang`` is a three-class problem (``nn.data.make_yinyang``: yin, yang and the two
dots) learned with softmax cross-entropy by an MLP with three outputs. On the 2-D tasks the
mini-batches are fixed (not reshuffled each epoch), so each is recorded once and replayed
(``fit(traced=True)``): the same numbers as the dynamic engine, in about half the time (the
default moons run's 20 epochs: 3.7-4.9 s of CPU against 7.4-8.4 s, measured on a busy 2-core
machine); and the decision regions are computed from one point's forward pass recorded and
replayed at every grid point (:func:`replayed`).

``--task sentiment`` learns a 1-D word embedding: each sample is a three-word phrase from
``nn.data.word_sentiment()``, labelled positive when most of its words are; the model
averages the words' embeddings, feeds that to an MLP with two outputs and is trained with
softmax cross-entropy. Test phrases are new combinations of the words.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value

from . import functional as F
from . import plots
from .data import (
    YINYANG_CLASSES,
    make_circles,
    make_moons,
    make_spirals,
    make_yinyang,
    train_val_test_split,
    word_sentiment,
)
from .init import normal
from .module import MLP, Embedding, Module, Neuron
from .optim import SGD, Adam, AdamW
from .train import History, evaluate, fit

TASKS = ("moons", "circles", "spirals", "yinyang", "sentiment")
# Per task: samples and (at most) epochs, chosen (measured) to train in seconds.
N_SAMPLES = {"moons": 300, "circles": 300, "spirals": 300, "yinyang": 600, "sentiment": 400}
DEFAULT_EPOCHS = {"moons": 20, "circles": 20, "spirals": 60, "yinyang": 60, "sentiment": 25}
# Early stopping: epochs without a better validation loss before training stops (0: never).
DEFAULT_PATIENCE = 5
# Weight decay per task (AdamW's decoupled decay; L2 for SGD). The word task memorizes its
# training phrases within a few epochs (validation loss 0.29 -> 0.43 over 25 epochs without
# it); decay 0.5 keeps the embedding honest: measured validation loss 0.12, test accuracy 0.975.
WEIGHT_DECAY = {"moons": 0.0, "circles": 0.0, "spirals": 0.0, "yinyang": 0.0, "sentiment": 0.5}
ADAM_LR = 0.02
SGD_LR = 0.1  # with momentum 0.9
BATCH_SIZE = 16
EMBEDDING_STD = 0.1  # words start near 0 (neutral) so the embedding, not the MLP, does the learning
PLOT_HINT = "pip install 'chaingrad[plot]' (or run `make demo`)"


class PhraseClassifier(Module):
    """Average the 1-D (or ``dim``-D) embeddings of a phrase's words, then an MLP scores it."""

    def __init__(self, vocab: int, dim: int, hidden: Sequence[int], classes: int, rng: random.Random) -> None:
        self.embedding = Embedding(vocab, dim, init=_small_normal, rng=rng)
        self.mlp = MLP(dim, [*hidden, classes], rng=rng)

    def forward(self, phrase: Sequence[int]) -> Any:
        """The MLP applied to the mean embedding of the phrase's word indices."""
        vectors = [self.embedding(i) for i in phrase]
        mean = [sum(column) / len(vectors) for column in zip(*vectors)]
        return self.mlp(mean)

    def __repr__(self) -> str:
        return f"PhraseClassifier({self.embedding!r} -> mean -> {self.mlp!r})"


def _small_normal(fan_in: int, fan_out: int, rng: random.Random) -> float:
    return normal(fan_in, fan_out, rng, std=EMBEDDING_STD)


@dataclass
class Task:
    """A dataset with the model, loss and first layer to show for it."""

    name: str
    X: list[Any]
    y: list[int]
    model: Module
    loss_fn: Callable[[list[Any], list[Any]], Value]
    loss_name: str
    mlp: MLP
    words: list[str] | None = None
    names: tuple[str, ...] = ("class 0", "class 1")
    traced: bool = False  # fixed mini-batches, each recorded once and replayed (fit(traced=True))


def sentiment_phrases(n: int, rng: random.Random, length: int = 3) -> tuple[list[tuple[int, ...]], list[int]]:
    """``n`` phrases of ``length`` word indices into ``word_sentiment()``, labelled 1 when
    most of the words are positive (``length`` is odd, so there are no ties)."""
    _, labels = word_sentiment()
    X, y = [], []
    for _ in range(n):
        phrase = tuple(rng.randrange(len(labels)) for _ in range(length))
        X.append(phrase)
        y.append(int(2 * sum(labels[i] for i in phrase) > length))
    return X, y


def make_task(name: str, hidden: list[int], rng: random.Random) -> Task:
    """The data, model and loss for one of :data:`TASKS`."""
    if name == "sentiment":
        words, _ = word_sentiment()
        X, y = sentiment_phrases(N_SAMPLES[name], rng)
        model = PhraseClassifier(len(words), 1, hidden, 2, rng)
        return Task(name, X, y, model, F.cross_entropy, "softmax cross-entropy", model.mlp, words,
                    names=("negative", "positive"))
    if name == "yinyang":
        X, y = make_yinyang(N_SAMPLES[name], rng=rng)
        mlp = MLP(2, [*hidden, 3], rng=rng)
        return Task(name, X, y, mlp, F.cross_entropy, "softmax cross-entropy", mlp, names=YINYANG_CLASSES,
                    traced=True)
    make = {"moons": make_moons, "circles": make_circles, "spirals": make_spirals}[name]
    X, y = make(N_SAMPLES[name], noise=0.1, rng=rng)
    mlp = MLP(2, [*hidden, 1], rng=rng)
    return Task(name, X, y, mlp, F.binary_cross_entropy_with_logits, "binary cross-entropy with logits", mlp,
                traced=True)


# ----------------------------------------------------------------------------- options


def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of layer sizes, e.g. 16,16"
        ) from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return sizes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The options of ``chaingrad demo``."""
    p = argparse.ArgumentParser(
        prog="chaingrad demo",
        description="Train a small network on a toy dataset, print its scores and draw what it learned.",
    )
    p.add_argument("--task", choices=TASKS, default="moons", help="dataset (default: moons)")
    p.add_argument("--hidden", type=_hidden, default=[16, 16], metavar="SIZES",
                   help="hidden layer sizes, comma-separated (default: 16,16)")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="passes over the training set (default: " +
                   ", ".join(f"{k} {v}" for k, v in DEFAULT_EPOCHS.items()) + ")")
    p.add_argument("--patience", type=_non_negative_int, default=DEFAULT_PATIENCE,
                   help="stop after this many epochs without a better validation loss and keep the "
                   f"best epoch's weights; 0 trains every epoch (default: {DEFAULT_PATIENCE})")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam",
                   help="default: adam (AdamW when there is weight decay)")
    p.add_argument("--weight-decay", type=_non_negative_float, default=None, metavar="WD",
                   help="weight decay (default: "
                   + ", ".join(f"{k} {v:g}" for k, v in WEIGHT_DECAY.items()) + ")")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help=f"learning rate (default: adam {ADAM_LR}, sgd {SGD_LR} with momentum 0.9)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, split, initialization (default: 0)")
    p.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


# ----------------------------------------------------------------------------- outputs


def _scores_table(model: Module, parts: dict[str, tuple[list[Any], list[int]]]) -> tuple[str, dict[str, Any]]:
    names = ("accuracy", "precision", "recall", "f1")
    rows = {split: evaluate(model, data, metrics=names) for split, data in parts.items()}
    lines = [f"{'':8}{'accuracy':>10}{'precision':>11}{'recall':>9}{'F1':>8}"]
    for split, s in rows.items():
        lines.append(f"{split:8}{s['accuracy']:>10.3f}{s['precision']:>11.3f}{s['recall']:>9.3f}{s['f1']:>8.3f}")
    return "\n".join(lines), rows


def _neuron_graph(task: Task, X: Sequence[Any]) -> tuple[Value, list[Value]]:
    """One trained neuron (the first of the first hidden layer) applied to one sample,
    backpropagated, so every node holds d(output)/d(node); and the neuron's parameters.

    The sample is the first one on which the neuron is active (relu > 0), so the drawing
    shows gradients flowing, not the zeros of a switched-off relu.
    """
    neuron: Neuron = task.mlp.layers[0].neurons[0]

    def apply(sample: Any) -> Value:
        if task.words is not None:
            inputs = task.model.embedding(sample[0])  # type: ignore[attr-defined]
        else:
            inputs = [Value(c, label=f"x{i}") for i, c in enumerate(sample)]
        return neuron(inputs)

    out = apply(X[0])
    for sample in X:
        candidate = apply(sample)
        if candidate.data > 0:
            out = candidate
            break
    out.label = "h"
    task.model.zero_grad()
    out.backward()  # so the drawing shows d h / d node on every node
    return out, neuron.parameters()


def write_neuron_svg(root: Value, path: str, params: Sequence[Value] = ()) -> str:
    """Write the graph of ``root`` with ``autograd.save_svg`` (``params`` drawn as parameters);
    a message instead if it cannot be rendered (e.g. no Graphviz backend)."""
    from autograd.render import save_svg  # lazy: graphviz is only needed here

    try:
        save_svg(root, path, params=list(params))
    except (OSError, RuntimeError) as e:  # RenderError is a RuntimeError
        return f"skipped neuron.svg: rendering failed ({type(e).__name__}: {e})"
    return f"wrote {path}"


def _matplotlib_figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def plot_curves(Figure: Any, history: History, path: str) -> None:
    """Loss and accuracy per epoch, train and validation, side by side (:func:`nn.plots.curves`)."""
    fig = Figure(figsize=(9, 3.5))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for key, ax in (("loss", ax_loss), ("accuracy", ax_acc)):
        series = {"train": history.train[key]}
        if history.val.get(key):
            series["validation"] = history.val[key]
        plots.curves(series, ax=ax, title=key, ylabel=key)
        if history.best_epoch is not None and history.stop_reason == "patience":
            ax.axvline(history.best_epoch + 1, color="gray", ls="--", lw=0.8, label="best (weights kept)")
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def replayed(model: Module, point: Sequence[float]) -> Callable[[list[float]], Any]:
    """``model`` as a function of one 2-D point, its forward pass recorded once on ``point``
    (``autograd.trace``) and replayed for every other point: the model's numbers, bit for
    bit, as floats (a list of floats for class scores). Drawing the decision regions
    evaluates the model at 50 × 50 grid points; replayed, that takes a tenth of the time.

    For an :class:`~nn.module.MLP` (its forward pass has no branch on data and no
    comparison of Values); any other model, or one whose replay differs from the engine on a
    second point, is returned as it is.

    >>> import random
    >>> mlp = MLP(2, [4, 3], rng=random.Random(0))
    >>> fast = replayed(mlp, [0.5, -0.5])
    >>> fast([1.0, 2.0]) == [o.data for o in mlp([1.0, 2.0])]
    True
    """
    from autograd import no_grad, trace

    if not isinstance(model, MLP):
        return model

    def scores(p: list[Any]) -> Any:
        out = model(p)
        return (sum(out), out) if isinstance(out, list) else out

    traced = trace(scores, [float(c) for c in point], backend="python")
    if traced.program.guards:  # a comparison of Values: another point may build another graph
        return model

    def fast(p: list[float]) -> Any:
        got = traced.forward([float(c) for c in p])
        return got[1] if isinstance(got, tuple) else got

    probe = [float(point[0]) + 0.5, float(point[1]) - 0.25]
    with no_grad():
        engine = model(probe)
    want = [o.data for o in engine] if isinstance(engine, list) else engine.data
    return fast if fast(probe) == want else model


def plot_boundary(Figure: Any, model: Module, X: list[Any], y: list[int], path: str,
                  names: Sequence[str] | None = None) -> None:
    """The regions the model assigns to each class, with the samples on top
    (:func:`nn.plots.decision_boundary`; an MLP's grid is evaluated by :func:`replayed`)."""
    fig = Figure(figsize=(5, 4.5))
    ax = fig.subplots()
    plots.decision_boundary(replayed(model, X[0]), X, y, ax=ax, title="decision regions (training data)",
                            names=names)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_confusion(Figure: Any, task: Task, test: tuple[list[Any], list[int]], path: str) -> None:
    """The test set's confusion matrix (:func:`nn.plots.confusion_matrix`)."""
    X, y = test
    predicted = _predictions(task.model, X)
    fig = Figure(figsize=(4.2, 3.8))
    k = len(task.names)
    accuracy = sum(a == b for a, b in zip(y, predicted)) / len(y)
    plots.confusion_matrix(y, predicted, labels=list(range(k)), names=task.names, ax=fig.subplots(),
                           title=f"test set: accuracy {accuracy:.3f}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _predictions(model: Module, X: Sequence[Any]) -> list[int]:
    """Predicted labels as fit's default rule makes them: argmax of class scores, or score > 0."""
    from autograd import no_grad

    out = []
    with no_grad():
        for x in X:
            o = model(x)
            if isinstance(o, list):
                out.append(max(range(len(o)), key=lambda i, o=o: o[i].data))
            else:
                out.append(int(o.data > 0))
    return out


def plot_embedding(
    Figure: Any, model: PhraseClassifier, words: list[str], labels: list[int], path: str
) -> None:
    """Each word's learned 1-D embedding value, positive words above, negative below
    (:func:`nn.plots.embedding_line`)."""
    fig = Figure(figsize=(12, 5))
    values = [model.embedding.weight[i][0].data for i in range(len(words))]
    plots.embedding_line(values, words, labels, ax=fig.subplots(), title="learned embedding value")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ----------------------------------------------------------------------------- main


def run(args: argparse.Namespace, out: Any = None) -> int:
    """Train and report as ``args`` say; returns the exit status."""
    write = (out or sys.stdout).write
    os.makedirs(args.out, exist_ok=True)  # fail before training, not after
    rng = random.Random(args.seed)
    task = make_task(args.task, args.hidden, rng)
    train, val, test = train_val_test_split(task.X, task.y, val=0.2, test=0.2, rng=rng, stratify=True)
    epochs = args.epochs or DEFAULT_EPOCHS[args.task]
    lr = args.lr or (ADAM_LR if args.optimizer == "adam" else SGD_LR)
    params = task.model.parameters()
    wd = WEIGHT_DECAY[args.task] if args.weight_decay is None else args.weight_decay
    if args.optimizer == "sgd":
        optimizer: Adam | SGD = SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
    else:
        optimizer = AdamW(params, lr=lr, weight_decay=wd) if wd else Adam(params, lr=lr)
    patience = args.patience or None
    stopping = f", early stopping (patience {patience})" if patience else ""
    write(f"task {task.name}: {len(task.X)} samples ({len(train[0])} train / {len(val[0])} validation / "
          f"{len(test[0])} test)\nmodel {task.model!r}, {len(params)} parameters\n"
          f"{optimizer!r}{f' with weight decay {wd:g}' if wd else ''}, {task.loss_name}, "
          f"up to {epochs} epochs{stopping}, batch size {BATCH_SIZE}"
          f"{' (fixed batches, traced once and replayed)' if task.traced else ''}\n")
    start = time.perf_counter()
    history = fit(task.model, task.loss_fn, optimizer, train, epochs=epochs, batch_size=BATCH_SIZE, val=val,
                  metrics=("accuracy",), progress=not args.no_progress, rng=None if task.traced else rng,
                  patience=patience, traced=task.traced)
    seconds = time.perf_counter() - start
    if history.stop_reason == "patience":
        write(f"stopped early after {history.epochs} epochs: no better validation loss in {patience}; "
              f"kept the weights of epoch {history.best_epoch + 1} (validation loss "
              f"{history.val['loss'][history.best_epoch]:.4f})\n")
    write(f"trained in {seconds:.1f} s\n\n")
    table, scores = _scores_table(task.model, {"train": train, "val": val, "test": test})
    write(table + "\n\n")

    path = os.path.join(args.out, "history.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"task": task.name, "epochs": epochs, "patience": patience, "weight_decay": wd,
                   "optimizer": args.optimizer,
                   "lr": lr, "seed": args.seed, "history": history.as_dict(), "scores": scores}, f, indent=1)
    write(f"wrote {path}\n")
    root, params = _neuron_graph(task, train[0])
    write(write_neuron_svg(root, os.path.join(args.out, "neuron.svg"), params) + "\n")
    Figure = _matplotlib_figure()
    if Figure is None:
        write(f"skipped the plots: matplotlib is not installed; for curves and the decision boundary, "
              f"{PLOT_HINT}\n")
        return 0
    path = os.path.join(args.out, "curves.png")
    plot_curves(Figure, history, path)
    write(f"wrote {path}\n")
    path = os.path.join(args.out, "confusion.png")
    plot_confusion(Figure, task, test, path)
    write(f"wrote {path}\n")
    if task.words is not None:
        path = os.path.join(args.out, "embedding.png")
        plot_embedding(Figure, task.model, task.words, word_sentiment()[1], path)  # type: ignore[arg-type]
    else:
        path = os.path.join(args.out, "boundary.png")
        plot_boundary(Figure, task.model, *train, path, names=task.names)
    write(f"wrote {path}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``chaingrad demo``: parse ``argv``, train, report. Bad options exit 2."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed usage and the error (2) or the help (0)
        return int(e.code or 0)
    try:
        return run(args)
    except OSError as e:
        print(f"chaingrad demo: cannot write to {args.out!r}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

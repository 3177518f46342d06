"""Matplotlib pictures of a trained model: its output over the plane, decision boundaries, curves.

Needs the ``plot`` extra (matplotlib), imported only when a function here is called. Every
function draws on the ``ax`` it is given (or a new one) and returns it, so a notebook can
place several side by side. Models are evaluated under ``autograd.no_grad()``: drawing
builds no graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from autograd import Value, no_grad

Point = Sequence[float]
# embedding_line: more levels of labels than this and the words are spread out in value order
MAX_LABEL_LEVELS = 4


def _plt() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError("nn.plots needs matplotlib: pip install 'chaingrad[plot]' (or matplotlib)") from e
    return plt


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=(4.5, 3.6))
    return ax


def _score(output: Any) -> float:
    """One number from a model's output: a Value's data, or class 1's margin over class 0."""
    if isinstance(output, Value):
        return output.data
    if isinstance(output, (int, float)):
        return float(output)
    if isinstance(output, Sequence) and len(output) == 2:
        return _score(output[1]) - _score(output[0])
    raise TypeError(
        "nn.plots: the model must return one Value (a score) or two (class scores), "
        f"got {type(output).__name__}: {output!r}"
    )


def _span(values: list[float], margin: float) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = margin * (hi - lo or 1.0)
    return lo - pad, hi + pad


def grid_scores(
    model: Callable[[list[float]], Any],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 50,
) -> tuple[list[float], list[float], list[list[float]]]:
    """The model's score at each point of a ``resolution`` × ``resolution`` grid.

    Returns ``(xs, ys, zs)`` with ``zs[i][j]`` the score at ``(xs[j], ys[i])``, the layout
    ``contour`` expects. A model returning two class scores gives class 1's margin
    ``s1 - s0``, so the decision boundary is always the level 0.

    >>> xs, ys, zs = grid_scores(lambda p: Value(p[0] - p[1]), (0, 1), (0, 2), resolution=3)
    >>> xs, ys, zs[0]
    ([0.0, 0.5, 1.0], [0.0, 1.0, 2.0], [0.0, 0.5, 1.0])
    """
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"grid_scores: resolution must be an int >= 2, got {resolution!r}")
    xs = [xlim[0] + (xlim[1] - xlim[0]) * j / (resolution - 1) for j in range(resolution)]
    ys = [ylim[0] + (ylim[1] - ylim[0]) * i / (resolution - 1) for i in range(resolution)]
    with no_grad():
        zs = [[_score(model([x, y])) for x in xs] for y in ys]
    return xs, ys, zs


def output_surface(
    model: Callable[[list[float]], Any],
    *,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    resolution: int = 50,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Filled contours of the model's score over the plane, with the level-0 line drawn."""
    ax = _axes(ax)
    xs, ys, zs = grid_scores(model, xlim, ylim, resolution)
    filled = ax.contourf(xs, ys, zs, levels=20, cmap="RdBu_r")
    lo = min(min(row) for row in zs)
    hi = max(max(row) for row in zs)
    if lo < 0.0 < hi:
        ax.contour(xs, ys, zs, levels=[0.0], colors="k", linewidths=1.2)
    ax.figure.colorbar(filled, ax=ax)
    if title:
        ax.set_title(title)
    return ax


_LIGHT = ["#fde0c5", "#c6dbef", "#d9f0d3", "#e7d4e8", "#fff2ae", "#f4cae4"]
_DARK = ["#d95f02", "#1f78b4", "#1b9e77", "#7570b3", "#e6ab02", "#e7298a"]


def _class_count(model: Callable[[list[float]], Any], point: Point) -> int:
    """How many class scores the model returns (1 for a single score)."""
    with no_grad():
        out = model([float(point[0]), float(point[1])])
    return len(out) if isinstance(out, Sequence) and not isinstance(out, (str, bytes)) else 1


def grid_classes(
    model: Callable[[list[float]], Any],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 50,
) -> tuple[list[float], list[float], list[list[int]]]:
    """The predicted class (argmax of the model's class scores) at each point of a grid,
    laid out as :func:`grid_scores` lays out scores.

    >>> xs, ys, cs = grid_classes(lambda p: [Value(p[0]), Value(p[1]), Value(0.5)], (0, 1), (0, 1), 2)
    >>> cs
    [[2, 0], [1, 0]]
    """
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"grid_classes: resolution must be an int >= 2, got {resolution!r}")
    xs = [xlim[0] + (xlim[1] - xlim[0]) * j / (resolution - 1) for j in range(resolution)]
    ys = [ylim[0] + (ylim[1] - ylim[0]) * i / (resolution - 1) for i in range(resolution)]

    def argmax(out: Any) -> int:
        scores = [o.data if isinstance(o, Value) else float(o) for o in out]
        return max(range(len(scores)), key=scores.__getitem__)

    with no_grad():
        cs = [[argmax(model([x, y])) for x in xs] for y in ys]
    return xs, ys, cs


def decision_boundary(
    model: Callable[[list[float]], Any],
    X: Sequence[Point],
    y: Sequence[int],
    *,
    resolution: int = 50,
    margin: float = 0.15,
    ax: Any = None,
    title: str | None = None,
    names: Sequence[str] | None = None,
) -> Any:
    """The regions where the model predicts each class, the boundaries between them, and the
    points ``X`` coloured by their labels ``y``.

    Two classes (one score, or two class scores): the score is thresholded at 0, which
    suits logits, hinge-loss scores and two class scores alike; labels 0 or -1 against 1.
    Three or more class scores: each grid point takes the argmax class, labels 0 to K-1.
    ``names`` label the classes in the legend (default ``"class k"``).
    """
    if len(X) != len(y) or not X:
        raise ValueError(
            f"decision_boundary: X and y must be non-empty and the same length, got {len(X)} and {len(y)}"
        )
    ax = _axes(ax)
    xlim = _span([p[0] for p in X], margin)
    ylim = _span([p[1] for p in X], margin)
    k = _class_count(model, X[0])
    if k > 2:
        if k > len(_LIGHT):
            raise ValueError(
                f"decision_boundary: at most {len(_LIGHT)} classes can be drawn, the model has {k}"
            )
        xs, ys, cs = grid_classes(model, xlim, ylim, resolution)
        ax.contourf(xs, ys, cs, levels=[c - 0.5 for c in range(k + 1)], colors=_LIGHT[:k])
        for c in range(k):  # each class's outline once (contours of the labels would double up)
            inside = [[1.0 if v == c else 0.0 for v in row] for row in cs]
            if any(map(any, inside)) and not all(map(all, inside)):
                ax.contour(xs, ys, inside, levels=[0.5], colors="k", linewidths=0.8)
        groups = [(c, [p for p, label in zip(X, y) if label == c]) for c in range(k)]
    else:
        xs, ys, zs = grid_scores(model, xlim, ylim, resolution)
        lo = min(min(row) for row in zs)
        hi = max(max(row) for row in zs)
        # two filled regions split at score 0, so the fill and the boundary line agree exactly
        ax.contourf(xs, ys, zs, levels=[min(lo, 0.0) - 1.0, 0.0, max(hi, 0.0) + 1.0], colors=_LIGHT[:2])
        if lo < 0.0 < hi:
            ax.contour(xs, ys, zs, levels=[0.0], colors="k", linewidths=1.0)
        groups = [(0, [p for p, label in zip(X, y) if label != 1]),
                  (1, [p for p, label in zip(X, y) if label == 1])]
    for c, pts in groups:
        name = names[c] if names is not None and c < len(names) else f"class {c}"
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=14, c=_DARK[c], edgecolors="k", linewidths=0.3,
                   label=name)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    return ax


def confusion_matrix(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    labels: Sequence[Any] | None = None,
    names: Sequence[str] | None = None,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """The confusion matrix (:func:`nn.metrics.confusion_matrix`) as a grid of counts: rows are
    the true classes, columns the predicted ones, so the diagonal holds the correct answers.

    Each cell shows its count and its share of the row (the recall of that class on the
    diagonal); ``names`` label the classes (default: the labels themselves).
    """
    from .metrics import confusion_matrix as counts_of

    m = counts_of(y_true, y_pred, labels=labels)
    labs = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    shown = [str(n) for n in names] if names is not None else [str(lab) for lab in labs]
    if len(shown) != len(m):
        raise ValueError(f"confusion_matrix: {len(m)} classes but {len(shown)} names")
    ax = _axes(ax)
    top = max(max(row) for row in m) or 1
    ax.imshow(m, cmap="Blues", vmin=0, vmax=top)
    for i, row in enumerate(m):
        total = sum(row)
        for j, count in enumerate(row):
            share = f"\n{count / total:.0%}" if total else ""
            ax.text(j, i, f"{count}{share}", ha="center", va="center", fontsize=9,
                    color="white" if count > 0.6 * top else "black")
    ax.set_xticks(range(len(shown)), shown)
    ax.set_yticks(range(len(shown)), shown)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax


def curves(
    series: Mapping[str, Sequence[float]],
    *,
    ax: Any = None,
    title: str | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    logy: bool = False,
) -> Any:
    """One line per named series (e.g. ``{"SGD": history.train["loss"], ...}``)."""
    ax = _axes(ax)
    for name, values in series.items():
        ax.plot(range(1, len(values) + 1), list(values), label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    return ax


def _label_levels(xs: list[float], half_widths: list[float], pad: float) -> list[int]:
    """Greedy rows for labels centred at ``xs``: each goes to the lowest level where it does not
    overlap the label before it on that level (labels taken left to right)."""
    edges: list[float] = []
    levels = [0] * len(xs)
    for i in sorted(range(len(xs)), key=xs.__getitem__):
        left = xs[i] - half_widths[i]
        for k, edge in enumerate(edges):
            if edge + pad <= left:
                edges[k] = xs[i] + half_widths[i]
                levels[i] = k
                break
        else:
            levels[i] = len(edges)
            edges.append(xs[i] + half_widths[i])
    return levels


def embedding_line(
    values: Sequence[float],
    words: Sequence[str],
    labels: Sequence[int],
    *,
    marked: Collection[int] = (),
    annotate: Collection[int] | None = None,
    ax: Any = None,
    title: str | None = None,
    fontsize: float = 7.0,
) -> Any:
    """One-dimensional word embeddings as a strip plot: label-1 words on the upper row in blue,
    label-0 words on the lower row in orange, each at its value; words whose index is in
    ``marked`` drawn as ×.

    Every word is written (or those in ``annotate``), horizontally, on stacked levels away
    from its row: a label goes to the nearest level where it overlaps no other, with a thin
    line to its point, so words with close values stay readable instead of piling up. Where
    that would take more than :data:`MAX_LABEL_LEVELS` levels, the row's words are instead
    spread evenly in the order of their values, each joined to its point. The font shrinks
    (down to 5 pt) if the axes are too short for the levels needed.
    """
    if not len(values) == len(words) == len(labels):
        raise ValueError(
            f"embedding_line: values, words and labels must have the same length, "
            f"got {len(values)}, {len(words)} and {len(labels)}"
        )
    ax = _axes(ax)
    vals = [float(v) for v in values]
    marked = set(marked)
    shown = set(annotate) if annotate is not None else set(range(len(words)))
    lo, hi = _span(vals, 0.04) if vals else (-1.0, 1.0)
    ax.set_xlim(lo, hi)
    fig = ax.figure
    box = ax.get_position()
    per_inch = (hi - lo) / max(box.width * fig.get_figwidth(), 1e-6)  # data units per inch
    rows = {1: (1.0, "C0"), 0: (-1.0, "C1")}
    placed: dict[int, tuple[int, int, float]] = {}  # index -> (row sign, level, x of the label)
    depth = {1: 0, -1: 0}
    pad = 0.06 * per_inch
    for label_is_one in (True, False):
        idx = sorted((i for i in range(len(words)) if (labels[i] == 1) == label_is_one and i in shown),
                     key=vals.__getitem__)
        half = [0.3 * fontsize / 72 * len(str(words[i])) * per_inch for i in idx]  # ~0.6 em per char
        xs = [vals[i] for i in idx]
        levels = _label_levels(xs, half, pad)
        if max(levels, default=0) >= MAX_LABEL_LEVELS:
            # too crowded to write words where they are: spread them evenly in value order over
            # as few levels as fit, each joined to its point (monotone, so the lines do not cross)
            slot = (hi - lo) / len(idx)
            n_levels = max(1, math.ceil((2 * max(half) + pad) / slot))
            xs = [lo + (j + 0.5) * slot for j in range(len(idx))]
            levels = [j % n_levels for j in range(len(idx))]
        sign = 1 if label_is_one else -1
        for i, k, x in zip(idx, levels, xs):
            placed[i] = (sign, k, x)
        depth[sign] = max(levels, default=-1) + 1
    gap = 0.9  # from a row of points to its first level of labels, in level heights
    top = 1.0 + gap + max(depth[1] - 1, 0) + 0.9
    bottom = -(1.0 + gap + max(depth[-1] - 1, 0) + 0.9)
    ax.set_ylim(bottom, top)
    level_inch = box.height * fig.get_figheight() / (top - bottom)
    size = max(5.0, min(fontsize, level_inch * 72 / 1.3))
    for i, (value, label) in enumerate(zip(vals, labels)):
        row, color = rows[1 if label == 1 else 0]
        ax.plot(value, row, "x" if i in marked else "o", color=color, ms=5, zorder=3)
        if i in placed:
            sign, k, x = placed[i]
            y = sign * (1.0 + gap + k)
            ax.plot([value, x], [row, y - sign * 0.3], color=color, lw=0.4, alpha=0.5, zorder=1)
            ax.text(x, y, str(words[i]), fontsize=size, color=color, ha="center", va="center", zorder=2,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3, "alpha": 0.85})
    ax.axvline(0, color="gray", lw=0.5, zorder=0)
    ax.set_yticks([-1.0, 1.0], ["label 0", "label 1"])
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title, fontsize=10)
    return ax

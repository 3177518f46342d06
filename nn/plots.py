"""Matplotlib pictures of a trained model: its output over the plane, decision boundaries, curves.

Needs the ``plot`` extra (matplotlib), imported only when a function here is called. Every
function draws on the ``ax`` it is given (or a new one) and returns it, so a notebook can
place several side by side. Models are evaluated under ``autograd.no_grad()``: drawing
builds no graph.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from autograd import Value, no_grad

Point = Sequence[float]


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


def decision_boundary(
    model: Callable[[list[float]], Any],
    X: Sequence[Point],
    y: Sequence[int],
    *,
    resolution: int = 50,
    margin: float = 0.15,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """The regions where the model predicts each class, the boundary between them, and the
    points ``X`` coloured by their labels ``y`` (two classes: 0 or -1 against 1).

    The model's score is thresholded at 0, which suits logits, hinge-loss scores and two
    class scores alike.
    """
    if len(X) != len(y) or not X:
        raise ValueError(
            f"decision_boundary: X and y must be non-empty and the same length, got {len(X)} and {len(y)}"
        )
    ax = _axes(ax)
    xlim = _span([p[0] for p in X], margin)
    ylim = _span([p[1] for p in X], margin)
    xs, ys, zs = grid_scores(model, xlim, ylim, resolution)
    lo = min(min(row) for row in zs)
    hi = max(max(row) for row in zs)
    # two filled regions split at score 0, so the fill and the boundary line agree exactly
    ax.contourf(xs, ys, zs, levels=[min(lo, 0.0) - 1.0, 0.0, max(hi, 0.0) + 1.0],
                colors=["#fde0c5", "#c6dbef"])
    if lo < 0.0 < hi:
        ax.contour(xs, ys, zs, levels=[0.0], colors="k", linewidths=1.0)
    positive = [p for p, label in zip(X, y) if label == 1]
    negative = [p for p, label in zip(X, y) if label != 1]
    ax.scatter([p[0] for p in negative], [p[1] for p in negative], s=14, c="#d95f02", edgecolors="k",
               linewidths=0.3, label="class 0")
    ax.scatter([p[0] for p in positive], [p[1] for p in positive], s=14, c="#1f78b4", edgecolors="k",
               linewidths=0.3, label="class 1")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
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


def embedding_line(
    values: Sequence[float],
    words: Sequence[str],
    labels: Sequence[int],
    *,
    marked: Collection[int] = (),
    annotate: Collection[int] | None = None,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """One-dimensional word embeddings on a number line: label-1 words above the axis in
    blue, label-0 words below in orange; words whose index is in ``marked`` drawn as ×.

    ``annotate`` chooses which words are written out (default: every third word and the
    marked ones), so that a crowded line stays readable.
    """
    if not len(values) == len(words) == len(labels):
        raise ValueError(
            f"embedding_line: values, words and labels must have the same length, "
            f"got {len(values)}, {len(words)} and {len(labels)}"
        )
    ax = _axes(ax)
    marked = set(marked)
    shown = set(annotate) if annotate is not None else {i for i in range(len(words)) if i % 3 == 0} | marked
    for i, (value, word, label) in enumerate(zip(values, words, labels)):
        color, row = ("C0", 0.6) if label == 1 else ("C1", -0.6)
        ax.plot(value, row, "x" if i in marked else "o", color=color, ms=5)
        if i in shown:
            ax.text(value, row + (0.15 if row > 0 else -0.15), word, rotation=60, fontsize=6, color=color,
                    ha="left" if row > 0 else "right", va="bottom" if row > 0 else "top")
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_ylim(-2.2, 2.2)
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax

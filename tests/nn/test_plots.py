"""nn.plots: the grid is evaluated where it should be, the boundary sits at score 0, and
drawing builds no graph."""

import matplotlib

matplotlib.use("Agg")

import random

import matplotlib.pyplot as plt
import pytest

from autograd import Value
from nn.data import word_sentiment
from nn.plots import (
    confusion_matrix,
    curves,
    decision_boundary,
    embedding_line,
    grid_classes,
    grid_scores,
    output_surface,
)


def linear(p):
    # score = x - y: positive below the diagonal
    return Value(p[0]) - p[1]


def test_grid_scores_layout_rows_are_y_and_columns_are_x():
    xs, ys, zs = grid_scores(linear, (0.0, 2.0), (-1.0, 1.0), resolution=5)
    assert xs == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert ys == [-1.0, -0.5, 0.0, 0.5, 1.0]
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            assert zs[i][j] == pytest.approx(x - y)


def test_two_class_scores_give_class_one_margin():
    _, _, zs = grid_scores(lambda p: [Value(p[0]), Value(2 * p[0])], (1.0, 3.0), (0.0, 1.0), resolution=2)
    assert zs == [[1.0, 3.0], [1.0, 3.0]]


def test_grid_scores_builds_no_graph():
    made = []

    def model(p):
        v = Value(p[0]) * 2.0
        made.append(v)
        return v

    grid_scores(model, (0, 1), (0, 1), resolution=2)
    assert all(v.children == () for v in made)


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="resolution"):
        grid_scores(linear, (0, 1), (0, 1), resolution=1)
    with pytest.raises(TypeError, match="one Value"):
        grid_scores(lambda p: "spam", (0, 1), (0, 1), resolution=2)
    with pytest.raises(ValueError, match="same length"):
        decision_boundary(linear, [[0.0, 0.0]], [0, 1])


def test_decision_boundary_draws_regions_boundary_and_both_classes():
    X = [[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]]
    y = [0, 1, 0, 1]
    ax = decision_boundary(linear, X, y, resolution=20)
    scatters = [c for c in ax.collections if c.get_label() in ("class 0", "class 1")]
    assert sorted(c.get_label() for c in scatters) == ["class 0", "class 1"]
    assert sum(len(c.get_offsets()) for c in scatters) == 4
    # the region fill plus the level-0 line
    assert len(ax.collections) >= 4
    plt.close(ax.figure)


def test_output_surface_and_curves_label_their_axes():
    ax = output_surface(linear, resolution=10, title="x - y")
    assert ax.get_title() == "x - y"
    plt.close(ax.figure)
    ax = curves({"a": [3.0, 2.0, 1.0], "b": [1.0, 1.0, 1.0]}, logy=True)
    lines = ax.get_lines()
    assert [list(line.get_xdata()) for line in lines] == [[1, 2, 3], [1, 2, 3]]
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    plt.close(ax.figure)


def test_embedding_line_places_words_by_value_and_label():
    ax = embedding_line([-1.0, 2.0, 0.5], ["bad", "good", "fine"], [0, 1, 1], marked=[2], annotate=[0, 1])
    points = [(line.get_xdata()[0], line.get_ydata()[0], line.get_marker()) for line in ax.get_lines()
              if line.get_marker() in ("o", "x")]
    assert points == [(-1.0, -1.0, "o"), (2.0, 1.0, "o"), (0.5, 1.0, "x")]
    assert sorted(t.get_text() for t in ax.texts) == ["bad", "good"]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="same length"):
        embedding_line([1.0], ["a", "b"], [0, 1])


def _overlaps(ax):
    """Pairs of word labels whose drawn boxes overlap (measured by the renderer)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
            if ba.x0 < bb.x1 and bb.x0 < ba.x1 and ba.y0 < bb.y1 and bb.y0 < ba.y1]


@pytest.mark.parametrize("spread", [0.05, 0.5, 3.0])
def test_embedding_line_writes_every_word_and_no_two_labels_overlap(spread):
    # the demo's 80 words with values bunched near ±1 (what training gives): no piles of labels
    words, labels = word_sentiment()
    r = random.Random(0)
    values = [(1 if lab else -1) + r.gauss(0, spread) for lab in labels]
    fig, ax = plt.subplots(figsize=(12, 5))
    embedding_line(values, words, labels, ax=ax)
    fig.canvas.draw()
    assert sorted(t.get_text() for t in ax.texts) == sorted(words)
    assert _overlaps(ax) == []
    assert min(t.get_fontsize() for t in ax.texts) >= 5.0
    plt.close(fig)


def test_grid_classes_and_a_three_class_boundary():
    def model(p):  # class = which of three half-planes scores highest
        return [Value(p[0]), Value(p[1]), Value(-p[0] - p[1])]

    _, _, cs = grid_classes(model, (-1.0, 1.0), (-1.0, 1.0), resolution=3)
    assert cs == [[2, 2, 0], [2, 0, 0], [1, 1, 0]]
    X = [[0.9, 0.0], [0.0, 0.9], [-0.8, -0.8]]
    ax = decision_boundary(model, X, [0, 1, 2], resolution=20, names=["yin", "yang", "dots"])
    legend = sorted(c.get_label() for c in ax.collections if c.get_label() in ("yin", "yang", "dots"))
    assert legend == ["dots", "yang", "yin"]
    plt.close(ax.figure)


def test_confusion_matrix_plot_shows_counts_and_row_shares():
    ax = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], names=["yin", "yang", "dots"])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1\n50%", "1\n50%", "0\n0%", "0\n0%", "1\n100%", "0\n0%", "1\n33%", "0\n0%", "2\n67%"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["yin", "yang", "dots"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="3 classes but 2 names"):
        confusion_matrix([0, 1, 2], [0, 1, 2], names=["a", "b"])

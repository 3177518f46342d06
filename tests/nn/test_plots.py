"""nn.plots: the grid is evaluated where it should be, the boundary sits at score 0, and
drawing builds no graph."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from autograd import Value
from nn.plots import curves, decision_boundary, embedding_line, grid_scores, output_surface


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
    assert points == [(-1.0, -0.6, "o"), (2.0, 0.6, "o"), (0.5, 0.6, "x")]
    assert sorted(t.get_text() for t in ax.texts) == ["bad", "good"]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="same length"):
        embedding_line([1.0], ["a", "b"], [0, 1])

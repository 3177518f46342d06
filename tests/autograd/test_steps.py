"""The stepper: backward_steps agrees exactly with backward(); frames and the HTML viewer."""

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given

from autograd import Value, backward_steps, step_through, topological_order
from autograd.render import GraphTooLargeError
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
    text = steps[0].explain()
    assert text.startswith("∂L/∂z += ∂L/∂L · ∂L/∂z = 1.0 · 1.0 = 1.0   (contribution 1 of 3")
    assert "∂L/∂x = ∂L/∂z · ∂z/∂x = -11.0 · -3.0 = 33.0" in steps[4].explain()
    assert "(operand 2)" in steps[3].explain()
    frame = steps[2].frame().source
    assert "grad -5.0000 (2/3)" in frame  # 1 + (-6): two of z's three contributions so far
    assert len(re.findall(r"class=current", frame)) == 1
    assert frame.count("class=done") == 2 and frame.count("class=todo") == 3
    assert re.findall(r'xlabel="?([-+0-9.]+)', frame) == ["-6.0000", "+1.0000", "+1.0000"]


def test_viewer_html_has_every_frame_and_shows_the_last_without_javascript(tmp_path):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    L = (x * w + b).tanh()
    viewer = step_through(L)
    page = viewer.page()
    frames = re.findall(r'<div class="cg-frame" data-frame="(\d+)"( hidden)?>', page)
    assert [int(j) for j, _ in frames] == list(range(len(viewer.steps) + 1))
    assert [h for _, h in frames] == [" hidden"] * len(viewer.steps) + [""]  # no JS: the final frame
    assert page.count("<svg") == len(frames) and "<script>" in page and "http" not in page.split("<svg")[0]
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        ET.fromstring(svg.encode("utf-8"))
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # frames' SVG ids never collide
    assert "∂L/∂w = ∂L/∂v2 · ∂v2/∂w" in page
    path = viewer.save(tmp_path / "s.html")
    assert open(path, encoding="utf-8").read() == page
    assert viewer._repr_html_() == viewer.html()


def test_a_step_displays_as_its_frame_and_its_arithmetic():
    w = Value(2.0, label="w")
    z = w * 3.0
    z.label = "z"
    bundle = backward_steps(z.tanh())[1]._repr_mimebundle_()
    assert "∂L/∂w = ∂L/∂z · ∂z/∂w" in bundle["text/plain"]
    svg = ET.fromstring(bundle["image/svg+xml"].encode("utf-8"))
    current = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if "current" in (g.get("class") or "")]
    assert [g.get("id") for g in current] == ["e2_0"]


def test_stepper_limits_and_errors():
    y = Value(1.0)
    for _ in range(30):
        y = y * 1.5
    with pytest.raises(GraphTooLargeError, match="61 values, more than max_nodes=50"):
        step_through(y)
    with pytest.raises(TypeError, match="got str"):
        backward_steps("x")
    assert backward_steps(Value(3.0)) == []
    assert backward_steps(y, gradient=2.0)[0].upstream == 2.0


@pytest.mark.parametrize("backend", ["wasm", pytest.param("dot", marks=pytest.mark.skipif(
    shutil.which("dot") is None, reason="the system Graphviz `dot` is not on PATH"))])
def test_every_frame_has_the_same_layout(backend):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    z = x * w
    L = (z + b).tanh() * z + x  # fan-in at z and x: partial sums change the grad texts' length
    viewer = step_through(L, backend=backend)
    page = viewer.html()
    box = re.compile(r'<g id="f\d+_(v\d+)" class="node[^"]*">\s*<title>[^<]*</title>\s*<polygon[^>]*'
                     r'points="([^"]*)"')
    boxes = [box.findall(frame) for frame in re.findall(r'<div class="cg-frame".*?</svg>', page, re.S)]
    assert len(boxes) == len(viewer.steps) + 1 and len(boxes[0]) == len(topological_order(L))
    assert all(b == boxes[0] for b in boxes)  # only numbers and colours change between frames

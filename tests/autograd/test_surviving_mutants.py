"""Behaviour users rely on that no test pinned down: each of these was a mutant (a small
change to the code) that the whole suite let survive. Now each such change fails here."""

import html
import json
import math
import os

import pytest

import nn
from autograd import TraceMismatchError, Value, grad, step_through, trace
from autograd.cli import main as cli_main
from autograd.ops import OPS

# ------------------------------------------------------------------ the slope of x ** 0.5 at 0


def test_slope_of_x_to_the_half_at_zero_is_inf_like_sqrt_and_pytorch():
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf  # vertical tangent, not 0, not an error
    (d,) = grad(y, [x])
    assert d == math.inf
    s = Value(0.0)
    s.sqrt().backward()
    assert s.grad == x.grad  # the same slope through either spelling
    row = next(e for e in OPS["**n"].edges if e.args == (0.0,) and e.param == 0.5)
    assert row.local == (math.inf,)  # what the op table documents
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (t**0.5).backward()
    assert t.grad.item() == x.grad


@pytest.mark.parametrize("n, slope", [(1.5, 0.0), (1.0, 1.0), (2.0, 0.0), (0.0, 0.0), (0.25, math.inf)])
def test_slope_of_x_to_the_n_at_zero(n, slope):
    x = Value(0.0)
    (x**n).backward()
    assert x.grad == slope


def test_x_to_a_negative_power_at_zero_raises():
    with pytest.raises(ZeroDivisionError, match=r"\*\*"):
        Value(0.0) ** -0.5


# ------------------------------------------------------------------ nn.save stays atomic


@pytest.fixture
def saved(tmp_path):
    model = nn.MLP(2, [3, 1])
    path = tmp_path / "model.json"
    nn.save(model, path)
    return model, path, path.read_text(encoding="utf-8")


def _changed(model):
    for p in model.parameters():
        p.data += 1.0
    return model


def test_a_failure_while_writing_leaves_the_old_file_intact_and_no_temp_file(saved, monkeypatch):
    model, path, before = saved
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()
            return False

        def write(self, text):
            self.f.write(text[: len(text) // 2])  # half the bytes reach the disk ...
            raise OSError(28, "No space left on device")  # ... then the disk is full

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError, match="No space left"):
        nn.save(_changed(model), path)
    assert path.read_text(encoding="utf-8") == before  # the old file, whole
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]  # no temp file left
    json.loads(before)


def test_a_failure_before_the_rename_leaves_the_old_file_intact(saved, monkeypatch):
    model, path, before = saved

    def crash(src, dst):
        raise KeyboardInterrupt  # interrupted at the last moment

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save(_changed(model), path)
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]


def test_a_successful_save_replaces_the_file_whole(saved):
    model, path, before = saved
    nn.save(_changed(model), path)
    after = path.read_text(encoding="utf-8")
    assert after != before and json.loads(after)["state_dict"] == model.state_dict()
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]


# ------------------------------------------------------------------ the stepper escapes what it shows


def test_stepper_captions_and_page_escape_labels():
    evil = "<b>x</b>&<script>alert(1)</script>"
    x = Value(2.0, label=evil)
    y = (x * x).tanh()
    y.label = "<i>y</i>"
    viewer = step_through(y)
    page = viewer.page()
    assert "<script>alert(1)</script>" not in page and "<b>x</b>" not in page and "<i>y</i>" not in page
    captions = [s.explain() for s in viewer.steps]
    assert any(evil in c for c in captions)  # the caption text names the label ...
    assert html.escape(evil) in page  # ... and the page shows it escaped
    assert "&lt;i&gt;y&lt;/i&gt;" in page


# ------------------------------------------------------------------ the CLI refuses True/False as numbers


@pytest.mark.parametrize("argv, message", [
    (["graph", "x + True", "--set", "x=1"], "only real numbers are allowed, not True"),
    (["graph", "False * x", "--set", "x=1"], "only real numbers are allowed, not False"),
    (["steps", "x ** True", "--set", "x=2"], "only real numbers are allowed, not True"),
    (["graph", "x + 1", "--set", "x=True"], "--set x: 'True' is not a number"),
    (["graph", "x + 1", "--set", "x=False"], "--set x: 'False' is not a number"),
])
def test_cli_refuses_booleans_as_numbers(capsys, argv, message):
    assert cli_main(argv) == 2
    out, err = capsys.readouterr()
    assert message in err and out == "" and "Traceback" not in err


# ------------------------------------------------------------------ trace validate


def test_validate_catches_a_leaf_whose_value_changed_and_accepts_an_equal_one():
    w = Value(2.0)
    k = [3.0]
    traced = trace(lambda x: w * x * Value(k[0]), 1.0)  # a leaf made inside the function
    traced(2.0, validate=True)  # a new leaf, the same value: fine
    k[0] = 4.0
    with pytest.raises(TraceMismatchError, match=r"creates a leaf .* whose value changed since tracing"):
        traced(2.0, validate=True)
    assert traced(2.0) == 12.0  # without validate the replay keeps the traced 3.0: why validate exists


def test_validate_checks_the_replayed_output_and_gradients():
    w = Value(0.5)
    traced = trace(lambda x: (w * x).tanh(), 1.0)
    assert traced(2.0, validate=True) == pytest.approx(math.tanh(1.0), rel=1e-15)
    honest_forward, honest_backward = traced._forward, traced._backward

    def off_forward(xs):
        v = honest_forward(xs)
        v[traced._out] *= 1 + 1e-9  # a replay bug of one part in a billion
        return v

    traced._forward = off_forward
    with pytest.raises(TraceMismatchError, match="replayed output"):
        traced(2.0, validate=True)
    traced._forward = honest_forward

    def off_backward(v, g):
        return [x * (1 + 1e-9) for x in honest_backward(v, g)]

    traced._backward = off_backward
    with pytest.raises(TraceMismatchError, match="replayed gradient"):
        traced(2.0, validate=True)

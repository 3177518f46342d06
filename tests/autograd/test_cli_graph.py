"""`chaingrad graph` and `chaingrad steps`: happy paths, and hostile expressions refused with status 2."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd.cli import main
from autograd.expr import ExprError, build

NEURON = ["tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.88"]


def test_graph_writes_svg_to_stdout(capsys):
    assert main(["graph", *NEURON]) == 0
    out = capsys.readouterr().out
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag.endswith("svg")
    assert "data 6.8800" in out and "grad" not in out.split("<svg")[1].replace("chaingrad", "")


def test_graph_backward_dot_and_file_output(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", *NEURON, "--backward", "--format", "dot", "--rankdir", "TB", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == ""
    assert "rankdir=TB" in text and "{ w | data -3.0000 | grad 1.0019 }" in text


def test_steps_writes_a_standalone_page(tmp_path):
    out = tmp_path / "steps.html"
    assert main(["steps", *NEURON, "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('class="cg-frame"') == 6


def test_console_script_and_help_examples():
    cmd = [sys.executable, "-m", "autograd.cli", "graph", "--help"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0
    assert 'chaingrad graph "tanh(x*w + b)" --set x=2' in out.stdout and "eval" in out.stdout


def test_unused_variable_is_a_warning(capsys):
    assert main(["graph", "x*2", "--set", "x=1", "--set", "y=2", "--format", "dot"]) == 0
    assert "warning: --set y unused" in capsys.readouterr().err


HOSTILE = [
    ("x.__class__", 1, "attribute access is not allowed"),
    ("__import__('os')", 1, "unknown function '__import__'"),
    ("__import__('os').system('true')", 1, "only calls of a function by name"),
    ("(lambda: 1)()", 1, "only calls of a function by name"),
    ("lambda: x", 1, "a lambda is not allowed"),
    ("[x for x in (1, 2)]", 1, "a comprehension is not allowed"),
    ("x + y", 5, "variable 'y' has no value; give it one with --set y=NUMBER"),
    ("x + open('/etc/passwd')", 5, "unknown function 'open'"),
    ("x ** 99999999", 6, "exponent 99999999.0 is too large"),
    ("9 ** 9 ** 9", 1, "overflowed"),
    ("x[0]", 1, "indexing is not allowed"),
    ("x if x else 1", 1, "IfExp is not allowed"),
    ("x @ x", 1, "operator MatMult is not allowed"),
    ("'text'", 1, "only real numbers are allowed"),
    ("1e999 * x", 1, "too large for a float"),
    ("tanh(x, x)", 1, "takes exactly one argument"),
    ("tanh(x=1)", 1, "takes exactly one argument"),
    ("x +", 4, "not a valid expression"),
    ("x = 1", 3, "not a valid expression"),
    ("log(x - 1)", 1, "log of 0.0 is undefined"),
    ("x / (x - 1)", 1, "division by zero"),
]


@pytest.mark.parametrize(("expr", "col", "message"), HOSTILE)
def test_hostile_expressions_exit_2_naming_the_column(expr, col, message, capsys):
    assert main(["graph", expr, "--set", "x=1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"column {col}: " in captured.err and message in captured.err
    with pytest.raises(ExprError) as info:
        build(expr, {"x": 1.0})
    assert info.value.col == col


def test_bad_set_and_oversized_expression_exit_2(capsys):
    assert main(["graph", "x", "--set", "x"]) == 2
    assert "NAME=NUMBER" in capsys.readouterr().err
    assert main(["graph", "x", "--set", "x=nan"]) == 2
    assert "finite" in capsys.readouterr().err
    assert main(["graph", "+".join(["x"] * 1500), "--set", "x=1"]) == 2
    assert "at most 2000 are accepted" in capsys.readouterr().err


def test_long_but_allowed_expression_builds_without_recursion():
    p = build("+".join(["x"] * 999), {"x": 1.0})
    assert p.value.data == 999.0


def test_size_limit_is_reported_and_can_be_lifted(tmp_path, capsys):
    expr = "+".join(["x*x"] * 20)  # 20 products, 19 sums and the leaf x: 40 values
    assert main(["steps", expr, "--set", "x=1", "--max-nodes", "10", "-o", str(tmp_path / "s.html")]) == 1
    assert "more than max_nodes=10" in capsys.readouterr().err
    assert main(["graph", expr, "--set", "x=1", "--max-nodes", "0", "--format", "dot"]) == 0


def test_max_and_min_are_in_the_grammar(capsys):
    assert main(["graph", "max(x, y) - min(x, 2)", "--set", "x=1", "--set", "y=3", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert "max" in dot and "min" in dot
    assert main(["graph", "max(x)", "--set", "x=1"]) == 2
    assert "max() takes exactly 2 arguments" in capsys.readouterr().err

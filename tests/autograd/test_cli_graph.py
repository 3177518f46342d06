"""`chaingrad graph` and `chaingrad steps`: happy paths, and hostile expressions refused with status 2."""

import shutil
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


@pytest.mark.parametrize(("mode", "first", "steps"), [("backward", "Backward", 5), ("forward", "Forward", 3),
                                                      ("both", "Backward", 8)])
def test_steps_writes_a_standalone_page_in_each_mode(tmp_path, mode, first, steps):
    out = tmp_path / "steps.html"
    assert main(["steps", *NEURON, "--mode", mode, "--group", "scope", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    assert f'data-mode="{mode}"' in page and f'<div class="cg-text"><div>{first} ' in page
    assert f'data-current="{steps}"' in page


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


def test_size_limit_is_reported_with_the_flag_and_can_be_lifted(tmp_path, capsys):
    expr = "+".join(["x*x"] * 20)  # 20 products, 19 sums and the leaf x: 40 values
    assert main(["steps", expr, "--set", "x=1", "--max-nodes", "10", "-o", str(tmp_path / "s.html")]) == 2
    err = capsys.readouterr().err
    assert "40 values, more than the limit of 10" in err and "--max-nodes 40" in err
    assert "Traceback" not in err
    assert not (tmp_path / "s.html").exists()
    assert main(["graph", expr, "--set", "x=1", "--max-nodes", "0", "--format", "dot"]) == 0


@pytest.mark.parametrize("command", ["graph", "steps"])
def test_output_to_a_folder_or_into_a_missing_folder_exits_2(tmp_path, capsys, command):
    assert main([command, *NEURON, "-o", str(tmp_path)]) == 2
    assert "that is a folder; give a file name" in capsys.readouterr().err
    missing = tmp_path / "nowhere" / "out.html"
    assert main([command, *NEURON, "-o", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"the folder {missing.parent} does not exist" in err and "mkdir -p" in err


@pytest.mark.skipif(shutil.which("dot") is None, reason="PNG needs the system Graphviz `dot`")
def test_graph_writes_png_and_steps_refuses_it(tmp_path, capsys):
    out = tmp_path / "neuron.png"
    assert main(["graph", *NEURON, "--backward", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert main(["graph", *NEURON, "--format", "svg", "-o", str(out)]) == 2
    assert "names a PNG file but --format is svg" in capsys.readouterr().err
    assert main(["graph", *NEURON, "--format", "png"]) == 2
    assert "write it to a file with -o out.png" in capsys.readouterr().err
    assert main(["steps", *NEURON, "-o", str(tmp_path / "steps.png")]) == 2
    assert "steps writes a web page, so give a name ending in .html" in capsys.readouterr().err


def test_a_layout_over_the_time_limit_stops_with_what_to_do(tmp_path, capsys):
    expr = "+".join(f"tanh(x*{i})" for i in range(60))
    assert main(["graph", expr, "--set", "x=1", "--timeout", "0.001", "-o", str(tmp_path / "g.svg")]) == 1
    err = capsys.readouterr().err
    assert "did not finish laying out the graph within 0.001 s" in err and "--timeout SECONDS" in err
    assert "Traceback" not in err
    assert main(["graph", "x", "--set", "x=1", "--timeout", "0"]) == 2
    assert "--timeout must be a positive number" in capsys.readouterr().err


def test_max_and_min_are_in_the_grammar(capsys):
    assert main(["graph", "max(x, y) - min(x, 2)", "--set", "x=1", "--set", "y=3", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert "max" in dot and "min" in dot
    assert main(["graph", "max(x)", "--set", "x=1"]) == 2
    assert "max() takes exactly 2 arguments" in capsys.readouterr().err


"""The engine tour prints every node of a neuron with its gradient and checks them."""

import io
import subprocess
import sys

from autograd.cli import engine_tour, main


def test_engine_tour_prints_the_neuron_and_checks_it():
    buf = io.StringIO()
    engine_tour(buf)
    text = buf.getvalue()
    assert "y = tanh(x1·w1 + x2·w2 + b)" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines()[3:13]}
    assert rows["w1"][-1] == "1.000000" and rows["x1"][-1] == "-1.500000"
    assert "gradcheck: backprop agrees" in text
    assert "d²y/dn² = -2·tanh(n)·(1 - tanh²(n)) = -0.707107" in text


def test_console_script_runs_the_tour():
    out = subprocess.run([sys.executable, "-m", "autograd.cli", "tour"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "gradcheck: backprop agrees" in out.stdout


def test_no_command_prints_help_and_exits_2(capsys):
    from nn.cli import main as program

    assert program([]) == 2
    assert "demo" in capsys.readouterr().out
    assert main([]) == 2  # the engine's own commands, without nn's demo
    assert "demo" not in capsys.readouterr().out

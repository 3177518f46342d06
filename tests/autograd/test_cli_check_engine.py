"""``chaingrad check-engine MODULE:NAME``: exit 0 all pass, 1 failures, 2 usage error; never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from autograd.cli import main

HERE = Path(__file__).resolve().parent
QUICK = ["--max-examples", "20"]


@pytest.fixture
def in_tests(monkeypatch):
    """Run from the folder that holds broken_engines/, as a learner runs next to their module."""
    monkeypatch.chdir(HERE)
    monkeypatch.syspath_prepend(str(HERE))
    for name in [m for m in sys.modules if m == "broken_engines" or m.startswith("broken_engines.")]:
        monkeypatch.delitem(sys.modules, name)


def run(capsys, *argv):
    code = main(["check-engine", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_correct_engine_exits_0_with_the_report(in_tests, capsys):
    code, out, err = run(capsys, "broken_engines.good:Value", *QUICK)
    assert code == 0 and err == ""
    assert out.startswith("check_engine(broken_engines.good.Value): all checks pass")
    assert "missing (not failures): **" in out


def test_a_broken_engine_exits_1_naming_the_culprit(in_tests, capsys):
    code, out, _ = run(capsys, "broken_engines.wrong_tanh:Value", "--ops", "tanh", "--checks", "op", *QUICK)
    assert code == 1
    assert "1. [op] blamed on op tanh" in out and "smallest failing expression: tanh(x)" in out


def test_a_file_path_works_and_html_is_written(capsys, tmp_path, monkeypatch):
    import micrograd.engine

    # a student's own file, anywhere: micrograd's engine with = for += in its multiplication
    source = Path(micrograd.engine.__file__).read_text(encoding="utf-8")
    buggy = source.replace("self.grad += other.data * out.grad", "self.grad = other.data * out.grad")
    buggy = buggy.replace("other.grad += self.data * out.grad", "other.grad = self.data * out.grad")
    assert buggy != source
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "my_engine.py").write_text(buggy, encoding="utf-8")
    monkeypatch.delitem(sys.modules, "my_engine", raising=False)
    page = tmp_path / "report.html"
    code, out, _ = run(capsys, str(tmp_path / "student" / "my_engine.py") + ":Value", "--checks", "square",
                       "--html", str(page), *QUICK)
    assert code == 1 and "[square] blamed on op *" in out
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and text.count("<svg") == 1


def _write(tmp_path, name, source):
    (tmp_path / name).write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("target, setup, message", [
    ("nomodule", None, "expected MODULE:NAME"),
    ("nosuchmodule_xyz:Value", None, "cannot import 'nosuchmodule_xyz': no module named 'nosuchmodule_xyz'"),
    ("boom:Value", ("boom.py", "raise RuntimeError('boom at import')\n"),
     "cannot import 'boom': RuntimeError: boom at import"),
    ("quits:Value", ("quits.py", "import sys\nsys.exit(3)\n"), "cannot import 'quits': SystemExit: 3"),
    ("syntaxerr:Value", ("syntaxerr.py", "def f(:\n"), "cannot import 'syntaxerr': SyntaxError"),
    ("needsdep:Value", ("needsdep.py", "import not_installed_dep_xyz\n"),
     "cannot import 'needsdep': ModuleNotFoundError: No module named 'not_installed_dep_xyz'"),
    ("plain:Nope", ("plain.py", "class Value: pass\n"), "'plain' has no 'Nope'; its classes: Value"),
    ("plain:Value", ("plain.py", "class Value: pass\n"), "check_engine: make_value(1.5) raised TypeError"),
    ("missing.py:Value", None, "no such file: missing.py"),
])
def test_usage_errors_exit_2_with_one_clear_line(tmp_path, monkeypatch, capsys, target, setup, message):
    monkeypatch.chdir(tmp_path)
    if setup:
        _write(tmp_path, *setup)
        monkeypatch.delitem(sys.modules, target.split(":")[0], raising=False)
    code, out, err = run(capsys, target)
    assert code == 2 and out == ""
    assert err.startswith("chaingrad check-engine: ") and message in err, err


@pytest.mark.parametrize("args, message", [
    (["--max-examples", "0"], "max_examples must be an int >= 1"),
    (["--ops", "tan"], "no op named 'tan'"),
    (["--checks", "op,speed"], "no check named 'speed'"),
])
def test_bad_options_exit_2(in_tests, capsys, args, message):
    code, _, err = run(capsys, "broken_engines.good:Value", *args)
    assert code == 2 and message in err


def test_argparse_errors_exit_2_without_traceback(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check-engine", "x:V", "--max-examples", "many"])
    assert info.value.code == 2
    assert "invalid int value: 'many'" in capsys.readouterr().err


def test_the_chaingrad_program_runs_it_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "nn.cli", "check-engine", "broken_engines.compounds:Value",
                           "--checks", "accumulation", "--ops", "*", *QUICK],
                          cwd=HERE, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "compounds" in proc.stdout and "Traceback" not in proc.stderr
    help_text = subprocess.run([sys.executable, "-m", "nn.cli", "--help"], capture_output=True, text=True,
                               timeout=60).stdout
    assert "check-engine" in help_text


def _without_hypothesis(code: str) -> subprocess.CompletedProcess:
    prelude = "import sys; sys.modules['hypothesis'] = None\n"  # as if the extra were not installed
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=HERE, capture_output=True, text=True,
                          timeout=120)


def test_the_other_commands_never_need_hypothesis():
    proc = _without_hypothesis("from autograd.cli import main\n"
                               "sys.exit(main(['graph', 'x * x', '--set', 'x=2', '--format', 'dot']))")
    assert proc.returncode == 0, proc.stderr
    assert "digraph" in proc.stdout


def test_check_engine_without_hypothesis_says_what_to_install():
    proc = _without_hypothesis("from autograd.cli import main\n"
                               "sys.exit(main(['check-engine', 'micrograd.engine:Value']))")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "pip install 'chaingrad[hypothesis]'" in proc.stderr

"""The Makefile refuses a Python older than 3.11 before making a venv with it, saying so."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKE_PY310 = """#!/bin/sh
# stands in for Python 3.10: reports its version, and fails the `-c` version check as 3.10 would
if [ "$1" = "--version" ]; then echo "Python 3.10.12"; exit 0; fi
exit 1
"""


@pytest.fixture
def clone(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    fake = tmp_path / "python3.10"
    fake.write_text(FAKE_PY310)
    fake.chmod(0o755)
    return tmp_path


@pytest.mark.parametrize("target", ["test", "demo"])
def test_make_refuses_python_older_than_3_11(clone, target):
    done = subprocess.run(["make", f"PYTHON={clone / 'python3.10'}", target], cwd=clone, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "error: chaingrad needs Python 3.11 or newer" in done.stderr
    assert "is Python 3.10.12." in done.stderr and "make PYTHON=python3.11" in done.stderr
    assert not (clone / ".venv").exists()  # nothing half-made


def test_make_names_a_missing_interpreter(clone):
    done = subprocess.run(["make", "PYTHON=/nonexistent/python3", "test"], cwd=clone, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0 and "is not found." in done.stderr

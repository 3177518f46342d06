"""The wheel ships every package of autograd/ and nn/ with its data files, and nothing else.

A non-editable ``pip install .`` installs what the wheel holds: a subpackage missing from
pyproject.toml's package list (autograd.check and autograd.tracing once were) imports in
the editable checkout and fails after a real install. The wheel is built from a copy of the
sources with setuptools' own PEP 517 hook (what pip calls), so nothing is written into the
checkout and nothing is downloaded.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")

BUILD = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"


def _source_packages() -> set[str]:
    return {str(init.parent.relative_to(ROOT)).replace("/", ".")
            for top in PACKAGES for init in (ROOT / top).rglob("__init__.py")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    pytest.importorskip("setuptools", reason="setuptools comes with the dev extra")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for top in PACKAGES:
        shutil.copytree(ROOT / top, src / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-c", BUILD, str(dist)], cwd=src, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    with zipfile.ZipFile(dist / done.stdout.strip().splitlines()[-1]) as zf:
        yield zf


def test_the_wheel_holds_every_package_with_an_init(wheel):
    names = wheel.namelist()
    shipped = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    assert _source_packages() >= {"autograd", "autograd.check", "autograd.tracing", "autograd.see", "nn"}
    assert shipped == _source_packages()
    # every module of every package, not just the __init__ files
    modules = {str(p.relative_to(ROOT)) for top in PACKAGES for p in (ROOT / top).rglob("*.py")}
    assert modules <= set(names), sorted(modules - set(names))


def test_the_step_viewer_assets_are_shipped_and_no_tests_or_notebooks(wheel):
    names = set(wheel.namelist())
    assert {"autograd/see/viewer.js", "autograd/see/viewer.css"} <= names
    tops = {n.split("/", 1)[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == set(PACKAGES), tops

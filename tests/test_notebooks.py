"""Every notebook runs from a clean kernel without an error, and is committed with outputs.

The notebooks are executed by ``notebooks/run.py`` (the same code ``make notebooks`` uses),
in a fresh ``python3`` kernel, with a per-cell timeout; each notebook's run time is printed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# No importorskip: these come with the dev extra, and a missing one must fail CI, not skip.
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("chaingrad_notebooks_run", ROOT / "notebooks" / "run.py")
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

NOTEBOOKS = runner.notebook_paths()


def test_the_five_notebooks_are_there():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"], [p.name for p in NOTEBOOKS]


def test_the_kernel_is_this_interpreter(tmp_path):
    # The python3 kernel must be the project's venv, or the notebooks would test some other
    # installation of chaingrad (or fail to import it).
    nb = nbformat.v4.new_notebook()
    probe = "import sys, autograd\nprint(sys.prefix)\nprint(autograd.__file__)"
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    runner.execute(nb, tmp_path, timeout=60)
    prefix, autograd_file = nb.cells[0].outputs[0]["text"].split()
    assert Path(prefix) == Path(sys.prefix)
    assert Path(autograd_file).parent == ROOT / "autograd"


def test_a_python3_kernelspec_elsewhere_does_not_take_over(tmp_path, monkeypatch):
    # A python3 kernelspec earlier on Jupyter's search path (here via JUPYTER_PATH, which
    # comes first) that would start another interpreter must not be used.
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        '{"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],'
        ' "display_name": "elsewhere", "language": "python"}'
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))
    runner.execute(nb, tmp_path, timeout=60)
    assert Path(nb.cells[0].outputs[0]["text"].strip()) == Path(sys.prefix)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_from_a_clean_kernel(path, capsys):
    committed = nbformat.read(path, as_version=4)
    nbformat.validate(committed)
    code = [c for c in committed.cells if c.cell_type == "code"]
    # committed with outputs, so it reads on a code host without a kernel
    assert code and all(c.execution_count is not None for c in code), f"{path.name} is committed unexecuted"

    nb = nbformat.read(path, as_version=4)
    seconds = runner.execute(nb, path.parent)  # raises CellExecutionError on any failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    with capsys.disabled():
        print(f"\n    {path.name} ran in {seconds:.1f} s")

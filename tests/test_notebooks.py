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


def _outputs(nb: nbformat.NotebookNode) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_a_progress_bar_is_committed_as_its_final_text_with_nothing_that_changes_per_run(tmp_path):
    # fit() shows a bar in a notebook (a widget with ipywidgets, else tqdm's text bar); the
    # committed output must be its final state, without tqdm's timings or widget model ids,
    # which differ on every run, so that re-running a notebook gives a clean diff.
    code = (
        "import random\nfrom nn import MLP, functional as F\nfrom nn.optim import SGD\n"
        "from nn.train import fit\n"
        "m = MLP(1, [1], rng=random.Random(0))\n"
        "h = fit(m, F.mse_loss, SGD(m.parameters(), lr=0.1), ([[0.0], [1.0]], [1.0, 3.0]), epochs=20)"
    )
    runs = []
    for _ in range(2):
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell(code))
        runner.execute(nb, tmp_path, timeout=60)
        runner.freeze_widgets(nb)  # what run.py does before writing a notebook
        runs.append(nb)
    outputs = _outputs(runs[0])
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "epoch: 100%|██████████| 20/20" in text, outputs
    assert "epoch/s" not in text and "s/epoch" not in text, text
    assert all(runner.WIDGET_VIEW not in o.get("data", {}) for o in outputs), outputs
    assert "widgets" not in runs[0].metadata
    assert _outputs(runs[0]) == _outputs(runs[1])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_hold_no_widget_state_or_timings(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, f"{path.name}: widget state committed (run notebooks/run.py)"
    for out in _outputs(nb):
        assert runner.WIDGET_VIEW not in out.get("data", {}), f"{path.name}: a widget output was committed"
        text = out.get("text", "") + out.get("data", {}).get("text/plain", "")
        assert "epoch/s" not in text and "s/epoch" not in text, f"{path.name}: a progress bar with timings"
        assert "Traceback" not in text and "Exception ignored" not in text, f"{path.name}: {text[:300]}"

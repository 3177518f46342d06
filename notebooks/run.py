"""Execute chaingrad's notebooks from a clean kernel and write them back with their outputs.

    python notebooks/run.py                 # every notebooks/NN_*.ipynb, in place
    python notebooks/run.py 01_*.ipynb      # some of them
    python notebooks/run.py --check         # execute without writing (what the test does)

The kernel is the ``python3`` kernel of the interpreter running this script, whatever other
kernelspecs are installed (ipykernel must be installed in it: ``pip install -e '.[dev]'``).
Outputs are deterministic: every notebook seeds its own randomness, execution timestamps
are not recorded, a cell's printed text is kept as one output (how the kernel splits it
into messages depends on timing), and the kernel gets a fixed ``PYTHONHASHSEED``, so
re-running gives a clean diff. (Coalescing moves all of a cell's printed text to its first
print: keep prints and figures of one cell in that order.)

Progress bars (``fit`` shows one per call) are kept, in their final state: the kernel gets
``TQDM_BAR_FORMAT`` without tqdm's elapsed time and rate, which differ on every run, and a
widget bar (with ipywidgets) is written as the text of its final state, so the committed
notebook shows "epoch: 100%|██████████| 30/30, loss=..." on a code host without a kernel and
holds no widget ids, which are random.
"""

from __future__ import annotations

import html
import os
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from traitlets import default

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 120  # seconds, per cell
# tqdm's bar without "[elapsed<remaining, rate]": those differ on every run.
BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def notebook_paths() -> list[Path]:
    """The notebooks, in reading order (``01_...`` to ``05_...``)."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


class ThisInterpreterKernelManager(KernelManager):
    """Starts the ``python3`` kernel of the interpreter running this code (ipykernel's own
    kernelspec, ``sys.executable -m ipykernel_launcher``), never a ``python3`` kernelspec
    installed elsewhere (a user's ~/.local/share/jupyter, JUPYTER_PATH, the system), which
    would run the notebooks against some other installation of chaingrad."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)


def kernel_env() -> dict[str, str]:
    """The environment for the kernel: this one, with a fixed hash seed and the inline
    matplotlib backend (an ``MPLBACKEND`` set for headless scripts would hide the figures)."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["TQDM_BAR_FORMAT"] = BAR_FORMAT
    env.pop("MPLBACKEND", None)
    return env


def _widget_text(model_id: str, state: dict) -> str | None:
    """The text of a tqdm widget bar (an HBox of description, progress, and counts) in the
    state it was left in, e.g. ``"epoch: 100%|██████████| 30/30, loss=0.0085"``; None for a
    widget that is not such a bar."""
    box = state.get(model_id, {}).get("state", {})
    parts = []
    for ref in box.get("children", []):
        child = state.get(str(ref).removeprefix("IPY_MODEL_"), {}).get("state", {})
        if "max" in child and "value" in child:  # the progress bar itself
            filled = round(10 * child["value"] / child["max"]) if child["max"] else 0
            parts.append("|" + "█" * filled + " " * (10 - filled) + "|")
        elif isinstance(child.get("value"), str):
            parts.append(html.unescape(child["value"]).replace("\u2007", " "))
    return "".join(parts) if parts and any(p.startswith("|") for p in parts) else None


def freeze_widgets(nb: nbformat.NotebookNode) -> None:
    """Replace every widget output by the text of its final state and drop the widget
    state: the committed notebook then reads the same with or without a widget manager and
    holds none of the random model ids that would change on every run."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            text = _widget_text(view.get("model_id", ""), state)
            out["data"] = {"text/plain": text if text is not None else out["data"].get("text/plain", "")}
    nb.metadata.pop("widgets", None)


def execute(nb: nbformat.NotebookNode, cwd: Path, *, timeout: int = CELL_TIMEOUT) -> float:
    """Run every cell of ``nb`` in a fresh ``python3`` kernel started in ``cwd``; return
    the wall time in seconds (outputs as the kernel sent them: :func:`run` freezes widgets).
    Raises ``nbclient.exceptions.CellExecutionError`` on the first cell that fails and
    ``CellTimeoutError`` on one that runs past ``timeout``."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=ThisInterpreterKernelManager,
        record_timing=False,
        # one stdout output per cell: how prints split into messages depends on timing
        coalesce_streams=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    start = time.perf_counter()
    client.execute(env=kernel_env())
    return time.perf_counter() - start


def run(path: Path, *, write: bool = True) -> float:
    """Execute the notebook at ``path`` (in its own folder) and, with ``write``, save it
    with its widget outputs frozen to text (:func:`freeze_widgets`)."""
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path.parent)
    freeze_widgets(nb)
    if write:
        nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    write = "--check" not in argv
    names = [a for a in argv if a != "--check"]
    paths = [Path(n) if Path(n).exists() else HERE / n for n in names] or notebook_paths()
    total = 0.0
    for path in paths:
        seconds = run(path, write=write)
        total += seconds
        print(f"{path.name:<40} {seconds:6.1f} s", flush=True)
    print(f"{'total':<40} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

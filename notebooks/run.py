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
"""

from __future__ import annotations

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
    env.pop("MPLBACKEND", None)
    return env


def execute(nb: nbformat.NotebookNode, cwd: Path, *, timeout: int = CELL_TIMEOUT) -> float:
    """Run every cell of ``nb`` in a fresh ``python3`` kernel started in ``cwd``; return
    the wall time in seconds. Raises ``nbclient.exceptions.CellExecutionError`` on the
    first cell that fails and ``CellTimeoutError`` on one that runs past ``timeout``."""
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
    """Execute the notebook at ``path`` (in its own folder) and, with ``write``, save it."""
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path.parent)
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

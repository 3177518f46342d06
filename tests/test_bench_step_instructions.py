"""bench/step_instructions.py, where the README's callgrind counts come from: both its modes run,
and its trace mode traces the loss its step mode computes."""

import os
import subprocess
import sys
from pathlib import Path


def test_step_instructions_counts_a_step_and_a_trace_of_the_same_loss(tmp_path):
    # The callgrind figures in the README come from this script: its trace mode must trace the
    # loss its step mode computes (same model, data and seeds), and both modes must run.
    script = Path(__file__).resolve().parents[1] / "bench" / "step_instructions.py"
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import runpy, sys\n"
        f"ns = runpy.run_path({str(script)!r})\n"
        "loss = ns['loss_of'](ns['X'])\n"
        "print(repr(loss.data), repr(ns['traced'].forward(ns['X'])) if 'traced' in ns else '-')\n",
        encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PHASE": "trace", "STEPS": "1", "BACKEND": "python"}
    run = subprocess.run([sys.executable, str(probe)], cwd=root, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    engine, replayed = run.stdout.split()
    assert engine == replayed  # the trace replays exactly the step's loss
    env = {**os.environ, "PHASE": "all", "STEPS": "1"}
    run = subprocess.run([sys.executable, str(probe)], cwd=root, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[1] == "-"

"""bench/floor.py's claim: its minimal engine does chaingrad's arithmetic, so that only the
interpreter work differs when the two are timed side by side."""

import importlib.util
from pathlib import Path

FLOOR = Path(__file__).resolve().parents[1] / "bench" / "floor.py"
spec = importlib.util.spec_from_file_location("floor", FLOOR)
floor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(floor)


def test_the_floor_engine_trains_bit_identically_to_chaingrad(collector_paused):
    chaingrad, minimal = floor.steppers(["chaingrad", "floor"])
    for _ in range(2):
        chaingrad.step()
        minimal.step()
    assert chaingrad.losses == minimal.losses
    assert [p.data for p in chaingrad.params] == [p.data for p in minimal.params]
    assert [p.grad for p in chaingrad.params] == [p.grad for p in minimal.params]
    assert len(set(chaingrad.losses)) == 2  # it trained: the second step's loss differs

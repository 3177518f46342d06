"""bench/floor.py's claim: its minimal engine does chaingrad's arithmetic, so that only the
interpreter work differs when the two are timed side by side."""

import importlib.util
import sys
from pathlib import Path

FLOOR = Path(__file__).resolve().parents[1] / "bench" / "floor.py"
spec = importlib.util.spec_from_file_location("floor", FLOOR)
floor = importlib.util.module_from_spec(spec)
# bench/engine.py (which floor.py imports) raises the recursion limit to 4,000,000 for
# micrograd's recursive backward; left so in the test process, a deep recursion in C (json
# reading "[" * 100_000 in tests/nn/test_nn_serialization.py) overflows the C stack and kills
# the worker instead of raising RecursionError. The steppers used here do not recurse.
_limit = sys.getrecursionlimit()
try:
    spec.loader.exec_module(floor)
finally:
    sys.setrecursionlimit(_limit)


def test_importing_the_bench_leaves_the_recursion_limit_alone():
    assert sys.getrecursionlimit() == _limit < 100_000


def test_the_floor_engine_trains_bit_identically_to_chaingrad(collector_paused):
    chaingrad, minimal = floor.steppers(["chaingrad", "floor"])
    for _ in range(2):
        chaingrad.step()
        minimal.step()
    assert chaingrad.losses == minimal.losses
    assert [p.data for p in chaingrad.params] == [p.data for p in minimal.params]
    assert [p.grad for p in chaingrad.params] == [p.grad for p in minimal.params]
    assert len(set(chaingrad.losses)) == 2  # it trained: the second step's loss differs

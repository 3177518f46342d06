"""tests/conftest.py freezes what is loaded before the tests out of the cyclic collector's
passes: once after collection, and once more after PyTorch is first imported."""

import gc
import importlib.util
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fresh_conftest():
    path = ROOT / "tests" / "conftest.py"
    spec = importlib.util.spec_from_file_location("chaingrad_tests_conftest_gc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_what_collection_loaded_is_frozen():
    # the modules, Hypothesis, numpy ... loaded while collecting sit in the permanent generation
    assert gc.get_freeze_count() > 1000


def test_torch_imported_by_a_test_is_frozen_once_after_that_test(monkeypatch):
    conftest = _fresh_conftest()
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    conftest.pytest_runtest_teardown(None, None)
    assert "torch" not in conftest._frozen_after  # no torch yet: nothing to do
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    before = gc.get_freeze_count()
    keep = [[] for _ in range(100)]  # alive when torch arrives: frozen with it
    conftest.pytest_runtest_teardown(None, None)
    assert gc.get_freeze_count() >= before + len(keep)
    assert conftest._frozen_after == {"torch"}
    again = gc.get_freeze_count()
    conftest.pytest_runtest_teardown(None, None)  # once only
    assert gc.get_freeze_count() == again

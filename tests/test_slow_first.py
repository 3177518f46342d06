"""tests/conftest.py's SLOW_FIRST names tests that exist, so that a renamed slow test cannot
silently drop out of the front of the queue (where pytest-xdist's workers share it out)."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("chaingrad_tests_conftest", ROOT / "tests" / "conftest.py")
conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conftest)


def test_every_slow_first_entry_names_a_test_function_in_its_file():
    assert len(set(conftest.SLOW_FIRST)) == len(conftest.SLOW_FIRST)
    for prefix in conftest.SLOW_FIRST:
        path, name = prefix.split("::")
        function = re.match(r"\w+", name).group()
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {function}\w*\(", source, re.M), f"{prefix}: no such test in {path}"


def test_the_slow_tests_are_moved_to_the_front_in_the_listed_order(request):
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    listed = [Item(p + "x]" if p.endswith("_") else p) for p in conftest.SLOW_FIRST]
    others = [Item("tests/a.py::test_a"), Item("tests/b.py::test_b")]
    items = [others[0], *reversed(listed), others[1]]
    conftest.pytest_collection_modifyitems(request.config, items)
    assert items == [*listed, *others]

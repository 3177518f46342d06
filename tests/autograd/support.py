"""What several autograd test files share: the broken engines a learner might write, and
the headless Chromium the browser tests drive (``conftest.py`` puts this folder on the path
and holds the ``browser`` fixture)."""

import importlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

BROKEN = Path(__file__).resolve().parent / "broken_engines"
CHROMIUM = os.environ.get("CHAINGRAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def engine(name: str) -> Any:
    """The ``Value`` class of ``broken_engines/<name>.py`` (the package is loaded from its folder)."""
    if "broken_engines" not in sys.modules:
        spec = importlib.util.spec_from_file_location("broken_engines", BROKEN / "__init__.py",
                                                      submodule_search_locations=[str(BROKEN)])
        package = importlib.util.module_from_spec(spec)
        sys.modules["broken_engines"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"broken_engines.{name}").Value


def require_browser() -> Any:
    """Playwright's ``sync_api``, or skip the calling test module saying what to install."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="no Playwright: pip install playwright")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHAINGRAD_CHROMIUM)",
                    allow_module_level=True)
    return sync_api

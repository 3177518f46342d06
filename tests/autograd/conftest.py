"""The ``browser`` fixture of the browser tests; shared helpers live in ``support.py`` beside it."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `from support import ...`

from support import ARGS, CHROMIUM, require_browser


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (launching one takes about a second)."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()

"""The step viewer in a real browser: headless Chromium (Debian's), driven by Playwright."""

import os
import shutil

import pytest

from autograd import Value, step_through

CHROMIUM = os.environ.get("CHAINGRAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api", reason="no Playwright: pip install playwright")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHAINGRAD_CHROMIUM)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, tmp_path):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    L = (x * w + b).tanh()
    L.label = "L"
    path = tmp_path / "steps.html"
    step_through(L).save(path)
    tab = browser.new_page()
    tab.goto(path.as_uri())
    yield tab
    tab.close()


def shown(tab):
    """(frame number, id of the highlighted edge, first caption line) of the visible frame."""
    return tab.evaluate("""() => {
        const f = [...document.querySelectorAll('.cg-frame')].filter(e => !e.hidden);
        if (f.length !== 1) return [f.length, null, null];
        const e = f[0].querySelector('g.edge.current');
        return [+f[0].dataset.frame, e && e.id, f[0].querySelector('.cg-text div').textContent];
    }""")


def test_viewer_steps_forward_and_back_in_chromium(page):
    tab = page
    assert tab.is_visible(".cg-controls")  # JavaScript ran and showed the controls
    frame, edge, text = shown(tab)
    assert (frame, edge) == (0, None) and text.startswith("Start: ∂L/∂L = 1.0")
    seen = []
    for _ in range(5):
        tab.click('[data-go="next"]')
        seen.append(shown(tab))
    assert [f for f, _, _ in seen] == [1, 2, 3, 4, 5]
    edges = [e for _, e, _ in seen]
    assert all(edges) and len(set(edges)) == 5  # a different edge lights up at each step
    assert edges[0] == "f1_e5_0" and seen[0][2].startswith("Step 1 of 5: L → v4")
    assert "∂L/∂w = ∂L/∂v2 · ∂v2/∂w" in tab.inner_text(".cg-frame:not([hidden])")
    tab.click('[data-go="next"]')
    assert shown(tab)[0] == 5  # stops at the last step
    tab.click('[data-go="prev"]')
    assert shown(tab)[:2] == [4, edges[3]]
    assert tab.inner_text(".cg-pos") == "step 4 of 5"
    tab.fill(".cg-slider", "2")
    assert shown(tab)[0] == 2
    tab.click('[data-go="first"]')
    assert shown(tab)[0] == 0


def test_without_javascript_the_final_frame_shows(browser, tmp_path):
    path = tmp_path / "steps.html"
    step_through(Value(3.0, label="a") * Value(4.0, label="b")).save(path)
    ctx = browser.new_context(java_script_enabled=False)
    try:
        tab = ctx.new_page()
        tab.goto(path.as_uri())
        visible = [f for f in tab.query_selector_all(".cg-frame") if f.is_visible()]
        assert [f.get_attribute("data-frame") for f in visible] == ["2"]
        assert not tab.is_visible(".cg-controls")
    finally:
        ctx.close()

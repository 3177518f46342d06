"""The check_engine report's HTML in a real browser (headless Chromium via Playwright):
readable text, each failing expression's graph visible and inside the page at small and
realistic widths, and a page of modest size."""


import pytest
from support import engine, require_browser

from autograd.testing import check_engine

sync_api = require_browser()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    report = check_engine(engine("assign_mul"), max_examples=30, depths=(100, 1000))
    assert len(report.failures) == 2
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'></head><body>{report._repr_html_()}"
                    "</body></html>", encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [420, 1000])
def test_report_reads_and_its_graphs_fit(browser, page_file, width, tmp_path):
    tab = browser.new_page(viewport={"width": width, "height": 800})
    try:
        tab.goto(page_file.as_uri())
        m = tab.evaluate("""() => {
            const svgs = [...document.querySelectorAll('.chaingrad-engine-report svg')];
            const px = e => parseFloat(getComputedStyle(e).fontSize);
            return {
                svgs: svgs.map(s => s.getBoundingClientRect()).map(r => [r.width, r.height, r.right]),
                scroll: document.documentElement.scrollWidth,
                cell: px(document.querySelector('.chaingrad-engine-report td')),
                message: px(document.querySelector('.chaingrad-engine-report p')),
                fails: [...document.querySelectorAll('td')].filter(t => t.textContent === 'FAIL').length,
                text: document.body.innerText,
            };
        }""")
        tab.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
    finally:
        tab.close()
    assert len(m["svgs"]) == 2 and m["fails"] == 2
    for w, h, right in m["svgs"]:
        assert w > 150 and h > 20 and right <= width  # drawn, and inside the page
    assert m["scroll"] <= width  # nothing sticks out sideways
    assert m["cell"] >= 12 and m["message"] >= 12
    assert "smallest failing expression: x - x" in m["text"] or "x * x" in m["text"]
    assert "blamed on op *" in m["text"]


def test_report_page_is_small(page_file):
    size = page_file.stat().st_size
    assert 2_000 < size < 60_000, size  # two small graphs and a table, no scripts
    assert "<script" not in page_file.read_text(encoding="utf-8")

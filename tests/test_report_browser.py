"""The report in a real browser, with the network off: every chart draws, nothing is fetched,
no console error, and the scraped text runs nothing.

Headless Chromium (Debian's /usr/bin/chromium through Playwright, as test_ui_browser.py) opens
reports rendered from the small hostile warehouse of report_warehouse.py, with and without
organisations. Screenshots go to tests/artifacts/report*.png.
"""

from __future__ import annotations

import pytest

from orchestration.report import render_report

from .report_warehouse import make_warehouse
from .test_ui_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser

pytestmark = pytest.mark.slow

VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    sync_api = require_browser()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def box(locator) -> tuple[float, float]:
    found = locator.bounding_box()
    return (found["width"], found["height"]) if found else (0.0, 0.0)


@pytest.mark.parametrize(
    "before_organizations", [False, True], ids=["organizations", "before_organizations"]
)
def test_every_chart_renders_offline(browser, tmp_path, before_organizations):
    warehouse = make_warehouse(tmp_path / "papers.duckdb", before_organizations)
    report = render_report(warehouse)
    context = browser.new_context(viewport=VIEWPORT, offline=True)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems, requests = [], []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.path.as_uri())
        charts = page.locator(".plotly-graph-div")
        n_charts = charts.count()
        assert n_charts == (4 if before_organizations else 7)
        # Plotly draws each chart into its div: wait for every one to have its SVG.
        page.wait_for_function(
            f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {n_charts}"
        )

        sections = page.locator("main > section")
        assert sections.count() == 8
        for i in range(sections.count()):
            width, height = box(sections.nth(i))
            assert width > 0 and height > 0, sections.nth(i).get_attribute("id")
        for i in range(n_charts):
            chart = charts.nth(i)
            name = chart.get_attribute("id")
            width, height = box(chart.locator(".main-svg").first)
            assert width > 100 and height > 100, (name, width, height)
            assert chart.locator("g.trace").count() > 0, f"{name} drew no data"
        others = page.locator("[data-chart]")  # tables, and the boxes of missing charts
        for i in range(others.count()):
            width, height = box(others.nth(i))
            assert width > 0 and height > 0, others.nth(i).inner_html()[:200]

        missing = page.locator('[data-chart="missing"]')
        assert missing.count() == (2 if before_organizations else 0)
        # The scraped <script> and onerror image are text: nothing of them ran.
        assert page.evaluate("window.__pwned") is None
        assert page.get_by_text("<script>window.__pwned = 1</script>", exact=False).count() > 0
        suffix = "_before_organizations" if before_organizations else ""
        page.screenshot(path=str(ARTIFACTS / f"report{suffix}.png"), full_page=True)
        assert problems == []
        assert all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests
    finally:
        context.close()

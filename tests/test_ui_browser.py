"""The Dagster UI in a real browser: the lineage, the checks, and a run launched by a click.

`dagster dev` serves an isolated copy of the seeds on a loopback port (see ui_server.py);
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens it, checks that
the asset graph shows every asset and asset check the code defines, launches
`build_warehouse` from the job page (Materialize all) and waits until the run page says
Success.

Screenshots are kept in tests/artifacts/ (ui_*.png), a failure's as ui_failure.png.
Needs Chromium and the playwright package: `make browser` installs both; missing either is
a failure, never a skip.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .ui_server import LOCATION, DagsterUI

# A real browser and a build launched from the UI: `make test` only.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("PAPERS_CHROMIUM", "/usr/bin/chromium"))
INSTALL = (
    "run `make browser` (Debian's chromium package, and .venv with playwright from "
    "requirements.lock)"
)
# Headless and offline: no background connections, which the closed network would refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1000}

# What the UI must show at the least, whatever else the definitions grow (the rest is read
# from the definitions themselves).
CORE_ASSETS = {
    "dump_files",
    "parsed_dumps",
    "raw/dumps",
    "raw/entries",
    "raw/entry_links",
    "raw/rejects",
    "marts/papers",
    "marts/paper_appearances",
    "marts/repo_links",
    "marts/topics",
    "marts/paper_topics",
    "marts/dates",
    "published_warehouse",
}
SUITES = {"raw/entries": "entries_suite", "raw/dumps": "dumps_suite"}

UI_TIMEOUT_MS = 30_000  # one page or element
LAUNCH_TIMEOUT_S = 120  # from "Materialize all" to the run being listed (daemon ticks)
RUN_TIMEOUT_S = 240  # from the run's creation to its end


def require_browser():
    """Playwright's sync API, or a failure that says how to install what is missing."""
    missing = []
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
        missing.append("the Python package `playwright` is not installed in .venv")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"no Chromium at {CHROMIUM} (Debian package `chromium`)")
    if missing:
        pytest.fail(f"browser test cannot run: {'; '.join(missing)}. To install: {INSTALL}.")
    return sync_api


@pytest.fixture(scope="module")
def defined():
    """Asset keys, groups and checks per asset, as the code location defines them."""
    from orchestration.run import load_definitions

    graph = load_definitions().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(graph.get(key).group_name, []).append(key.to_user_string())
    checks: dict[str, list[str]] = {}
    for key in graph.asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), []).append(key.name)
    names = {key.to_user_string() for key in keys}
    assert names >= CORE_ASSETS, f"the definitions lost assets: {sorted(CORE_ASSETS - names)}"
    check_names = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert check_names >= set(SUITES.items()), f"the definitions lost checks: {check_names}"
    return {"assets": names, "groups": groups, "checks": checks}


@pytest.fixture
def dagster_ui(tmp_path):
    """`dagster dev` on a free loopback port over a copy of the seeds, ended at teardown."""
    ui = DagsterUI(tmp_path)
    try:
        ui.prepare()
        ui.start(timeout=120)
        yield ui
    finally:
        ui.stop()


@pytest.fixture
def page(tmp_path):
    sync_api = require_browser()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.set_default_navigation_timeout(60_000)
            # The one-time community dialog is switched off in DAGSTER_HOME; if it shows
            # anyway, dismiss it instead of failing on a covered page.
            nux = page.get_by_role("dialog").filter(has_text="Join the Dagster community")
            page.add_locator_handler(nux, lambda: nux.get_by_role("button", name="Skip").click())
            yield page
        finally:
            context.close()


@contextmanager
def explained(ui: DagsterUI, page, what: str):
    """On any failure: a screenshot, the page's URL and the server log in the message."""
    started = time.monotonic()
    try:
        yield
        print(f"{time.monotonic() - started:6.1f} s  {what}")
    except Exception as error:
        shot = ARTIFACTS / "ui_failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception as shot_error:  # the browser may be gone
            shot = f"(no screenshot: {shot_error})"
        raise AssertionError(
            f"{what}: {error}\nscreenshot: {shot}\npage: {page.url}\n{ui.log_tail()}"
        ) from error


def screenshot(page, name: str) -> Path:
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def wait_visible(page, locator, timeout_s: float, reload_every_s: float = 20) -> None:
    """Wait for a locator, reloading the page now and then in case it does not refresh."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        try:
            locator.first.wait_for(
                state="visible", timeout=max(1, min(left, reload_every_s)) * 1000
            )
            return
        except PlaywrightTimeout:
            if time.monotonic() >= deadline:
                raise
            page.reload()


def asset_node(page, name: str):
    """An asset's node in the graph (an SVG foreignObject), by the name it shows."""
    return page.locator("svg foreignObject").filter(has=page.get_by_text(name, exact=True))


def select_in_graph(page, expect, asset: str):
    """Find an asset with the lineage's "Jump to…" box: the graph selects it and opens its
    panel (heading "raw / entries"), whatever the zoom. Returns the panel's heading."""
    name = asset.split("/")[-1]
    heading = page.get_by_role("heading", name=asset.replace("/", " / "), exact=True)
    box = page.get_by_placeholder("Jump to…")
    box.fill(name)
    items = page.get_by_role("menuitem", name=name, exact=True)
    expect(items.first, f"{asset} offered by Jump to…").to_be_visible()
    for i in range(items.count()):  # several assets may share the last part of their key
        if i:
            box.fill(name)
        items.nth(i).click()
        try:
            expect(heading).to_be_visible()
            return heading
        except AssertionError:
            if i == items.count() - 1:
                raise
    return heading


def check_link(page, asset: str, check: str):
    """The link to a check in the selected asset's panel."""
    return page.locator(f'a[href="/assets/{asset}?view=checks&checkDetail={check}"]')


def test_ui_shows_lineage_and_checks_and_runs_the_build(request):
    # The browser first: when it is missing the test fails at once, before any server.
    expect = require_browser().expect
    defined = request.getfixturevalue("defined")
    ui = request.getfixturevalue("dagster_ui")
    page = request.getfixturevalue("page")
    shots = []
    lineage = f"{ui.url}/asset-groups"

    # 1. The global lineage: every group of the code location, expanded.
    with explained(ui, page, "global asset lineage"):
        page.goto(lineage)
        expect(page.get_by_text("Global asset lineage")).to_be_visible()
        # Groups start collapsed: expand them from the graph's settings menu.
        page.get_by_role("button", name="settings", exact=True).click()
        page.get_by_role("menuitem", name="Expand all groups").click()
        graph = page.locator("svg foreignObject")
        for group in defined["groups"]:
            expect(graph.get_by_text(group, exact=True).first).to_be_visible()
        expect(asset_node(page, "dump_files").first).to_be_visible()
        page.keyboard.press("Escape")  # close the menu before the picture
        expect(page.get_by_role("menuitem", name="Collapse all groups")).to_be_hidden()
        shots.append(screenshot(page, "ui_asset_lineage.png"))

    # 2. Every asset, selected in the graph: its panel names it and lists its checks.
    for asset in sorted(defined["assets"]):
        with explained(ui, page, f"asset {asset} in the lineage"):
            select_in_graph(page, expect, asset)
            for check in defined["checks"].get(asset, []):
                expect(check_link(page, asset, check), f"check {check}").to_be_visible()
            if asset == "raw/entries":
                shots.append(screenshot(page, "ui_raw_entries.png"))

    # 3. The Great Expectations checks, opened from their assets' panels: blocking.
    for asset, suite in SUITES.items():
        with explained(ui, page, f"check {suite} of {asset}"):
            page.goto(lineage)
            select_in_graph(page, expect, asset)
            check_link(page, asset, suite).click()
            page.wait_for_url(re.compile(rf"/assets/{re.escape(asset)}\?view=checks"))
            expect(page.get_by_text(suite, exact=True).first).to_be_visible()
            expect(page.get_by_text("This is a blocking asset check.")).to_be_visible()
            if suite == "entries_suite":
                shots.append(screenshot(page, "ui_entries_suite.png"))

    # 4. Launch the job with a click: one run over the dumps folder.
    with explained(ui, page, "launching build_warehouse from the job page"):
        page.goto(f"{ui.url}/locations/{LOCATION}/jobs/build_warehouse")
        fetching = set(defined["groups"].get("fetch", []))  # a job of its own
        n_assets = len(defined["assets"] - fetching)
        expect(page.get_by_role("button", name=f"View {n_assets} assets")).to_be_visible()
        page.get_by_role("button", name=re.compile(r"Materialize all")).click()
        toast = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}"))
        wait_visible(page, toast, LAUNCH_TIMEOUT_S, reload_every_s=LAUNCH_TIMEOUT_S)
        run_id = re.search(r"Launched run ([0-9a-f]{8})", toast.first.inner_text()).group(1)

    with explained(ui, page, f"opening run {run_id}"):
        page.goto(f"{ui.url}/runs")
        # The runs table links each run by the first 8 hex digits of its id.
        run_link = page.locator('a[href^="/runs/"]').filter(has_text=run_id)
        wait_visible(page, run_link, LAUNCH_TIMEOUT_S, reload_every_s=5)
        run_link.first.click()
        page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}"))

    # 5. The run page: its status must turn to Success.
    with explained(ui, page, "waiting for the run to succeed"):
        ended = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$"))
        wait_visible(page, ended, RUN_TIMEOUT_S, reload_every_s=30)
        status = ended.first.inner_text()
        shots.append(screenshot(page, "ui_run.png"))
        assert status == "Success", f"the run ended {status}"
        expect(page.get_by_text(f"{n_assets} assets", exact=True)).to_be_visible()
        n_checks = sum(len(names) for names in defined["checks"].values())
        expect(page.get_by_text(f"{n_checks} checks", exact=True)).to_be_visible()
        expect(page.get_by_text("Errored (0)")).to_be_visible()
        assert ui.warehouse.is_file(), f"the run published no snapshot at {ui.warehouse}"

    # 6. The blocking checks ran in that run and passed.
    for asset, suite in SUITES.items():
        with explained(ui, page, f"check {suite} passed"):
            page.goto(f"{ui.url}/assets/{asset}?view=checks&checkDetail={suite}")
            expect(page.get_by_text(suite, exact=True).first).to_be_visible()
            expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
            if suite == "entries_suite":
                shots.append(screenshot(page, "ui_entries_suite_passed.png"))
    print("screenshots:", *shots, sep="\n  ")

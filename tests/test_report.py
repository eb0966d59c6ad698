"""The static report (orchestration/report): its numbers agree with SQL on the marts, every
section has a title and a date range, scraped text stays text, and a warehouse from before
organisations and list dates says so instead of failing. The last test runs the Dagster job
over the seeds: the report is an asset after the publish, skipped when nothing was published.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from selectolax.lexbor import LexborHTMLParser

from orchestration.report import queries, render_report, report_path
from orchestration.report.charts import plot_text

from .conftest import SEEDS
from .report_warehouse import (
    HOSTILE_ORGANIZATION,
    HOSTILE_TITLE,
    HOSTILE_URL,
    make_warehouse,
)

SECTIONS = (
    "papers-per-week",
    "code-share",
    "top-repositories",
    "top-organizations",
    "organizations-by-month",
    "upvote-trajectories",
    "latest-list",
    "health",
)
RANGE = re.compile(r"^· \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$")
LISTED = "coalesce(first_listed_on, first_captured_on)"


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """(warehouse, report text) of a warehouse with organisations and list dates."""
    warehouse = make_warehouse(tmp_path_factory.mktemp("full") / "papers.duckdb")
    report = render_report(warehouse)
    return warehouse, report.path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """The same without what the marts gained with organisations and list dates."""
    warehouse = tmp_path_factory.mktemp("before") / "papers.duckdb"
    make_warehouse(warehouse, before_organizations=True)
    return warehouse, render_report(warehouse).path.read_text(encoding="utf-8")


def sql(warehouse: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).fetchall()


def plot(document: str, div_id: str) -> list[dict]:
    """The traces a chart draws, read back from the call that draws it."""
    match = re.search(r'Plotly\.newPlot\(\s*"' + re.escape(div_id) + r'",\s*', document)
    assert match, f"no chart {div_id}"
    traces, _ = json.JSONDecoder().raw_decode(document, match.end())
    return traces


def table_rows(document: str, key: str) -> list[list[str]]:
    tree = LexborHTMLParser(document)
    rows = tree.css(f"section#{key} table tbody tr")
    return [[cell.text(strip=True) for cell in row.css("td")] for row in rows]


def test_report_is_written_beside_the_snapshot(full):
    warehouse, _ = full
    assert report_path(warehouse) == warehouse.parent / "report" / "index.html"
    assert report_path(warehouse).is_file()
    assert [p.name for p in report_path(warehouse).parent.iterdir()] == ["index.html"]


@pytest.mark.parametrize("which", ["full", "before"])
def test_every_section_has_a_title_and_a_date_range(which, request):
    _, document = request.getfixturevalue(which)
    tree = LexborHTMLParser(document)
    assert [s.attributes["id"] for s in tree.css("main > section")] == list(SECTIONS)
    for section in tree.css("main > section"):
        assert section.css_first("h2 .title").text(strip=True)
        span = section.css_first("h2 .range").text(strip=True)
        if section.attributes["data-status"] == "missing":
            assert span == "· no data"
        else:
            assert RANGE.match(span), (section.attributes["id"], span)


def test_papers_per_week_agree_with_the_marts(full):
    warehouse, document = full
    drawn = Counter()
    for trace in plot(document, "papers-per-week-chart"):
        for week, papers in zip(trace["x"], trace["y"], strict=True):
            drawn[week] += papers
    # The synthetic papers span less than the chart's 52 weeks: every dated paper is drawn.
    expected = sql(
        warehouse,
        f"""select strftime(date_trunc('week', {LISTED}), '%Y-%m-%d'), count(*)
            from marts.papers where {LISTED} is not null group by 1""",
    )
    assert dict(drawn) == dict(expected)
    names = [html.unescape(t["name"]) for t in plot(document, "papers-per-week-chart")]
    assert len(names) == queries.TOP_TOPICS + 1 and names[-1] == queries.OTHER


def test_code_share_agrees_with_the_marts(full):
    warehouse, document = full
    (trace,) = plot(document, "code-share-chart")
    expected = sql(
        warehouse,
        f"""select strftime(date_trunc('month', {LISTED}), '%Y-%m-%d'),
                   round(100 * count(*) filter (where has_code) / count(*), 2)
            from marts.papers where {LISTED} is not null group by 1 order by 1""",
    )
    assert list(zip(trace["x"], trace["y"], strict=True)) == expected


def test_top_organizations_agree_with_the_marts(full):
    warehouse, document = full
    (trace,) = plot(document, "top-organizations-papers-chart")
    expected = sql(
        warehouse,
        "select organization, papers from marts.organizations order by papers desc limit 10",
    )
    drawn = [(html.unescape(y), x) for y, x in zip(trace["y"], trace["x"], strict=True)][::-1]
    assert drawn == expected
    (trace,) = plot(document, "top-organizations-upvotes-chart")
    assert max(trace["x"]) == sql(warehouse, "select max(upvotes) from marts.organizations")[0][0]


def test_upvote_trajectories_agree_with_the_marts(full):
    warehouse, document = full
    traces = plot(document, "upvote-trajectories-chart")
    assert len(traces) == queries.TRAJECTORIES
    top = sql(
        warehouse,
        """select p.title, list(a.upvotes order by a.captured_on), max(a.upvotes) as peak
           from marts.paper_appearances a join marts.papers p using (paper_id)
           group by p.paper_id, p.title having count(*) > 1
           order by peak desc, p.paper_id limit 1""",
    )[0]
    assert traces[0]["name"] == plot_text(top[0])  # cut to LABEL_CHARS, escaped
    assert traces[0]["y"] == top[1]


def test_latest_list_and_repositories_agree_with_the_marts(full):
    warehouse, document = full
    rows = table_rows(document, "latest-list")
    expected = sql(
        warehouse,
        f"""select title, upvotes, comments_count, {LISTED} from marts.papers
            where {LISTED} is not null
            order by {LISTED} desc, upvotes desc nulls last, title limit 30""",
    )
    assert len(rows) == len(expected) == queries.LATEST_LISTED
    for row, (title, upvotes, comments, listed) in zip(rows, expected, strict=True):
        assert (row[0], row[2], row[3], row[5]) == (title, str(upvotes), str(comments), str(listed))
    repositories = table_rows(document, "top-repositories")
    assert repositories[0][1] == str(
        sql(
            warehouse,
            """select count(distinct paper_id) as n from marts.repo_links
               where link_kind = 'code_repository' group by lower(owner), lower(name)
               order by n desc limit 1""",
        )[0][0]
    )


def test_health_agrees_with_the_audit(full):
    warehouse, document = full
    loaded, quarantined, rejected, entries_rejected = sql(
        warehouse,
        """select count(*) filter (where status = 'loaded'),
                  count(*) filter (where status = 'quarantined'),
                  count(*) filter (where status = 'rejected'), sum(entries_rejected)
           from audit.dumps""",
    )[0]
    note = LexborHTMLParser(document).css_first("section#health .note").text()
    assert f"{loaded} dumps loaded, {quarantined} quarantined" in note
    assert f"{rejected} rejected whole" in note and f"+ {entries_rejected} rejected" in note
    (trace,) = plot(document, "health-chart")
    by_reason = dict(zip(trace["y"], trace["x"], strict=True))
    assert by_reason == dict(
        sql(
            warehouse,
            "select split_part(reason, ':', 1), count(*) from audit.rejects group by 1",
        )
    )
    assert "last run (snapshot published, UTC)" in document


def test_scraped_text_stays_text(full):
    _, document = full
    for hostile in (HOSTILE_TITLE, HOSTILE_ORGANIZATION, "binary data <b>bold</b>"):
        assert hostile not in document
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in document  # the table
    tree = LexborHTMLParser(document)
    # One script for Plotly, one per chart: none came from the data.
    assert len(tree.css("script")) == 1 + len(tree.css(".plotly-graph-div"))
    assert not tree.css("img") and not tree.css("[onerror]")
    titles = [row[0] for row in table_rows(document, "latest-list")]
    organizations = {row[1] for row in table_rows(document, "latest-list")}
    assert HOSTILE_ORGANIZATION in organizations  # shown as the text it is
    assert all(a.attributes["href"].startswith("https://") for a in tree.css("a"))
    assert HOSTILE_URL not in [a.attributes["href"] for a in tree.css("a")]
    legend = [html.unescape(t["name"]) for t in plot(document, "upvote-trajectories-chart")]
    assert any(name.startswith("<script>window.__pwned") for name in legend)
    assert titles  # the table is there


def test_nothing_is_fetched_at_view_time(full):
    _, document = full
    tree = LexborHTMLParser(document)
    assert not tree.css("link, img, iframe, script[src]")
    policy = tree.css_first('meta[http-equiv="Content-Security-Policy"]').attributes["content"]
    assert "default-src 'none'" in policy


def test_a_warehouse_before_organisations_says_what_is_missing(before):
    _, document = before
    tree = LexborHTMLParser(document)
    for key in ("top-organizations", "organizations-by-month"):
        section = tree.css_first(f"section#{key}")
        assert section.attributes["data-status"] == "missing"
        assert "not in this warehouse yet" in section.text()
    assert "not in this warehouse yet: needs marts.organizations<" in document
    assert "needs marts.papers.organization_handle, marts.papers.organization" in document
    note = tree.css_first("section#latest-list .note").text()
    assert "Organisation: not in this warehouse yet" in note
    assert all(row[1] == "—" for row in table_rows(document, "latest-list"))
    rendered = [s for s in tree.css("main > section") if s.attributes["data-status"] == "rendered"]
    assert len(rendered) == len(SECTIONS) - 2


def test_markdown_preview_has_the_figures(tmp_path):
    report = render_report(make_warehouse(tmp_path / "papers.duckdb"))
    text = report.markdown()
    assert "| papers | 120 (33% with code) |" in text
    assert "| dumps | 38 loaded, 1 quarantined, 1 rejected |" in text
    assert "| charts | 8 of 8 drawn |" in text


def test_the_report_follows_the_publish_in_the_job():
    from orchestration.run import load_definitions

    graph = load_definitions().resolve_asset_graph()
    node = graph.get(dg.AssetKey("warehouse_report"))
    assert node.parent_keys == {dg.AssetKey("published_warehouse")}
    assert node.group_name == "publish"


@pytest.mark.slow
def test_make_run_over_the_seeds_renders_the_report(tmp_path, monkeypatch):
    from orchestration import run

    dumps = tmp_path / "dumps"
    shutil.copytree(SEEDS, dumps)
    warehouse = tmp_path / "warehouse" / "papers.duckdb"
    monkeypatch.setenv("PAPERS_DUMPS_DIR", str(dumps))
    monkeypatch.setenv("PAPERS_WAREHOUSE", str(warehouse))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    build = run.execute_build()
    assert build.result.success
    order = build.step_order
    assert order.index("published_warehouse") < order.index("warehouse_report")
    (materialized,) = build.result.asset_materializations_for_node("warehouse_report")
    assert materialized.metadata["path"].value == str(report_path(warehouse))
    assert "| papers | 247 (18% with code) |" in materialized.metadata["preview"].value
    document = report_path(warehouse).read_text(encoding="utf-8")
    papers, with_code = sql(
        warehouse, "select count(*), count(*) filter (has_code) from marts.papers"
    )[0]
    headline = LexborHTMLParser(document).css(".figures")[0].text()
    assert f"{papers}papers" in headline.replace(" ", "") and f"{with_code}with code" in headline
    drawn = sum(sum(t["y"]) for t in plot(document, "papers-per-week-chart"))
    assert drawn == sql(warehouse, f"select count({LISTED}) from marts.papers")[0][0]
    # Nothing changed: nothing published, so no report rendered; the last one stays.
    written = report_path(warehouse).stat().st_mtime_ns
    again = run.execute_build()
    skipped = {s.step_key: s.status.value for s in again.steps}
    assert skipped["warehouse_report"] == "SKIPPED"
    assert report_path(warehouse).stat().st_mtime_ns == written

"""The whole pipeline in process, on a temporary warehouse: seeds in, marts out.

The expected figures were read off the seed files (see test_text_dump.py): 5 text dumps
(289 entries), an HTML daily page (6 papers of 000) and an API JSON list (7 papers of 002):
302 entries, 247 distinct papers of which 39 appear in more than one dump.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import run
from orchestration.quality import validation
from orchestration.settings import EXPECTATIONS_DIR
from orchestration.summary import summarise

from .conftest import SEEDS

# Whole pipeline runs (dbt included): `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

MART_TABLES = (
    "papers",
    "paper_appearances",
    "repo_links",
    "topics",
    "paper_topics",
    "dates",
    "authors",
    "paper_authors",
    "paper_aliases",
    "organizations",
)


def table_counts(path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('audit', 'marts', 'reference') and table_type = 'BASE TABLE'"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[
                0
            ][0]
            for schema, name in rows
            if name != "validation_results"  # one row set per run, by design
        }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The seeds built once into a temporary warehouse through the Dagster job."""
    root = tmp_path_factory.mktemp("build")
    dumps = root / "dumps"
    shutil.copytree(SEEDS, dumps)
    path = root / "warehouse" / "papers.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERS_DUMPS_DIR", str(dumps))
        mp.setenv("PAPERS_WAREHOUSE", str(path))
        mp.delenv("DAGSTER_HOME", raising=False)
        build = run.execute_build()
        assert build.result.success
        failed = [c.check_name for c in build.checks if not c.passed]
        assert build.checks and not failed, failed
        # Validation is a gate: it runs after landing and before any dbt model.
        order = build.step_order
        assert order.index("raw_tables") < order.index("great_expectations_suites")
        assert order.index("great_expectations_suites") < order.index("dbt_models")
        assert order.index("dbt_models") < order.index("published_warehouse")
        counts = table_counts(path)
        # A second run over the same input changes no count.
        assert run.execute_build().result.success
        assert table_counts(path) == counts
        yield path


@pytest.fixture(scope="module")
def sql(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    yield lambda query, *params: con.execute(query, list(params)).fetchall()
    con.close()


def test_every_paper_once(sql):
    assert sql("select count(*), count(distinct paper_id) from marts.papers") == [(247, 247)]
    assert sql("select count(*) from marts.paper_appearances") == [(302,)]
    assert sql("select count(*) from marts.papers where appearances > 1") == [(39,)]
    assert sql("select sum(appearances) from marts.papers") == [(302,)]
    assert sql(
        "select source_format, count(*) from marts.paper_appearances group by all order by 1"
    ) == [("html", 6), ("json", 7), ("text", 289)]


def test_published_audit_balances(sql):
    assert sql(
        "select count(*), sum(entries_parsed), sum(entries_loaded), sum(entries_rejected)"
        " from audit.dumps"
    ) == [(7, 302, 302, 0)]
    assert sql("select count(*) from audit.validation_results where not success") == [(0,)]
    assert sql("select count(*) from reference.topic_taxonomy")[0][0] >= 15


def test_published_snapshot_and_parquet(warehouse, sql):
    # Readable by every DuckDB 1.x: the snapshot is written in v1.0.0 storage.
    assert sql("select tags['storage_version'] from duckdb_databases() where not internal") == [
        ("v1.0.0+",)
    ]
    parquet = warehouse.parent / "parquet"
    for mart in MART_TABLES:
        rows = duckdb.sql(f"select count(*) from read_parquet('{parquet / mart}.parquet')")
        assert rows.fetchall() == sql(f"select count(*) from marts.{mart}")
    # The working database is elsewhere: users never open the file the pipeline writes.
    assert (warehouse.parent / "work" / "papers.duckdb").exists()


def test_merged_facts_of_a_paper_in_every_dump(sql):
    row = sql(
        "select authors_count, published_on, comments_count, first_captured_on, last_captured_on,"
        " appearances, has_code from marts.papers"
        " where title = 'Wide and Deep Neural Networks Achieve Optimality for Classification'"
    )
    # In all five text dumps and the HTML page; metadata in 000, 003, 004 and the page (whose
    # JSON names the authors); 001 has no capture date.
    assert row == [(3, dt.date(2022, 4, 29), 0, dt.date(2026, 1, 8), dt.date(2026, 6, 1), 6, False)]


def test_facts_from_the_page_that_has_them(sql):
    # Listed last in 002 (Mar 11, a compact card: no metadata) and before in 003 (Jan 8,
    # `7 authors`, `Feb 3, 2024`): the facts the latest capture lacks come from the earlier.
    assert sql(
        "select published_on, comments_count, authors_count, appearances, last_captured_on"
        " from marts.papers where title = 'Large Language Model Adaptation for Networking'"
    ) == [(dt.date(2024, 2, 3), 0, 7, 2, dt.date(2026, 3, 11))]
    # A paper only in the glued dump keeps null facts and no capture date.
    assert sql(
        "select authors_count, published_on, first_captured_on, has_code from marts.papers"
        " where title like 'SPARSE Data, Rich Results%'"
    ) == [(None, None, None, True)]


def test_what_hugging_face_says_of_a_paper(sql):
    """Organisation, submitter, list date, AI summary and keywords reach the marts (the page
    and the API list name an organisation for one paper each)."""
    assert sql(
        "select organization, organization_handle, submitted_by, first_listed_on, ai_summary,"
        " ai_keywords from marts.papers where title = 'Forward Learning of Graph Neural Networks'"
    ) == [
        (
            "AI at Meta",
            "facebook",
            "akhaliq",
            dt.date(2026, 6, 1),
            "Forward Learning of Graph Neural Networks is studied; see the abstract.",
            ["forward learning", "graph neural networks", "backpropagation",
             "forward-forward algorithm"],
        )
    ]  # fmt: skip
    assert sql(
        "select * from marts.organizations order by organization_handle"
    ) == [
        ("facebook", "AI at Meta", 1, 1, 12, dt.date(2026, 6, 1), dt.date(2026, 6, 1)),
        ("google-deepmind", "Google DeepMind", 1, 0, 21, dt.date(2026, 3, 11),
         dt.date(2026, 3, 11)),
    ]  # fmt: skip
    # Every appearance in the two daily lists has its list date; text dumps give none.
    assert sql(
        "select source_format, count(listed_on), count(*) from marts.paper_appearances"
        " group by all order by 1"
    ) == [("html", 6, 6), ("json", 7, 7), ("text", 0, 289)]
    assert sql("select count(first_listed_on) from marts.papers") == [(13,)]


def test_repo_links(sql):
    assert sql(
        "select url, host, owner, name, link_kind from marts.repo_links"
        " join marts.papers using (paper_id) where title like 'SPARSE Data%'"
    ) == [
        (
            "https://github.com/GuidoManni/SPARSE",
            "github.com",
            "GuidoManni",
            "SPARSE",
            "code_repository",
        )
    ]
    kinds = dict(sql("select link_kind, count(*) from marts.repo_links group by all"))
    assert kinds["project_page"] == 2  # trustai4s-lab.github.io/fidelity, reczoo.github.io/UltraGCN
    assert kinds["package"] == 1 and kinds["model_hub"] == 1 and kinds["shortener"] == 1
    # One row per paper and URL, even where the same paper lists it in several dumps.
    assert sql(
        "select count(*) - count(distinct (paper_id, lower(url))) from marts.repo_links"
    ) == [(0,)]
    assert sql(
        "select count(*) from marts.papers where has_code <> (paper_id in"
        " (select paper_id from marts.repo_links where link_kind = 'code_repository'))"
    ) == [(0,)]


def test_topics(sql):
    topics, matched = sql("select count(*), count(*) filter (papers > 0) from marts.topics")[0]
    assert topics >= 15 and matched == topics
    assert sql(
        "select count(*) from marts.topics t where papers <> "
        "(select count(distinct paper_id) from marts.paper_topics p where p.topic = t.topic)"
    ) == [(0,)]
    gnn = sql(
        "select count(*) from marts.paper_topics pt join marts.papers p using (paper_id)"
        " where p.title = 'Benchmarking Graph Neural Networks' and pt.matched_on = 'title'"
    )
    assert gnn[0][0] >= 1


def test_paper_topics_as_duckdb_regexp_matches(warehouse, sql):
    """The Python topic model (Polars) tags the seeds exactly as the SQL model it replaced,
    DuckDB's regexp_matches(text, pattern, 'i') on the title, then the abstract."""
    with duckdb.connect(str(warehouse.parent / "work" / "papers.duckdb"), read_only=True) as con:
        expected = con.execute(
            """
            select paper_id, topic,
                case when coalesce(regexp_matches(title, pattern, 'i'), false)
                    then 'title' else 'abstract' end,
            from intermediate.int_papers_merged cross join reference.topic_taxonomy
            where coalesce(regexp_matches(title, pattern, 'i'), false)
                or coalesce(regexp_matches(abstract, pattern, 'i'), false)
            order by all
            """
        ).fetchall()
    matched = sql("select paper_id, topic, matched_on from marts.paper_topics order by all")
    assert matched == expected
    assert sql("select count(distinct topic) from marts.paper_topics") == [(34,)]
    assert sql(
        "select count(*) from marts.papers where paper_id not in "
        "(select paper_id from marts.paper_topics)"
    ) == [(13,)]


def test_dates_span_every_date(sql):
    first, last, days = sql("select min(date_day), max(date_day), count(*) from marts.dates")[0]
    assert first == dt.date(2014, 12, 5)  # Deep Neural Networks are Easily Fooled (003)
    assert last == dt.date(2026, 6, 1)  # capture of 000
    assert days == (last - first).days + 1
    assert sql("select sum(papers_published) from marts.dates") == sql(
        "select count(*) from marts.papers where published_on is not null"
    )
    assert sql("select papers_captured from marts.dates where date_day = '2026-06-01'") == [(47,)]


BAD_DUMP = (
    "Daily Papers\n\nbyAK and the research community\n\nJan 8\n\n"
    "From the Future\n\nAn abstract.\n\n  • 2 authors\n·\nMar 3, 2026\n"
)


def only_a_bad_dump(tmp_path, monkeypatch) -> Path:
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "bad.txt").write_text(BAD_DUMP, encoding="utf-8")
    (dumps / "bad.txt.meta.json").write_text('{"capture_year": 2026}')
    monkeypatch.setenv("PAPERS_DUMPS_DIR", str(dumps))
    monkeypatch.setenv("PAPERS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return dumps


def test_a_bad_dump_is_quarantined_and_kept_out_of_the_marts(tmp_path, monkeypatch):
    """A dump whose paper is dated after its capture fails validation: the check says which
    dump and which expectation (a warning, which does not block), the dump is quarantined
    with its reasons, and the marts are built without it."""
    only_a_bad_dump(tmp_path, monkeypatch)
    build = run.execute_build()
    result, checks = build.result, build.checks
    assert result.success and "dbt_models" in build.step_order
    failed = [c for c in checks if not c.passed]
    assert [c.check_name for c in failed] == ["entries_suite"]
    assert failed[0].severity == dg.AssetCheckSeverity.WARN
    assert failed[0].metadata["quarantined_dumps"].value == ["bad.txt"]
    assert failed[0].metadata["failed_expectations"].value == [
        "entries.expect_column_pair_values_a_to_be_greater_than_b(captured_on,published_on)"
    ]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.papers").fetchall() == [(0,)]
        status, reasons = con.execute(
            "select status, quarantine_reasons from audit.dumps"
        ).fetchone()
    assert status == "quarantined"
    (reason,) = json.loads(reasons)
    assert reason["expectation"] == failed[0].metadata["failed_expectations"].value[0]
    assert reason["reason"].startswith("A paper cannot be published after the page")
    assert reason["sample"] == ["bad.txt#1: captured_on=2026-01-08, published_on=2026-03-03"]
    summary = summarise(tmp_path / "w.duckdb", result.success, checks)
    assert summary.quarantined == 1
    assert summary.lines[-1] == "result:    OK, 1 dump quarantined (exit status 3)"


def test_an_expectation_that_errors_blocks_everything(tmp_path, monkeypatch):
    """A failure that is not about one dump (an expectation that errors) fails the check with
    severity ERROR: nothing downstream runs, nothing is quarantined or published."""
    dumps = only_a_bad_dump(tmp_path, monkeypatch)
    (dumps / "bad.txt").write_text(BAD_DUMP.replace("Mar 3, 2026", "Jan 3, 2026"))
    broken = tmp_path / "expectations"
    broken.mkdir()
    for suite in ("entries", "dumps"):
        text = (EXPECTATIONS_DIR / f"{suite}.json").read_text(encoding="utf-8")
        (broken / f"{suite}.json").write_text(text.replace('"sha256"', '"sha512"'))
    monkeypatch.setattr(
        validation,
        "validate_dumps_docs_later",
        functools.partial(validation.validate_dumps_docs_later, expectations_dir=broken),
    )
    build = run.execute_build()
    assert not build.result.success
    assert "dbt_models" not in build.step_order
    (failed,) = [c for c in build.checks if not c.passed]
    assert (failed.check_name, failed.severity) == ("dumps_suite", dg.AssetCheckSeverity.ERROR)
    assert not (tmp_path / "w.duckdb").exists()
    with duckdb.connect(str(tmp_path / "work" / "w.duckdb"), read_only=True) as con:
        assert con.execute("select status from raw.dumps").fetchall() == [("loaded",)]
        assert con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchall() == [(0,)]
    summary = summarise(tmp_path / "w.duckdb", build.result.success, build.checks)
    assert summary.lines[-1] == "result:    FAILED" and not summary.ok


def test_one_paper_across_formats(sql):
    """`A Model Zoo on Phase Transitions` is in text dumps 000 and 004 and in the HTML page
    (arXiv 2504.18072, 9 upvotes, numComments 2, publishedAt 2025-04-25 in its JSON)."""
    paper_id, arxiv_id, upvotes, appearances = sql(
        "select paper_id, arxiv_id, upvotes, appearances from marts.papers"
        " where title = 'A Model Zoo on Phase Transitions in Neural Networks'"
    )[0]
    assert (arxiv_id, upvotes, appearances) == ("2504.18072", 9, 3)
    history = sql(
        "select source_format, upvotes, comments_count from marts.paper_appearances"
        " where paper_id = ? order by dump_id",
        paper_id,
    )
    assert history == [("text", None, 2), ("text", None, 2), ("html", 9, 2)]
    assert sql("select count(*) from marts.papers where arxiv_id is not null") == [(13,)]
    assert sql("select count(*) from marts.paper_aliases") == [(0,)]
    authors = sql(
        "select author from marts.paper_authors where paper_id = ? order by position", paper_id
    )
    assert len(authors) == 6 and authors[0] == ("Konstantin Schürholt",)  # `6 authors` in 000
    sources = dict(sql("select link_source, count(*) from marts.repo_links group by all"))
    assert set(sources) == {"abstract", "page", "abstract_and_page"}

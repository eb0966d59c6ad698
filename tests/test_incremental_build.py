"""Incremental dbt builds give exactly the marts a full build gives.

A scenario lands dumps step by step straight into the raw tables: papers merged through shared
arXiv ids, an earlier dump landed late (which changes a paper's canonical id), a dump reloaded
with different contents (which splits a paper and merges another), a dump no longer loaded,
and a title id seen with two arXiv ids (which joins two papers). After every step one
warehouse is built incrementally, as the pipeline builds it (landing/build_state.py decides and
records), and a fresh one in full from the same raw rows; every intermediate and mart table
must hold the same rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration import settings
from orchestration.landing import build_state
from orchestration.landing.land import connect, ensure_raw_schema

from .test_dbt_project import dbt

# Incremental and full dbt builds after every step: `make test` only.
pytestmark = pytest.mark.slow

# Tables compared: everything the marts are made of. The change-tracking models are not
# compared: they differ by design (every paper on a full build).
CHANGE_TRACKING = {"int_dump_changes", "int_changed_title_ids", "int_changed_papers"}
CHANGE_TRACKING |= {"int_changed_paper_topics"}


def entry(
    title: str, arxiv: str | None = None, upvotes: int | None = None, url: str = "", org: str = ""
) -> dict:
    """An entry; `org` is the handle of the organisation the source names (none when empty)."""
    return {"title": title, "arxiv": arxiv, "upvotes": upvotes, "url": url, "org": org}


# Unrelated papers in every dump, so that an incremental build has papers to leave alone.
def filler(dump: str, n: int = 4) -> list[dict]:
    return [entry(f"Filler paper {dump} {i} on diffusion", upvotes=i) for i in range(n)]


class Warehouse:
    """Raw tables written by hand, built by dbt as the pipeline runs it (in a process of its
    own: in this one, dbt-duckdb would keep the first database open for every build)."""

    def __init__(self, path: Path):
        self.path = path
        self.loads = 0
        with connect(path) as con:
            ensure_raw_schema(con)

    def land(self, dump_id: str, captured_on: str, entries: list[dict]) -> None:
        """(Re)load a dump: its rows replaced, with a new load time."""
        self.loads += 1
        loaded_at = dt.datetime(2026, 11, 1) + dt.timedelta(minutes=self.loads)
        with connect(self.path) as con:
            for table in ("dumps", "entries", "entry_links"):
                con.execute(f"delete from raw.{table} where dump_id = ?", [dump_id])
            con.execute(
                "insert into raw.dumps (dump_id, file_name, sha256, size_bytes, status,"
                " source_format, captured_on, entries_parsed, entries_loaded, entries_rejected,"
                " parser_version, loaded_at) values (?, ?, ?, 1, 'loaded', 'text', ?, ?, ?, 0,"
                " 'test', ?)",
                [
                    dump_id,
                    dump_id,
                    f"sha-{self.loads}",
                    captured_on,
                    len(entries),
                    len(entries),
                    loaded_at,
                ],
            )
            for position, e in enumerate(entries, start=1):
                key = e["title"].lower()
                con.execute(
                    "insert into raw.entries (dump_id, position, paper_id, title_key, title,"
                    " abstract, arxiv_id, authors_count, author_names, upvotes, published_on,"
                    " organisation, organisation_handle, submitter, listed_on, ai_summary,"
                    " ai_keywords, has_metadata)"
                    " values (?, ?, md5(?), ?, ?, ?, ?, 2, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
                    [
                        dump_id,
                        position,
                        key,
                        key,
                        e["title"],
                        f"{e['title']}: an abstract on agents and retrieval.",
                        e["arxiv"],
                        [f"Ann {dump_id}", "Bo"],
                        e["upvotes"],
                        captured_on,
                        f"{e['org'].title()} Lab" if e["org"] else None,
                        e["org"] or None,
                        f"user-{dump_id}" if e["org"] else None,
                        captured_on if e["arxiv"] else None,
                        f"{e['title']} in one line ({dump_id})." if e["org"] else None,
                        [e["org"], dump_id] if e["org"] else [],
                    ],
                )
                if e["url"]:
                    con.execute(
                        "insert into raw.entry_links values (?, ?, md5(?), 1, ?, ?, 'github.com',"
                        " 'o', 'r', 'code_repository', 'abstract')",
                        [dump_id, position, key, e["url"], e["url"]],
                    )

    def unload(self, dump_id: str) -> None:
        """The dump is no longer loaded (rejected when its file was changed)."""
        with connect(self.path) as con:
            con.execute("update raw.dumps set status = 'rejected' where dump_id = ?", [dump_id])
            con.execute("delete from raw.entries where dump_id = ?", [dump_id])
            con.execute("delete from raw.entry_links where dump_id = ?", [dump_id])

    def build(self, pipeline: bool) -> bool:
        """dbt build; `pipeline`: incremental or full as the pipeline decides, and recorded.
        Returns whether it was incremental."""
        project = build_state.project_fingerprint(settings.DBT_PROJECT_DIR)
        incremental = False
        if pipeline:
            with connect(self.path) as con:
                incremental = build_state.dbt_build_is_incremental(con, project)
                build_state.record_dbt_started(con, project, incremental)
        # Models and the seed; no data tests: comparing with a full build says more here.
        args = ["build", "--exclude-resource-type", "unit_test", "test"]
        if not incremental:
            args.append("--full-refresh")
        result = dbt(*args, work_db=self.path)
        assert result.returncode == 0, result.stdout[-3000:]
        if pipeline:
            with connect(self.path) as con:
                build_state.record_dbt_built(con, incremental)
        return incremental


def tables(path: Path, schemas: tuple[str, ...]) -> dict:
    with connect(path) as con:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_catalog = current_database() and table_type = 'BASE TABLE'"
            f" and table_schema in {schemas!r} order by all"
        ).fetchall()
        return {name: con.execute(f"from {name}").fetch_arrow_table() for (name,) in names}


def copy_raw(source: Path, target: Path) -> Warehouse:
    fresh = Warehouse(target)
    raw = tables(source, ("raw", "raw"))
    with connect(target) as con:
        for table in ("dumps", "entries", "entry_links"):
            con.register("rows", raw[f"raw.{table}"])
            con.execute(f"insert into raw.{table} select * from rows")
            con.unregister("rows")
    return fresh


def differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """table -> (rows only in the incremental build, rows only in the full build)."""
    mine, theirs = (tables(p, ("intermediate", "marts")) for p in (incremental, full))
    assert mine.keys() == theirs.keys()
    found = {}
    with duckdb.connect() as con:
        for name in theirs:
            if name.split(".")[1] in CHANGE_TRACKING:
                continue
            con.register("a", mine[name])
            con.register("b", theirs[name])
            count = "select count(*) from (from {} except all from {})"
            found[name] = tuple(
                con.execute(count.format(x, y)).fetchone()[0] for x, y in (("a", "b"), ("b", "a"))
            )
    return found


def changed_papers(path: Path) -> int:
    with connect(path) as con:
        return con.execute(f"select count(*) from {build_state.CHANGED_PAPERS}").fetchone()[0]


def papers(path: Path) -> dict[str, str]:
    """title -> the title whose id is its paper's id (canonical), over every loaded title."""
    with connect(path) as con:
        return dict(
            con.execute(
                "with titles as (select distinct paper_id, title from raw.entries)"
                " select own.title, canonical.title"
                " from intermediate.int_paper_identities_resolved as identities"
                " join titles as own on own.paper_id = identities.title_paper_id"
                " join titles as canonical on canonical.paper_id = identities.paper_id"
            ).fetchall()
        )


def test_incremental_builds_match_full_builds(tmp_path):
    wh = Warehouse(tmp_path / "incremental" / "papers.duckdb")
    steps = []

    def step(name: str) -> None:
        incremental = wh.build(pipeline=True)
        # One path for every full build, so that dbt parses only once for each warehouse.
        full_path = tmp_path / "full" / "papers.duckdb"
        full_path.unlink(missing_ok=True)
        full = copy_raw(wh.path, full_path)
        full.build(pipeline=False)
        assert differences(wh.path, full.path) == {
            table: (0, 0) for table in differences(full.path, full.path)
        }, name
        steps.append((name, incremental, changed_papers(wh.path)))

    wh.land("d1", "2026-01-05", [
        entry("Alpha", upvotes=1, url="https://github.com/o/alpha"),
        entry("Beta", "2601.00001", 5, org="nvidia"),
        entry("Gamma", "2601.00002", 7, org="ethz"),
        entry("Delta"),
        *filler("d1"),
    ])  # fmt: skip
    step("first build")

    # Epsilon shares Beta's arXiv id: one paper, under Beta's id (seen first).
    wh.land("d2", "2026-01-06", [
        entry("Alpha two", "2601.00003", 2, url="https://github.com/O/Alpha"),
        entry("Epsilon", "2601.00001", 9, org="ethz"),
        entry("Zeta"),
        *filler("d2"),
    ])  # fmt: skip
    step("a new dump merges two papers")
    assert papers(wh.path)["Epsilon"] == "Beta"

    # An earlier dump landed late: Epsilon was seen first, so the paper takes its id; Eta
    # joins Gamma.
    wh.land("d0", "2026-01-01", [
        entry("Epsilon", "2601.00001", 3, org="google"),
        entry("Eta", "2601.00002", 1),
        *filler("d0"),
    ])  # fmt: skip
    step("an earlier dump moves the canonical id")
    assert papers(wh.path)["Beta"] == "Epsilon" and papers(wh.path)["Gamma"] == "Eta"

    # d2 reloaded: Epsilon there without an arXiv id (still linked to Beta through d0), and
    # Alpha two now shares Gamma's arXiv id.
    wh.land("d2", "2026-01-06", [
        entry("Alpha two", "2601.00002", 4, org="nvidia"),
        entry("Epsilon", None, 11, url="https://github.com/o/eps"),
        *filler("d2", 2),
    ])  # fmt: skip
    step("a reloaded dump splits and merges")
    assert papers(wh.path)["Alpha two"] == "Eta"

    # d0 no longer loaded: Beta and Epsilon split, Eta is gone, Gamma's paper takes its id.
    wh.unload("d0")
    step("a dump no longer loaded")
    assert papers(wh.path)["Epsilon"] == "Epsilon" and papers(wh.path)["Gamma"] == "Gamma"

    # Theta is seen with two arXiv ids in two new dumps: Beta's paper and Gamma's become one.
    wh.land("d3", "2026-01-07", [entry("Theta", "2601.00001"), *filler("d3")])
    wh.land("d4", "2026-01-08", [entry("Theta", "2601.00002"), entry("Iota"), *filler("d4")])
    step("two new dumps join two papers through one title")
    assert papers(wh.path)["Gamma"] == papers(wh.path)["Beta"] == "Beta"

    # The first build was full, every later one incremental, rebuilding only some papers.
    total = len(set(papers(wh.path).values()))
    assert [incremental for _, incremental, _ in steps] == [False] + [True] * (len(steps) - 1)
    assert all(0 < changed < total for _, _, changed in steps[1:]), steps

    # The data tests of an incremental build read the changed papers' rows only, and catch a
    # fault there.
    assert dbt("test", "--select", "papers", work_db=wh.path).returncode == 0
    with connect(wh.path) as con:
        duplicated = con.execute(
            "insert into marts.papers select * from marts.papers where paper_id in"
            f" (select paper_id from {build_state.CHANGED_PAPERS}) limit 1"
        ).fetchone()[0]
    assert duplicated == 1
    tested = dbt("test", "--select", "papers", work_db=wh.path)
    assert tested.returncode == 1 and "FAIL 1 unique_papers_paper_id" in tested.stdout
    compiled = next((wh.path.parent / "target").rglob("unique_papers_paper_id.sql")).read_text()
    assert "int_changed_papers" in compiled

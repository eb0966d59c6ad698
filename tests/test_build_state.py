"""The build state: what decides that dbt and publishing have nothing to do, and whether
they build and copy everything or only the changed papers."""

from orchestration.landing import build_state
from orchestration.landing.land import connect, ensure_raw_schema


def test_fingerprint_follows_dbt_files_and_the_python_models_import(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "papers.sql").write_text("select 1")
    code = tmp_path / "transform"
    code.mkdir()
    (code / "topics.py").write_text("PATTERN = 'a'")
    monkeypatch.setattr(build_state, "MODEL_CODE", code)
    con = connect(tmp_path / "w.duckdb")
    ensure_raw_schema(con)
    try:
        first = build_state.marts_fingerprint(con, project)
        assert build_state.marts_fingerprint(con, project) == first  # stable
        (code / "topics.py").write_text("PATTERN = 'b'")
        second = build_state.marts_fingerprint(con, project)
        assert second != first
        (project / "models" / "papers.sql").write_text("select 2")
        assert build_state.marts_fingerprint(con, project) not in (first, second)
    finally:
        con.close()


def test_builds_are_incremental_only_after_a_completed_build_of_the_same_project(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    ensure_raw_schema(con)
    con.execute("create schema intermediate")
    con.execute(f"create table {build_state.CHANGED_PAPERS} as select 'p1' as paper_id")
    published = tmp_path / "papers.duckdb"
    try:
        assert not build_state.dbt_build_is_incremental(con, "v1")  # nothing built yet
        build_state.record_dbt_started(con, "v1", incremental=False)
        assert not build_state.dbt_build_is_incremental(con, "v1")  # did not finish
        build_state.record_dbt_built(con, incremental=False)
        assert build_state.dbt_build_is_incremental(con, "v1")
        assert not build_state.dbt_build_is_incremental(con, "v2")  # the project changed
        assert build_state.publish_changes(con, published) is None  # after a full build

        published.write_bytes(b"snapshot 1")
        build_state.record_published(con, "fingerprint", published)
        build_state.record_dbt_started(con, "v1", incremental=True)
        assert build_state.record_dbt_built(con, incremental=True) == 1
        assert build_state.publish_changes(con, published) == build_state.UNPUBLISHED_PAPERS
        # The published file replaced by another (or removed): copy everything.
        published.write_bytes(b"another snapshot")
        assert build_state.publish_changes(con, published) is None
        published.unlink()
        assert build_state.publish_changes(con, published) is None

        published.write_bytes(b"snapshot 2")
        build_state.record_published(con, "fingerprint", published)
        assert build_state.publish_changes(con, published) == build_state.UNPUBLISHED_PAPERS
        assert con.execute(f"select count(*) from {build_state.UNPUBLISHED_PAPERS}").fetchone() == (
            0,
        )
        # A full build after that: the next publish copies everything again.
        build_state.record_dbt_started(con, "v2", incremental=False)
        assert build_state.publish_changes(con, published) is None
    finally:
        con.close()

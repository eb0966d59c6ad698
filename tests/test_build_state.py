"""The marts fingerprint: what decides that dbt and publishing have nothing to do."""

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

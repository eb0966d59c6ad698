"""What the marts and the published snapshot were built from, kept in the working database.

- Whether anything is to do: nothing landed and no dbt file changed since the last publish
  means dbt has nothing to do, and a run that changed nothing ends in seconds.
- How dbt builds: incrementally (only the papers that new, changed or removed dumps touch)
  after a completed build with the same dbt project, in full otherwise.
- How publishing copies: only the rows of the papers changed since the last publish, when the
  published file is the one published last and every build since was incremental.

The tables (raw.build_state, raw.built_dumps, raw.dbt_state, raw.unpublished_papers) are
created with the rest of the raw schema (raw_schema.sql).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from .land import ensure_raw_schema

DBT_INPUTS = ("models", "seeds", "macros", "dbt_project.yml")
# Python that dbt models import (the topic matcher): changing it changes the marts too.
MODEL_CODE = Path(__file__).resolve().parent.parent / "transform"
# The model listing the papers (canonical ids, before and after) an incremental build rebuilt.
CHANGED_PAPERS = "intermediate.int_changed_papers"
UNPUBLISHED_PAPERS = "raw.unpublished_papers"


def project_fingerprint(dbt_project_dir: Path) -> str:
    """A hash of the dbt project's files and of the Python its models import."""
    digest = hashlib.sha256()
    for name in DBT_INPUTS:
        path = dbt_project_dir / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(file.relative_to(dbt_project_dir).as_posix().encode())
                digest.update(file.read_bytes())
    for file in sorted(MODEL_CODE.rglob("*.py")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def marts_fingerprint(con: duckdb.DuckDBPyConnection, dbt_project_dir: Path) -> str:
    """A hash of every landing (dump, bytes, parser, load time) and of the dbt project."""
    digest = hashlib.sha256()
    landed = con.execute(
        "select string_agg(concat_ws('|', dump_id, sha256, parser_version, status, loaded_at),"
        " '\n' order by dump_id) from raw.dumps"
    ).fetchall()[0][0]
    digest.update((landed or "").encode())
    digest.update(project_fingerprint(dbt_project_dir).encode())
    return digest.hexdigest()


def published_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "select fingerprint from raw.build_state order by published_at desc limit 1"
    ).fetchall()
    return row[0][0] if row else None


def _dbt_state(con: duckdb.DuckDBPyConnection) -> tuple | None:
    ensure_raw_schema(con)  # a warehouse made before these tables existed
    rows = con.execute(
        "select project_fingerprint, build_status, publish_full, published_file from raw.dbt_state"
    ).fetchall()
    return rows[0] if len(rows) == 1 else None


def dbt_build_is_incremental(con: duckdb.DuckDBPyConnection, project: str) -> bool:
    """Incremental when the last dbt build completed with this same project (`project` is
    `project_fingerprint`); a first build, a changed model or an interrupted build rebuilds
    everything."""
    state = _dbt_state(con)
    return state is not None and state[0] == project and state[1] == "built"


def record_dbt_started(con: duckdb.DuckDBPyConnection, project: str, incremental: bool) -> None:
    """Before dbt runs: a build that does not finish leaves 'building', so the next is full."""
    state = _dbt_state(con)
    publish_full = (state is None or state[2]) or not incremental
    published_file = state[3] if state else None
    con.begin()
    con.execute("delete from raw.dbt_state")
    con.execute(
        "insert into raw.dbt_state values (?, 'building', ?, ?)",
        [project, publish_full, published_file],
    )
    con.commit()


def record_dbt_built(con: duckdb.DuckDBPyConnection, incremental: bool) -> int | None:
    """After dbt built every model and passed every test: remember the dumps it built from,
    and the papers the next publish must copy. Returns how many papers an incremental build
    rebuilt (None after a full build)."""
    con.begin()
    # raw.built_dumps made equal to the loaded dumps by replacing only the rows that differ:
    # rewriting all 10,000 rows (and their key's index) took 0.7 s for one added dump.
    columns = "dump_id, sha256, parser_version, loaded_at"
    loaded = f"select {columns} from raw.dumps where status = 'loaded'"
    built = f"select {columns} from raw.built_dumps"
    con.execute(
        f"delete from raw.built_dumps where dump_id in "
        f"(select dump_id from ({built} except {loaded}))"
    )
    con.execute(f"insert into raw.built_dumps {loaded} except {built}")
    changed = None
    if incremental:
        changed = con.execute(
            f"insert into {UNPUBLISHED_PAPERS} select paper_id from {CHANGED_PAPERS}"
        ).fetchone()[0]
    con.execute("update raw.dbt_state set build_status = 'built'")
    con.commit()
    return changed


def publish_changes(con: duckdb.DuckDBPyConnection, published: Path) -> str | None:
    """The table of papers to copy into the published snapshot, or None to copy everything:
    after a full build, or when the published file is not the one published last (missing,
    or replaced by hand)."""
    state = _dbt_state(con)
    if state is None or state[2] or state[3] is None or state[3] != _file_identity(published):
        return None
    return UNPUBLISHED_PAPERS


def record_published(con: duckdb.DuckDBPyConnection, fingerprint: str, published: Path) -> None:
    con.begin()
    con.execute("delete from raw.build_state")
    con.execute("insert into raw.build_state values (?, now()::timestamp)", [fingerprint])
    con.execute(f"delete from {UNPUBLISHED_PAPERS}")
    con.execute(
        "update raw.dbt_state set publish_full = false, published_file = ?",
        [_file_identity(published)],
    )
    con.commit()


def _file_identity(path: Path) -> str | None:
    """Size, modification time and inode: a file replaced by another shows a change."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"

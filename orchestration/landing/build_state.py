"""Whether the published marts are up to date: nothing landed and no dbt file changed since
the last publish means dbt has nothing to do, and a run that changed nothing ends in seconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

# raw.build_state is created with the rest of the raw schema (raw_schema.sql).
DBT_INPUTS = ("models", "seeds", "macros", "dbt_project.yml")
# Python that dbt models import (the topic matcher): changing it changes the marts too.
MODEL_CODE = Path(__file__).resolve().parent.parent / "transform"
STATE_DDL = (
    "create table if not exists raw.build_state (fingerprint varchar, published_at timestamp)"
)


def marts_fingerprint(con: duckdb.DuckDBPyConnection, dbt_project_dir: Path) -> str:
    """A hash of every landing (dump, bytes, parser, load time), of the dbt project's files
    and of the Python its models import."""
    digest = hashlib.sha256()
    landed = con.execute(
        "select string_agg(concat_ws('|', dump_id, sha256, parser_version, status, loaded_at),"
        " '\n' order by dump_id) from raw.dumps"
    ).fetchall()[0][0]
    digest.update((landed or "").encode())
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


def published_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "select fingerprint from raw.build_state order by published_at desc limit 1"
    ).fetchall()
    return row[0][0] if row else None


def record_published(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    con.execute("delete from raw.build_state")
    con.execute("insert into raw.build_state values (?, now()::timestamp)", [fingerprint])

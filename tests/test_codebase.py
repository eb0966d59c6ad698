"""Guards on the codebase itself: supported APIs only, and files that each hold one idea."""

from __future__ import annotations

import re

from .conftest import ROOT

SOURCES = sorted(
    path
    for folder in ("orchestration", "benchmarks", "tests")
    for path in (ROOT / folder).rglob("*.py")
)
# An import of a private module of Dagster, dagster-dbt or dbt (dbt's documented entry point
# `dbt.cli.main` is public).
PRIVATE_IMPORT = re.compile(
    r"^\s*(from|import)\s+(dagster|dagster_dbt|dagster_shared|dbt)(\.\w+)*\._\w*", re.M
)


def test_sources_were_found():
    assert len(SOURCES) > 50


def test_no_private_imports_of_dagster_or_dbt():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in SOURCES
        if path.is_relative_to(ROOT / "orchestration")
        for match in PRIVATE_IMPORT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_private_import_pattern_catches_what_it_should():
    assert PRIVATE_IMPORT.search("from dagster._core.storage import x")
    assert PRIVATE_IMPORT.search("import dagster_dbt._internal")
    assert not PRIVATE_IMPORT.search("from dagster_dbt import DbtCliResource")


def test_no_source_file_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in SOURCES
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}

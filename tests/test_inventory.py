"""Which dumps a run parses: new, changed or reparsed ones; unchanged ones are skipped."""

import datetime as dt
from pathlib import Path

from orchestration.ingest.discovery import file_sha256, read_dump
from orchestration.ingest.inventory import take_inventory

VERSION = "9.9.9"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _folder(tmp_path):
    for name, text in {
        "a.txt": "alpha",
        "b.txt": "beta",
        "c.txt": "gamma",
        "d.txt": "delta",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_file_sha256_is_the_fingerprint_read_dump_records(tmp_path):
    folder = _folder(tmp_path)
    assert file_sha256(folder / "a.txt") == read_dump(folder / "a.txt", folder).sha256


def test_inventory_sorts_new_unchanged_changed_reparsed_and_missing(tmp_path):
    folder = _folder(tmp_path)
    landed = {
        "a.txt": (file_sha256(folder / "a.txt"), VERSION),  # unchanged
        "b.txt": ("0" * 64, VERSION),  # bytes changed since it landed
        "c.txt": (file_sha256(folder / "c.txt"), "1.0.0"),  # landed by an older parser
    }
    inventory = take_inventory(
        folder, ["a.txt", "b.txt", "c.txt", "d.txt", "gone.txt"], landed, VERSION
    )
    assert inventory.unchanged == ["a.txt"]
    assert inventory.to_parse == ["b.txt", "c.txt", "d.txt"]
    assert inventory.missing == ["gone.txt"]


def test_inventory_keeps_only_the_asked_for_dumps(tmp_path):
    folder = _folder(tmp_path)
    inventory = take_inventory(folder, ["c.txt"], {}, VERSION)
    assert (inventory.to_parse, inventory.unchanged, inventory.missing) == (["c.txt"], [], [])


def test_nothing_maybe_changed_right_after_landing_and_a_touch_is_seen(tmp_path, seed_batch):
    """The size and modification time the audit recorded round-trip through DuckDB exactly,
    so a run after a load looks at no file; touching one brings that one (only) back."""
    import os
    import shutil

    from orchestration.ingest.inventory import files_by_dump_id, landed_file_stats, maybe_changed
    from orchestration.ingest.parse import PARSER_VERSION
    from orchestration.landing.land import connect, land_batch

    con = connect(tmp_path / "w.duckdb")
    land_batch(con, seed_batch)
    landed = landed_file_stats(con)
    present = files_by_dump_id(SEEDS)
    assert len(landed) == len(present) == 7
    assert maybe_changed(SEEDS, present, landed, PARSER_VERSION) == []
    assert maybe_changed(SEEDS, present, landed, "0.0.1") == sorted(present)

    copy = tmp_path / "dumps"
    shutil.copytree(SEEDS, copy)  # copy2 keeps the modification times
    name = present[sorted(present)[2]]
    stat = (copy / name).stat()
    os.utime(copy / name, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert maybe_changed(copy, present, landed, PARSER_VERSION) == [sorted(present)[2]]


def test_a_sidecar_written_after_the_load_brings_its_dump_back(tmp_path, seed_batch):
    """The dump's bytes did not change, but its sidecar (the capture date) did: the run
    looks at it and parses it whatever its SHA-256 says; the other dumps stay untouched."""
    import os
    import shutil

    from orchestration.ingest.inventory import dumps_to_look_at, landed_file_stats
    from orchestration.ingest.parse import PARSER_VERSION
    from orchestration.landing.land import connect, land_batch

    copy = tmp_path / "dumps"
    shutil.copytree(SEEDS, copy)
    con = connect(tmp_path / "w.duckdb")
    land_batch(con, seed_batch)
    landed = landed_file_stats(con)
    assert dumps_to_look_at(copy, landed, PARSER_VERSION) == ([], [], [])

    sidecar = copy / "001_73aae1bdc1084e9d.txt.meta.json"
    sidecar.write_text('{"capture_year": 2025}', encoding="utf-8")
    later = max(stats[3] for stats in landed.values()).replace(tzinfo=dt.UTC).timestamp() + 60
    os.utime(sidecar, (later, later))
    (copy / "003_0ee2deba839f99fc.txt").unlink()
    look_at, residecared, missing = dumps_to_look_at(copy, landed, PARSER_VERSION)
    assert look_at == residecared == ["001_73aae1bdc1084e9d.txt"]
    assert missing == ["003_0ee2deba839f99fc.txt"]

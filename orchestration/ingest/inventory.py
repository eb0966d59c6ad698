"""Which dump files a run must parse: new or changed ones; unchanged ones are skipped.

A file is unchanged when its SHA-256 and the parser version match what the audit recorded
for its dump_id at the last load; a new parser version reloads everything it parsed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .discovery import (
    SIDECAR_SUFFIX,
    dump_id_for,
    file_sha256,
    list_dump_paths,
    modified_at,
)


@dataclass(frozen=True)
class Inventory:
    to_parse: list[str]  # file names, relative to the dumps folder
    unchanged: list[str]
    missing: list[str]  # dump_ids asked for with no file behind them any more

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Inventory:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def files_by_dump_id(folder: Path) -> dict[str, str]:
    """dump_id -> file name, for every dump file in the folder."""
    names = (p.relative_to(folder).as_posix() for p in list_dump_paths(folder))
    return {dump_id_for(name): name for name in names}


def landed_file_stats(con) -> dict[str, tuple[int, dt.datetime | None, str, dt.datetime]]:
    """dump_id -> (size_bytes, modified_at, parser_version, loaded_at) of every dump in the
    audit."""
    rows = con.execute(
        "select dump_id, size_bytes, modified_at, parser_version, loaded_at from raw.dumps"
    ).fetchall()
    return {dump_id: tuple(stats) for dump_id, *stats in rows}


def sidecars_changed(
    folder: Path, present: Mapping[str, str], landed: Mapping[str, tuple]
) -> list[str]:
    """The landed dump_ids whose sidecar (`<file>.meta.json`) was written after the dump was
    landed: the capture date it states may have changed, so the dump is parsed again even
    though its own bytes did not change. A stat per dump; a removed sidecar is not noticed
    (`--reload` parses everything again)."""
    changed = []
    for dump_id, name in present.items():
        known = landed.get(dump_id)
        if known is None or len(known) < 4:
            continue
        try:
            stat = (folder / (name + SIDECAR_SUFFIX)).stat()
        except FileNotFoundError:
            continue
        if modified_at(stat) > known[3]:
            changed.append(dump_id)
    return changed


def maybe_changed(
    folder: Path,
    present: Mapping[str, str],
    landed: Mapping[str, tuple[int, dt.datetime | None, str]],
    parser_version: str,
) -> list[str]:
    """The dump_ids (of `present`: dump_id -> file name) a run must look at: never landed,
    landed by another parser version, or whose size or modification time differs from the
    audit's. A stat per file, no reading: the SHA-256 check in take_inventory then decides,
    so a file touched but not changed is still skipped there."""
    selected = []
    for dump_id, name in present.items():
        known = landed.get(dump_id)
        if known is None or known[2] != parser_version:
            selected.append(dump_id)
            continue
        stat = (folder / name).stat()
        if (stat.st_size, modified_at(stat)) != (known[0], known[1]):
            selected.append(dump_id)
    return selected


def dumps_to_look_at(
    folder: Path,
    landed: Mapping[str, tuple[int, dt.datetime | None, str]],
    parser_version: str,
    everything: bool = False,
) -> tuple[list[str], list[str], list[str]]:
    """(dump_ids a run must look at, those of them to parse whatever their bytes because
    their sidecar changed, landed dump_ids whose file is gone), for the whole folder against
    the audit's `landed` stats (see landed_file_stats): a stat or two per file, or
    `everything` present."""
    present = files_by_dump_id(folder)
    missing = sorted(set(landed) - set(present))
    if everything:
        return sorted(present), [], missing
    residecared = sidecars_changed(folder, present, landed)
    look_at = set(maybe_changed(folder, present, landed, parser_version)) | set(residecared)
    return [d for d in present if d in look_at], residecared, missing


def take_inventory(
    folder: Path,
    dump_ids: Iterable[str],
    landed: Mapping[str, tuple[str, str]],
    parser_version: str,
    forced: Iterable[str] = (),
) -> Inventory:
    """Sort the asked-for dumps into to-parse, unchanged and missing.

    `landed` maps dump_id -> (sha256, parser_version) from the audit; `forced` names dumps
    (by dump_id or file name) parsed whether they changed or not.
    """
    present = files_by_dump_id(folder)
    forced = set(forced)
    to_parse, unchanged, missing = [], [], []
    for dump_id in dump_ids:
        name = present.get(dump_id)
        if name is None:
            missing.append(dump_id)
            continue
        fingerprint = landed.get(dump_id)
        # Never landed, or by another parser version: parsed anyway, so not read here first.
        if fingerprint is None or fingerprint[1] != parser_version or {dump_id, name} & forced:
            to_parse.append(name)
        elif fingerprint[0] == file_sha256(folder / name):
            unchanged.append(name)
        else:
            to_parse.append(name)
    return Inventory(to_parse, unchanged, missing)

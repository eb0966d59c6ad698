"""Which dump files a run must parse: new or changed ones; unchanged ones are skipped.

A file is unchanged when its SHA-256 and the parser version match what the audit recorded
for its dump_id at the last load; a new parser version reloads everything it parsed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .discovery import dump_id_for, file_sha256, list_dump_paths


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


def take_inventory(
    folder: Path,
    dump_ids: Iterable[str],
    landed: Mapping[str, tuple[str, str]],
    parser_version: str,
) -> Inventory:
    """Sort the asked-for dumps into to-parse, unchanged and missing.

    `landed` maps dump_id -> (sha256, parser_version) from the audit.
    """
    present = files_by_dump_id(folder)
    to_parse, unchanged, missing = [], [], []
    for dump_id in dump_ids:
        name = present.get(dump_id)
        if name is None:
            missing.append(dump_id)
            continue
        fingerprint = landed.get(dump_id)
        # Never landed, or by another parser version: parsed anyway, so not read here first.
        if fingerprint is None or fingerprint[1] != parser_version:
            to_parse.append(name)
        elif fingerprint[0] == file_sha256(folder / name):
            unchanged.append(name)
        else:
            to_parse.append(name)
    return Inventory(to_parse, unchanged, missing)

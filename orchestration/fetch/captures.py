"""Where fetched responses live in the dumps folder, and how they are written.

    hf/daily_papers/<YYYY-MM-DD>/<fetched-at UTC>[-p<N>].json      the response, byte for byte
    hf/daily_papers/<YYYY-MM-DD>/<same name>.meta.json              its sidecar
    hf/daily_papers/<YYYY-MM-DD>/.fetch.json                        the day's last good fetch

The dump is the only file discovery sees: sidecars are read beside it, and hidden files
(the day's fetch record, files being written) are skipped by discovery and the sensor.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

from ..ingest.discovery import SIDECAR_SUFFIX

DAILY_FOLDER = ("hf", "daily_papers")
FETCH_RECORD = ".fetch.json"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_CAPTURE = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-p(?P<page>\d+))?\.json$")


def day_folder(dumps_dir: Path, day: dt.date) -> Path:
    return dumps_dir.joinpath(*DAILY_FOLDER, day.isoformat())


def capture_name(stamp: str, page: int) -> str:
    return f"{stamp}.json" if page == 0 else f"{stamp}-p{page}.json"


def sidecar_path(dump: Path) -> Path:
    return dump.with_name(dump.name + SIDECAR_SUFFIX)


def latest_captures(folder: Path) -> dict[int, Path]:
    """page -> the day's latest saved capture of that page (names sort by fetch time)."""
    latest: dict[int, tuple[str, Path]] = {}
    if not folder.is_dir():
        return {}
    for path in folder.iterdir():
        match = _CAPTURE.match(path.name)
        if match:
            page, stamp = int(match["page"] or 0), match["stamp"]
            if page not in latest or stamp > latest[page][0]:
                latest[page] = (stamp, path)
    return {page: path for page, (_, path) in latest.items()}


def read_sidecar(dump: Path) -> dict[str, Any]:
    """The capture's sidecar, or {} when it is missing or unreadable (then: no ETag)."""
    try:
        meta = json.loads(sidecar_path(dump).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def free_stamp(folder: Path, moment: dt.datetime) -> str:
    """The name stamp for a capture made at `moment`: later than every capture of the day
    already saved (a second later on a clash), so that names stay unique and in time order."""
    stamps = [m["stamp"] for p in folder.glob("*.json") if (m := _CAPTURE.match(p.name))]
    moment = moment.astimezone(dt.UTC).replace(microsecond=0)
    if stamps:
        newest = dt.datetime.strptime(max(stamps), STAMP_FORMAT).replace(tzinfo=dt.UTC)
        moment = max(moment, newest + dt.timedelta(seconds=1))
    return moment.strftime(STAMP_FORMAT)


def write_atomically(path: Path, data: bytes) -> None:
    """Write under a hidden temporary name, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def save_capture(folder: Path, stamp: str, page: int, body: bytes, meta: dict[str, Any]) -> Path:
    """Save one response and its sidecar; the sidecar first, so that a dump is never seen
    (by the folder sensor, say) without its capture date."""
    dump = folder / capture_name(stamp, page)
    write_atomically(sidecar_path(dump), (json.dumps(meta, indent=2) + "\n").encode())
    write_atomically(dump, body)
    return dump


def read_fetch_record(folder: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / FETCH_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_fetch_record(folder: Path, record: dict[str, Any]) -> None:
    write_atomically(folder / FETCH_RECORD, (json.dumps(record, indent=2) + "\n").encode())

"""Find dump files in the dumps folder and read them: bytes, fingerprint, capture sidecars."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

SIDECAR_SUFFIX = ".meta.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def dump_id_for(file_name: str) -> str:
    """A stable id from the file name (its path relative to the dumps folder).

    Safe names are their own id (`000_a401d38fde9a8c54.txt`); anything else is sanitised
    and suffixed with a hash of the original name, so two names never share an id.
    """
    safe = _UNSAFE.sub("_", file_name).strip("._") or "dump"
    if safe == file_name:
        return safe
    return f"{safe[:80]}-{hashlib.sha1(file_name.encode('utf-8')).hexdigest()[:8]}"


@dataclass(frozen=True)
class DumpFile:
    """A file in the dumps folder, read once."""

    path: Path
    file_name: str
    dump_id: str
    data: bytes
    sha256: str
    modified_at: dt.datetime
    sidecar_captured_on: dt.date | None = None
    sidecar_capture_year: int | None = None
    sidecar_error: str | None = None
    sidecar_listed_on: dt.date | None = None  # the list date a fetcher asked for

    @property
    def size_bytes(self) -> int:
        return len(self.data)


def list_dump_paths(folder: Path) -> list[Path]:
    """Every regular file below the folder, sorted; hidden files and folders and sidecars are
    skipped, and so are symbolic links to folders and folders that cannot be read.

    os.scandir, not Path.rglob: a directory entry tells a file from a folder without a stat
    of its own, and hidden folders are never entered (10,000 dumps: 0.1 s instead of 0.3 s,
    and a run lists the folder up to three times)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"dumps folder {folder} does not exist or is not a folder")
    found, pending = [], [folder]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except PermissionError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            elif entry.is_file() and not entry.name.endswith(SIDECAR_SUFFIX):
                found.append(Path(entry.path))
    return sorted(found)


def modified_at(stat: os.stat_result) -> dt.datetime:
    """A file's modification time as the audit records it: naive UTC."""
    return dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC).replace(tzinfo=None)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (the fingerprint read_dump records)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _sidecar_date(value: object) -> dt.date | None:
    """A sidecar's date: `2026-06-01`, or the UTC day of a timestamp (`...T10:00:00Z`)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a date")
    if len(value.strip()) == 10:
        return dt.date.fromisoformat(value.strip())
    stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return (stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp).date()


def read_sidecar_facts(path: Path) -> tuple[dt.date | None, int | None, dt.date | None, str | None]:
    """(captured_on, capture_year, listed_on, error) from `<dump>.meta.json`, if there is one.

    The sidecar is how a user, or the fetcher, states when a page was saved and which daily
    list it is: `{"captured_on": "2026-06-01"}`, `{"capture_year": 2026}`,
    `{"listed_on": "2025-03-04"}`. A broken sidecar is reported, not fatal.
    """
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return None, None, None, None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        year = meta.get("capture_year")
        return (
            _sidecar_date(meta.get("captured_on")),
            int(year) if year is not None else None,
            _sidecar_date(meta.get("listed_on")),
            None,
        )
    except (ValueError, TypeError, AttributeError, OSError) as error:
        return None, None, None, f"sidecar {sidecar.name} ignored: {error}"


def read_sidecar(path: Path) -> tuple[dt.date | None, int | None, str | None]:
    """(captured_on, capture_year, error) from `<dump>.meta.json` (see read_sidecar_facts)."""
    captured_on, year, _, error = read_sidecar_facts(path)
    return captured_on, year, error


def read_dump(path: Path, folder: Path) -> DumpFile:
    """Read one file: its bytes, SHA-256, modification time (UTC) and sidecar."""
    data = path.read_bytes()
    file_name = path.relative_to(folder).as_posix()
    captured_on, year, listed_on, error = read_sidecar_facts(path)
    return DumpFile(
        path=path,
        file_name=file_name,
        dump_id=dump_id_for(file_name),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        modified_at=modified_at(path.stat()),
        sidecar_captured_on=captured_on,
        sidecar_capture_year=year,
        sidecar_error=error,
        sidecar_listed_on=listed_on,
    )


def decode_text(data: bytes) -> str:
    """Bytes to text with one newline convention.

    UTF-8 (with or without BOM) first, UTF-16 when a BOM says so, cp1252 as the last resort
    for pages saved by old Windows tools; CRLF and lone CR become LF.
    """
    return decode(data)[0]


def decode(data: bytes) -> tuple[str, bool]:
    """(decode_text(data), verbatim): verbatim when the text is the bytes read as UTF-8 and
    nothing else (no BOM, no carriage return), so that the bytes can stand for it."""
    verbatim = False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
            verbatim = not data.startswith(b"\xef\xbb\xbf")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    # No 0x0D byte, no carriage return in any of these encodings: one byte search instead of
    # two passes over the text.
    if b"\r" in data:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        verbatim = False
    return text, verbatim

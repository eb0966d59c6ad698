"""The straightforward parser a user would write: a pure-Python loop over the lines of a dump.

It is the baseline the Polars parser (orchestration/ingest/text_dump.py + parse.py) is measured
against. It reads the same three layouts and yields the same entries — title, abstract,
authors_count, published date, comments_count — with the same text cleaning (NFC, zero-width
characters removed, whitespace collapsed), but none of the pipeline's extra work (paper
identity, links, rejects, audit). `parse_file_full` adds identity and URL extraction, for an
apples-to-apples comparison with `parse_dumps`.

Plain Python: `re`, `unicodedata`, `datetime`; no Polars, no orchestration imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

HEADER_PHRASES = frozenset(
    {
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
    }
)
SIGNATURE = (
    "Get trending papers in your email inbox",
    "byAK and the research community",
    "Daily Papers",
)
GLUED_HEADER = re.compile(
    r"^(?:new)?(?:(?:Get trending papers in your email inbox(?: once a day)?!"
    r"|Subscribe|Daily Papers|byAK and the research community)\s*)+"
)
MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
DATE_LINE = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
    r" (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$"
)
AUTHORS_LINE = re.compile(r"^•\s*(\d+)\s+authors?$")
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f<>\"{}|\\^`]+")
NOT_WORD = re.compile(r"[\W_]+")


@dataclass
class Entry:
    position: int
    title: str
    abstract: str | None
    authors_count: int | None = None
    organisation: str | None = None
    published_on: dt.date | None = None
    comments_count: int | None = None
    has_metadata: bool = False


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean(text: str) -> str:
    text = ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_text(text: str, capture_year: int | None = None) -> tuple[str, list[Entry]] | None:
    """(layout, entries) of one decoded dump, or None when the text is not a papers page.

    `capture_year` gives yearless dates their year (as a sidecar does for the pipeline).
    """
    if not any(s in text for s in SIGNATURE):
        return None
    lines = [line.strip() for line in text.split("\n")]
    n = len(lines)

    # Header: blank lines, header phrases and the date selector before the first content line.
    i, selector = 0, None
    while i < n:
        line = lines[i]
        if line == "" or line in HEADER_PHRASES:
            i += 1
        elif (m := DATE_LINE.match(line)) is not None:
            selector = m
            i += 1
        else:
            break
    if i == n:
        return "with_metadata", []
    lines[i] = GLUED_HEADER.sub("", lines[i]).strip()
    last = n - 1
    while lines[last] == "":
        last -= 1
    content = lines[i : last + 1]
    glued = "" not in content

    captured_on = None
    if selector is not None and capture_year is not None:
        captured_on = _safe_date(capture_year, MONTHS[selector.group(1)], int(selector.group(2)))

    entries: list[Entry] = []
    has_meta = False
    pending_title: str | None = None
    meta_target: Entry | None = None  # the entry a metadata block describes
    unit: list[str] = []

    def flush_text() -> None:
        nonlocal pending_title, meta_target
        if not unit:
            return
        text = " ".join(unit)
        unit.clear()
        if pending_title is None:
            pending_title = text
        else:
            entry = Entry(len(entries) + 1, clean(pending_title), clean(text))
            entries.append(entry)
            pending_title, meta_target = None, entry

    def metadata(kind: str, line: str, m: re.Match | None) -> None:
        nonlocal pending_title, meta_target, has_meta
        has_meta = True
        flush_text()
        if pending_title is not None:  # a title with no abstract before its metadata
            entry = Entry(len(entries) + 1, clean(pending_title), None)
            entries.append(entry)
            pending_title, meta_target = None, entry
        target = meta_target
        if target is None:
            return  # metadata with no title before it: the pipeline rejects it
        target.has_metadata = True
        if kind == "authors":
            if target.authors_count is None:
                target.authors_count = int(m.group(1))
        elif kind == "org":
            if target.organisation is None:
                target.organisation = line
        elif kind == "date" and target.comments_count is None:
            month, day = MONTHS[m.group(1)], int(m.group(2))
            if m.group(3):
                target.published_on = _safe_date(int(m.group(3)), month, day)
            elif capture_year is not None:
                date = _safe_date(capture_year, month, day)
                if date is not None and captured_on is not None and date > captured_on:
                    date = _safe_date(capture_year - 1, month, day)
                target.published_on = date
            target.comments_count = int(m.group(4) or 0)

    in_meta_block = False
    for k, line in enumerate(content):
        if line == "":
            flush_text()
            if in_meta_block:
                meta_target, in_meta_block = None, False
            continue
        if (m := AUTHORS_LINE.match(line)) is not None:
            metadata("authors", line, m)
            in_meta_block = True
        elif line == "·":
            metadata("dot", line, None)
            in_meta_block = True
        elif (m := DATE_LINE.match(line)) is not None:
            metadata("date", line, m)
            in_meta_block = True
        elif k + 1 < len(content) and content[k + 1] == "·":
            metadata("org", line, None)
            in_meta_block = True
        else:
            if in_meta_block:  # text right after a metadata block starts a new segment
                meta_target, in_meta_block = None, False
            unit.append(line)
            if glued:
                flush_text()
    flush_text()
    if pending_title is not None:
        entries.append(Entry(len(entries) + 1, clean(pending_title), None))
    layout = "glued" if glued else ("with_metadata" if has_meta else "title_abstract")
    return layout, entries


def read_capture_year(path: Path) -> int | None:
    sidecar = path.with_name(path.name + ".meta.json")
    if not sidecar.exists():
        return None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if meta.get("capture_year") is not None:
        return int(meta["capture_year"])
    if meta.get("captured_on"):
        return dt.date.fromisoformat(meta["captured_on"]).year
    return None


def parse_file(data: bytes, capture_year: int | None = None):
    """Bytes of one dump -> (layout, entries) or None."""
    return parse_text(decode(data), capture_year)


def parse_file_full(data: bytes, capture_year: int | None = None):
    """As parse_file, plus what parse_dumps also does per entry: the paper id from the
    normalised title, and the URLs of the abstract. Returns (layout, [(entry, paper_id, urls)])."""
    parsed = parse_file(data, capture_year)
    if parsed is None:
        return None
    layout, entries = parsed
    out = []
    for e in entries:
        key = NOT_WORD.sub(" ", unicodedata.normalize("NFKC", e.title).casefold()).strip()
        paper_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        urls = URL.findall(e.abstract) if e.abstract else []
        out.append((e, paper_id, urls))
    return layout, out


def parse_folder(
    folder: Path, suffixes: tuple[str, ...] | None = (".txt",)
) -> dict[str, tuple[str, list[Entry]] | None]:
    """Every text dump below a folder (sidecars and hidden files skipped; only files with one
    of `suffixes`, None for all: saved HTML pages and API JSON are other formats), by
    relative file name."""
    result = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or path.name.endswith(".meta.json"):
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        result[rel.as_posix()] = parse_file(path.read_bytes(), read_capture_year(path))
    return result

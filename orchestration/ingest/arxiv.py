"""arXiv identifiers, normalised to the bare id with no version: `2503.02130`, `hep-th/9901001`.

Pages and the API name a paper in many spellings (`arXiv:2503.02130v2`,
`https://arxiv.org/pdf/2503.02130v2.pdf`, `/abs/...`); the warehouse keys on one of them.
Ids are strings throughout: as a float, `2503.02130` loses its trailing zero.
"""

from __future__ import annotations

import re

# New style (April 2007 on): YYMM.NNNN, five digits after the dot from 2015 (1501) on.
_NEW = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})")
# Old style: archive[.SUBJECT-CLASS]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD = re.compile(r"([a-z]+(?:-[a-z]+)?)(\.[a-z]{2})?/(\d{2})(\d{2})(\d{3})", re.IGNORECASE)
_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>[^?#]+?)/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_VERSION = re.compile(r"v\d{1,3}$")


def _valid_new(match: re.Match[str]) -> bool:
    year, month, number = int(match.group(1)), int(match.group(2)), match.group(3)
    if not 1 <= month <= 12 or (year, month) < (7, 4):
        return False
    return len(number) == (5 if (year, month) >= (15, 1) else 4)


def normalise_arxiv_id(value: str | None) -> str | None:
    """The bare arXiv id in `value`, without prefix, URL, `.pdf` or version; None when the
    value is not an arXiv id (or not a string: a float has already lost digits)."""
    if not isinstance(value, str) or len(value) > 300:
        return None
    if new := _NEW.fullmatch(value):  # most values are bare already: nothing to take off
        return value if _valid_new(new) else None
    text = value.strip()
    url = _URL.match(text)
    if url:
        text = url.group("id")
    text = _PREFIX.sub("", text)
    text = re.sub(r"\.pdf$", "", text, flags=re.IGNORECASE)
    text = _VERSION.sub("", text)
    new = _NEW.fullmatch(text)
    if new:
        return text if _valid_new(new) else None
    old = _OLD.fullmatch(text)
    if old and 1 <= int(old.group(4)) <= 12:
        subject = (old.group(2) or "").upper()
        return f"{old.group(1).lower()}{subject}/{old.group(3)}{old.group(4)}{old.group(5)}"
    return None

"""Paper identity: one paper_id per paper, stable across runs, dumps and formats.

The id comes from the title alone, because the text dumps carry nothing else that identifies
a paper. NFKC folds compatibility code points (ligatures, full-width letters), casefold folds
case (including ß -> ss), Cyrillic and Greek look-alikes in a Latin title become the Latin
letters they mimic, and every run of punctuation or whitespace becomes one space, so
`NUPES : Non-Uniform` and `NUPES: Non Uniform` are the same paper.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import polars as pl

from .frames import replace_where

_NOT_WORD = re.compile(r"[\W_]+")
_LATIN = re.compile(r"[a-z]")
# Cyrillic and Greek letters that look like Latin ones (after casefold). A title mixing them
# with Latin letters was typed or pasted with look-alikes; NFKC does not fold these.
_LOOKALIKES = str.maketrans(
    "аеорсхуікјѕԁһӏԛԝαβεικμνορτυχ",
    "aeopcxyikjsdhlqwabeikmvoptux",
)


def title_key(title: str) -> str:
    """The normalised title that identity is derived from."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    if _LATIN.search(folded):
        folded = folded.translate(_LOOKALIKES)
    return _NOT_WORD.sub(" ", folded).strip()


def paper_id_for_key(key: str) -> str:
    """16 hex digits of the key's SHA-256: short, stable, and collision-free in practice."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def paper_id(title: str) -> str:
    """The paper_id of a title."""
    return paper_id_for_key(title_key(title))


def ascii_title_keys(titles: pl.Series) -> pl.Series:
    """title_key, vectorised, for ASCII titles: there NFKC changes nothing, casefold is
    lowercase and a non-word character is anything but a letter or digit."""
    # Each run of non-word characters becomes one space. A lone space is left as it is
    # rather than replaced by itself: a title has a dozen of them, and every replacement
    # costs; runs with punctuation in them, or of two spaces and more, are few.
    runs = r"[^a-z0-9]*[^a-z0-9 ][^a-z0-9]*| {2,}"
    return titles.str.to_lowercase().str.replace_all(runs, " ").str.strip_chars()


def with_identity(entries: pl.DataFrame, title_column: str = "title") -> pl.DataFrame:
    """Add title_key and paper_id columns; Python runs once per distinct title, not per row,
    and the Unicode rules only for titles that are not plain ASCII."""
    titles = entries.get_column(title_column).unique().drop_nulls()
    title = pl.col(title_column)
    mapping = replace_where(
        pl.DataFrame({title_column: titles, "title_key": ascii_title_keys(titles)}),
        title.str.len_bytes() != title.str.len_chars(),
        "title_key",
        title.map_elements(title_key, return_dtype=pl.String),
    )
    keys = mapping.get_column("title_key").to_list()
    mapping = mapping.with_columns(
        paper_id=pl.Series([paper_id_for_key(k) for k in keys], dtype=pl.String)
    ).cast({title_column: pl.String, "title_key": pl.String})
    return entries.join(mapping, on=title_column, how="left", maintain_order="left")

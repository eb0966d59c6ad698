"""Match papers against the topic taxonomy: the int_changed_paper_topics dbt model.

A topic matches a paper when its pattern, a case-insensitive regular expression, matches the
title or the abstract; matched_on is 'title' when the title matches, else 'abstract'. Null
texts match nothing.

The patterns are RE2 syntax: the model used to be DuckDB SQL, regexp_matches(text, pattern,
'i'). Polars' Rust regex runs them about ten times faster (127k papers, 34 topics, on a busy
2-core machine: 4-6 s against 30-70 s), once `translate_pattern` has made each into a Rust
pattern that matches the same strings: RE2's \\b, \\d, \\s and \\w are ASCII, Rust's are
Unicode, and some RE2 syntax means something else in Rust (`[a[b]]`, `&&` in a class, `\\<`,
`{` not followed by a count). What RE2 rejects, or what cannot be carried over, raises
TaxonomyError naming the topic.

Speed: with (?i) the regex engine has to try every case variant of a pattern's words, which
cripples its literal search (34 patterns over 185 MB of abstracts: 9.6 s). So each text is
lowercased once and every pattern runs case-sensitive on it, with its letters lowercased and
its classes and escapes still (?i) (2.0 s). That is exact for any text free of the few
characters listed under RISKY_CHARS, whose lowercase is not equivalent to them under Unicode
case folding; texts with one of them are matched with the (?i) pattern on the original text.

Memory: papers are matched in batches of BATCH_ROWS, so at most one batch's texts are copied
(lowercased) at a time, and match_topics_reader hands the matches on batch by batch too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

OUTPUT_SCHEMA = {"paper_id": pl.String, "topic": pl.String, "matched_on": pl.String}
BATCH_ROWS = 25_000

# Texts with one of these characters are matched with the (?i) patterns instead: for them the
# lowercased-text match can differ. lower(c) is not in c's case-folding class (U+0130
# lowercases to two characters; U+A7CE.. and U+16EA0.. are cased in Rust's std tables, not yet
# in the regex crate's), c lowercases to ASCII (the Kelvin sign, a word character for \b once
# lowercased) or folds to an ASCII letter (long s). tests/test_topics.py recomputes the set
# from the installed Polars. The newer letters are found by their UTF-8 lead bytes (a superset,
# but a memchr search instead of a regex, ten times faster).
RISKY_CHARS = ("\u0130", "\u017f", "\u212a")
RISKY_UTF8_PREFIXES = (b"\xea\x9f", b"\xf0\x96\xba")  # U+A7C0..U+A7FF, U+16E80..U+16EBF

# RE2's Perl classes are ASCII-only, and its \s leaves out \v (Rust's ASCII \s has it).
_PERL_CLASSES = {"d": r"0-9", "s": r"\x{9}\x{A}\x{C}\x{D}\x{20}", "w": r"0-9A-Za-z_"}
_POSIX_CLASSES = frozenset(
    ("alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct")
    + ("space", "upper", "word", "xdigit")
)
_RE2_FLAGS = frozenset("imsU")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_MAX_REPEAT = 1000  # RE2's limit
_CONTROL_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class TaxonomyError(ValueError):
    """A taxonomy row that cannot be matched the way DuckDB's RE2 would match it."""


@dataclass(frozen=True)
class TopicRule:
    topic: str
    exact: str  # Rust regex, (?i): matches what RE2's pattern matches in the original text
    lowered: str | None  # case-sensitive, for lowercased text; None when the pattern sets (?i)


@dataclass(frozen=True)
class _Token:
    exact: str
    lowered: str
    repeat: bool = False  # a repetition operator (RE2 rejects two in a row: a**)


def _char(c: str) -> str:
    """A literal character in Rust syntax: alphanumerics as is, anything else as \\x{...}."""
    return c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):X}}}"


def _literal(c: str) -> _Token:
    if c.isascii():
        return _Token(_char(c), _char(c.lower()))
    return _Token(_char(c), f"(?i:{_char(c)})")


def _class(text: str) -> _Token:
    return _Token(text, f"(?i:{text})")


def _raw(text: str) -> _Token:
    return _Token(text, text)


class _Re2Translator:
    """One pass over an RE2 pattern, following RE2's parser (re2/parse.cc)."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.sets_case = False

    def error(self, message: str) -> TaxonomyError:
        return TaxonomyError(f"{message} at offset {self.i}")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.p[j] if j < len(self.p) else ""

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        while self.i < len(self.p):
            c = self.p[self.i]
            if c == "\\":
                out.extend(self.escape())
            elif c == "[":
                out.append(self.char_class())
            elif c == "(":
                out.append(self.group())
            elif c in "*+?" or (c == "{" and _REPEAT.match(self.p, self.i)):
                if out and out[-1].repeat:
                    raise self.error("bad repetition operator (RE2 rejects two in a row)")
                out.append(self.repetition())
            elif c in ").|^$":
                self.i += 1
                out.append(_raw(c))
            else:  # RE2 takes ], } and a { that starts no count as literals; Rust may not.
                self.i += 1
                out.append(_literal(c))
        return out

    def repetition(self) -> _Token:
        m = _REPEAT.match(self.p, self.i)
        if m and self.p[self.i] == "{":
            counts = [int(n) for n in (m.group(1), m.group(3)) if n]
            if max(counts) > _MAX_REPEAT:
                raise self.error(f"repetition count above {_MAX_REPEAT}")
            op = m.group(0)
        else:
            op = self.p[self.i]
        self.i += len(op)
        if self.peek() == "?":  # non-greedy
            op += "?"
            self.i += 1
        return _Token(op, op, repeat=True)

    def group(self) -> _Token:
        if self.peek(1) != "?":
            self.i += 1
            return _raw("(")
        named = re.compile(r"\(\?P<[A-Za-z0-9_]+>").match(self.p, self.i)
        flags = re.compile(r"\(\?([A-Za-z]*)(?:-([A-Za-z]*))?([:)])").match(self.p, self.i)
        if named:
            text = named.group(0)
        elif flags:
            letters = (flags.group(1) or "") + (flags.group(2) or "")
            if not letters or not set(letters) <= _RE2_FLAGS or flags.group(2) == "":
                raise self.error(f"flags not supported by RE2 in {flags.group(0)!r}")
            self.sets_case |= "i" in letters
            text = flags.group(0)
        else:
            raise self.error("group syntax not supported by RE2 (lookaround, (?<name>...)?)")
        self.i += len(text)
        return _raw(text)

    def escape(self) -> list[_Token]:
        c = self.peek(1)
        if c in ("b", "B"):
            self.i += 2
            return [_raw(f"(?-u:\\{c})")]  # RE2's word boundary is ASCII
        if c in ("A", "z"):
            self.i += 2
            return [_raw("\\" + c)]
        if c and c in "dDsSwW":
            self.i += 2
            negate = "^" if c.isupper() else ""
            return [_class(f"[{negate}{_PERL_CLASSES[c.lower()]}]")]
        if c in ("p", "P"):
            return [_class(self.unicode_class())]
        if c == "C":
            raise self.error("\\C (any byte) has no equivalent in Rust's regex")
        if c == "Q":  # \Q...\E: literal text
            end = self.p.find("\\E", self.i + 2)
            end = len(self.p) if end < 0 else end
            text, self.i = self.p[self.i + 2 : end], min(end + 2, len(self.p))
            return [_literal(ch) for ch in text]
        return [_literal(self.char_escape())]

    def char_escape(self) -> str:
        """A character escape (RE2's ParseEscape): octal, hex, control or punctuation."""
        c = self.peek(1)
        if not c:
            raise self.error("trailing backslash")
        self.i += 2
        if c in "01234567":
            digits = re.compile(r"[0-7]{0,2}").match(self.p, self.i).group(0)
            if c != "0" and not digits:
                raise self.error("backreferences are not supported")
            self.i += len(digits)
            return chr(int(c + digits, 8))
        if c == "x":
            m = re.compile(r"\{([0-9A-Fa-f]+)\}|[0-9A-Fa-f]{2}").match(self.p, self.i)
            code = int(m.group(1) or m.group(0), 16) if m else -1
            if not 0 <= code <= 0x10FFFF:
                raise self.error("bad \\x escape")
            self.i += len(m.group(0))
            return chr(code)
        if c in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[c]
        if c.isascii() and not c.isalnum():
            return c
        raise self.error(f"escape \\{c} not supported by RE2")

    def unicode_class(self) -> str:
        """\\pN, \\p{Greek}, \\p{^Greek}: Rust has no ^ form, so it becomes \\P."""
        m = re.compile(r"\\([pP])(?:\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))").match(self.p, self.i)
        if not m:
            raise self.error("bad \\p escape")
        self.i += len(m.group(0))
        negate = (m.group(1) == "P") != (m.group(2) == "^")
        return f"\\{'P' if negate else 'p'}{{{m.group(3) or m.group(4)}}}"

    def char_class(self) -> _Token:
        """[...] in RE2 syntax, rebuilt so that Rust reads it alike: its literal characters
        escaped, nested [ && -- ~~ taken as the literals they are in RE2."""
        self.i += 1
        negate = self.peek() == "^"
        self.i += int(negate)
        items: list[str] = []
        first = True
        while self.peek() and (self.peek() != "]" or first):
            first = False
            c, nxt = self.peek(), self.peek(1)
            if c == "[" and nxt == ":" and self.p.find(":]", self.i + 2) >= 0:
                end = self.p.find(":]", self.i + 2)
                name = self.p[self.i + 2 : end]
                if name.removeprefix("^") not in _POSIX_CLASSES:
                    raise self.error(f"unknown class [:{name}:]")
                items.append(f"[:{name}:]")
                self.i = end + 2
            elif c == "\\" and nxt in ("p", "P"):
                items.append(self.unicode_class())
            elif c == "\\" and nxt and nxt in "dDsSwW":
                ranges = _PERL_CLASSES[nxt.lower()]
                items.append(f"[^{ranges}]" if nxt.isupper() else ranges)
                self.i += 2
            else:
                lo = self.class_char()
                if self.peek() == "-" and self.peek(1) not in ("]", ""):
                    self.i += 1
                    hi = self.class_char()
                    if hi < lo:
                        raise self.error("bad character class range")
                    items.append(f"{_char(lo)}-{_char(hi)}")
                else:
                    items.append(_char(lo))
        if not self.peek():
            raise self.error("missing ]")
        self.i += 1
        return _class(f"[{'^' if negate else ''}{''.join(items)}]")

    def class_char(self) -> str:
        if self.peek() == "\\":
            return self.char_escape()
        self.i += 1
        return self.p[self.i - 1]


def translate_pattern(pattern: str) -> tuple[str, str | None]:
    """An RE2 pattern as (exact, lowered) Rust patterns: `exact` is (?i) and runs on the
    original text; `lowered` is case-sensitive and runs on lowercased text (None when the
    pattern turns case-insensitivity on or off itself)."""
    translator = _Re2Translator(pattern)
    tokens = translator.tokens()
    exact = "(?i)" + "".join(t.exact for t in tokens)
    lowered = None if translator.sets_case else "".join(t.lowered for t in tokens)
    return exact, lowered


def _check_compiles(pattern: str) -> None:
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.ComputeError as err:  # Rust regex: "...\nerror: unclosed group\n..."
        lines = str(err).splitlines()
        message = next((line for line in lines if line.startswith("error:")), lines[0])
        raise TaxonomyError(message) from err


def compile_taxonomy(taxonomy: pl.DataFrame) -> list[TopicRule]:
    """The taxonomy's (topic, pattern) rows as rules; TaxonomyError names a bad row."""
    rules: list[TopicRule] = []
    seen: set[str] = set()
    for topic, pattern in taxonomy.select("topic", "pattern").iter_rows():
        if topic is None or pattern is None:
            raise TaxonomyError(f"taxonomy row with a null topic or pattern: {topic!r}")
        if topic in seen:
            raise TaxonomyError(f"topic {topic!r} is listed twice in the taxonomy")
        seen.add(topic)
        try:
            exact, lowered = translate_pattern(pattern)
            for p in (exact, lowered):
                if p is not None:
                    _check_compiles(p)
        except TaxonomyError as err:
            raise TaxonomyError(f"topic {topic!r}: bad pattern {pattern!r}: {err}") from err
        rules.append(TopicRule(topic, exact, lowered))
    return rules


def _risky(text: pl.Expr) -> pl.Expr:
    """Texts that the lowercased match could get wrong (see RISKY_CHARS)."""
    utf8 = text.cast(pl.Binary)
    prefixes = (utf8.bin.contains(prefix) for prefix in RISKY_UTF8_PREFIXES)
    return pl.any_horizontal(text.str.contains_any(list(RISKY_CHARS)), *prefixes)


def _hits(texts: pl.Series, rules: list[TopicRule]) -> pl.DataFrame:
    """One boolean column per rule (named by position): its pattern matches the text."""
    names = [str(k) for k in range(len(rules))]
    fast = [rule.lowered is not None for rule in rules]
    frame = texts.rename("text").to_frame()
    if any(fast):
        frame = frame.with_columns(low=pl.col("text").str.to_lowercase())

    def matches(rule: TopicRule, on_lowered: bool) -> pl.Expr:
        if on_lowered:
            return pl.col("low").str.contains(rule.lowered).fill_null(False)
        return pl.col("text").str.contains(rule.exact).fill_null(False)

    hits = frame.select(matches(r, f).alias(n) for r, f, n in zip(rules, fast, names, strict=True))
    risky = frame.select(_risky(pl.col("text")).fill_null(False)).to_series()
    if any(fast) and risky.any():  # rare: redo those rows with (?i) on the original text
        rows = risky.arg_true()
        redo = [(r, n) for r, f, n in zip(rules, fast, names, strict=True) if f]
        exact = frame[rows].select(matches(r, False).alias(n) for r, n in redo)
        hits = hits.with_columns(hits[n].scatter(rows, exact[n]) for _, n in redo)
    return hits


def _match_batch(papers: pl.DataFrame, rules: list[TopicRule]) -> pl.DataFrame:
    papers = papers.select(pl.col("paper_id", "title", "abstract").cast(pl.String))
    title = _hits(papers["title"], rules)
    abstract = _hits(papers["abstract"], rules)
    names = title.columns
    wide = papers.select("paper_id").with_columns(
        pl.when(title[n]).then(pl.lit("title")).when(abstract[n]).then(pl.lit("abstract")).alias(n)
        for n in names
    )
    return (
        wide.unpivot(index="paper_id", variable_name="topic", value_name="matched_on")
        .drop_nulls("matched_on")
        .with_columns(pl.col("topic").replace_strict(names, [r.topic for r in rules]))
        .cast(OUTPUT_SCHEMA)
    )


def match_topics_in_batches(
    batches: Iterable[pl.DataFrame | pa.RecordBatch], taxonomy: pl.DataFrame
) -> Iterator[pl.DataFrame]:
    """(paper_id, topic, matched_on) rows for each batch of (paper_id, title, abstract) rows,
    one batch at a time. The taxonomy is checked at once, before any batch is read."""
    rules = compile_taxonomy(taxonomy)

    def results() -> Iterator[pl.DataFrame]:
        for batch in batches if rules else ():
            frame = batch if isinstance(batch, pl.DataFrame) else pl.from_arrow(batch)
            if frame.height:
                yield _match_batch(frame, rules)

    return results()


def match_topics(papers: pl.DataFrame, taxonomy: pl.DataFrame) -> pl.DataFrame:
    """(paper_id, topic, matched_on) for a frame of (paper_id, title, abstract) rows."""
    parts = match_topics_in_batches(papers.iter_slices(BATCH_ROWS), taxonomy)
    return pl.concat([pl.DataFrame(schema=OUTPUT_SCHEMA), *parts])


def match_topics_reader(
    papers: pa.RecordBatchReader, taxonomy: pl.DataFrame
) -> pa.RecordBatchReader:
    """The matches of a stream of papers as an Arrow stream: DuckDB writes the model's table
    from it as each batch is matched, so neither the papers nor the matches are ever all in
    memory (at 10,000 dumps: millions of rows)."""
    schema = pl.DataFrame(schema=OUTPUT_SCHEMA).to_arrow().schema
    results = match_topics_in_batches(papers, taxonomy)
    batches = (batch for frame in results for batch in frame.to_arrow().to_batches())
    return pa.RecordBatchReader.from_batches(schema, batches)

"""Deterministic generator of realistic text dumps, recombined from the seeds' own text.

    python -m benchmarks.generate OUT_DIR --dumps N [--seed S]

Every generated paper has a title made of two real titles' halves and an abstract made of real
abstract sentences (so lengths, punctuation and character mix follow the seeds); about one in
six abstracts ends with a real URL sentence whose GitHub owner/repo is swapped for another real
one (trailing punctuation as printed in the seeds: `https://github.com/owner/repo.`).
Each dump takes one of the three text layouts in the seeds' proportions (with_metadata 3 :
title_abstract 1 : glued 1), holds 30-120 entries, and about 15% of all entries repeat an
earlier paper with an identical title (the seeds: 289 entries, 247 distinct papers).

Capture dates advance one day every four dumps from 2020-01-01; dumps with a date selector get
a sidecar `<file>.meta.json` with `{"capture_year": YYYY}` so builds are reproducible. Paper
dates are never after their dump's capture date; a date in the capture year is printed without
its year, as the page does, and ~3.5% of dated papers print a comment count.

The dump sequence does not depend on N: `generate(d, N + 1, s)` writes the same first N files
as `generate(d, N, s)`, and `first=N` writes only the newest dump (for incremental builds).

TODO(html/json): the pipeline now has orchestration/ingest/html_pages.py (`parse_html`) and
api_json.py (`parse_api_json`), but this generator renders text dumps only. Next: render the
same `Paper` records as a saved list page (a `DailyPapers` div whose `data-props` JSON holds
`dailyPapers`, plus the cards' markup) and as an API response (a JSON list of
`{"paper": {...}, "numComments": n}` items) in `_Generator._render`, behind a
`--formats text,html,json` mix; benchmarks/parsers.py's `html_throughput` then measures generated
pages instead of copies of the seed page, and the end-to-end runs can mix formats.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

from . import baseline_text

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
LAYOUT_WEIGHTS = {"with_metadata": 3, "title_abstract": 1, "glued": 1}
ENTRIES_RANGE = (30, 120)
REPEAT_RATE = 0.15
URL_RATE = 0.16
COMMENT_RATE = 0.035
RECENT_RATE = 0.04  # papers published within two months of the capture (often yearless)
HARD_BREAK_RATE = 0.01  # abstracts with hard line breaks (non-glued layouts only)
TIMELINE_START = dt.date(2020, 1, 1)
DUMPS_PER_DAY = 4
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

HEADERS = {
    "with_metadata": "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "Daily Papers\n\nbyAK and the research community\n\n{selector}\n\n",
    "title_abstract": "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\n{selector}\n\n",
    "glued": "Get trending papers in your email inbox once a day!\n"
    "Get trending papers in your email inbox!\nSubscribe",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_GITHUB = re.compile(r"(https?://github\.com/)([A-Za-z0-9-]+)/([A-Za-z0-9_.-]*[A-Za-z0-9_-])")
_NOT_WORD = re.compile(r"[\W_]+")


def _plain_line(line: str) -> bool:
    """A line the parser reads as text: not blank, metadata, a date or a header phrase."""
    return (
        line.strip() not in ("", "·")
        and line.strip() not in baseline_text.HEADER_PHRASES
        and not baseline_text.DATE_LINE.match(line.strip())
        and not baseline_text.AUTHORS_LINE.match(line.strip())
    )


def title_key(title: str) -> str:
    """The normalised title paper identity is derived from (as orchestration.ingest.identity)."""
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", title).casefold()).strip()


@dataclass
class Vocabulary:
    titles: list[list[str]]  # words of every distinct seed title
    first_sentences: list[str]
    other_sentences: list[str]
    sentence_counts: list[int]  # sentences per seed abstract (URL sentences excluded)
    url_sentences: list[str]
    github_owners: list[str]
    github_repos: list[str]
    authors_counts: list[int]


def load_vocabulary(seeds_dir: Path = SEEDS_DIR) -> Vocabulary:
    """Titles, abstract sentences, URL sentences and author counts of the seed dumps."""
    papers: dict[str, baseline_text.Entry] = {}
    authors: list[int] = []
    for parsed in baseline_text.parse_folder(seeds_dir).values():
        if parsed is None:
            continue
        for entry in parsed[1]:
            if entry.abstract:
                papers.setdefault(title_key(entry.title), entry)
            if entry.authors_count is not None:
                authors.append(entry.authors_count)
    if not papers:
        raise ValueError(f"no papers found in {seeds_dir}")
    first, other, counts, urls = [], [], [], []
    owners, repos = set(), set()
    for entry in papers.values():
        sentences = _SENTENCE_END.split(entry.abstract)
        plain = [s for s in sentences if "http" not in s.lower()]
        urls += [s for s in sentences if "http" in s.lower()]
        if plain:
            first.append(plain[0])
            other += plain[1:]
            counts.append(len(plain))
        for m in _GITHUB.finditer(entry.abstract):
            owners.add(m.group(2))
            repos.add(m.group(3).removesuffix(".git"))
    return Vocabulary(
        titles=[e.title.split() for e in papers.values() if len(e.title.split()) >= 2],
        first_sentences=first,
        other_sentences=other or first,
        sentence_counts=counts,
        url_sentences=urls,
        github_owners=sorted(owners) or ["octocat"],
        github_repos=sorted(repos) or ["hello-world"],
        authors_counts=authors or [3],
    )


@dataclass
class Paper:
    title: str
    first: int  # index into first_sentences
    others: tuple[int, ...]  # indices into other_sentences
    url_sentence: str | None
    authors_count: int
    published_on: dt.date
    comments_count: int

    def abstract(self, vocab: Vocabulary) -> str:
        parts = [vocab.first_sentences[self.first]]
        parts += [vocab.other_sentences[i] for i in self.others]
        if self.url_sentence:
            parts.append(self.url_sentence)
        return " ".join(parts)


@dataclass
class GeneratedCorpus:
    """What generate() wrote, and the figures a parser must find in it."""

    files: list[Path]
    entries: int
    distinct_papers: int
    bytes: int
    recurring_papers: int = 0  # papers in more than one dump
    repeat_entries: int = 0  # entries of a paper already seen in an earlier dump
    layouts: dict[str, int] = field(default_factory=dict)
    sidecars: int = 0

    def summary(self) -> dict:
        return {
            "files": len(self.files),
            "entries": self.entries,
            "distinct_papers": self.distinct_papers,
            "recurring_papers": self.recurring_papers,
            "repeat_entries": self.repeat_entries,
            "bytes": self.bytes,
            "megabytes": round(self.bytes / 1e6, 2),
            "layouts": self.layouts,
            "sidecars": self.sidecars,
        }


class _Generator:
    def __init__(self, vocab: Vocabulary, seed: int):
        self.vocab = vocab
        self.rng = Random(seed)
        self.papers: list[Paper] = []
        self.appearances: list[int] = []
        self.keys: set[str] = set()

    def _title(self) -> str:
        rng, titles = self.rng, self.vocab.titles
        for attempt in range(1000):
            a, b = rng.choice(titles), rng.choice(titles)
            words = a[: rng.randint(1, len(a) - 1)] + b[rng.randint(1, len(b) - 1) :]
            if attempt > 20:  # a crowded corpus: add a third fragment
                c = rng.choice(titles)
                words += c[rng.randint(1, len(c) - 1) :]
            title = " ".join(words)
            key = title_key(title)
            if (
                key
                and key not in self.keys
                and not baseline_text.GLUED_HEADER.match(title)
                and not baseline_text.DATE_LINE.match(title)
                and not baseline_text.AUTHORS_LINE.match(title)
                and title not in baseline_text.HEADER_PHRASES
            ):
                self.keys.add(key)
                return title
        raise RuntimeError("could not make a new distinct title")

    def _url_sentence(self) -> str:
        rng, v = self.rng, self.vocab
        template = rng.choice(v.url_sentences)
        return _GITHUB.sub(
            lambda m: f"{m.group(1)}{rng.choice(v.github_owners)}/{rng.choice(v.github_repos)}",
            template,
        )

    def new_paper(self, captured_on: dt.date) -> int:
        rng, v = self.rng, self.vocab
        title = self._title()
        count = rng.choice(v.sentence_counts)
        first = rng.randrange(len(v.first_sentences))
        others = tuple(rng.randrange(len(v.other_sentences)) for _ in range(count - 1))
        url = self._url_sentence() if v.url_sentences and rng.random() < URL_RATE else None
        lag = rng.randint(0, 60) if rng.random() < RECENT_RATE else rng.randint(61, 2900)
        comments = rng.randint(1, 20) if rng.random() < COMMENT_RATE else 0
        self.papers.append(
            Paper(
                title=title,
                first=first,
                others=others,
                url_sentence=url,
                authors_count=rng.choice(v.authors_counts),
                published_on=captured_on - dt.timedelta(days=lag),
                comments_count=comments,
            )
        )
        self.appearances.append(0)
        return len(self.papers) - 1

    def dump(self, index: int) -> tuple[str, str, dt.date, list[int], int]:
        """(layout, text, captured_on, paper indices, repeat entries) of dump number `index`."""
        rng = self.rng
        layout = rng.choices(list(LAYOUT_WEIGHTS), weights=list(LAYOUT_WEIGHTS.values()))[0]
        captured_on = TIMELINE_START + dt.timedelta(days=index // DUMPS_PER_DAY)
        n = rng.randint(*ENTRIES_RANGE)
        earlier = len(self.papers)  # repeats come from papers of earlier dumps only
        chosen: list[int] = []
        in_dump: set[int] = set()
        repeats = 0
        for _ in range(n):
            k = None
            if earlier and rng.random() < REPEAT_RATE:
                for _ in range(5):
                    candidate = rng.randrange(earlier)
                    if candidate not in in_dump:
                        k = candidate
                        repeats += 1
                        break
            if k is None:
                k = self.new_paper(captured_on)
            in_dump.add(k)
            chosen.append(k)
        for k in chosen:
            self.appearances[k] += 1
        return layout, self._render(layout, captured_on, chosen), captured_on, chosen, repeats

    def _render(self, layout: str, captured_on: dt.date, chosen: list[int]) -> str:
        rng, v = self.rng, self.vocab
        selector = f"{MONTH_NAMES[captured_on.month - 1]} {captured_on.day}"
        header = HEADERS[layout].format(selector=selector)
        if layout == "glued":
            lines = []
            for k in chosen:
                p = self.papers[k]
                lines += [p.title, p.abstract(v)]
            return header + "\n".join(lines) + "\n"
        blocks = []
        for k in chosen:
            p = self.papers[k]
            abstract = p.abstract(v)
            if rng.random() < HARD_BREAK_RATE:  # an old arXiv abstract with hard line breaks
                words = abstract.split(" ")
                cut = sorted(rng.sample(range(1, len(words)), k=min(2, len(words) - 1)))
                lines = [
                    " ".join(words[a:b]) for a, b in zip([0, *cut], [*cut, len(words)], strict=True)
                ]
                if all(_plain_line(line) for line in lines):
                    abstract = "\n".join(lines)
            if layout == "title_abstract":
                blocks.append(f"{p.title}\n\n{abstract}")
                continue
            date = p.published_on
            printed = f"{MONTH_NAMES[date.month - 1]} {date.day}"
            if date.year != captured_on.year:
                printed += f", {date.year}"
            if p.comments_count:
                printed += f" {p.comments_count}"
            blocks.append(f"{p.title}\n\n{abstract}\n\n  • {p.authors_count} authors\n·\n{printed}")
        return header + "\n\n".join(blocks)


def generate(
    out_dir: Path | str,
    dumps: int,
    seed: int = 0,
    *,
    first: int = 0,
    vocabulary: Vocabulary | None = None,
) -> GeneratedCorpus:
    """Write `dumps` dumps (bench_000000.txt ...) and their sidecars into out_dir.

    With `first`, only dumps numbered first.. are written (the earlier ones are still
    generated, so the written ones are the same as in a full run); the counts in the result
    describe the whole corpus of `dumps` dumps, `files` and `bytes` what was written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = _Generator(vocabulary or load_vocabulary(), seed)
    files: list[Path] = []
    total_bytes = entries = repeats = sidecars = 0
    layouts: Counter[str] = Counter()
    for i in range(dumps):
        layout, text, captured_on, chosen, n_repeats = gen.dump(i)
        entries += len(chosen)
        repeats += n_repeats
        layouts[layout] += 1
        if i < first:
            continue
        path = out / f"bench_{i:06d}.txt"
        data = text.encode("utf-8")
        path.write_bytes(data)
        total_bytes += len(data)
        files.append(path)
        sidecar = path.with_name(path.name + ".meta.json")
        if layout != "glued":  # only dumps with a date selector have a capture year
            sidecar.write_text(json.dumps({"capture_year": captured_on.year}) + "\n")
            sidecars += 1
        elif sidecar.exists():
            sidecar.unlink()
    return GeneratedCorpus(
        files=files,
        entries=entries,
        distinct_papers=len(gen.papers),
        bytes=total_bytes,
        recurring_papers=sum(1 for a in gen.appearances if a > 1),
        repeat_entries=repeats,
        layouts=dict(sorted(layouts.items())),
        sidecars=sidecars,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--dumps", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first", type=int, default=0, help="write only dumps numbered FIRST..")
    args = parser.parse_args(argv)
    corpus = generate(args.out_dir, args.dumps, args.seed, first=args.first)
    json.dump({"out_dir": str(args.out_dir), **corpus.summary()}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The report's sections, each from its query and its chart or table, in page order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from . import charts, queries
from .page import MISSING, Section, figures, link, missing, number, placeholder, table, text
from .queries import Catalog, iso


@dataclass(frozen=True)
class Snapshot:
    """What every section reads: a read-only connection, its catalog, when it was published."""

    con: duckdb.DuckDBPyConnection
    cat: Catalog
    published_at: dt.datetime


SectionMaker = Callable[[Snapshot], Section]


def date_span(rows: list[dict]) -> str:
    bounds = queries.span(rows)
    return f"{iso(bounds[0])} to {iso(bounds[1])}" if bounds else "no dated rows"


def chart(figure, key: str) -> str:
    return charts.figure_html(figure, f"{key}-chart")


def papers_per_week(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "papers-per-week", "Papers listed per week, by topic"
    rows = queries.papers_per_week(con, cat)
    when = "list date" if cat.has("marts.papers", "first_listed_on") else "capture date"
    note = (
        f"The {queries.WEEKS} weeks up to the latest listing, by each paper's first {when} (its "
        f"capture date when it has no list date). A paper is counted once, under its topic "
        f"with the most papers; the {queries.TOP_TOPICS} most frequent shown, '{queries.OTHER}'"
        " holds the other topics and papers matching none."
    )
    body = (
        chart(charts.papers_per_week(rows), key)
        if rows
        else placeholder("empty", "no dated papers")
    )
    return Section(key, title, date_span(rows), body, note, wide=True, status=_status(rows))


def code_share(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "code-share", "Share of papers with code, per month"
    rows = queries.code_share(con, cat)
    note = (
        "Papers with a link to a code repository (from the abstract or the page), by month listed."
    )
    body = chart(charts.code_share(rows), key) if rows else placeholder("empty", "no dated papers")
    return Section(key, title, date_span(rows), body, note, status=_status(rows))


def top_repositories(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "top-repositories", "Most linked code repositories, with their stars"
    rows = queries.top_repositories(con, cat)
    note = (
        "Repositories linked by the most papers. Stars are those Hugging Face shows for the "
        "repository a paper's page names (— when only abstracts link it)."
    )
    cells = [
        [link(r["url"], r["repository"]), number(r["papers"]), number(r["stars"])] for r in rows
    ]
    body = (
        table(["repository", "papers", "GitHub stars"], cells, numeric={1, 2})
        if rows
        else placeholder("empty", "no code repositories linked")
    )
    return Section(key, title, date_span(rows), body, note, status=_status(rows))


def top_organizations(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "top-organizations", "Top organisations by papers and by upvotes"
    needed = cat.missing(
        "marts.organizations", *queries.ORGANIZATION_COLUMNS, *queries.ORGANIZATION_SPAN
    )
    if needed:
        return Section(key, title, "no data", missing(needed), status="missing")
    by_papers = queries.top_organizations(con, "papers")
    by_upvotes = queries.top_organizations(con, "upvotes")
    note = (
        f"The {queries.TOP_ORGANIZATIONS} organisations (by Hugging Face handle) credited with "
        "the most papers, and with the most upvotes (each paper's latest count, summed)."
    )
    halves = []
    for by, rows in (("papers", by_papers), ("upvotes", by_upvotes)):
        inner = (
            chart(charts.top_organizations(rows, by), f"{key}-{by}")
            if rows
            else placeholder("empty", f"no organisation has {by}")
        )
        halves.append(f"<div><h3>by {by}</h3>{inner}</div>")
    body = f'<div class="pair">{"".join(halves)}</div>'
    rows = by_papers + by_upvotes
    return Section(key, title, date_span(rows), body, note, wide=True, status=_status(rows))


def organizations_by_month(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key = "organizations-by-month"
    title = f"Top organisations over the last {queries.ORGANIZATION_MONTHS} months"
    needed = cat.missing(
        "marts.papers", "organization_handle", "organization", "first_listed_on", "upvotes"
    )
    if needed:
        return Section(key, title, "no data", missing(needed), status="missing")
    rows = queries.organizations_by_month(con)
    note = (
        f"Papers first listed each month, and their latest upvotes, for the "
        f"{queries.ORGANIZATIONS_PER_MONTH} organisations with the most papers in those months."
    )
    body = (
        chart(charts.organizations_by_month(rows), key)
        if rows
        else placeholder("empty", "no paper with an organisation and a list date")
    )
    return Section(key, title, date_span(rows), body, note, wide=True, status=_status(rows))


def upvote_trajectories(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "upvote-trajectories", "Upvotes across captures of the most upvoted papers"
    needed = cat.missing("marts.paper_appearances", "paper_id", "captured_on", "upvotes")
    if needed:
        return Section(key, title, "no data", missing(needed), status="missing")
    rows = queries.upvote_trajectories(con, cat)
    several = len({r["paper_id"] for r in rows if r["captures"] > 1})
    papers = len({r["paper_id"] for r in rows})
    note = (
        f"Each paper's upvotes at every capture that shows them, the history only this "
        f"warehouse keeps. {papers} papers: the most upvoted of those seen in more than one "
        f"capture ({several}), then the most upvoted seen once, as single points."
    )
    body = (
        chart(charts.upvote_trajectories(rows), key)
        if rows
        else placeholder("empty", "no capture shows upvotes")
    )
    return Section(key, title, date_span(rows), body, note, wide=True, status=_status(rows))


def latest_listed(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "latest-list", "The latest listed papers, newest first"
    rows = queries.latest_listed(con, cat)
    note = (
        f"The {queries.LATEST_LISTED} most recently listed papers (list date, else capture "
        "date); upvotes and comments as last observed."
    )
    if not cat.has("marts.papers", "organization"):
        note += f" Organisation: {MISSING} (needs marts.papers.organization)."
    cells = [
        [
            text(r["title"]),
            text(r["organization"]),
            number(r["upvotes"]),
            number(r["comments_count"]),
            link(r["code_url"], "code") if r["code_url"] else "—",
            f'<span class="date">{iso(r["first_on"])}</span>',
        ]
        for r in rows
    ]
    headers = ["title", "organisation", "upvotes", "comments", "code", "listed"]
    body = (
        table(headers, cells, numeric={2, 3}) if rows else placeholder("empty", "no dated papers")
    )
    return Section(key, title, date_span(rows), body, note, wide=True, status=_status(rows))


def health(snap: Snapshot) -> Section:
    con, cat = snap.con, snap.cat
    key, title = "health", "The data's health: dumps and entries set aside"
    dumps = queries.dump_health(con)
    reasons = queries.rejects_by_reason(con)
    aside = queries.dumps_set_aside(con, cat)
    note = (
        f"{number(dumps['loaded'])} dumps loaded, {number(dumps['quarantined'])} quarantined "
        f"(failed an expectation), {number(dumps['rejected'])} rejected whole; "
        f"{number(dumps['entries_parsed'])} entries parsed = {number(dumps['entries_loaded'])} "
        f"loaded + {number(dumps['entries_rejected'])} rejected. Dates are capture dates."
    )
    rejects = (
        chart(charts.rejects_by_reason(reasons), key)
        if reasons
        else placeholder("empty", "no entry was rejected")
    )
    files = (
        table(
            ["file", "status", "reason"],
            [[text(r["file_name"]), text(r["status"]), text(r["reason"])] for r in aside],
            numeric=set(),
        )
        if aside
        else placeholder("empty", "every dump was loaded")
    )
    validation = queries.latest_validation(con)
    cards = figures(
        [
            ("last run (snapshot published, UTC)", f"{snap.published_at:%Y-%m-%d %H:%M}"),
            ("last dump landed", _when(dumps["last_loaded_at"])),
            ("dumps loaded", number(dumps["loaded"])),
            ("quarantined", number(dumps["quarantined"])),
            ("rejected whole", number(dumps["rejected"])),
            ("entries rejected", number(dumps["entries_rejected"])),
            (
                "expectations of the last validation",
                f"{number(validation['passed'])} passed, {number(validation['failed'])} failed",
            ),
        ]
    )
    body = (
        f'{cards}<div class="pair"><div><h3>entries rejected, by reason</h3>{rejects}</div>'
        f"<div><h3>dumps set aside</h3>{files}</div></div>"
    )
    return Section(key, title, date_span([dumps]), body, note, wide=True)


def _when(moment: dt.datetime | None) -> str:
    return "—" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def _status(rows: list) -> str:
    return "rendered" if rows else "empty"


SECTIONS: tuple[SectionMaker, ...] = (
    papers_per_week,
    code_share,
    top_repositories,
    top_organizations,
    organizations_by_month,
    upvote_trajectories,
    latest_listed,
    health,
)

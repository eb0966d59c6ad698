"""Each figure of the report, computed with SQL on the published snapshot (read-only).

The marts grow over time (organisations and list dates came late): every query that needs a
column asks the catalog first, so that one report module reads warehouses from before and
after. A query returns rows as dicts; the page decides how to show them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

TOP_TOPICS = 8
WEEKS = 52  # papers per week: the last year of weeks that have papers
TOP_REPOSITORIES = 15
TOP_ORGANIZATIONS = 10
ORGANIZATION_MONTHS = 6
ORGANIZATIONS_PER_MONTH = 8
TRAJECTORIES = 10
LATEST_LISTED = 30
OTHER = "other"


@dataclass(frozen=True)
class Catalog:
    """The columns of every table of the snapshot, from information_schema."""

    columns: dict[str, frozenset[str]]

    def missing(self, table: str, *columns: str) -> list[str]:
        """`table.column` for each of `columns` the snapshot lacks; `[table]` when the table
        itself is missing."""
        if table not in self.columns:
            return [table]
        return [f"{table}.{c}" for c in columns if c not in self.columns[table]]

    def has(self, table: str, *columns: str) -> bool:
        return not self.missing(table, *columns)

    def listed_on(self, alias: str = "") -> str:
        """When a paper was listed: its list date when the marts have one, else its capture."""
        prefix = f"{alias}." if alias else ""
        if self.has("marts.papers", "first_listed_on"):
            return f"coalesce({prefix}first_listed_on, {prefix}first_captured_on)"
        return f"{prefix}first_captured_on"


def read_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    rows = con.execute(
        """select table_schema || '.' || table_name, list(column_name)
           from information_schema.columns
           where table_schema in ('marts', 'audit', 'reference')
           group by all"""
    ).fetchall()
    return Catalog({table: frozenset(columns) for table, columns in rows})


def records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """Rows as dicts. The queries take no parameters: their only variables are this module's
    integer constants, written into the SQL (binding any parameter makes DuckDB's client
    import pandas, a fifth of a second)."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def span(rows: list[dict], first: str = "first_on", last: str = "last_on") -> tuple | None:
    """(earliest, latest) date over rows that carry per-group bounds, or None without rows."""
    firsts = [r[first] for r in rows if r.get(first) is not None]
    lasts = [r[last] for r in rows if r.get(last) is not None]
    return (min(firsts), max(lasts)) if firsts and lasts else None


def overview(con: duckdb.DuckDBPyConnection, cat: Catalog) -> dict:
    listed = cat.listed_on()
    return records(
        con,
        f"""select count(*) as papers, count(*) filter (where has_code) as with_code,
                   count(*) filter (where {listed} is null) as undated,
                   min({listed}) as first_on, max({listed}) as last_on
            from marts.papers""",
    )[0]


def papers_per_week(con: duckdb.DuckDBPyConnection, cat: Catalog) -> list[dict]:
    """Papers listed per week over the last WEEKS weeks, each paper counted once under its
    topic with the most papers overall (a paper can have several), the TOP_TOPICS most
    frequent of those by name, every other topic and papers without one as OTHER."""
    listed = cat.listed_on()
    return records(
        con,
        f"""with dated as (
                select paper_id, {listed} as listed_on,
                       date_trunc('week', {listed})::date as week
                from marts.papers where {listed} is not null
            ),
            recent as (
                select * from dated where week > (select max(week) from dated) - to_weeks({WEEKS:d})
            ),
            main_topic as (
                select pt.paper_id, first(pt.topic order by t.papers desc, pt.topic) as topic
                from marts.paper_topics pt join marts.topics t using (topic)
                where pt.paper_id in (select paper_id from recent)
                group by pt.paper_id
            ),
            labelled as (
                select r.week, r.listed_on, m.topic
                from recent r left join main_topic m using (paper_id)
            ),
            top_topics as (
                select topic from labelled where topic is not null
                group by topic order by count(*) desc, topic limit {TOP_TOPICS:d}
            )
            select week,
                   case when topic in (select topic from top_topics) then topic else '{OTHER}' end
                       as topic,
                   count(*) as papers, min(listed_on) as first_on, max(listed_on) as last_on
            from labelled group by all order by week, topic""",
    )


def code_share(con: duckdb.DuckDBPyConnection, cat: Catalog) -> list[dict]:
    """Per month of listing: papers, and those with a link to a code repository."""
    listed = cat.listed_on()
    return records(
        con,
        f"""select date_trunc('month', {listed})::date as month, count(*) as papers,
                   count(*) filter (where has_code) as with_code,
                   min({listed}) as first_on, max({listed}) as last_on
            from marts.papers where {listed} is not null group by all order by month""",
    )


def top_repositories(con: duckdb.DuckDBPyConnection, cat: Catalog) -> list[dict]:
    """Code repositories linked by the most papers. Stars are the GitHub stars Hugging Face
    shows for the repository a paper's page names, so only page links carry them."""
    listed = cat.listed_on("p")
    return records(
        con,
        f"""select first(l.owner || '/' || l.name order by l.url) as repository,
                   first(l.url order by l.url) as url,
                   count(distinct l.paper_id) as papers,
                   max(p.github_stars) filter (where l.link_source <> 'abstract') as stars,
                   min({listed}) as first_on, max({listed}) as last_on
            from marts.repo_links l join marts.papers p using (paper_id)
            where l.link_kind = 'code_repository' and l.owner is not null and l.name is not null
            group by lower(l.host), lower(l.owner), lower(l.name)
            order by papers desc, stars desc nulls last, repository limit {TOP_REPOSITORIES:d}""",
    )


ORGANIZATION_COLUMNS = ("organization_handle", "organization", "papers", "upvotes")
ORGANIZATION_SPAN = ("first_listed_on", "last_listed_on")


def top_organizations(con: duckdb.DuckDBPyConnection, by: str) -> list[dict]:
    """The TOP_ORGANIZATIONS organisations by `by` ('papers' or 'upvotes')."""
    other = {"papers": "upvotes", "upvotes": "papers"}[by]
    return records(
        con,
        f"""select organization, organization_handle, papers, upvotes,
                   first_listed_on as first_on, last_listed_on as last_on
            from marts.organizations where {by} is not null
            order by {by} desc, {other} desc nulls last, organization_handle
            limit {TOP_ORGANIZATIONS:d}""",
    )


def organizations_by_month(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Papers first listed per month, and their latest upvotes, for the organisations with
    the most papers over the last ORGANIZATION_MONTHS months that have any."""
    return records(
        con,
        f"""with listed as (
               select organization_handle as handle, organization, upvotes, first_listed_on,
                      date_trunc('month', first_listed_on)::date as month
               from marts.papers
               where organization_handle is not null and first_listed_on is not null
           ),
           recent as (
               select * from listed
               where month > (select max(month) from listed) - to_months({ORGANIZATION_MONTHS:d})
           ),
           top_handles as (
               select handle, first(organization order by first_listed_on desc) as organization
               from recent group by handle
               order by count(*) desc, sum(upvotes) desc nulls last, handle
               limit {ORGANIZATIONS_PER_MONTH:d}
           )
           select coalesce(t.organization, t.handle) as organization, t.handle, r.month,
                  count(*) as papers, coalesce(sum(r.upvotes), 0) as upvotes,
                  min(r.first_listed_on) as first_on, max(r.first_listed_on) as last_on
           from recent r join top_handles t using (handle)
           group by all order by r.month, organization""",
    )


def upvote_trajectories(con: duckdb.DuckDBPyConnection, cat: Catalog) -> list[dict]:
    """Upvotes at each capture of the TRAJECTORIES most upvoted papers, those seen in more
    than one capture first (a single capture has no trajectory), one point per day."""
    seen = "a.captured_on"
    if cat.has("marts.paper_appearances", "listed_on"):
        seen = "coalesce(a.captured_on, a.listed_on)"
    return records(
        con,
        f"""with observed as (
                select a.paper_id, {seen} as seen_on, a.upvotes
                from marts.paper_appearances a
                where a.upvotes is not null and {seen} is not null
            ),
            top_papers as (
                select paper_id, max(upvotes) as peak, count(distinct seen_on) as captures
                from observed group by paper_id
                order by captures > 1 desc, peak desc, paper_id limit {TRAJECTORIES:d}
            )
            select t.paper_id, p.title, t.peak, t.captures, o.seen_on,
                   max(o.upvotes) as upvotes, o.seen_on as first_on, o.seen_on as last_on
            from observed o join top_papers t using (paper_id) join marts.papers p using (paper_id)
            group by t.paper_id, p.title, t.peak, t.captures, o.seen_on
            order by t.captures > 1 desc, t.peak desc, t.paper_id, o.seen_on""",
    )


def latest_listed(con: duckdb.DuckDBPyConnection, cat: Catalog) -> list[dict]:
    """The LATEST_LISTED most recently listed papers, newest first, with the code repository
    their page names (else the first in their abstract)."""
    listed = cat.listed_on("p")
    organization = "p.organization" if cat.has("marts.papers", "organization") else "null"
    return records(
        con,
        f"""with code as (
                select paper_id, first(url order by link_source = 'abstract', url) as code_url
                from marts.repo_links where link_kind = 'code_repository' group by paper_id
            )
            select p.title, {organization} as organization, p.upvotes, p.comments_count,
                   c.code_url, {listed} as first_on, {listed} as last_on
            from marts.papers p left join code c using (paper_id)
            where {listed} is not null
            order by first_on desc, p.upvotes desc nulls last, p.title limit {LATEST_LISTED:d}""",
    )


def dump_health(con: duckdb.DuckDBPyConnection) -> dict:
    """Dumps by status, entries parsed, loaded and rejected, and when dumps were last landed."""
    return records(
        con,
        """select count(*) filter (where status = 'loaded') as loaded,
                  count(*) filter (where status = 'quarantined') as quarantined,
                  count(*) filter (where status = 'rejected') as rejected,
                  coalesce(sum(entries_parsed), 0) as entries_parsed,
                  coalesce(sum(entries_loaded), 0) as entries_loaded,
                  coalesce(sum(entries_rejected), 0) as entries_rejected,
                  min(captured_on) as first_on, max(captured_on) as last_on,
                  max(loaded_at) as last_loaded_at
           from audit.dumps""",
    )[0]


def rejects_by_reason(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Entries rejected, by the kind of reason (the text before its first colon: the rest
    names a position or a detail). Whole files rejected have no position and are counted
    with the dumps."""
    return records(
        con,
        """select split_part(reason, ':', 1) as reason, count(*) as entries
           from audit.rejects where position is not null
           group by all order by entries desc, reason""",
    )


def dumps_set_aside(con: duckdb.DuckDBPyConnection, cat: Catalog, limit: int = 20) -> list[dict]:
    """Files rejected whole or quarantined, with why."""
    why = "reject_reason"
    if cat.has("audit.dumps", "quarantine_reasons"):
        why = "coalesce(reject_reason, quarantine_reasons)"
    return records(
        con,
        f"""select file_name, status, {why} as reason from audit.dumps
            where status <> 'loaded' order by status, file_name limit {int(limit):d}""",
    )


def latest_validation(con: duckdb.DuckDBPyConnection) -> dict:
    return records(
        con,
        """select max(validated_at) as validated_at, count(distinct dump_id) as dumps,
                  count(*) filter (where success) as passed,
                  count(*) filter (where not success) as failed
           from audit.validation_results
           where run_id = (select arg_max(run_id, validated_at) from audit.validation_results)""",
    )[0]


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "—"

"""A small published snapshot made with SQL, for the report's tests: every chart has data, and
the scraped text is hostile (a title with <script>, an organisation with an onerror image, a
javascript: code link). `before_organizations` drops what the marts gained with organisations
and list dates, as a warehouse from before them."""

from __future__ import annotations

from pathlib import Path

import duckdb

HOSTILE_TITLE = '<script>window.__pwned = 1</script> Attention & "quotes" </section>'
HOSTILE_ORGANIZATION = "<img src=x onerror=window.__pwned=2>"
HOSTILE_URL = "javascript:window.__pwned=3"
PAPERS = 120
# Listed recently, in three captures, the most upvoted: in the table, the legends, the charts.
HOSTILE_PAPER = 113

SCHEMA = f"""
create schema marts; create schema audit; create schema reference;
create table marts.papers as
select printf('p%03d', i) as paper_id,
       case when i = {HOSTILE_PAPER} then '{HOSTILE_TITLE.replace("'", "''")}'
            else 'Paper number ' || i end as title,
       'Abstract ' || i as abstract, 3 as authors_count,
       date '2026-01-01' + (i // 2)::int as published_on, (i % 4)::int as comments_count,
       date '2026-01-05' + i::int as first_captured_on,
       date '2026-01-05' + i::int as last_captured_on,
       1 + (i % 3)::int as appearances, i % 3 = 0 as has_code,
       printf('2601.%05d', i) as arxiv_id,
       case when i = {HOSTILE_PAPER} then 99 else i * 7 % 50 end::int as upvotes,
       case when i % 3 = 0 then (i * 10)::int end as github_stars,
       case when i % 10 in (1, 2, 3) then '{HOSTILE_ORGANIZATION}'
            when i % 10 in (4, 5) then 'Lab Two' when i % 10 = 6 then 'Lab Three' end
           as organization,
       case when i % 10 in (1, 2, 3) then 'hostile' when i % 10 in (4, 5) then 'lab2'
            when i % 10 = 6 then 'lab3' end as organization_handle,
       'user' || (i % 9) as submitted_by,
       case when i % 10 <> 9 then date '2026-01-04' + i::int end as first_listed_on,
       'summary' as ai_summary, ['kw'] as ai_keywords
from range({PAPERS}) t(i);

create table marts.paper_appearances as
select printf('d%03d', (cast(substr(p.paper_id, 2) as int) + 7 * k) % 40) as dump_id, p.paper_id,
       (k + 1)::int as position, p.first_captured_on + (7 * k)::int as captured_on,
       'json' as source_format, p.first_listed_on as listed_on,
       (p.upvotes + 5 * k)::int as upvotes, p.comments_count, (k + 1)::int as daily_rank
from marts.papers p, range(3) r(k)
where k < p.appearances;

create table marts.organizations as
select organization_handle, max(organization) as organization, count(*)::int as papers,
       count(*) filter (where has_code)::int as papers_with_code, sum(upvotes)::int as upvotes,
       min(first_listed_on) as first_listed_on, max(first_listed_on) as last_listed_on
from marts.papers where organization_handle is not null group by 1;

create table marts.repo_links as
select paper_id,
       case when cast(substr(paper_id, 2) as int) = 3 then '{HOSTILE_URL}'
            else 'https://github.com/owner' || (cast(substr(paper_id, 2) as int) % 4) || '/repo' end
           as url,
       'github.com' as host, 'owner' || (cast(substr(paper_id, 2) as int) % 4) as owner,
       'repo' as name, 'code_repository' as link_kind, 'page' as link_source
from marts.papers where has_code;

create table marts.topics as
select 'topic_' || t as topic, 'about ' || t as description, 0 as papers, 0 as papers_with_code,
       null::date as first_published_on, null::date as last_published_on
from range(12) r(t);
create table marts.paper_topics as
select paper_id, 'topic_' || (cast(substr(paper_id, 2) as int) % 12) as topic, 'title' as matched_on
from marts.papers where cast(substr(paper_id, 2) as int) % 7 <> 0;
update marts.topics t
set papers = (select count(*) from marts.paper_topics pt where pt.topic = t.topic);

create table audit.dumps as
select printf('d%03d', i) as dump_id, printf('dump %03d.json', i) as file_name,
       case when i = 0 then 'rejected' when i = 1 then 'quarantined' else 'loaded' end as status,
       case when i = 0 then 'binary data <b>bold</b>' end as reject_reason,
       case when i = 1 then 'entries_suite: expect_column_values_to_not_be_null' end
           as quarantine_reasons,
       date '2026-01-05' + i::int as captured_on, 10 as entries_parsed,
       10 - (i % 4 = 0)::int as entries_loaded, (i % 4 = 0)::int as entries_rejected,
       timestamp '2026-05-01 10:00:00' + to_minutes(i::int) as loaded_at
from range(40) t(i);
create table audit.rejects as
select dump_id, file_name, 3 as position,
       case when i % 8 = 0 then 'duplicate in dump: same title as position 1'
            else 'incomplete entry: a title with no abstract after it' end as reason,
       'raw' as raw_text, loaded_at as rejected_at
from audit.dumps, lateral (select cast(substr(dump_id, 2) as int) as i)
where entries_rejected > 0;
create table audit.validation_results as
select 'run-' || r as run_id, timestamp '2026-05-01 10:00:00' + to_hours(r::int) as validated_at,
       'entries' as suite, 'd002' as dump_id, 'expect_x' as expectation, null as column_name,
       r = 1 or e > 0 as success, 0 as unexpected_count, null as details
from range(2) a(r), range(5) b(e);
create table reference.topic_taxonomy as
select topic, description, 'x' as pattern from marts.topics;
"""

BEFORE_ORGANIZATIONS = """
drop table marts.organizations;
alter table marts.papers drop column organization;
alter table marts.papers drop column organization_handle;
alter table marts.papers drop column submitted_by;
alter table marts.papers drop column first_listed_on;
alter table marts.papers drop column ai_summary;
alter table marts.papers drop column ai_keywords;
alter table marts.paper_appearances drop column listed_on;
alter table marts.paper_appearances drop column daily_rank;
"""


def make_warehouse(path: Path, before_organizations: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(SCHEMA)
        if before_organizations:
            con.execute(BEFORE_ORGANIZATIONS)
    return path

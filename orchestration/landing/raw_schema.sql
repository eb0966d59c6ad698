-- The raw schema: what the parsers land, one row per fact as read, nothing merged.
-- dbt's sources (dbt_project/models/staging/_sources.yml) describe every column.
create schema if not exists raw;

-- Load audit: one row per dump file seen, loaded or rejected whole.
create table if not exists raw.dumps (
    dump_id            varchar primary key, -- stable, from the file name (see ingest/discovery.py)
    file_name          varchar not null,    -- path relative to the dumps folder
    sha256             varchar not null,    -- of the file's bytes
    size_bytes         bigint not null,
    modified_at        timestamp,           -- file modification time, UTC
    status             varchar not null,    -- 'loaded', 'rejected' (whole file, by the parser)
                                            -- or 'quarantined' (set aside by validation)
    reject_reason      varchar,             -- why the whole file was rejected
    quarantine_reasons varchar,             -- JSON: the expectations a quarantined dump failed
    source_format      varchar,             -- 'text' | 'html' | 'json'
    layout             varchar,             -- text: 'with_metadata' | 'title_abstract' | 'glued';
                                            -- else the kind: 'html_list' | 'html_paper' | 'api_json'
    page_type          varchar,             -- html/json: daily, week, month, trending, search, paper, api_*
    data_source        varchar,             -- html/json: 'embedded_json' | 'markup' | 'api'
    date_selector      varchar,             -- text: the page's date selector as printed, e.g. 'Jun 1'
    list_date          date,                -- html/json: the list's date, when the page has one
    list_date_rule     varchar,             -- which rule decided list_date (ingest/api_json.py):
                                            -- sidecar_listed_on | submitted_on_daily_at |
                                            -- file_name_date | items_published_at | page_date
    search_query       varchar,             -- the `q` of a search page
    capture_year       integer,             -- year of the capture (sidecar, override or inferred)
    captured_on        date,                -- text: date selector + capture_year; pages: list date
    capture_rule       varchar,             -- which rule decided captured_on (auditable)
    max_printed_year   integer,             -- text: latest year printed in the dump's paper dates
    problems           varchar,             -- html/json: what the parser noticed (broken JSON, ...)
    entries_parsed     integer not null,
    entries_loaded     integer not null,
    entries_rejected   integer not null,
    parser_version     varchar not null,
    loaded_at          timestamp not null
);

-- One row per entry (paper card) loaded from a dump.
create table if not exists raw.entries (
    dump_id             varchar not null,
    position            integer not null,   -- 1-based position of the entry in the dump
    paper_id            varchar not null,   -- from the normalised title (see ingest/identity.py)
    title_key           varchar not null,   -- the normalised title the id is derived from
    title               varchar not null,
    abstract            varchar,            -- null on compact HTML cards
    arxiv_id            varchar,            -- e.g. '2504.18072' or 'hep-th/9901001' (no version)
    authors_count       integer,            -- '• N authors', or the number of names; null when not shown
    author_names        varchar[],          -- ordered; empty when the source names nobody
    organisation        varchar,            -- display name (an HF organisation's `fullname`)
    organisation_handle varchar,            -- the organisation's HF handle (`name`), when given
    submitter           varchar,            -- HF username of who submitted it to Daily Papers
    published_on        date,
    published_on_text   varchar,            -- the date as printed or received
    published_year_rule varchar,            -- 'printed' | 'capture_year' | 'year_before_capture'
    listed_on           date,               -- the Daily Papers day it was listed, when known
    comments_count      integer,            -- text: 0 when a date line shows no count; null without metadata
    upvotes             integer,            -- as observed at this capture
    github_repo         varchar,            -- the repository the page names, as given
    github_stars        integer,
    project_page        varchar,
    ai_keywords         varchar[],
    ai_summary          varchar,            -- HF's AI-generated summary (never the abstract)
    daily_rank          integer,            -- rank on its daily list, where a page gives it
    has_metadata        boolean not null    -- the entry carried authors/date facts
    -- Key (dump_id, position): checked by the landing (landing/land.py) and by dbt's tests,
    -- not declared: DuckDB writes a primary key's whole index again at every checkpoint
    -- (1 s of each run at 10,000 dumps, for a handful of new rows).
);

-- Every URL found in an entry's abstract, canonicalised (see ingest/links.py).
create table if not exists raw.entry_links (
    dump_id     varchar not null,
    position    integer not null,
    paper_id    varchar not null,
    link_order  integer not null,           -- 1-based: the abstract's URLs first, then the page's
    url_raw     varchar not null,           -- as found in the text
    url         varchar not null,           -- canonical
    host        varchar not null,
    owner       varchar,
    name        varchar,
    link_kind   varchar not null,           -- code_repository | project_page | package | model_hub | shortener | other
    link_source varchar not null            -- 'abstract' (a URL in the text) | 'page' (the page's own link)
    -- Key (dump_id, position, link_order): checked like raw.entries' key.
);

-- Entries (or whole files, position null) that could not be loaded, with the reason.
create table if not exists raw.rejects (
    dump_id     varchar not null,
    file_name   varchar not null,
    position    integer,
    reason      varchar not null,
    raw_text    varchar,
    rejected_at timestamp not null
);

-- Great Expectations results, one row per expectation per validated dump.
create table if not exists raw.validation_results (
    run_id         varchar not null,
    validated_at   timestamp not null,
    suite          varchar not null,
    dump_id        varchar,
    expectation    varchar not null,
    column_name    varchar,
    success        boolean not null,
    unexpected_count bigint,
    details        varchar
);

-- What the published snapshot was built from (see landing/build_state.py): when nothing
-- landed and no dbt file changed since, a run skips dbt and publishing.
create table if not exists raw.build_state (
    fingerprint  varchar not null,
    published_at timestamp not null
);

-- What dbt last built the marts from, so that the next build recomputes only the papers that
-- new, changed or removed dumps touch (see landing/build_state.py and the model
-- intermediate.int_dump_changes). Written by the pipeline after each successful dbt build.
create table if not exists raw.built_dumps (
    dump_id        varchar primary key,
    sha256         varchar not null,
    parser_version varchar not null,
    loaded_at      timestamp not null
);

-- One row: the state of the last dbt build and of publishing.
create table if not exists raw.dbt_state (
    project_fingerprint varchar not null, -- dbt files and model code the build ran with
    build_status        varchar not null, -- 'building' (started, not finished) | 'built'
    publish_full        boolean not null, -- the next publish must copy everything
    published_file      varchar           -- size:mtime_ns:inode of the file published last
);

-- Papers (canonical ids, before and after) whose mart rows changed since the last publish:
-- publishing copies only their rows into the snapshot.
create table if not exists raw.unpublished_papers (
    paper_id varchar not null
);

"""Find URLs in paper abstracts and canonicalise them for the ``repo_links`` mart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import polars as pl

LINK_KINDS = ("code_repository", "project_page", "package", "model_hub", "shortener", "other")


@dataclass(frozen=True)
class Link:
    """One canonicalised URL and what it points at."""

    url: str  # canonical
    host: str  # lowercase, no 'www.'
    owner: str | None  # display case kept
    name: str | None  # display case kept
    link_kind: str  # one of LINK_KINDS


# One pattern serves both Python `re` (find_urls) and Polars' Rust regex (links_frame), so it
# avoids anything the engines treat differently: case is spelled out instead of (?i), whose
# Unicode folding accepts look-alikes such as 'ſ', and control characters are listed because
# Python's \s also covers \x1c-\x1f. URLs may be glued to preceding text, hence no \b.
_URL_PATTERN = r"[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f<>\"{}|\\^`]+"
_URL_RE = re.compile(_URL_PATTERN)
_PROSE_TAIL = frozenset(".,;:)]'\"!?>*")
_OPENER = {")": "(", "]": "["}
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)+")
_WWW = re.compile(r"^(?:www\.)+")
# Scheme, host and path of a URL whose host ends at a path, query, fragment or the end.
_PLAIN_URL = re.compile(r"([A-Za-z]+)://([A-Za-z0-9._-]+)(?=[/?#]|$)([^?#]*)")
_GIT_SUFFIX = re.compile(r"(?:\.git)+$")

_CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"})
_ANONYMOUS_CODE = "anonymous.4open.science"
_GITHUB_RESERVED = frozenset(
    {"orgs", "topics", "features", "sponsors", "marketplace", "settings", "about", "explore",
     "collections", "trending", "users", "apps", "login", "join", "search", "pricing",
     "enterprise", "site", "security", "events", "readme", "solutions", "resources"}
)  # fmt: skip
_PAGE_SUFFIXES = (".github.io", ".gitlab.io")
# host -> (path prefix naming the package, template for its canonical path)
_PACKAGE_PATHS = {
    "pypi.org": (re.compile(r"/project/(?P<name>[^/]+)"), r"/project/\g<name>"),
    "npmjs.com": (re.compile(r"/package/(?P<name>(?:@[^/]+/)?[^/]+)"), r"/package/\g<name>"),
    "cran.r-project.org": (
        re.compile(r"/(?:package=|web/packages/)(?P<name>[^/]+)"),
        r"/package=\g<name>",
    ),
    "crates.io": (re.compile(r"/crates/(?P<name>[^/]+)"), r"/crates/\g<name>"),
    "anaconda.org": (re.compile(r"/(?P<channel>[^/]+)/(?P<name>[^/]+)"), r"/\g<channel>/\g<name>"),
    "pkg.go.dev": (re.compile(r"/(?P<name>[^/].*)"), r"/\g<name>"),
}
_MODEL_HUBS = frozenset(
    {"huggingface.co", "hf.co", "hf-mirror.com", "hf.mxfile.com", "modelscope.cn"}
)
_HUB_PREFIXES = frozenset({"datasets", "spaces", "models", "studios"})
# Site sections, not owners: huggingface.co/docs/transformers names no model.
_HUB_RESERVED = frozenset(
    {"docs", "blog", "papers", "learn", "tasks", "collections", "api", "chat"}
)
_SHORTENERS = frozenset(
    {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rb.gy", "shorturl.at"}
)

_KEYS = ("dump_id", "position", "paper_id")
_LINK_COLUMNS = ("url_raw", "url", "host", "owner", "name", "link_kind")
_RESOLVED_SCHEMA = pl.Schema({"match": pl.String} | dict.fromkeys(_LINK_COLUMNS, pl.String))
LINKS_SCHEMA = pl.Schema(
    {"dump_id": pl.String, "position": pl.Int32, "paper_id": pl.String, "link_order": pl.Int32}
    | dict.fromkeys(_LINK_COLUMNS, pl.String)
)


def _trim(url: str) -> str:
    """Drop punctuation that prose leaves after a URL, keeping closers balanced inside it."""
    while url and url[-1] in _PROSE_TAIL:
        closer = url[-1]
        # Wikipedia-style `Foo_(bar)` owns its `)`; only an unmatched closer belongs to the prose.
        if closer in _OPENER and url.count(_OPENER[closer]) >= url.count(closer):
            break
        url = url[:-1]
    return url


def find_urls(text: str) -> list[str]:
    """Raw http(s) URLs in `text`, in order, with trailing prose punctuation stripped."""
    return [url for url in map(_trim, _URL_RE.findall(text)) if _URL_RE.fullmatch(url)]


def _code_repository(host: str, segments: list[str], path: str) -> tuple:
    if host == "gitlab.com":
        # GitLab nests subgroups, so the repository ends where its `/-/` routes (or the legacy
        # tree/blob ones) begin rather than after two segments.
        routes = [i for i, s in enumerate(segments) if s in ("-", "tree", "blob")]
        segments = segments[: routes[0] if routes else None]
    else:
        segments = segments[:2]
    owner = segments[0] if segments else None
    if host == "github.com" and owner and owner.lower() in _GITHUB_RESERVED:
        return "other", None, None, path
    name = _GIT_SUFFIX.sub("", segments[-1]) if len(segments) >= 2 else ""
    if not name:
        return "other", owner, None, path
    return "code_repository", owner, name, "/" + "/".join([*segments[:-1], name])


def _classify(host: str, path: str) -> tuple:
    """(link_kind, owner, name, canonical path) for a normalised host and slash-trimmed path."""
    segments = [s for s in path.split("/") if s]
    if host in _CODE_HOSTS:
        return _code_repository(host, segments, path)
    if host == _ANONYMOUS_CODE:
        if len(segments) >= 2 and segments[0] == "r":
            return "code_repository", None, segments[1], f"/r/{segments[1]}"
        return "code_repository", None, None, path
    if host.endswith(_PAGE_SUFFIXES):
        return "project_page", host.rsplit(".", 2)[0], next(iter(segments), None), path
    if host in _PACKAGE_PATHS:
        pattern, template = _PACKAGE_PATHS[host]
        match = pattern.match(path)
        if match:
            return "package", None, match["name"], match.expand(template)
        return "package", None, None, path
    if host in _MODEL_HUBS:
        if segments and segments[0] in _HUB_RESERVED:
            return "model_hub", None, None, path
        if segments and segments[0] in _HUB_PREFIXES:
            segments = segments[1:]
        owner, name = (*segments, None, None)[:2]
        return "model_hub", owner, name, path
    if host in _SHORTENERS:
        return "shortener", None, path.strip("/") or None, path
    return "other", None, None, path


def _is_known(host: str) -> bool:
    return (
        host in _CODE_HOSTS
        or host == _ANONYMOUS_CODE
        or host.endswith(_PAGE_SUFFIXES)
        or host in _PACKAGE_PATHS
        or host in _MODEL_HUBS
        or host in _SHORTENERS
    )


def canonical_link(raw_url: str) -> Link | None:
    """Canonicalise one raw URL as find_urls returns it; None unless it is a usable http(s) URL."""
    if not _URL_RE.fullmatch(raw_url):
        return None
    parts = split_url(raw_url)
    if parts is None:
        return None
    scheme, hostname, port, path = parts
    # Repeated prefixes are stripped too, so canonicalising a canonical URL changes nothing.
    host = _WWW.sub("", hostname or "")
    if not _HOST_RE.fullmatch(host):
        return None
    kind, owner, name, path = _classify(host, path.rstrip("/"))
    if _is_known(host):
        origin = f"https://{host}"
    else:
        default_port = 443 if scheme == "https" else 80
        suffix = f":{port}" if port not in (None, default_port) else ""
        origin = f"{scheme}://{host}{suffix}"
    return Link(origin + path, host, owner, name, kind)


def split_url(url: str) -> tuple[str, str | None, int | None, str] | None:
    """(scheme, hostname, port, path) as urlsplit reads them from a URL that _URL_RE matches;
    None when urlsplit finds it malformed (unbalanced IPv6 brackets, bad port, NFKC tricks).

    A plain host (no user, port or brackets) is read off directly: urlsplit would give the
    same, for several times the cost.
    """
    plain = _PLAIN_URL.match(url)
    if plain:
        return plain[1].lower(), plain[2].lower(), None, plain[3]
    try:
        parts = urlsplit(url)
        return parts.scheme, parts.hostname, parts.port, parts.path
    except ValueError:
        return None


def _resolve(matches: pl.Series) -> pl.DataFrame:
    """Trim and canonicalise each distinct regex match once; rejected matches get no row."""
    rows = []
    for match in matches:
        raw = _trim(match)
        link = canonical_link(raw)
        if link is not None:
            rows.append((match, raw, link.url, link.host, link.owner, link.name, link.link_kind))
    return pl.DataFrame(rows, schema=_RESOLVED_SCHEMA, orient="row")


def links_frame(abstracts: pl.DataFrame) -> pl.DataFrame:
    """One row per usable URL in each abstract, with its canonical form and 1-based link_order."""
    matches = (
        abstracts.select(
            *_KEYS, match=pl.col("abstract").cast(pl.String).str.extract_all(_URL_PATTERN)
        )
        .with_row_index("_abstract")
        .explode("match")
        .drop_nulls("match")
        .with_row_index("_order")
    )
    resolved = _resolve(matches.get_column("match").unique())
    return (
        matches.join(resolved, on="match", how="inner")
        .sort("_order")
        .with_columns(link_order=pl.int_range(1, pl.len() + 1).over("_abstract"))
        .select(pl.col(column).cast(dtype) for column, dtype in LINKS_SCHEMA.items())
    )

"""Tests for URL extraction and canonicalisation of paper abstracts (orchestration.ingest.links)."""

from __future__ import annotations

import string
from urllib.parse import urlsplit

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.links import (
    LINK_KINDS,
    Link,
    canonical_link,
    find_urls,
    links_frame,
    split_url,
)

EXPECTED_COLUMNS = {
    "dump_id": pl.String,
    "position": pl.Int32,
    "paper_id": pl.String,
    "link_order": pl.Int32,
    "url_raw": pl.String,
    "url": pl.String,
    "host": pl.String,
    "owner": pl.String,
    "name": pl.String,
    "link_kind": pl.String,
}


def only_link(text: str) -> Link:
    urls = find_urls(text)
    assert len(urls) == 1, urls
    link = canonical_link(urls[0])
    assert link is not None
    return link


def abstracts(*texts: str | None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "dump_id": ["dump-1"] * len(texts),
            "position": list(range(len(texts))),
            "paper_id": [f"2401.{i:05d}" for i in range(len(texts))],
            "abstract": list(texts),
        },
        schema={"dump_id": pl.String, "position": pl.Int64, "paper_id": pl.String,
                "abstract": pl.String},
    )  # fmt: skip


# --- seed-data hard cases -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Code is available at https://github.com/leslie-CH/equiv-nn-svm.",
            Link("https://github.com/leslie-CH/equiv-nn-svm", "github.com", "leslie-CH",
                 "equiv-nn-svm", "code_repository"),
        ),
        (
            "https://github.com/huawei-noah/Efficient-AI-Backbones/tree/master/ghostnetv3_pytorch.",
            Link("https://github.com/huawei-noah/Efficient-AI-Backbones", "github.com",
                 "huawei-noah", "Efficient-AI-Backbones", "code_repository"),
        ),
        (
            "available at https://github.com/DTU-PAS/awesome-dynn-for-cv .",
            Link("https://github.com/DTU-PAS/awesome-dynn-for-cv", "github.com", "DTU-PAS",
                 "awesome-dynn-for-cv", "code_repository"),
        ),
        (
            "code: https://github.com/Blackzxy/LoGAH .",
            Link("https://github.com/Blackzxy/LoGAH", "github.com", "Blackzxy", "LoGAH",
                 "code_repository"),
        ),
        (
            "Our code is available~https://anonymous.4open.science/r/BIB-ICLR2023-Submission"
            "/README.md{here.}",
            Link("https://anonymous.4open.science/r/BIB-ICLR2023-Submission",
                 "anonymous.4open.science", None, "BIB-ICLR2023-Submission", "code_repository"),
        ),
        (
            "See https://trustai4s-lab.github.io/fidelity.",
            Link("https://trustai4s-lab.github.io/fidelity", "trustai4s-lab.github.io",
                 "trustai4s-lab", "fidelity", "project_page"),
        ),
        (
            "Code: https://reczoo.github.io/UltraGCN.",
            Link("https://reczoo.github.io/UltraGCN", "reczoo.github.io", "reczoo", "UltraGCN",
                 "project_page"),
        ),
        (
            "pip install from https://pypi.org/project/hypertab/",
            Link("https://pypi.org/project/hypertab", "pypi.org", None, "hypertab", "package"),
        ),
        (
            "Models: https://hf.mxfile.com/LGAI-EXAONE",
            Link("https://hf.mxfile.com/LGAI-EXAONE", "hf.mxfile.com", "LGAI-EXAONE", None,
                 "model_hub"),
        ),
        (
            "Website: https://bit.ly/grok-adversarial",
            Link("https://bit.ly/grok-adversarial", "bit.ly", None, "grok-adversarial",
                 "shortener"),
        ),
        (
            "https://github.com/aheuillet/D-DARTS.",
            Link("https://github.com/aheuillet/D-DARTS", "github.com", "aheuillet", "D-DARTS",
                 "code_repository"),
        ),
        (
            "https://github.com/mit-han-lab/once-for-all.",
            Link("https://github.com/mit-han-lab/once-for-all", "github.com", "mit-han-lab",
                 "once-for-all", "code_repository"),
        ),
        (
            "https://github.com/facebookresearch/Ternary_Binary_Transformer",
            Link("https://github.com/facebookresearch/Ternary_Binary_Transformer", "github.com",
                 "facebookresearch", "Ternary_Binary_Transformer", "code_repository"),
        ),
    ],
)  # fmt: skip
def test_seed_hard_cases(text: str, expected: Link) -> None:
    assert only_link(text) == expected


def test_two_urls_with_comma_and_plain_http() -> None:
    text = (
        "Our code is available at https://github.com/ramprs/grad-cam/, along with a demo at "
        "http://gradcam.cloudcv.org, and a video at youtu.be/COjUB9Izk6E."
    )
    assert find_urls(text) == ["https://github.com/ramprs/grad-cam/", "http://gradcam.cloudcv.org"]
    assert [canonical_link(u) for u in find_urls(text)] == [
        Link("https://github.com/ramprs/grad-cam", "github.com", "ramprs", "grad-cam",
             "code_repository"),
        Link("http://gradcam.cloudcv.org", "gradcam.cloudcv.org", None, None, "other"),
    ]  # fmt: skip


def test_latex_leftover_ends_the_raw_url() -> None:
    text = "available~https://anonymous.4open.science/r/BIB-ICLR2023-Submission/README.md{here.}"
    assert find_urls(text) == [
        "https://anonymous.4open.science/r/BIB-ICLR2023-Submission/README.md"
    ]


@pytest.mark.parametrize(
    "text",
    ["TaskMatrix.AI: Completing Tasks by Connecting Foundation Models", "see github.com/foo", ""],
)
def test_text_without_scheme_has_no_url(text: str) -> None:
    assert find_urls(text) == []


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("(https://github.com/a/b)", "https://github.com/a/b"),
        ("at:https://github.com/a/b.", "https://github.com/a/b"),
        ("[code](https://github.com/a/b).", "https://github.com/a/b"),
        ("**https://github.com/a/b**", "https://github.com/a/b"),
        ('"https://github.com/a/b"!', "https://github.com/a/b"),
        ("<https://github.com/a/b>", "https://github.com/a/b"),
        ("https://github.com/a/b?!", "https://github.com/a/b"),
        ("https://.", None),
    ],
)
def test_glued_and_wrapped_urls(text: str, raw: str | None) -> None:
    assert find_urls(text) == ([raw] if raw else [])


# --- normalisation rules ------------------------------------------------------------------


def test_scheme_host_www_git_query_fragment() -> None:
    assert canonical_link("HTTPS://WWW.GitHub.com/Foo/Bar.git?x=1#readme") == Link(
        "https://github.com/Foo/Bar", "github.com", "Foo", "Bar", "code_repository"
    )


def test_blob_path_is_dropped() -> None:
    link = canonical_link("https://github.com/o/r/blob/main/README.md")
    assert link == Link("https://github.com/o/r", "github.com", "o", "r", "code_repository")


def test_balanced_parenthesis_is_kept() -> None:
    assert find_urls("(see https://en.wikipedia.org/wiki/Foo_(bar))") == [
        "https://en.wikipedia.org/wiki/Foo_(bar)"
    ]
    assert canonical_link("https://en.wikipedia.org/wiki/Foo_(bar)") == Link(
        "https://en.wikipedia.org/wiki/Foo_(bar)", "en.wikipedia.org", None, None, "other"
    )


def test_gitlab_subgroups() -> None:
    assert canonical_link("https://gitlab.com/group/sub/proj/-/tree/main") == Link(
        "https://gitlab.com/group/sub/proj", "gitlab.com", "group", "proj", "code_repository"
    )
    assert canonical_link("https://gitlab.com/g/p/-/blob/main/x.py").url == "https://gitlab.com/g/p"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://github.com/openai", Link("https://github.com/openai", "github.com", "openai",
                                           None, "other")),
        ("http://github.com/topics/nlp/", Link("https://github.com/topics/nlp", "github.com",
                                               None, None, "other")),
        ("https://bitbucket.org/o/r/src/master/", Link("https://bitbucket.org/o/r",
                                                       "bitbucket.org", "o", "r",
                                                       "code_repository")),
        ("https://anonymous.4open.science/status/x", Link(
            "https://anonymous.4open.science/status/x", "anonymous.4open.science", None, None,
            "code_repository")),
        ("https://huggingface.co/datasets/o/n/viewer", Link(
            "https://huggingface.co/datasets/o/n/viewer", "huggingface.co", "o", "n",
            "model_hub")),
        ("https://www.npmjs.com/package/@scope/pkg", Link(
            "https://npmjs.com/package/@scope/pkg", "npmjs.com", None, "@scope/pkg", "package")),
        ("https://cran.r-project.org/web/packages/dplyr/index.html", Link(
            "https://cran.r-project.org/package=dplyr", "cran.r-project.org", None, "dplyr",
            "package")),
        ("http://example.org:8080/demo/?q=1", Link("http://example.org:8080/demo",
                                                  "example.org", None, None, "other")),
        ("https://example.org:443/", Link("https://example.org", "example.org", None, None,
                                          "other")),
    ],
)  # fmt: skip
def test_host_tables(raw: str, expected: Link) -> None:
    assert canonical_link(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["ftp://github.com/a/b", "https://", "https://localhost:8000/x", "https://[::1",
     "https://a.com:99999/", "not a url", "https://a.com/x y", " https://a.com"],
)  # fmt: skip
def test_unusable_urls_are_rejected(raw: str) -> None:
    assert canonical_link(raw) is None


# --- links_frame ----------------------------------------------------------------------------


def test_links_frame_schema_and_two_urls_in_one_abstract() -> None:
    frame = links_frame(
        abstracts("Code https://github.com/ramprs/grad-cam/, demo http://gradcam.cloudcv.org.")
    )
    assert dict(frame.schema) == EXPECTED_COLUMNS
    assert frame.rows() == [
        ("dump-1", 0, "2401.00000", 1, "https://github.com/ramprs/grad-cam/",
         "https://github.com/ramprs/grad-cam", "github.com", "ramprs", "grad-cam",
         "code_repository"),
        ("dump-1", 0, "2401.00000", 2, "http://gradcam.cloudcv.org",
         "http://gradcam.cloudcv.org", "gradcam.cloudcv.org", None, None, "other"),
    ]  # fmt: skip


def test_links_frame_empty_input_keeps_schema() -> None:
    frame = links_frame(abstracts())
    assert frame.is_empty()
    assert dict(frame.schema) == EXPECTED_COLUMNS


def test_links_frame_link_order_counts_kept_links_only() -> None:
    frame = links_frame(
        abstracts("a https://x.org/1 b https://localhost/2 c https://y.org/3 d https://z.org/4")
    )
    assert frame.get_column("link_order").to_list() == [1, 2, 3]
    assert frame.get_column("url").to_list() == ["https://x.org/1", "https://y.org/3",
                                                 "https://z.org/4"]  # fmt: skip


def test_links_frame_null_and_url_free_abstracts_give_no_rows() -> None:
    frame = links_frame(abstracts(None, "No links here.", "Code: https://github.com/o/r."))
    assert frame.select("position", "link_order", "url").rows() == [
        (2, 1, "https://github.com/o/r")
    ]


def test_links_frame_same_raw_url_maps_identically() -> None:
    frame = links_frame(
        abstracts("Code: https://github.com/o/r.", "See https://github.com/o/r, thanks.")
    )
    assert frame.height == 2
    first, second = frame.drop("position", "paper_id").rows()
    assert first == second


# --- properties -----------------------------------------------------------------------------

_HOSTS = st.sampled_from(
    ["github.com", "WWW.GitHub.com", "www.www.gitlab.com", "bitbucket.org", "codeberg.org",
     "anonymous.4open.science", "reczoo.github.io", "a.gitlab.io", "pypi.org", "npmjs.com",
     "cran.r-project.org", "crates.io", "anaconda.org", "pkg.go.dev", "huggingface.co", "hf.co",
     "modelscope.cn", "bit.ly", "t.co", "example.org", "gradcam.cloudcv.org", "10.0.0.1",
     "ex.com:8080", "ex.com:80", "ex.com:", "localhost", "[::1]", "user@ex.com", "a.com."]
)  # fmt: skip
_SEGMENTS = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "-_.~%()[]'!*,;:@=+&$", max_size=8),
    st.sampled_from(["r", "-", "tree", "blob", ".git", "x.git.git", "datasets", "spaces", "docs",
                     "project", "package=x", "web", "packages", "crates", "orgs", "Foo_(bar)"]),
)  # fmt: skip
_URL_LIKE = st.builds(
    lambda scheme, host, segments, tail: f"{scheme}://{host}/{'/'.join(segments)}{tail}",
    st.sampled_from(["http", "https", "HTTP", "hTTpS"]),
    _HOSTS,
    st.lists(_SEGMENTS, max_size=5),
    st.sampled_from(["", "/", "//", "?q=1", "#frag", "/?a=b#c", ".", "),", "]."]),
)
_PROSE = st.lists(
    st.one_of(st.text(), _URL_LIKE, st.sampled_from([" ", "~", "(", ")", ".", ",", "{x}", "\n"])),
    max_size=8,
).map("".join)


@given(st.one_of(st.text(), _URL_LIKE))
def test_canonical_link_never_raises(text: str) -> None:
    link = canonical_link(text)
    assert link is None or link.link_kind in LINK_KINDS


@given(_URL_LIKE)
def test_canonical_link_is_idempotent(raw: str) -> None:
    link = canonical_link(raw)
    if link is not None:
        assert canonical_link(link.url) == link


@given(_PROSE)
def test_find_urls_never_ends_in_prose_punctuation(text: str) -> None:
    for url in find_urls(text):
        assert url[-1] not in ".,;:"


@settings(max_examples=50, deadline=None)
@given(_PROSE)
def test_links_frame_agrees_with_find_urls(text: str) -> None:
    # Polars' Rust regex and Python's re must cut the same URLs from the same text.
    expected = [url for url in find_urls(text) if canonical_link(url) is not None]
    assert links_frame(abstracts(text)).get_column("url_raw").to_list() == expected


_URL_CHARS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%"


@settings(max_examples=500)
@given(
    _URL_LIKE
    | st.builds(
        "{}://{}".format, st.sampled_from(["http", "HTTPS"]), st.text(alphabet=_URL_CHARS + "é")
    )
)
def test_split_url_reads_urls_as_urlsplit_does(raw: str) -> None:
    try:
        parts = urlsplit(raw)
        expected = (parts.scheme, parts.hostname, parts.port, parts.path)
    except ValueError:
        expected = None
    assert split_url(raw) == expected

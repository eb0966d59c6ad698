"""arXiv ids: every spelling pages and the API use comes out as the bare id, or None."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.arxiv import normalise_arxiv_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2503.02130", "2503.02130"),
        ("2503.02130v2", "2503.02130"),
        ("2503.02130v12", "2503.02130"),
        ("  2503.02130\n", "2503.02130"),
        ("arXiv:2503.02130v2", "2503.02130"),
        ("arxiv:2503.02130", "2503.02130"),
        ("ARXIV: 2503.02130", "2503.02130"),
        ("https://arxiv.org/abs/2503.02130v2", "2503.02130"),
        ("http://arxiv.org/abs/2503.02130", "2503.02130"),
        ("https://www.arxiv.org/abs/2503.02130/", "2503.02130"),
        ("https://export.arxiv.org/abs/2503.02130", "2503.02130"),
        ("arxiv.org/abs/2503.02130", "2503.02130"),
        ("https://arxiv.org/abs/2503.02130?context=cs.LG", "2503.02130"),
        ("https://arxiv.org/abs/2503.02130#S1", "2503.02130"),
        ("https://arxiv.org/pdf/2503.02130", "2503.02130"),
        ("https://arxiv.org/pdf/2503.02130v2", "2503.02130"),
        ("https://arxiv.org/pdf/2503.02130v2.pdf", "2503.02130"),
        ("https://arxiv.org/html/2503.02130v1", "2503.02130"),
        ("2503.02130.pdf", "2503.02130"),
        # Four digits after the dot before 2015, five from 1501 on.
        ("1412.6980", "1412.6980"),
        ("1412.6980v9", "1412.6980"),
        ("0704.0001", "0704.0001"),
        ("1501.00001", "1501.00001"),
        ("2204.14126", "2204.14126"),
        # Old style: archive[.CLASS]/YYMMNNN.
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("arXiv:hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001.pdf", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("math.gt/0309136", "math.GT/0309136"),
        ("cond-mat/0211034", "cond-mat/0211034"),
        ("q-bio.NC/0401001", "q-bio.NC/0401001"),
        ("astro-ph/0703001v2", "astro-ph/0703001"),
    ],
)
def test_normalises(value, expected):
    assert normalise_arxiv_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "not an id",
        "2503.0213",  # four digits after 2015
        "1412.69801",  # five digits before 2015
        "2513.02130",  # month 13
        "2500.02130",  # month 0
        "0612.1234",  # before the new scheme (April 2007)
        "2503.02130v",
        "2503.02130 2503.02131",
        "v2503.02130",
        "https://example.com/abs/2503.02130",
        "https://huggingface.co/papers/2503.02130",
        "https://arxiv.org/list/cs.LG/recent",
        "hep-th/990100",  # six digits
        "hep-th/9913001",  # month 13
        "hep_th/9901001",
        "/9901001",
        "2503.02130" + "v1" * 200,
    ],
)
def test_rejects_what_is_not_an_id(value):
    assert normalise_arxiv_id(value) is None


@pytest.mark.parametrize("value", [2503.0213, 2503.02130, 2204, b"2503.02130", ["2503.02130"]])
def test_never_reads_a_non_string(value):
    # A float has already lost the trailing zero: no id is better than a wrong one.
    assert normalise_arxiv_id(value) is None  # type: ignore[arg-type]


NEW_IDS = st.builds(
    lambda yy, mm, n: (
        f"{yy:02d}{mm:02d}.{n:05d}" if (yy, mm) >= (15, 1) else f"{yy:02d}{mm:02d}.{n % 10000:04d}"
    ),
    st.integers(8, 29),
    st.integers(1, 12),
    st.integers(0, 99999),
)
OLD_IDS = st.builds(
    lambda archive, cls, yy, mm, n: f"{archive}{cls}/{yy:02d}{mm:02d}{n:03d}",
    st.sampled_from(["hep-th", "hep-ph", "math", "cs", "cond-mat", "astro-ph", "q-bio"]),
    st.sampled_from(["", ".GT", ".AI", ".NC"]),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 999),
)
DECORATIONS = st.sampled_from(
    [
        "{}",
        "arXiv:{}",
        "{}v3",
        "https://arxiv.org/abs/{}v2",
        "https://arxiv.org/pdf/{}v1.pdf",
        " {} ",
        "http://export.arxiv.org/abs/{}",
    ]
)


@given(st.one_of(NEW_IDS, OLD_IDS), DECORATIONS)
def test_any_spelling_gives_the_bare_id(bare, decoration):
    assert normalise_arxiv_id(decoration.format(bare)) == bare


@given(
    st.one_of(st.text(), NEW_IDS, OLD_IDS, st.builds("{}v{}".format, NEW_IDS, st.integers(1, 9)))
)
def test_idempotent(value):
    once = normalise_arxiv_id(value)
    assert once is None or normalise_arxiv_id(once) == once

"""The Hugging Face fetcher against a local server (127.0.0.1 only) that misbehaves on purpose."""

from __future__ import annotations

import datetime as dt
import json
import signal

import pytest

from orchestration.fetch import captures
from orchestration.fetch.__main__ import main
from orchestration.fetch.client import PoliteClient, retry_after_seconds
from orchestration.fetch.daily import DayFetchError, fetch_day, fetch_days
from orchestration.fetch.settings import FetchSettings
from tests.fetch_server import Reply, daily_body, serve

DAY = dt.date(2025, 3, 18)
D = DAY.isoformat()
JSON = {"Content-Type": "application/json; charset=utf-8"}


@pytest.fixture(autouse=True)
def time_box():
    """A hang fails its test after 10 s instead of holding up the run."""

    def expire(*_):
        raise TimeoutError("test took more than 10 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def hf():
    with serve() as fake:
        yield fake


@pytest.fixture
def fast(hf) -> FetchSettings:
    """Tiny timeouts and waits, no rate limit: every test runs in well under a second or two."""
    return FetchSettings(
        base_url=hf.url,
        rate_limit=0,
        timeout=0.5,
        attempts=3,
        backoff=0.01,
        max_wait=0.05,
        max_bytes=1_000_000,
    )


class Waits(list):
    """A sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def day_files(folder, day=DAY) -> list[str]:
    """The day's visible files (the hidden fetch record left out)."""
    folder = captures.day_folder(folder, day)
    return sorted(p.name for p in folder.glob("*") if not p.name.startswith("."))


def test_a_day_over_two_pages_is_saved_byte_for_byte_with_sidecars(hf, fast, tmp_path):
    first, second = daily_body(D, "2503.10001", "2503.10002"), daily_body(D, "2503.10003")
    hf.day(D, 0, Reply(body=first, headers=JSON, etag='W/"p0"'))
    hf.day(D, 1, Reply(body=second, headers=JSON))
    with PoliteClient(fast) as client:
        result = fetch_day(client, DAY, tmp_path)
    assert (result.outcome, len(result.saved), result.unchanged_pages) == ("saved", 2, 0)
    p0, p1 = result.saved
    assert p0.read_bytes() == first and p1.read_bytes() == second
    assert p1.name == p0.name.replace(".json", "-p1.json")
    assert p0.parent == tmp_path / "hf" / "daily_papers" / D
    meta = json.loads(captures.sidecar_path(p0).read_text())
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert meta["listed_on"] == D and meta["captured_on"] == today and meta["page"] == 0
    assert (meta["http_status"], meta["etag"], meta["items"]) == (200, 'W/"p0"', 2)
    assert meta["url"] == f"{hf.url}/api/daily_papers?date={D}&limit=100&p=0"
    assert [p for p, _ in hf.requests] == [
        f"/api/daily_papers?date={D}&limit=100&p={n}" for n in range(3)
    ]
    assert hf.requests[0][1]["User-Agent"].startswith("hf-papers-warehouse/")
    # Only the dumps are visible to discovery: sidecars and the fetch record are not dumps.
    from orchestration.ingest.discovery import list_dump_paths

    assert sorted(list_dump_paths(tmp_path)) == sorted([p0, p1])


def test_unchanged_bytes_store_nothing_and_changed_bytes_a_new_capture(hf, fast, tmp_path):
    body = daily_body(D, "2503.10001")
    hf.day(
        D,
        0,
        Reply(body=body, headers=JSON),
        Reply(body=body, headers=JSON),
        Reply(body=daily_body(D, "2503.10001", upvotes=9), headers=JSON),
    )
    with PoliteClient(fast) as client:
        first = fetch_day(client, DAY, tmp_path)
        again = fetch_day(client, DAY, tmp_path)
        assert (again.outcome, again.saved, again.unchanged_pages) == ("unchanged", (), 1)
        assert len(day_files(tmp_path)) == 2  # one dump and its sidecar
        changed = fetch_day(client, DAY, tmp_path)
    assert changed.outcome == "saved" and changed.saved[0].name > first.saved[0].name
    assert b'"upvotes": 9' in changed.saved[0].read_bytes()
    assert captures.latest_captures(captures.day_folder(tmp_path, DAY)) == {0: changed.saved[0]}
    assert len(day_files(tmp_path)) == 4


def test_etag_is_sent_and_304_means_unchanged(hf, fast, tmp_path):
    hf.day(D, 0, Reply(body=daily_body(D, "2503.10001"), headers=JSON, etag='"v1"'))
    with PoliteClient(fast) as client:
        fetch_day(client, DAY, tmp_path)
        result = fetch_day(client, DAY, tmp_path)
    assert result.outcome == "unchanged"
    conditional = [h.get("If-None-Match") for p, h in hf.requests if p.endswith("p=0")]
    assert conditional == [None, '"v1"']
    assert len(day_files(tmp_path)) == 2


def test_429_with_retry_after_then_200(hf, fast, tmp_path):
    body = daily_body(D, "2503.10001")
    hf.day(D, 0, Reply(429, b"slow down", {"Retry-After": "2"}), Reply(body=body, headers=JSON))
    waits = Waits()
    with PoliteClient(fast.with_changes(max_wait=30), sleep=waits) as client:
        result = fetch_day(client, DAY, tmp_path)
    assert result.outcome == "saved" and waits == [2.0]


def test_retry_after_is_capped_and_read_as_an_http_date_or_ratelimit_header():
    now = dt.datetime(2025, 3, 18, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds({"retry-after": "Tue, 18 Mar 2025 12:00:30 GMT"}, now) == 30
    assert retry_after_seconds({"ratelimit": '"api";r=0;t=42'}) == 42
    assert retry_after_seconds({"ratelimit-reset": "7"}) == 7
    assert retry_after_seconds({}) is None


def test_a_long_retry_after_waits_only_up_to_the_cap(hf, fast, tmp_path):
    hf.day(D, 0, Reply(429, b"", {"Retry-After": "3600"}), Reply(body=daily_body(D, "2503.1")))
    waits = Waits()
    with PoliteClient(fast.with_changes(max_wait=5), sleep=waits) as client:
        assert fetch_day(client, DAY, tmp_path).outcome == "saved"
    assert waits == [5]


def test_a_500_then_a_200(hf, fast, tmp_path):
    hf.day(D, 0, Reply(500, b"oops"), Reply(body=daily_body(D, "2503.10001"), headers=JSON))
    waits = Waits()
    with PoliteClient(fast, sleep=waits) as client:
        assert fetch_day(client, DAY, tmp_path).outcome == "saved"
    assert len(waits) == 1 and 0 <= waits[0] <= fast.max_wait  # backoff with jitter, capped


def test_a_response_slower_than_the_timeout_is_retried(hf, fast, tmp_path):
    body = daily_body(D, "2503.10001")
    # The slow reply takes four times the timeout; the others have the whole 0.5 s (a busy
    # machine once took longer than 0.2 s to answer the retry, and it was retried again).
    hf.day(D, 0, Reply(body=body, delay=2.0), Reply(body=body, headers=JSON))
    with PoliteClient(fast) as client:
        assert fetch_day(client, DAY, tmp_path).outcome == "saved"
    assert len(hf.requests_for(D)) == 3  # the slow one, its retry, the empty page


def test_a_day_that_always_times_out_fails_and_the_other_days_are_saved(hf, fast, tmp_path):
    days = [dt.date(2025, 3, d) for d in (17, 18, 19)]
    for day in days:
        hf.day(day.isoformat(), 0, Reply(body=daily_body(day.isoformat(), "2503.1"), headers=JSON))
    hf.day(D, 0, Reply(body=b"[]", delay=1.0))
    seen = []
    results = fetch_days(
        days, tmp_path, fast.with_changes(timeout=0.2, attempts=2), on_result=seen.append
    )
    assert [r.outcome for r in results] == ["saved", "failed", "saved"] and seen == results
    assert results[1].reason == "page 0: no complete answer within 0.2 s (gave up after 2 attempts)"
    assert results[1].line().startswith("2025-03-18  failed: ")
    assert not captures.day_folder(tmp_path, DAY).exists()


@pytest.mark.parametrize(
    "reply, reason",
    [
        (Reply(body=daily_body(D, "2503.1")[:-40], cut_short=40), "response cut off"),
        (Reply(body=daily_body(D, "2503.1")[:-40], no_length=True), "not valid JSON"),
        (
            Reply(
                503, b"<html><body>Service unavailable</body></html>", {"Content-Type": "text/html"}
            ),
            "HTTP 503",
        ),
        (
            Reply(body=b"<!DOCTYPE html><html>login</html>", headers={"Content-Type": "text/html"}),
            "an HTML page instead of JSON",
        ),
        (Reply(body=b'{"error": "Invalid date"}'), "a JSON dict instead of a list"),
        (Reply(400, b'{"error":"Invalid date"}'), 'HTTP 400 ({"error":"Invalid date"})'),
        (Reply(302, b"", {"Location": "https://elsewhere.example/api/x"}), "refused"),
    ],
    ids=["cut-off", "truncated-json", "5xx-html", "html-200", "not-a-list", "400", "off-host"],
)
def test_a_bad_answer_fails_the_day_and_saves_nothing(hf, fast, tmp_path, reply, reason):
    hf.day(D, 0, reply)
    with PoliteClient(fast) as client, pytest.raises(DayFetchError) as error:
        fetch_day(client, DAY, tmp_path)
    assert error.value.day == DAY and reason in error.value.reason
    assert str(error.value).startswith(f"{D}: page 0: ")
    assert not captures.day_folder(tmp_path, DAY).exists()
    retried = reason in ("response cut off", "HTTP 503")
    assert len(hf.requests) == (fast.attempts if retried else 1)


def test_a_redirect_to_another_host_names_both_and_one_on_the_same_host_is_followed(
    hf, fast, tmp_path
):
    hf.day(D, 0, Reply(302, b"", {"Location": "https://elsewhere.example/x"}))
    with PoliteClient(fast) as client, pytest.raises(DayFetchError) as error:
        fetch_day(client, DAY, tmp_path)
    assert f"redirect from {hf.url} to https://elsewhere.example refused" in error.value.reason
    hf.day(D, 0, Reply(301, b"", {"Location": "/moved?date=x"}))
    hf.paths["/moved"] = [Reply(body=daily_body(D, "2503.1"), headers=JSON)]
    with PoliteClient(fast) as client:
        result = fetch_day(client, DAY, tmp_path)
    assert result.outcome == "saved"
    assert json.loads(captures.sidecar_path(result.saved[0]).read_text())["url"].endswith(
        "/moved?date=x"
    )


def test_an_empty_day_saves_nothing(hf, fast, tmp_path):
    with PoliteClient(fast) as client:
        result = fetch_day(client, DAY, tmp_path)
    assert (result.outcome, result.saved) == ("empty", ())
    assert day_files(tmp_path) == []  # only the hidden fetch record
    assert captures.read_fetch_record(captures.day_folder(tmp_path, DAY))["outcome"] == "empty"


def test_the_size_cap_is_enforced_declared_or_streamed(hf, fast, tmp_path):
    big = daily_body(D, *[f"2503.{n:05d}" for n in range(40)])
    small = fast.with_changes(max_bytes=len(big) - 1)
    for reply in (Reply(body=big), Reply(body=big, no_length=True)):
        hf.day(D, 0, reply)
        with PoliteClient(small) as client, pytest.raises(DayFetchError) as error:
            fetch_day(client, DAY, tmp_path)
        assert "over PAPERS_MAX_FILE_BYTES" in error.value.reason
    assert not captures.day_folder(tmp_path, DAY).exists()


def test_an_interrupted_range_resumes_without_fetching_again(hf, fast, tmp_path):
    today = dt.datetime.now(dt.UTC).date()
    old = [dt.date(2025, 3, 17), DAY]
    for day in [*old, today]:
        hf.day(day.isoformat(), 0, Reply(body=daily_body(day.isoformat(), "2503.1")))
    fetch_days(old[:1], tmp_path, fast)  # the first run stopped after one day
    hf.requests.clear()
    results = fetch_days([*old, today], tmp_path, fast)
    assert [r.outcome for r in results] == ["skipped", "saved", "saved"]
    assert not hf.requests_for("2025-03-17")
    hf.requests.clear()
    again = fetch_days([*old, today], tmp_path, fast)
    assert [r.outcome for r in again] == ["skipped", "skipped", "unchanged"]  # today: recent
    forced = fetch_days(old, tmp_path, fast, force=True)
    assert [r.outcome for r in forced] == ["unchanged", "unchanged"]


def test_the_saved_dump_is_read_by_the_pipeline_parser(hf, fast, tmp_path):
    from orchestration.ingest.discovery import list_dump_paths, read_dump
    from orchestration.ingest.parse import parse_dumps

    hf.day(D, 0, Reply(body=daily_body(D, "2503.10001", "2503.10002"), headers=JSON))
    fetch_days([DAY], tmp_path, fast)
    files = [read_dump(p, tmp_path) for p in list_dump_paths(tmp_path)]
    meta = json.loads(captures.sidecar_path(files[0].path).read_text())
    assert files[0].sidecar_error is None
    assert files[0].sidecar_captured_on == dt.date.fromisoformat(meta["captured_on"])
    batch = parse_dumps(files)
    dump = batch.dumps.row(0, named=True)
    assert (dump["status"], dump["source_format"], dump["page_type"]) == (
        "loaded",
        "json",
        "api_daily",
    )
    assert dump["list_date"] == dt.date.fromisoformat(meta["listed_on"])
    assert dump["captured_on"] == files[0].sidecar_captured_on
    assert sorted(batch.entries["arxiv_id"].to_list()) == ["2503.10001", "2503.10002"]
    assert set(batch.entries["listed_on"].to_list()) == {DAY}


def test_cli_prints_a_line_per_day_and_fails_when_a_day_failed(hf, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PAPERS_HF_BASE_URL", hf.url)
    monkeypatch.setenv("PAPERS_HF_RATE_LIMIT", "0")
    monkeypatch.setenv("PAPERS_HF_ATTEMPTS", "1")
    hf.day("2025-03-17", 0, Reply(body=daily_body("2025-03-17", "2503.1")))
    hf.day(D, 0, Reply(400, b"bad date"))
    args = ["--since", "2025-03-16", "--until", D, "--dumps-dir", str(tmp_path)]
    assert main(args) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "2025-03-16  empty",
        "2025-03-17  saved 1 file",
        "2025-03-18  failed: page 0: HTTP 400 (bad date)",
        "total: 3 day(s): 1 saved (1 files), 0 unchanged, 1 empty, 0 skipped, 1 failed",
    ]
    hf.day(D, 0, Reply(body=b"[]"))
    assert main(args) == 0


def test_cli_refuses_bad_dates_and_the_seeds_folder(monkeypatch, capsys):
    monkeypatch.setenv("PAPERS_HF_BASE_URL", "http://127.0.0.1:9")  # never reached
    with pytest.raises(SystemExit) as bad:
        main(["--since", "2025-02-30"])
    assert bad.value.code == 2
    monkeypatch.delenv("PAPERS_DUMPS_DIR", raising=False)
    assert main(["--since", "2025-03-01", "--until", "2025-03-01"]) == 2
    assert "seeds/" in capsys.readouterr().err


def test_settings_come_from_the_environment_when_asked(monkeypatch):
    monkeypatch.setenv("PAPERS_HF_BASE_URL", "http://127.0.0.1:1/")
    monkeypatch.setenv("PAPERS_HF_RATE_LIMIT", "0.5")
    monkeypatch.setenv("PAPERS_MAX_FILE_BYTES", "1234")
    monkeypatch.setenv("PAPERS_HF_CONTACT", "mailto:me@example.org")
    settings = FetchSettings.from_env()
    assert (settings.base_url, settings.rate_limit, settings.max_bytes) == (
        "http://127.0.0.1:1",
        0.5,
        1234,
    )
    assert settings.user_agent.endswith(" (+mailto:me@example.org)")
    monkeypatch.setenv("PAPERS_HF_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="PAPERS_HF_TIMEOUT"):
        FetchSettings.from_env()


def test_the_asset_saves_good_days_and_fails_only_the_bad_ones(hf, tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.defs.fetch import build_fetch_definitions

    monkeypatch.setenv("PAPERS_HF_BASE_URL", hf.url)
    monkeypatch.setenv("PAPERS_HF_RATE_LIMIT", "0")
    monkeypatch.setenv("PAPERS_HF_ATTEMPTS", "1")
    hf.day("2025-03-17", 0, Reply(body=daily_body("2025-03-17", "2503.1")))
    hf.day(D, 0, Reply(500, b"down"))
    defs = build_fetch_definitions("2025-03-01")
    job = defs.resolve_job_def("fetch_daily_papers")
    config = {"ops": {"hf_daily_papers": {"config": {"dumps_dir": str(tmp_path)}}}}
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(
            run_config=config,
            instance=instance,
            raise_on_error=False,
            # What the UI's single-run backfill of four days gives the run (the test's only
            # use of these Dagster tags).
            tags={
                "dagster/asset_partition_range_start": "2025-03-16",
                "dagster/asset_partition_range_end": "2025-03-19",
            },
        )
        assert not result.success
        failure = result.failure_data_for_node("hf_daily_papers").error.message
        assert "1 of 4 day(s) failed: 2025-03-18: page 0: HTTP 500 from 127.0.0.1" in failure
        done = instance.get_materialized_partitions(dg.AssetKey("hf_daily_papers"))
        assert done == {"2025-03-16", "2025-03-17", "2025-03-19"}
    assert len(list(tmp_path.joinpath("hf", "daily_papers", "2025-03-17").glob("*Z.json"))) == 1


def test_the_schedule_asks_for_today_and_the_three_days_before(monkeypatch):
    import dagster as dg

    from orchestration.defs.fetch import build_fetch_definitions

    defs = build_fetch_definitions()
    schedule = defs.resolve_schedule_def("daily_fetch")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    moment = dt.datetime(2025, 3, 18, 23, 0, tzinfo=dt.UTC)
    with dg.build_schedule_context(
        scheduled_execution_time=moment, repository_def=defs.get_repository_def()
    ) as context:
        requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["2025-03-15", "2025-03-16", "2025-03-17", D]

"""jobicy spider against the real Jobicy cassettes (recorded at count=50 and count=2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay, recorded_at
from tests.spiders.responses import replay_spider


def expected_postings() -> int:
    return sum(len(body["jobs"]) for body in cassette_bodies("jobicy"))


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "jobicy", expected_postings())


@pytest.mark.realdata
def test_every_job_is_stored_once_with_fields():
    run = check_in_process("jobicy", [realdata("jobicy")], expected_postings())
    job = run.posting("146002")
    assert job["url"] == "https://jobicy.com/jobs/146002-senior-content-marketing-manager-narrative-comms"
    assert job["title"] == "Content Marketing Manager, Organic Growth (SEO & AEO)"
    assert job["company"] == "RevenueCat"
    assert job["location_raw"] == "EMEA,  LATAM,  Canada,  USA"
    assert job["employment_type"] == "Full-Time"
    assert json.loads(job["tags"]) == ["Marketing & Sales"]
    assert (job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]) == (
        151000, None, "USD", "year",
    )  # fmt: skip
    assert job["salary_raw"] == "151000 USD/year"
    assert job["posted_at_raw"] == "2026-07-10T19:25:02+00:00"
    mozilla = run.posting("145880")
    assert (mozilla["company"], mozilla["employment_type"], mozilla["salary_raw"]) == ("Mozilla", "Contract", None)


@pytest.mark.realdata
def test_industry_filter_as_recorded_in_september(crawl):
    (body,) = cassette_bodies("jobicy-2026-09")
    filters = body["appliedFilters"]
    args = ("-a", f"count={filters['count']}", "-a", f"industry={filters['industry']}")
    result = check_crawl_replay(crawl, "jobicy", [realdata("jobicy-2026-09")], len(body["jobs"]), args=args)
    phantom = result.posting("jobicy", "154084")
    assert (phantom["title"], phantom["company"]) == ("Staff Engineer, Full Stack (Trust, Safety & Risk)", "Phantom")
    assert (phantom["salary_min"], phantom["salary_max"], phantom["salary_period"]) == (200000, 250000, "year")
    assert phantom["location_raw"] == "EMEA,  LATAM,  Canada,  USA"
    supabase = result.posting("jobicy", "154087")
    assert (supabase["company"], supabase["salary_raw"], json.loads(supabase["tags"])) == (
        "Supabase", None, ["Software Engineering"],
    )  # fmt: skip


API = "https://jobicy.com/api/v2/remote-jobs"


def at_100(folder: Path, status: int | None = None) -> Path:
    """The real jobicy body (recorded at count=50) answered to the count=100 request."""
    return recorded_at(folder, realdata("jobicy"), f"{API}?count=100", status)


@pytest.mark.realdata
def test_asks_for_the_documented_maximum_of_100(tmp_path):
    run = replay_spider("jobicy", at_100(tmp_path / "c"), pipelines=False)
    assert [r.url for r in run.requests] == [f"{API}?count=100"]
    assert len(run.postings) == expected_postings() and "jobicy/count_fallback" not in run.stats


@pytest.mark.realdata
def test_a_refused_count_falls_back_to_50_once():
    """The real cassette has no count=100 recording: replay answers 404, the run asks for 50 and
    stores every job, with no request error."""
    run = replay_spider("jobicy", realdata("jobicy"), pipelines=False)
    assert [r.url for r in run.requests] == [f"{API}?count=100", f"{API}?count=50"]
    assert run.stats["jobicy/count_fallback"] == 1 and run.status == "finished"
    assert len(run.postings) == expected_postings()


@pytest.mark.realdata
@pytest.mark.parametrize("status", [403, 429, 500])
def test_blocked_or_failing_is_no_reason_to_ask_again(tmp_path, status):
    run = replay_spider("jobicy", at_100(tmp_path / "c", status), pipelines=False)
    assert [r.url for r in run.requests] == [f"{API}?count=100"]
    assert run.postings == [] and run.request_errors == 1 and "jobicy/count_fallback" not in run.stats


def test_count_above_the_maximum_is_capped(caplog):
    run = replay_spider("jobicy", ROOT / "data" / "demo", pipelines=False, count="500")
    assert [r.url for r in run.requests] == [f"{API}?count=100"] and run.postings
    assert "count=500 is outside Jobicy's 1..100: asking for 100" in caplog.text

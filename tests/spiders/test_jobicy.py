"""jobicy spider against the real Jobicy cassette."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay


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

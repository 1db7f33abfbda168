"""fourdayweek spider against the real 4 Day Week cassette (2 jobs, salaries in cents)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_jobs_with_salaries_in_cents(crawl):
    (body,) = cassette_bodies("fourdayweek")
    result = check_crawl_replay(crawl, "fourdayweek", [realdata("fourdayweek")], len(body["jobs"]))
    record = body["jobs"][0]
    job = result.posting("fourdayweek", record["id"])
    assert job["url"] == "https://4dayweek.io/remote-job/sr-staff-ai-engineer-at-capital-one-633c7892"
    assert (job["title"], job["company"]) == ("Sr. Staff AI Engineer", "Capital One")
    assert (job["location_raw"], job["remote"]) == ("United States", 1)
    assert (job["salary_min"], job["salary_max"]) == (record["salary_lower"] / 100, record["salary_upper"] / 100)
    assert (job["salary_min"], job["salary_currency"], job["salary_period"]) == (286200, "USD", "year")
    assert job["salary_raw"] == "$286k - $392k"
    assert job["posted_at_raw"] == "1790397768"
    assert json.loads(job["tags"])[:3] == ["engineering", "4_day_week_pro_rata", "Java"]
    director = result.posting("fourdayweek", body["jobs"][1]["id"])
    assert director["location_raw"].startswith("United States; Cambridge, United States; McLean, United States")

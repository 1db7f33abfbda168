"""landingjobs spider against the real Landing.jobs cassette (3 jobs, complete texts)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_jobs_with_company_from_the_url(crawl):
    (body,) = cassette_bodies("landingjobs")
    result = check_crawl_replay(crawl, "landingjobs", [realdata("landingjobs")], len(body))
    job = result.posting("landingjobs", "19066")
    assert job["url"] == "https://landing.jobs/at/inscale/senior-java-software-developer-in-lisbon-2025"
    assert (job["title"], job["company"]) == ("Senior Java Software Developer", "inscale")
    assert (job["location_raw"], job["remote"], job["employment_type"]) == ("Lisbon, PT", 0, "Full-time")
    assert (job["salary_min"], job["salary_max"], job["salary_currency"]) == (50000, 67000, "EUR")
    assert job["salary_raw"] == "50000-67000 EUR/year"
    assert json.loads(job["tags"])[:2] == ["Spring Boot", "Java"]
    assert job["posted_at_raw"] == "2025-02-26T09:38:38.127Z"
    assert "Requirements" in job["description_text"] and "Perks" in job["description_text"]
    many = result.posting("landingjobs", "19410")
    assert many["location_raw"] == "Munich, DE; Lisbon, PT; Cologne, DE"
    assert many["salary_min"] is None and many["salary_raw"] is None

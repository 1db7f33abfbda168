"""bamboohr spider against the real BambooHR cassette (toters: a list of 2 and one job's detail)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_list_with_one_detail_and_one_missing(crawl):
    listing, detail = cassette_bodies("bamboohr")
    expected = len(listing["result"])
    result = check_crawl_replay(crawl, "bamboohr", [realdata("bamboohr")], expected, args=("-a", "boards=toters"))
    opening = detail["result"]["jobOpening"]
    job = result.posting("bamboohr", "565")  # the job whose detail was recorded
    assert job["url"] == opening["jobOpeningShareUrl"] == "https://toters.bamboohr.com/careers/565"
    assert job["title"] == "Staff Backend Engineer"  # served with a trailing space
    assert job["company"] == "toters"
    assert job["location_raw"] == "Metn, Lebanon"
    assert job["remote"] == 0  # locationType "2": hybrid
    assert job["employment_type"] == "Full-Time"
    assert json.loads(job["tags"]) == ["Basecamp - Engineering"]
    assert job["posted_at_raw"] == opening["datePosted"] == "2025-10-01"
    assert "on-demand e-commerce and delivery platform" in job["description_text"]
    listed_only = result.posting("bamboohr", "119")  # no recorded detail: stored from the list alone
    assert (listed_only["title"], listed_only["location_raw"]) == ("Account Manager", "Najaf")
    assert listed_only["remote"] == 0 and listed_only["description_html"] is None
    assert listed_only["url"] == "https://toters.bamboohr.com/careers/119"
    assert json.loads(result.last_run["stats_json"])["jobs/detail_missing"] == 1

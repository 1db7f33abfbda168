"""rippling spider against the real Rippling cassette (a page of 2 items: one job in 2 locations)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay

ARGS = ("-a", "boards=rippling", "-a", "page_size=2", "-a", "max_pages=1")  # page 1 of 315 was recorded


@pytest.mark.realdata
def test_items_of_one_job_become_one_posting_with_every_location(crawl):
    (body,) = cassette_bodies("rippling")
    job_ids = {item["id"] for item in body["items"]}
    assert len(job_ids) < len(body["items"])  # the page really repeats a job
    result = check_crawl_replay(crawl, "rippling", [realdata("rippling")], len(job_ids), args=ARGS)
    job = result.posting("rippling", "84d388b6-7656-434c-8862-0312eb6b97ac")
    assert job["url"] == "https://ats.rippling.com/rippling/jobs/84d388b6-7656-434c-8862-0312eb6b97ac"
    assert (job["title"], job["company"]) == ("Business Operations Manager", "rippling")
    assert job["location_raw"] == "San Francisco, CA; New York, NY"
    assert job["remote"] == 0  # ON_SITE everywhere
    assert json.loads(job["tags"]) == ["Bizops"]


@pytest.mark.realdata
def test_the_next_page_is_page_one(crawl):
    result = crawl("rippling", realdata("rippling"), args=ARGS[:4])
    assert "jobs?page=1&pageSize=2" in result.log
    assert result.last_run["request_errors"] == 1  # the unrecorded page 1

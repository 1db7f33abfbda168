"""smartrecruiters spider against the real SmartRecruiters cassette (Ubisoft2, first page of 2)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_replay

ARGS = ("-a", "boards=Ubisoft2", "-a", "max_pages=1")  # later pages (totalFound 310) are not recorded


@pytest.mark.realdata
def test_every_posting_is_stored_once_with_fields(crawl):
    expected = sum(len(body["content"]) for body in cassette_bodies("smartrecruiters"))
    result = check_replay(crawl, "smartrecruiters", [realdata("smartrecruiters")], expected, args=ARGS)
    job = result.posting("smartrecruiters", "744000151872065")
    assert job["url"] == "https://jobs.smartrecruiters.com/Ubisoft2/744000151872065"
    assert job["title"] == "CRM Webmarketing Assistant"
    assert job["company"] == "Ubisoft"
    assert job["location_raw"] == "Paris, IDF, France"
    assert job["remote"] == 0
    assert job["employment_type"] == "Intern"
    assert json.loads(job["tags"]) == ["Marketing", "Ubisoft"]
    assert job["posted_at_raw"] == "2026-09-25T14:49:00.552Z"


@pytest.mark.realdata
def test_next_page_is_requested_by_offset(crawl):
    result = crawl("smartrecruiters", realdata("smartrecruiters"), args=("-a", "boards=Ubisoft2"))
    assert "postings?offset=2&limit=100" in result.log
    assert result.last_run["request_errors"] == 1  # the unrecorded page 2: a request error, not a missing board

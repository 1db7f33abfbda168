"""smartrecruiters spider against the real SmartRecruiters cassette (Ubisoft2, first page of 2)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replayed

ARGS = {"boards": "Ubisoft2", "max_pages": "1"}  # later pages (totalFound 310) are not recorded


def expected_postings() -> int:
    return sum(len(body["content"]) for body in cassette_bodies("smartrecruiters"))


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "smartrecruiters", expected_postings())


@pytest.mark.realdata
def test_every_posting_is_stored_once_with_fields():
    run = check_in_process("smartrecruiters", [realdata("smartrecruiters")], expected_postings(), **ARGS)
    job = run.posting("744000151872065")
    assert job["url"] == "https://jobs.smartrecruiters.com/Ubisoft2/744000151872065"
    assert job["title"] == "CRM Webmarketing Assistant"
    assert job["company"] == "Ubisoft"
    assert job["location_raw"] == "Paris, IDF, France"
    assert job["remote"] == 0
    assert job["employment_type"] == "Intern"
    assert json.loads(job["tags"]) == ["Marketing", "Ubisoft"]
    assert job["posted_at_raw"] == "2026-09-25T14:49:00.552Z"


@pytest.mark.realdata
def test_next_page_is_requested_by_offset():
    run = replayed("smartrecruiters", realdata("smartrecruiters"), boards="Ubisoft2")
    assert any("postings?offset=2&limit=100" in request.url for request in run.missing)
    assert run.request_errors == 1  # the unrecorded page 2: a request error, not a missing board
    assert "jobs/boards_not_found" not in run.stats

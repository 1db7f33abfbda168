"""smartrecruiters spider against the real SmartRecruiters cassette (Ubisoft2, first page of 2)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_replay, recorded_at

ARGS = ("-a", "boards=Ubisoft2", "-a", "max_pages=1")  # later pages (totalFound 310) are not recorded
FIRST_PAGE = "https://api.smartrecruiters.com/v1/companies/Ubisoft2/postings?limit=100&offset=0"


@pytest.fixture
def first_page(tmp_path):
    """The `smartrecruiters` body (a real limit=2 answer) was filed at the bare URL, a guess of its recorder;
    the spider asks the first page as the `smartrecruiters-ubisoft` recording does."""
    return recorded_at(tmp_path / "moved", realdata("smartrecruiters"), FIRST_PAGE)


@pytest.mark.realdata
def test_every_posting_is_stored_once_with_fields(crawl, first_page):
    expected = sum(len(body["content"]) for body in cassette_bodies("smartrecruiters"))
    result = check_crawl_replay(crawl, "smartrecruiters", [first_page], expected, args=ARGS)
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
def test_next_page_is_requested_by_offset(crawl, first_page):
    result = crawl("smartrecruiters", first_page, args=("-a", "boards=Ubisoft2"))
    assert "postings?offset=2&limit=100" in result.log
    assert result.last_run["request_errors"] == 1  # the unrecorded page 2: a request error, not a missing board


@pytest.mark.realdata
def test_ubisoft_first_page_as_recorded(crawl):
    (body,) = cassette_bodies("smartrecruiters-ubisoft")
    assert body["totalFound"] == len(body["content"])  # trimmed by the recorder: no next page
    args = ("-a", "boards=Ubisoft2")
    result = check_crawl_replay(
        crawl, "smartrecruiters", [realdata("smartrecruiters-ubisoft")], len(body["content"]), args=args
    )
    job = result.posting("smartrecruiters", "744000147559869")
    assert job["url"] == "https://jobs.smartrecruiters.com/Ubisoft2/744000147559869"
    assert (job["title"], job["company"]) == ("QA Analyst (F/M/NB) [AAA Project]", "Ubisoft")
    assert (job["location_raw"], job["remote"]) == ("Annecy, Auvergne-Rhône-Alpes, France", 0)
    assert (job["employment_type"], json.loads(job["tags"])) == ("Full-time", ["Quality Assurance", "Ubisoft"])
    assert job["posted_at_raw"] == "2026-09-04T16:02:50.175Z"


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    (body,) = cassette_bodies("smartrecruiters-ubisoft")
    check_replay(end_to_end, "smartrecruiters", len(body["content"]))

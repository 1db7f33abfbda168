"""ashby spider against the real Ashby cassette: all 34 boards of its boards.txt, with compensation."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay


def expected_postings() -> int:
    folder = realdata("ashby")
    boards = [line.strip() for line in (folder / "boards.txt").read_text().splitlines() if line.strip()]
    bodies = cassette_bodies("ashby")
    assert len(bodies) == len(boards) == 34
    # Boards "double" and "keeper" publish the same 9 jobs (same ids): one posting each.
    expected = len({job["id"] for body in bodies for job in body["jobs"]})
    assert expected == 580
    return expected


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "ashby", expected_postings())


@pytest.mark.realdata
def test_all_boards_with_compensation():
    folder = realdata("ashby")
    run = check_in_process("ashby", [folder], expected_postings(), boards_file=str(folder / "boards.txt"))

    job = run.posting("4337b580-3098-4156-b652-de8d299bb0fb")
    assert job["url"] == "https://jobs.ashbyhq.com/lambda/4337b580-3098-4156-b652-de8d299bb0fb"
    assert job["apply_url"] == job["url"] + "/application"
    assert job["title"] == "Strategic Customer Success Manager"
    assert job["company"] == "Lambda"  # no company name in the payload: the board slug
    assert job["location_raw"] == "San Francisco Office"
    assert job["remote"] == 1
    assert job["employment_type"] == "FullTime"
    assert json.loads(job["tags"]) == ["Sales & Marketing", "Sales Operations"]
    assert (job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]) == (
        146000, 220000, "USD", "year",
    )  # fmt: skip
    assert job["salary_raw"] == "$146K - $220K"
    assert job["posted_at_raw"] == "2025-05-29T14:49:44.789+00:00"

    commission = run.posting("1846772c-f77f-4ac5-aa3a-cbc6559954ec")  # salary + commission tiers
    assert (commission["salary_min"], commission["salary_max"]) == (150000, 300000)
    assert commission["salary_raw"] == "$150K - $300K"
    assert commission["company"] == "anglehealth"
    assert commission["location_raw"] == "Kansas"

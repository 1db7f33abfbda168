"""workingnomads spider against the real Working Nomads cassette (no job id: the URL is the key)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay


def expected_postings() -> int:
    return sum(len(body) for body in cassette_bodies("workingnomads"))


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "workingnomads", expected_postings())


@pytest.mark.realdata
def test_every_job_is_stored_once_with_fields():
    run = check_in_process("workingnomads", [realdata("workingnomads")], expected_postings())
    job = run.posting("https://www.workingnomads.com/job/go/1713292/")
    assert job["url"] == "https://www.workingnomads.com/job/go/1713292/"
    assert job["title"] == "Email + SMS Marketing Strategist"
    assert job["company"] == "Bebonia"
    assert job["location_raw"] == "Global"
    assert json.loads(job["tags"]) == [
        "Marketing", "email marketing", "strategic marketing", "creative", "ab testing", "ecommerce",
    ]  # fmt: skip
    assert job["posted_at_raw"] == "2026-07-07T12:04:59-04:00"
    # Same title and company, different jobs: both kept, keyed by URL.
    same = [row for row in run.rows.values() if row["title"] == "Data Analyst (No Experience Required)"]
    assert len(same) == 2


@pytest.mark.realdata
def test_september_jobs_keyed_by_url(crawl):
    (body,) = cassette_bodies("workingnomads-2026-09")
    urls = {job["url"] for job in body}
    result = check_crawl_replay(crawl, "workingnomads", [realdata("workingnomads-2026-09")], len(urls))
    job = result.posting("workingnomads", "https://www.workingnomads.com/job/go/1835291/")
    assert (job["title"], job["company"], job["location_raw"]) == (
        "Data Analyst (No Experience Required)", "Peroptyx", "Japan - Remote",
    )  # fmt: skip
    assert json.loads(job["tags"]) == ["Development", "english", "data analyst"]
    assert job["posted_at_raw"] == "2026-09-04T12:14:26-04:00"

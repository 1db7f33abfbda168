"""lever spider against the real Lever cassette (spotify, trimmed to 2 postings)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay


def expected_postings() -> int:
    return sum(len(body) for body in cassette_bodies("lever"))


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "lever", expected_postings())


@pytest.mark.realdata
def test_every_posting_is_stored_once_with_fields():
    run = check_in_process("lever", [realdata("lever")], expected_postings(), boards="spotify")
    job = run.posting("2193db3f-77c5-43b8-b030-8f92c9882bf1")
    assert job["url"] == "https://jobs.lever.co/spotify/2193db3f-77c5-43b8-b030-8f92c9882bf1"
    assert job["apply_url"] == job["url"] + "/apply"
    assert job["title"] == "Android Engineer - Experience"
    assert job["company"] == "spotify"  # the payload names no company: the board slug
    assert job["location_raw"] == "London; Stockholm"
    assert job["remote"] == 0  # workplaceType hybrid
    assert job["employment_type"] == "Permanent"
    assert json.loads(job["tags"]) == ["Engineering", "Experience"]
    assert job["posted_at_raw"] == "1782214185805"
    assert "What You'll Do" in job["description_html"] and "equal opportunity" in job["description_text"]
    assert job["salary_min"] is None
    vietnam = run.posting("d87833d0-fb78-4794-b45d-3fe5c8274bc8")
    assert vietnam["title"] == "Artist & Label Partnerships Contractor, Vietnam"
    assert vietnam["employment_type"] == "Short Term"

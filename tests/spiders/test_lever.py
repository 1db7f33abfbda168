"""lever spider against the real Lever cassette (spotify, trimmed to 2 postings)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay


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


@pytest.mark.realdata
def test_malt_postings_with_several_locations(crawl):
    (body,) = cassette_bodies("lever-malt")
    result = check_crawl_replay(crawl, "lever", [realdata("lever-malt")], len(body), args=("-a", "boards=malt"))
    job = result.posting("lever", "5549f929-b192-43aa-8c1e-d7811f673e1f")
    assert job["url"] == "https://jobs.lever.co/malt/5549f929-b192-43aa-8c1e-d7811f673e1f"
    assert (job["title"], job["company"]) == ("Staff Software Engineer", "malt")
    assert (job["location_raw"], job["remote"]) == ("Paris; London; Lyon", 0)  # allLocations, hybrid
    assert (job["employment_type"], json.loads(job["tags"])) == (
        "FR Executive/Cadre",
        ["Technology", "Software Engineers"],
    )
    assert job["posted_at_raw"] == "1785760723455"
    old = result.posting("lever", "41873de7-4cdc-4bb0-b45a-ba926fd37802")
    assert (old["title"], old["posted_at_raw"]) == ("Senior Fullstack Engineer", "1573230913746")  # created 2019


def test_an_eu_board_is_asked_on_the_eu_instance(crawl, tmp_path):
    empty = tmp_path / "cassette"
    empty.mkdir()
    (empty / "index.jsonl").write_text("")
    result = crawl("lever", empty, args=("-a", "boards=eu:acme,spotify"))
    assert "GET https://api.eu.lever.co/v0/postings/acme?mode=json" in result.log
    assert "GET https://api.lever.co/v0/postings/spotify?mode=json" in result.log

"""greenhouse spider against the real Greenhouse cassettes (vercel with content; 7 boards mostly without)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_replay


@pytest.mark.realdata
def test_vercel_board_with_content(crawl):
    expected = sum(len(body["jobs"]) for body in cassette_bodies("greenhouse"))
    result = check_replay(crawl, "greenhouse", [realdata("greenhouse")], expected, args=("-a", "boards=vercel"))
    job = result.posting("greenhouse", "5999792004")
    assert job["url"] == "https://job-boards.greenhouse.io/vercel/jobs/5999792004"
    assert job["title"] == "Account Executive, Majors"
    assert job["company"] == "Vercel"
    assert job["location_raw"] == "Hybrid - London"
    assert json.loads(job["tags"]) == ["Account Executive"]
    assert job["posted_at_raw"] == "2026-05-21T09:26:09-04:00"
    assert job["description_html"].startswith("<div>") and "About Vercel" in job["description_text"]


@pytest.mark.realdata
def test_seven_boards_from_a_boards_file(crawl):
    folder = realdata("greenhouse-boards")
    expected = sum(len(body["jobs"]) for body in cassette_bodies("greenhouse-boards"))
    args = ("-a", f"boards_file={folder / 'boards.txt'}")
    result = check_replay(crawl, "greenhouse", [folder], expected, args=args)
    companies = dict(result.query("SELECT company, count(*) FROM postings GROUP BY company"))
    assert companies["Cloudflare"] == 556 and companies["Updater"] == 1
    brave = result.posting("greenhouse", "7339077")  # a board without content/departments/offices
    assert (brave["title"], brave["company"]) == ("C++ Engineer - Premium Products", "Brave")
    assert brave["location_raw"] == "Anywhere"
    assert brave["url"] == "https://job-boards.greenhouse.io/brave/jobs/7339077"
    assert brave["description_html"] is None and json.loads(brave["tags"]) == []
    catawiki = result.posting("greenhouse", "6954117")
    assert (catawiki["location_raw"], json.loads(catawiki["tags"])) == ("Lisbon, Portugal", ["Engineering"])


@pytest.mark.realdata
def test_a_missing_board_is_counted_not_fatal(crawl):
    result = crawl("greenhouse", realdata("greenhouse"), args=("-a", "boards=vercel,no-such-board"))
    run = result.last_run
    assert (run["status"], run["new"], run["request_errors"]) == ("finished", 2, 0)
    assert json.loads(run["stats_json"])["jobs/boards_not_found"] == 1

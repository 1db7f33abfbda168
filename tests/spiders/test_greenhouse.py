"""greenhouse spider against the real Greenhouse cassettes (vercel with content; 7 boards mostly without)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay


@pytest.mark.realdata
def test_end_to_end_replay_with_a_missing_board(end_to_end):
    """The whole stack (boards vercel and no-such-board): a board that answers 404 is counted, not a
    request error; a second run adds nothing."""
    expected = sum(len(body["jobs"]) for body in cassette_bodies("greenhouse"))
    assert expected == 2
    for run in check_replay(end_to_end, "greenhouse", expected):
        assert run["request_errors"] == 0
        assert json.loads(run["stats_json"])["jobs/boards_not_found"] == 1


@pytest.mark.realdata
def test_vercel_board_with_content():
    expected = sum(len(body["jobs"]) for body in cassette_bodies("greenhouse"))
    run = check_in_process("greenhouse", [realdata("greenhouse")], expected, boards="vercel")
    job = run.posting("5999792004")
    assert job["url"] == "https://job-boards.greenhouse.io/vercel/jobs/5999792004"
    assert job["title"] == "Account Executive, Majors"
    assert job["company"] == "Vercel"
    assert job["location_raw"] == "Hybrid - London"
    assert json.loads(job["tags"]) == ["Account Executive"]
    assert job["posted_at_raw"] == "2026-05-21T09:26:09-04:00"
    assert job["description_html"].startswith("<div>") and "About Vercel" in job["description_text"]


@pytest.mark.realdata
def test_a_missing_board_is_counted_not_fatal():
    run = check_in_process("greenhouse", [realdata("greenhouse")], 2, boards="vercel,no-such-board")
    assert (run.status, run.request_errors) == ("finished", 0)
    assert run.stats["jobs/boards_not_found"] == 1


@pytest.mark.realdata
def test_seven_boards_from_a_boards_file():
    folder = realdata("greenhouse-boards")
    expected = sum(len(body["jobs"]) for body in cassette_bodies("greenhouse-boards"))
    run = check_in_process("greenhouse", [folder], expected, boards_file=str(folder / "boards.txt"))
    companies = Counter(row["company"] for row in run.rows.values())
    assert companies["Cloudflare"] == 556 and companies["Updater"] == 1
    brave = run.posting("7339077")  # a board without content/departments/offices
    assert (brave["title"], brave["company"]) == ("C++ Engineer - Premium Products", "Brave")
    assert brave["location_raw"] == "Anywhere"
    assert brave["url"] == "https://job-boards.greenhouse.io/brave/jobs/7339077"
    assert brave["description_html"] is None and json.loads(brave["tags"]) == []
    catawiki = run.posting("6954117")
    assert (catawiki["location_raw"], json.loads(catawiki["tags"])) == ("Lisbon, Portugal", ["Engineering"])

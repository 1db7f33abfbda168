"""personio spider against an own cassette written from Personio's XML feed docs (no real one yet)."""

from __future__ import annotations

import json

from parsel import Selector

from tests.conftest import ROOT
from tests.spiders.replaycheck import check_in_process, check_replay

CASSETTE = ROOT / "tests" / "cassettes" / "personio"
BOARDS = "alpenrad,gone-company"


def positions() -> int:
    return len(Selector(text=(CASSETTE / "alpenrad.xml").read_text(), type="xml").xpath("//position"))


def test_end_to_end_replay_with_a_company_that_answers_404(end_to_end):
    for run in check_replay(end_to_end, "personio", positions()):
        assert json.loads(run["stats_json"])["jobs/boards_not_found"] == 1


def test_positions_and_a_company_that_answers_404():
    run = check_in_process("personio", [CASSETTE], positions(), boards=BOARDS)
    assert run.stats["jobs/boards_not_found"] == 1

    job = run.posting("1401101")
    assert job["url"] == "https://alpenrad.jobs.personio.de/job/1401101"
    assert (job["title"], job["company"]) == ("Senior Backend Engineer (m/w/d)", "Alpenrad Mobility GmbH")
    assert job["location_raw"] == "München; Remote; Berlin"
    assert job["employment_type"] == "permanent, full-time"
    assert json.loads(job["tags"]) == ["Engineering", "Tech", "kotlin", "postgres"]
    assert job["description_html"] == (
        "<h3>Deine Aufgaben</h3><ul><li>APIs für unsere Flotte</li></ul>"
        "<h3>Dein Profil</h3><p>Kotlin &amp; PostgreSQL</p>"
    )
    assert job["posted_at_raw"] == "2026-01-20T10:15:00+01:00"
    assert json.loads(job["raw_json"])["seniority"] == "experienced"
    student = run.posting("1401102")
    assert (student["company"], student["employment_type"]) == ("alpenrad", "intern, part-time")  # empty subcompany
    head = run.posting("1401103")
    assert (head["location_raw"], head["description_html"]) == ("Remote", None)

"""recruitee spider against an own cassette written from Recruitee's Careers Site API docs (no real one yet)."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tests.spiders.replaycheck import check_in_process, check_replay

CASSETTE = ROOT / "tests" / "cassettes" / "recruitee"
BOARDS = "tulipworks,fjordbyte,ghostboard"


def offers() -> list[dict]:
    bodies = [json.loads((CASSETTE / f"{name}-offers.json").read_text()) for name in ("tulipworks", "fjordbyte")]
    return [offer for body in bodies for offer in body["offers"]]


def test_end_to_end_replay_with_a_reject_and_a_missing_board(end_to_end):
    # one offer has no title: a reject, so postings + rejects == offers
    first, second = check_replay(end_to_end, "recruitee", len(offers()) - 1, rejects=1)
    assert json.loads(first["stats_json"])["jobs/boards_not_found"] == 1
    assert json.loads(second["stats_json"])["jobs/boards_not_found"] == 1
    (reject,) = end_to_end.db.query("SELECT reason FROM rejects WHERE run_id = ?", (first["id"],))
    assert "missing title" in reject["reason"]


def test_offers_of_two_boards_and_a_missing_one():
    run = check_in_process("recruitee", [CASSETTE], len(offers()) - 1, rejects=1, boards=BOARDS)
    assert run.stats["jobs/boards_not_found"] == 1
    assert "missing title" in run.reject_rows()[0]["reason"]

    job = run.posting("1830001")
    assert job["url"] == "https://tulipworks.recruitee.com/o/senior-elixir-developer"
    assert job["apply_url"] == job["url"] + "/c/new"
    assert (job["title"], job["company"]) == ("Senior Elixir Developer", "Tulipworks")
    assert job["location_raw"] == "Remote, Netherlands"
    assert job["remote"] == 1
    assert job["employment_type"] == "fulltime_permanent"
    assert json.loads(job["tags"]) == ["Engineering", "elixir", "remote"]
    assert (job["salary_min"], job["salary_max"]) == (5200, 6800)
    assert (job["salary_currency"], job["salary_period"]) == ("EUR", "month")
    assert job["salary_raw"] == "5200-6800 EUR/month"
    assert job["posted_at_raw"] == "2026-02-02 08:30:00 UTC"
    assert "Dutch or English" in job["description_text"]
    hourly = run.posting("1830002")
    assert (hourly["salary_min"], hourly["salary_max"], hourly["salary_period"]) == (18.5, 18.5, "hour")
    intern = run.posting("1830003")
    assert intern["salary_raw"] is None and intern["description_text"] == "Six months, & paid."
    assert run.posting("2270001")["company"] == "fjordbyte"  # empty company_name: the slug

"""recruitee spider against the real Recruitee cassette (channable) and, for what it cannot show, an own one.

The real recording has two complete offers with salaries; the own cassette (tests/cassettes/recruitee/,
written from Recruitee's Careers Site API docs) is kept only for cases no real recording has: an offer
without a title (a reject), a decimal hourly salary, no salary at all and an empty company_name.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay

CASSETTE = ROOT / "tests" / "cassettes" / "recruitee"
BOARDS = "tulipworks,fjordbyte,ghostboard"


@pytest.mark.realdata
def test_real_offers_of_channable_and_a_missing_board(crawl):
    (body,) = cassette_bodies("recruitee-channable")
    args = ("-a", "boards=channable,ghostboard")
    result = check_crawl_replay(crawl, "recruitee", [realdata("recruitee-channable")], len(body["offers"]), args=args)
    assert json.loads(result.last_run["stats_json"])["jobs/boards_not_found"] == 1
    job = result.posting("recruitee", "2743511")
    assert job["url"] == "https://jobs.channable.com/o/head-of-people-culture"  # the company's own domain
    assert job["apply_url"] == "https://jobs.channable.com/o/head-of-people-culture/c/new"
    assert (job["title"], job["company"]) == ("Head of People & Culture", "Channable")
    assert (job["location_raw"], job["remote"]) == ("Utrecht, Utrecht, Netherlands", 0)  # hybrid, not remote
    assert (job["employment_type"], json.loads(job["tags"])) == ("fulltime_permanent", ["Operations"])
    assert (job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]) == (
        115000, 130000, "EUR", "year",
    )  # fmt: skip
    assert job["posted_at_raw"] == "2026-09-11 15:16:33 UTC"
    monthly = result.posting("recruitee", "2751915")
    assert monthly["salary_raw"] == "3750-5250 EUR/month"


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

"""greenhouse spider against the real Greenhouse cassettes (vercel with content; 7 boards mostly without)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replay_spider


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


#: Own cassette (tests/cassettes/greenhouse-pay/README.md): no real recording of the single-job endpoint exists.
PAY = ROOT / "tests" / "cassettes" / "greenhouse-pay"
PAY_ON = {"GREENHOUSE_PAY_TRANSPARENCY": True}


def test_pay_ranges_with_pay_transparency_on():
    """With the setting on, each listed job's pay ranges come from its single-job endpoint: the lowest
    to the highest of the ranges in one currency, every range kept raw with its title; a job whose
    detail fails is stored from the list alone."""
    listed = json.loads((PAY / "lumenworks-jobs.json").read_text())["jobs"]
    run = replay_spider("greenhouse", PAY, settings=PAY_ON, boards="lumenworks")
    assert len(run.postings) == len(listed) and run.rejects == []
    assert [r.url for r in run.requests] == [
        "https://boards-api.greenhouse.io/v1/boards/lumenworks/jobs?content=true",
        *(
            f"https://boards-api.greenhouse.io/v1/boards/lumenworks/jobs/{job['id']}?pay_transparency=true"
            for job in listed
        ),
    ]
    assert run.stats["jobs/detail_missing"] == 1
    rows = run.rows
    zones = rows[("greenhouse", "7001001")]
    assert (zones["salary_min"], zones["salary_max"], zones["salary_currency"]) == (148000, 210000, "USD")
    assert zones["salary_raw"] == (
        "Zone A (SF, NYC, Seattle): 165000-210000 USD; Zone B (all other US locations): 148000-189000 USD"
    )
    assert (zones["salary_period"], zones["salary_norm_period"]) == (None, "year")  # none given; annual figures
    hourly = rows[("greenhouse", "7001002")]
    assert (hourly["salary_min"], hourly["salary_max"], hourly["salary_currency"]) == (24.5, 31.25, "CAD")
    assert (hourly["salary_norm_period"], hourly["salary_raw"]) == ("hour", "Hourly pay range: 24.50-31.25 CAD")
    missing = rows[("greenhouse", "7001003")]
    assert (missing["salary_min"], missing["salary_raw"], missing["title"]) == (None, None, "Product Designer")


def test_pay_transparency_off_by_default():
    run = replay_spider("greenhouse", PAY, boards="lumenworks")
    assert [r.url for r in run.requests] == ["https://boards-api.greenhouse.io/v1/boards/lumenworks/jobs?content=true"]
    assert all(job.get("salary_raw") is None for job in run.postings)

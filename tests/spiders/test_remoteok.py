"""remoteok spider against the real RemoteOK cassettes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replayed


def job_records(cassette: str) -> list[dict]:
    (body,) = cassette_bodies(cassette)
    return [r for r in body if "legal" not in r]  # element 0 is the legal notice


def untitled_ids(cassette: str) -> set[str]:
    return {str(r["id"]) for r in job_records(cassette) if not r.get("position")}


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", ["remoteok", "remoteok-2026"])
def test_every_job_is_stored_or_rejected_once(cassette):
    records, untitled = job_records(cassette), untitled_ids(cassette)
    run = check_in_process("remoteok", [realdata(cassette)], len(records) - len(untitled), len(untitled))
    assert {r["source_id"] for r in run.reject_rows()} == untitled


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    """The whole stack once: untitled jobs stored as rejects, a second run unchanged."""
    records, untitled = job_records("remoteok"), untitled_ids("remoteok")
    first, _ = check_replay(end_to_end, "remoteok", len(records) - len(untitled), len(untitled))
    rejected = end_to_end.db.query("SELECT source_id FROM rejects WHERE run_id = ?", (first["id"],))
    assert {r["source_id"] for r in rejected} == untitled


@pytest.mark.realdata
def test_named_records():
    run = replayed("remoteok", realdata("remoteok"))
    job = run.posting("1093848")
    assert job["title"] == "Werkstudent in Projektmanagement & Client Service"
    assert job["company"] == "applike group"
    assert job["location_raw"] == "Hamburg"
    assert (job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]) == (
        35000,
        70000,
        "USD",
        "year",
    )
    assert job["posted_at"] == "2025-08-18T16:00:30+00:00"
    assert json.loads(job["tags"]) == ["game", "gaming", "mobile", "marketing", "branding", "non tech"]
    assert job["url"].endswith("applike-group-1093848")

    (reject,) = [r for r in run.reject_rows() if r["source_id"] == "1093760"]
    assert reject["reason"] == "missing title"
    assert json.loads(reject["raw_json"])["description"].startswith("At GE Aerospace")

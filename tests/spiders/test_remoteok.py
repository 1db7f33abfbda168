"""remoteok spider against the real RemoteOK cassettes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata


def job_records(cassette: str) -> list[dict]:
    (body,) = cassette_bodies(cassette)
    return [r for r in body if "legal" not in r]  # element 0 is the legal notice


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", ["remoteok", "remoteok-2026"])
def test_every_job_is_stored_or_rejected_once(crawl, cassette):
    records = job_records(cassette)
    untitled = {str(r["id"]) for r in records if not r.get("position")}
    first = crawl("remoteok", realdata(cassette))
    assert first.scalar("SELECT count(*) FROM postings") == len(records) - len(untitled)
    rejected = {r["source_id"] for r in first.query("SELECT source_id FROM rejects")}
    assert rejected == untitled
    assert first.last_run["status"] == "finished"

    second = crawl("remoteok", realdata(cassette))
    assert second.scalar("SELECT count(*) FROM postings") == len(records) - len(untitled)
    assert (second.last_run["new"], second.last_run["updated"]) == (0, 0)


@pytest.mark.realdata
def test_named_records(crawl):
    result = crawl("remoteok", realdata("remoteok"))
    job = result.posting("remoteok", "1093848")
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

    (reject,) = result.query("SELECT * FROM rejects WHERE source_id = '1093760'")
    assert reject["reason"] == "missing title"
    assert json.loads(reject["raw_json"])["description"].startswith("At GE Aerospace")

"""remotive spider against the real Remotive cassettes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replayed

CASSETTES = [
    pytest.param("remotive", {}, id="full-2026-07"),
    pytest.param("remotive-fixture", {}, id="trimmed-fixture"),
    pytest.param("remotive-2026-09-22", {"category": "software-dev"}, id="category-software-dev"),
]


def expected_postings(cassette: str) -> int:
    return sum(len(body["jobs"]) for body in cassette_bodies(cassette))


@pytest.mark.realdata
@pytest.mark.parametrize(("cassette", "args"), CASSETTES)
def test_every_job_is_stored_once(cassette, args):
    check_in_process("remotive", [realdata(cassette)], expected_postings(cassette), **args)


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "remotive", expected_postings("remotive"))


@pytest.mark.realdata
def test_named_record_fields():
    job = replayed("remotive", realdata("remotive")).posting("2091069")
    assert job["title"] == "Patient Care Specialist"
    assert job["company"] == "STATLINX"
    assert job["url"] == "https://remotive.com/remote-jobs/medical/patient-care-specialist-2091069"
    assert job["location_raw"] == "USA"
    assert job["salary_raw"] == "$36k"
    assert job["employment_type"] == "full_time"
    assert job["posted_at_raw"] == "2026-07-16T13:28:02"
    assert job["posted_at"] == "2026-07-16T13:28:02+00:00"
    assert json.loads(job["tags"])[0] == "Medical"
    assert job["remote"] == 1
    assert "<p" in job["description_html"] and "style=" not in job["description_html"]
    assert json.loads(job["raw_json"])["id"] == 2091069 or json.loads(job["raw_json"])["id"] == "2091069"

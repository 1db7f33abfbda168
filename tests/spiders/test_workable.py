"""workable spider against the real jobs.workable.com search cassette (2 real jobs + 1 synthetic)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay

QUERY = "security engineer"


def records_and_synthetic() -> tuple[list[dict], dict]:
    records = [job for body in cassette_bodies("workable") for job in body["jobs"]]
    synthetic = [job for job in records if job["id"].startswith("deadbeef-0000")]
    assert len(synthetic) == 1  # appended by the fixture's author, company null: rejected, not a posting
    return records, synthetic[0]


@pytest.mark.realdata
def test_end_to_end_replay_with_the_synthetic_reject(end_to_end):
    records, synthetic = records_and_synthetic()
    first, _ = check_replay(end_to_end, "workable", len(records) - 1, rejects=1)
    (reject,) = end_to_end.db.query("SELECT * FROM rejects WHERE run_id = ?", (first["id"],))
    assert "without a company" in reject["reason"]
    assert json.loads(reject["raw_json"])["id"] == synthetic["id"]


@pytest.mark.realdata
def test_search_results_and_the_synthetic_record():
    records, synthetic = records_and_synthetic()
    run = check_in_process("workable", [realdata("workable")], len(records) - 1, rejects=1, query=QUERY)
    (reject,) = run.reject_rows()
    assert "without a company" in reject["reason"]
    assert json.loads(reject["raw_json"])["id"] == synthetic["id"]

    job = run.posting("712cd317-252e-4d5a-88be-5896c9b5023f")
    assert job["url"].startswith("https://jobs.workable.com/view/eYz4c3Arh3NUQwtZvK9j9p/")
    assert job["title"] == "Security Engineer"
    assert job["company"] == "LMAX Group"
    assert job["company_url"] == "http://www.lmax.com"
    assert job["location_raw"] == "London, England, United Kingdom"
    assert job["remote"] == 0  # workplace hybrid
    assert job["employment_type"] == "Full-time"
    assert json.loads(job["tags"]) == ["Technology"]
    assert job["posted_at_raw"] == "2026-09-24T12:59:55.297Z"
    assert "25 days of holiday" in job["description_text"]


@pytest.mark.realdata
def test_careers_api_v3_is_a_post(crawl):
    (body,) = cassette_bodies("workable-v3")
    args = ("-a", "api=v3", "-a", "boards=bg-prevent")
    result = check_crawl_replay(crawl, "workable", [realdata("workable-v3")], len(body["results"]), args=args)
    record = body["results"][0]
    job = result.posting("workable", record["shortcode"])
    assert job["url"] == "https://apply.workable.com/bg-prevent/j/E2C96AB706/"
    assert (job["title"], job["company"], job["remote"]) == ("Software Engineer", "bg-prevent", 1)
    assert (
        job["location_raw"]
        == "Arizona, United States; Arkansas, United States; Florida, United States; Georgia, United States"
    )
    assert (job["employment_type"], json.loads(job["tags"])) == ("full", [])
    assert job["posted_at_raw"] == record["published"] == "2026-09-04T00:00:00.000Z"


#: Own cassette (tests/cassettes/workable/README.md): no real recording of the widget API exists.
WIDGET = ROOT / "tests" / "cassettes" / "workable"


def test_widget_board_asks_for_details_and_stores_descriptions():
    """Board mode asks the widget API with ``details=true`` (without it no job has a description);
    an account that answers 404 is counted and the crawl goes on."""
    (body,) = [json.loads((WIDGET / "nordwind.json").read_text())]
    run = check_in_process("workable", [WIDGET], len(body["jobs"]), boards="nordwind,gone-account")
    assert [r.url for r in run.requests] == [
        "https://apply.workable.com/api/v1/widget/accounts/nordwind?details=true",
        "https://apply.workable.com/api/v1/widget/accounts/gone-account?details=true",
    ]
    assert run.stats["jobs/boards_not_found"] == 1

    remote = run.posting("4F8E21A0C7")
    assert (remote["title"], remote["company"], remote["remote"]) == ("Senior Data Engineer", "Nordwind Energy GmbH", 1)
    assert remote["description_html"] == body["jobs"][0]["description"]
    assert "turbine telemetry" in remote["description_text"]
    assert remote["location_raw"] == "Hamburg, Hamburg, Germany"
    assert (remote["url"], remote["apply_url"]) == (body["jobs"][0]["url"], body["jobs"][0]["application_url"])
    on_site = run.posting("4F8E21A0C8")
    assert (on_site["remote"], on_site["description_html"]) == (0, None)  # an empty description is none
    assert on_site["location_raw"] == "Bremen, Bremen, Germany; Esbjerg, Denmark"

"""join spider against the real JOIN cassette (Alteos, company 1080: page 1 of 2 and one job's detail)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay

ARGS = ("-a", "boards=1080", "-a", "page_size=5", "-a", "max_pages=1")  # page 2 was not recorded


@pytest.mark.realdata
def test_company_jobs_with_one_detail(crawl):
    listing, detail = cassette_bodies("join")
    assert (realdata("join") / "boards.txt").read_text().split() == ["1080"]
    result = check_crawl_replay(crawl, "join", [realdata("join")], len(listing["items"]), args=ARGS)
    job = result.posting("join", str(detail["lastId"]))  # 16769212: the job with a recorded detail
    assert job["url"] == "https://join.com/companies/alteos/16769212-customer-care-and-claims-agent-netherlands-m-f-d"
    assert (job["title"], job["company"]) == ("Customer Care & Claims Agent Netherlands (m/f/d)", "Alteos GmbH")
    assert job["company_url"] == "https://alteos.com/"
    assert (job["location_raw"], job["remote"]) == ("Berlin, Germany", 0)
    assert (job["employment_type"], json.loads(job["tags"])) == ("Employee", ["Customer Service"])
    assert job["posted_at_raw"] == "2026-09-17T11:34:31.734Z"
    assert "These tasks are waiting for you" in job["description_text"]
    lead = result.posting("join", "16737152")  # listed only: no company name, board as the slug
    assert (lead["title"], lead["company"], lead["description_html"]) == (
        "Lead Software Engineer (m/f/d)",
        "1080",
        None,
    )
    assert json.loads(result.last_run["stats_json"])["jobs/detail_missing"] == len(listing["items"]) - 1


def test_a_slug_board_is_skipped_not_requested(crawl, tmp_path):
    empty = tmp_path / "cassette"
    empty.mkdir()
    (empty / "index.jsonl").write_text("")
    result = crawl("join", empty, args=("-a", "boards=alteos"))
    assert "board 'alteos' is not a company id" in result.log
    assert "replay/missing" not in json.loads(result.last_run["stats_json"])

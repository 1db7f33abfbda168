"""workday spider against the real Workday cassette (a POST API: the request body must match)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay

BOARD = "arrowstreetcapital.wd5.myworkdayjobs.com/Campus_Careers"


def recorded_body() -> dict:
    line = json.loads((realdata("workday") / "index.jsonl").read_text().splitlines()[0])
    return json.loads(line["request_body"])


@pytest.mark.realdata
def test_one_page_posted_with_the_recorded_body(crawl):
    assert (realdata("workday") / "boards.txt").read_text().split() == [BOARD]
    search = recorded_body()["searchText"]
    expected = sum(len(body["jobPostings"]) for body in cassette_bodies("workday"))
    args = ("-a", f"boards={BOARD}", "-a", f"search={search}")
    result = check_crawl_replay(crawl, "workday", [realdata("workday")], expected, args=args)
    job = result.posting("workday", "R1066-5")
    assert job["url"] == (
        "https://arrowstreetcapital.wd5.myworkdayjobs.com/Campus_Careers/job/Boston/Quantitative-Researcher_R1066-5"
    )
    assert (job["title"], job["company"], job["location_raw"]) == (
        "Quantitative Researcher", "arrowstreetcapital", "Boston",
    )  # fmt: skip
    assert job["posted_at_raw"] == "Posted 25 Days Ago"
    assert result.posting("workday", "R1433")["posted_at_raw"] == "Posted 30+ Days Ago"


@pytest.mark.realdata
def test_another_body_is_not_the_recorded_request(crawl):
    result = crawl("workday", realdata("workday"), args=("-a", f"boards={BOARD}", "-a", "search=engineer"))
    assert result.scalar("SELECT count(*) FROM postings") == 0
    assert json.loads(result.last_run["stats_json"])["replay/missing"] == 1

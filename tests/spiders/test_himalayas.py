"""himalayas spider against the real Himalayas cassette (one page; the next page is not recorded)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay, check_in_process, check_replay
from tests.spiders.responses import replayed

NVIDIA = "https://himalayas.app/companies/nvidia/jobs/senior-system-software-engineer-nvsci"


def expected_postings() -> int:
    return sum(len(body["jobs"]) for body in cassette_bodies("himalayas"))


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "himalayas", expected_postings())


@pytest.mark.realdata
def test_every_job_is_stored_once_with_fields():
    run = check_in_process("himalayas", [realdata("himalayas")], expected_postings(), max_pages="1")
    job = run.posting(NVIDIA)
    assert job["url"] == NVIDIA
    assert job["title"] == "Senior System Software Engineer, NvSci"
    assert job["company"] == "NVIDIA"
    assert job["location_raw"] == "Canada, United States"
    assert job["employment_type"] == "Full Time"
    assert (job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]) == (
        184000, 356500, "USD", "year",
    )  # fmt: skip
    assert job["salary_raw"] == "184000-356500 USD/year"
    assert job["posted_at_raw"] == "1783731382"
    hourly = run.posting(
        "https://himalayas.app/companies/mindrift/jobs/portfolio-manager-freelance-ai-trainer-169480136"
    )
    assert (hourly["salary_min"], hourly["salary_period"], hourly["salary_raw"]) == (50, "hour", "50 USD/hour")
    binance = run.posting("https://himalayas.app/companies/binance/jobs/product-manager-web3-defi")
    assert binance["salary_min"] is None and binance["salary_raw"] is None
    assert json.loads(binance["tags"])[0] == "Product-Management"


@pytest.mark.realdata
def test_without_page_limit_the_unrecorded_next_page_is_a_request_error():
    run = replayed("himalayas", realdata("himalayas"))
    # offset advances by the limit the server applied (5), not 20
    assert len(run.missing) == 1 and "offset=5" in run.missing[0].url
    assert run.status == "partial"
    assert run.request_errors == 1


@pytest.mark.realdata
def test_september_page_with_a_cursor(crawl):
    (body,) = cassette_bodies("himalayas-2026-09")
    args = ("-a", f"limit={body['limit']}", "-a", "max_pages=1")
    result = check_crawl_replay(crawl, "himalayas", [realdata("himalayas-2026-09")], len(body["jobs"]), args=args)
    micro1 = body["jobs"][0]
    job = result.posting("himalayas", micro1["guid"])
    assert (job["title"], job["company"]) == ("Gmail & Google Calendar AI Assistant Evaluator", "micro1")
    assert (job["salary_min"], job["salary_max"], job["salary_period"]) == (15, 30, "hour")
    assert (job["location_raw"], job["employment_type"]) == ("United States", "Contractor")
    assert result.posting("himalayas", body["jobs"][1]["guid"])["salary_raw"] == "100000-115000 USD/year"


@pytest.mark.realdata
def test_the_next_page_is_asked_by_cursor(crawl):
    (body,) = cassette_bodies("himalayas-2026-09")
    result = crawl("himalayas", realdata("himalayas-2026-09"), args=("-a", "limit=2", "-a", "max_pages=2"))
    assert f"jobs/api?limit=2&cursor={body['nextCursor']}" in result.log
    assert result.last_run["request_errors"] == 1  # that page was not recorded

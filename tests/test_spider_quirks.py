"""Platform quirks (issue 14) on real bodies, parsed in-process by the spider itself."""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import JobPosting
from spiders.ashby import AshbySpider
from tests.conftest import realdata


@pytest.mark.realdata
def test_ashby_skips_unlisted_jobs():
    """Every job of the real Lambda board is listed; one marked ``isListed: false`` (our change to
    the real body) is not stored, the others are."""
    data = json.loads((realdata("ashby") / "Lambda.json").read_bytes())
    unlisted = data["jobs"][0]
    unlisted["isListed"] = False
    url = AshbySpider.board_url.format(board="Lambda")
    spider = AshbySpider.from_crawler(get_crawler(AshbySpider), boards="Lambda")
    response = TextResponse(url, body=json.dumps(data).encode(), encoding="utf-8",
                            request=Request(url, meta={"board": "Lambda"}))  # fmt: skip
    postings = [item for item in spider.parse(response) if isinstance(item, JobPosting)]
    assert len(postings) == len(data["jobs"]) - 1
    assert str(unlisted["id"]) not in {p["source_id"] for p in postings}
    assert spider.crawler.stats.get_value("jobs/skipped_non_job") == 1


def _himalayas_page(settings: dict[str, object]) -> tuple[list[object], object]:
    from spiders.himalayas import HimalayasSpider

    folder = realdata("himalayas-2026-09")
    entry = json.loads((folder / "index.jsonl").read_text().splitlines()[0])

    class Himalayas(HimalayasSpider):  # the spider with other custom settings
        custom_settings = {**(HimalayasSpider.custom_settings or {}), **settings}

    spider = Himalayas.from_crawler(get_crawler(Himalayas))
    response = TextResponse(entry["url"], body=(folder / entry["body"]).read_bytes(), encoding="utf-8",
                            request=Request(entry["url"]))  # fmt: skip
    return list(spider.parse(response)), spider


@pytest.mark.realdata
def test_himalayas_follows_the_cursor_the_api_announces():
    out, spider = _himalayas_page({"MAX_PAGES": 150})
    follow = [r for r in out if isinstance(r, Request)]
    assert len(follow) == 1
    assert "cursor=MjAyNi0wOS0yNlQwNDozMToyMC42NTI3MzJafDIyODM1MTg" in follow[0].url and "offset" not in follow[0].url
    assert spider.crawl_scope().whole_platform  # budget not reached


@pytest.mark.realdata
def test_himalayas_page_budget_stops_and_the_run_closes_nothing():
    out, spider = _himalayas_page({"MAX_PAGES": 1})
    assert not [r for r in out if isinstance(r, Request)] and len(out) == 2  # the page's 2 jobs, no next page
    assert spider.crawler.stats.get_value("jobs/page_budget_reached") == 1
    assert spider.crawl_scope().filters == (("max_pages", "1"),)  # pages left unread: not the whole platform

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

"""Workable (https://www.workable.com): company boards (widget API or careers API v3) and search.

Endpoints: ``apply.workable.com/api/v1/widget/accounts/<board>?details=true`` (``{"name", "jobs"}``); ``-a api=v3``:
POST ``apply.workable.com/api/v3/accounts/<board>/jobs``, JSON ``{}`` then ``{"token": <nextPage>}``; ``-a query=...``:
``jobs.workable.com/api/v1/jobs?query=...&limit=25``, all employers. Rate limits: none published (workable.readme.io:
keyed API). Quirks: jobs keyed by ``shortcode``; descriptions only with ``details=true`` (v3: none, nor a URL).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsPostSpider, as_list, dig, text_or_none, unescape

SEARCH = "https://jobs.workable.com/api/v1/jobs?"
TEXT_KEYS = ("description", "requirementsSection", "benefitsSection")
EMPLOYMENT_KEYS = ("employmentType", "employment_type", "type")
JOB_URLS = (r"workable\.com/(?:[\w.-]+/)?j/([0-9a-z]{8,12})\b", r"jobs\.workable\.com/view/([0-9a-z-]{8,40})\b")


class WorkableSpider(AtsPostSpider):
    name = "workable"
    board_url = "https://apply.workable.com/api/v1/widget/accounts/{board}?details=true"
    job_url_patterns = JOB_URLS
    job_url_hints = ("workable",)
    records_path = "jobs"

    def __init__(self, *args: Any, query: str | None = None, api: str = "v1", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query, self.v3 = query, api == "v3"
        if self.v3:
            self.board_url, self.records_path = "https://apply.workable.com/api/v3/accounts/{board}/jobs", "results"

    async def start(self) -> Any:
        if self.query:
            yield scrapy.Request(SEARCH + urlencode({"query": self.query, "limit": 25}), errback=self.on_error)
        else:
            async for request in super().start():
                yield request

    def post_body(self, board: str) -> dict[str, Any] | None:
        return {} if self.v3 else None

    def next_post_body(self, response: Response, payload: Any, body: dict[str, Any]) -> dict[str, Any] | None:
        return {"token": payload["nextPage"]} if payload.get("nextPage") else None

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        token = self.query and payload.get("nextPageToken")
        return SEARCH + urlencode({"query": self.query, "limit": 25, "pageToken": token}) if token else None

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if "shortcode" not in record and not dig(record, "company.title"):  # a search result: rejected
            raise ValueError("search result without a company")
        places = [p if isinstance(p, str) else _place(p) for p in record.get("locations") or [record]]
        department = record.get("department")  # v3: a list
        return JobPosting(
            source_id=str(record.get("shortcode") or record["id"]),
            url=text_or_none(record.get("url") or record.get("shortlink"))
            or f"https://apply.workable.com/{self.board(response)}/j/{record.get('shortcode')}/",
            apply_url=text_or_none(record.get("application_url")),
            title=unescape(record.get("title")),
            company=unescape(dig(record, "company.title") or (response.meta.get("payload") or {}).get("name")),
            company_url=text_or_none(dig(record, "company.website")),
            location_raw="; ".join(places) or None,
            remote=record.get("telecommuting", (record["workplace"] == "remote") if record.get("workplace") else None),
            employment_type=text_or_none(next(filter(None, (record.get(k) for k in EMPLOYMENT_KEYS)), None)),
            tags=as_list([*(department if isinstance(department, list) else [department]), record.get("function")]),
            description_html="".join(record.get(k) or "" for k in TEXT_KEYS) or None,
            posted_at_raw=text_or_none(record.get("created") or record.get("published_on") or record.get("published")),
        )


def _place(where: dict[str, Any]) -> str:  # v3 and widget locations: city, region/state, country
    return ", ".join(as_list([where.get("city"), where.get("region") or where.get("state"), where.get("country")]))

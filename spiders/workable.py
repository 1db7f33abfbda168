"""Workable (https://www.workable.com): company boards (widget API or careers API v3) and search.

Endpoints: ``apply.workable.com/api/v1/widget/accounts/<board>`` (``{"name", "jobs"}``);
``-a api=v3``: POST ``apply.workable.com/api/v3/accounts/<board>/jobs``, JSON ``{}`` then
``{"token": <nextPage>}`` (``{"total", "results", "nextPage"}``); boards as for every ATS, 404s
counted; ``-a query=...``: ``jobs.workable.com/api/v1/jobs?query=...&limit=25``, all employers.
Rate limits: undocumented; bursts get 429 (retried). Quirks: jobs keyed by ``shortcode`` (v3: no
URL/description; page ``apply.workable.com/<board>/j/<shortcode>/``); ``telecommuting`` or
``workplace``; v3 ``department`` is a list; search records without a company are rejected.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.items import JobPosting
from crawler.scope import CrawlScope
from spiders.base import AtsPostSpider, as_list, dig, text_or_none, unescape

SEARCH = "https://jobs.workable.com/api/v1/jobs?"
TEXT_KEYS = ("description", "requirementsSection", "benefitsSection")
EMPLOYMENT_KEYS = ("employmentType", "employment_type", "type")


class WorkableSpider(AtsPostSpider):
    name = "workable"
    board_url = "https://apply.workable.com/api/v1/widget/accounts/{board}"
    job_url_patterns = (
        r"workable\.com/(?:[\w.-]+/)?j/([0-9a-z]{8,12})\b",
        r"jobs\.workable\.com/view/([0-9a-z-]{8,40})\b",
    )
    job_url_hints = ("workable",)
    records_path = "jobs"

    def __init__(self, *args: Any, query: str | None = None, api: str = "v1", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query, self.v3 = query, api == "v3"
        if self.v3:
            self.board_url, self.records_path = "https://apply.workable.com/api/v3/accounts/{board}/jobs", "results"

    def scope_boards(self) -> list[str]:
        return [] if self.query else self.targets()

    def scope_filters(self) -> tuple[tuple[str, str], ...]:
        # a search finds some jobs of many employers: jobs it did not find are not gone
        return (*super().scope_filters(), *((("query", self.query),) if self.query else ()))

    def crawl_scope(self) -> CrawlScope:
        if self.query:  # a search across all employers, not a list of boards
            return CrawlScope(self.name, filters=self.scope_filters())
        return super().crawl_scope()

    async def start(self) -> Any:
        if not self.query:
            async for request in super().start():
                yield request
            return
        yield scrapy.Request(SEARCH + urlencode({"query": self.query, "limit": 25}), errback=self.on_error)

    def post_body(self, board: str) -> dict[str, Any] | None:
        return {} if self.v3 else None

    def next_post_body(self, response: Response, payload: Any, body: dict[str, Any]) -> dict[str, Any] | None:
        return {"token": payload["nextPage"]} if payload.get("nextPage") else None

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        token = self.query and payload.get("nextPageToken")
        return SEARCH + urlencode({"query": self.query, "limit": 25, "pageToken": token}) if token else None

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if "shortcode" not in record and not dig(record, "company.title"):
            raise ValueError("search result without a company")
        places = [p if isinstance(p, str) else _place(p) for p in record.get("locations") or [record]]
        department = record.get("department")
        page = f"apply.workable.com/{self.board(response)}/j/{record.get('shortcode')}/"
        return JobPosting(
            source_id=str(record.get("shortcode") or record["id"]),
            url=text_or_none(record.get("url") or record.get("shortlink")) or f"https://{page}",
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


def _place(where: dict[str, Any]) -> str:
    return ", ".join(as_list([where.get("city"), where.get("region") or where.get("state"), where.get("country")]))

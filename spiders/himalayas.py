"""Himalayas (https://himalayas.app), remote jobs with location and timezone limits.

Endpoint: ``https://himalayas.app/jobs/api?limit=20&offset=N`` -- ``{"offset",
"limit", "totalCount", "jobs": [...]}``; at most 20 jobs a page (the body's
``limit`` is what the server applied), so pagination walks ``offset`` by that limit
up to ``totalCount``, or, when the body has ``nextCursor`` (announced in the API's own
``comments`` on 21/08/2026: offset is deprecated), ``&cursor=`` from page to page. A page
budget (``MAX_PAGES`` 150, or ``-a max_pages=N``) stops early (100k jobs = 5000 pages).
Rate limits: none published (searched Himalayas' API docs; they ask for attribution and a link
back); clients report 429s after about 150 fast requests, hence the budget and ``POLITE``: 1 s
between pages, one at a time. Quirks: no job id (``guid`` is the posting URL); ``pubDate`` is epoch
seconds; ``minSalary``/``maxSalary`` come with ``currency`` and ``salaryPeriod`` (annual/hourly...);
``locationRestrictions`` lists countries.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import POLITE, JsonApiSpider, as_list, salary_fields, text_or_none, unescape

API = "https://himalayas.app/jobs/api?limit={limit}&offset={offset}"


class HimalayasSpider(JsonApiSpider):
    name = "himalayas"
    records_path = "jobs"
    # clients report 429s after ~150 fast requests: a page budget (a run that hits it closes nothing)
    custom_settings = {**POLITE, "MAX_PAGES": 150}

    def __init__(self, *args: Any, limit: str | int = 20, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = int(limit)  # ``-a limit=N``: jobs asked per page (the server caps it at 20)
        self.start_urls = [API.format(limit=self.limit, offset=0)]

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        offset, limit = int(payload.get("offset") or 0), int(payload.get("limit") or 20)
        if not payload.get("jobs"):
            return None
        if payload.get("nextCursor"):  # since 2026-08 the preferred paging; offset is deprecated
            return API.split("&", 1)[0].format(limit=self.limit) + f"&cursor={payload['nextCursor']}"
        total = payload.get("totalCount")
        return (
            None
            if total is not None and offset + limit >= int(total)
            else API.format(limit=self.limit, offset=offset + limit)
        )

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        return JobPosting(
            source_id=text_or_none(record.get("guid")),
            url=text_or_none(record.get("guid")),
            apply_url=text_or_none(record.get("applicationLink")),
            title=unescape(record.get("title")),
            company=unescape(record.get("companyName")),
            location_raw=", ".join(as_list(record.get("locationRestrictions"))) or None,
            remote=True,
            employment_type=text_or_none(record.get("employmentType")),
            tags=[*as_list(record.get("parentCategories")), *as_list(record.get("categories"))],
            description_html=record.get("description"),
            posted_at_raw=text_or_none(record.get("pubDate")),
            **salary_fields(*(record.get(k) for k in ("minSalary", "maxSalary", "currency", "salaryPeriod"))),
        )

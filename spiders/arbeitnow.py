"""Arbeitnow (https://www.arbeitnow.com), mostly German and European jobs.

Endpoint: ``https://www.arbeitnow.com/api/job-board-api`` -- ``{"data": [...],
"links": {"next": ...}, "meta": {...}}``, 100 jobs a page; follow
``links.next`` until it is null. Rate limits: none published (searched Arbeitnow's job-board-api
docs), so ``POLITE``: 1 s apart, one at a time (AutoThrottle on top). Quirks: ``slug`` is the id;
``created_at`` is epoch seconds; ``remote`` is a boolean and many jobs are on-site; titles carry
(m/w/d).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import JsonApiSpider, as_list, dig, text_or_none, unescape


class ArbeitnowSpider(JsonApiSpider):
    name = "arbeitnow"
    start_urls = ["https://www.arbeitnow.com/api/job-board-api"]
    records_path = "data"

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        return text_or_none(dig(payload, "links.next"))

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        return JobPosting(
            source_id=str(record["slug"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company_name")),
            location_raw=unescape(record.get("location")),
            remote=record.get("remote") if isinstance(record.get("remote"), bool) else None,
            employment_type=", ".join(as_list(record.get("job_types"))) or None,
            tags=as_list(record.get("tags")),
            description_html=record.get("description"),
            posted_at_raw=text_or_none(record.get("created_at")),
        )

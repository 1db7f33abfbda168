"""Workable (https://www.workable.com): company job widgets and the jobs.workable.com search.

Endpoints: ``https://apply.workable.com/api/v1/widget/accounts/<board>`` --
``{"name", "jobs": [...]}``, every published job of one account (boards:
``-a boards=...``, ``-a boards_file=PATH`` or ``data/boards/workable.txt``; 404 for
unknown accounts, counted); and ``-a query="security engineer"``:
``https://jobs.workable.com/api/v1/jobs?query=...&limit=25`` -- ``{"totalSize",
"jobs": [...], "nextPageToken"}`` across all Workable employers. Rate limits:
undocumented; Workable throttles bursts (429, retried). Quirks: widget jobs are keyed
by ``shortcode`` and say ``telecommuting``; search jobs by a uuid ``id`` with a
``company`` object and ``workplace``; a search record without a company is not a
real posting (test fixtures append one) and is rejected.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, dig, text_or_none, unescape

SEARCH = "https://jobs.workable.com/api/v1/jobs?"
TEXT_KEYS = ("description", "requirementsSection", "benefitsSection")


class WorkableSpider(AtsBoardSpider):
    name = "workable"
    board_url = "https://apply.workable.com/api/v1/widget/accounts/{board}"
    job_url_patterns = (
        r"workable\.com/(?:[\w.-]+/)?j/([0-9a-z]{8,12})\b",
        r"jobs\.workable\.com/view/([0-9a-z-]{8,40})\b",
    )
    job_url_hints = ("workable",)
    records_path = "jobs"

    def __init__(self, *args: Any, query: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query = query

    async def start(self) -> Any:
        if not self.query:
            async for request in super().start():
                yield request
            return
        yield scrapy.Request(SEARCH + urlencode({"query": self.query, "limit": 25}), errback=self.on_error)

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        token = self.query and payload.get("nextPageToken")
        return SEARCH + urlencode({"query": self.query, "limit": 25, "pageToken": token}) if token else None

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if "shortcode" not in record and not dig(record, "company.title"):
            raise ValueError("search result without a company")
        places = [p if isinstance(p, str) else _place(p) for p in record.get("locations") or [record]]
        remote = record.get("telecommuting", record.get("workplace") == "remote" if record.get("workplace") else None)
        return JobPosting(
            source_id=str(record.get("shortcode") or record["id"]),
            url=text_or_none(record.get("url") or record.get("shortlink")),
            apply_url=text_or_none(record.get("application_url")),
            title=unescape(record.get("title")),
            company=unescape(dig(record, "company.title") or (response.meta.get("payload") or {}).get("name")),
            company_url=text_or_none(dig(record, "company.website")),
            location_raw="; ".join(places) or None,
            remote=remote,
            employment_type=text_or_none(record.get("employmentType") or record.get("employment_type")),
            tags=as_list([record.get("department"), record.get("function")]),
            description_html="".join(record.get(k) or "" for k in TEXT_KEYS) or None,
            posted_at_raw=text_or_none(record.get("created") or record.get("published_on")),
        )


def _place(where: dict[str, Any]) -> str:
    return ", ".join(as_list([where.get("city"), where.get("region") or where.get("state"), where.get("country")]))

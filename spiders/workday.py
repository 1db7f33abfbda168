"""Workday career sites (https://www.workday.com), one tenant/site per board.

Endpoint: POST ``https://<tenant>.wd<N>.myworkdayjobs.com/wday/cxs/<tenant>/<site>/jobs`` with
the JSON body ``{"appliedFacets": {}, "limit": 20, "offset": N, "searchText": ""}`` --
``{"total", "jobPostings": [...], "facets": [...]}``; 20 jobs a page (Workday's maximum), paged
by ``offset``. Boards are ``<tenant>.wd<N>.myworkdayjobs.com/<site>`` (the public careers URL
without its locale): ``-a boards=...``, ``-a boards_file=PATH`` or ``data/boards/workday.txt``;
``-a search=intern`` sets ``searchText``. Rate limits: none published (an unofficial endpoint behind
the careers site); Workday answers 429 to bursts (retried), so ``POLITE``: 1 s between pages, one at
a time per tenant host. Quirks: the list has no description and no date, only ``postedOn`` text
("Posted 18 Days Ago", relative to the crawl); ``total`` is only reliable on the first page, so
paging stops at a page shorter than 20; the job id is the end of ``externalPath`` (``..._R1066-5``;
``bulletFields`` holds the requisition, shared by locations).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsPostSpider, text_or_none, unescape

PAGE = 20


class WorkdaySpider(AtsPostSpider):
    name = "workday"
    records_path = "jobPostings"

    def __init__(self, *args: Any, search: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search = search

    def url_for(self, board: str) -> str:
        host, _, site = board.partition("/")
        return f"https://{host}/wday/cxs/{host.split('.')[0]}/{site}/jobs"

    def post_body(self, board: str) -> dict[str, Any] | None:
        return {"appliedFacets": {}, "limit": PAGE, "offset": 0, "searchText": self.search}

    def next_post_body(self, response: Response, payload: Any, body: dict[str, Any]) -> dict[str, Any] | None:
        full_page = len(payload.get("jobPostings") or []) >= PAGE
        return {**body, "offset": body["offset"] + PAGE} if full_page else None

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        host, _, site = self.board(response).partition("/")
        path = record["externalPath"]
        return JobPosting(
            source_id=path.rsplit("_", 1)[-1],
            url=f"https://{host}/{site}{path}",
            title=unescape(record.get("title")),
            company=host.split(".")[0],
            location_raw=unescape(record.get("locationsText")),
            posted_at_raw=text_or_none(record.get("postedOn")),
        )

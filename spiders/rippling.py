"""Rippling ATS job boards (https://www.rippling.com/recruiting), one board per company.

Endpoint: ``https://ats.rippling.com/api/v2/board/<board>/jobs?page=N&pageSize=100`` --
``{"items": [...], "page", "pageSize", "totalItems", "totalPages"}``, pages from 0 until
``totalPages``; ``-a page_size=N`` changes the page size. Boards: ``-a boards=...``,
``-a boards_file=PATH`` or ``data/boards/rippling.txt``; unknown boards answer 404 (counted).
Rate limits: none published (searched Rippling's ATS job board docs), so ``POLITE``: 1 s between
pages, one at a time. Quirks: v2 lists one item per job *and location*, so the same job id repeats
with one location each: items of a page are merged into one posting with all their locations (a job
split across two pages keeps the first page's); no description and no date in the list;
``workplaceType`` is ON_SITE/HYBRID/REMOTE per location.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, dig, text_or_none, unescape

API = "https://ats.rippling.com/api/v2/board/{board}/jobs?page={page}&pageSize={size}"


class RipplingSpider(AtsBoardSpider):
    name = "rippling"
    records_path = "items"

    def __init__(self, *args: Any, page_size: str | int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_size = int(page_size)

    def url_for(self, board: str) -> str:
        return API.format(board=board, page=0, size=self.page_size)

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        page = int(payload.get("page") or 0) + 1
        if page >= int(payload.get("totalPages") or 0):
            return None
        return API.format(board=self.board(response), page=page, size=self.page_size)

    def iter_records(self, response: Response) -> Iterable[Any]:
        jobs: dict[str, dict[str, Any]] = {}
        for item in super().iter_records(response):
            job = jobs.setdefault(str(item["id"]), {**item, "locations": []})
            job["locations"].extend(item.get("locations") or [])
        return list(jobs.values())

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        places = record["locations"]
        workplaces = {str(place.get("workplaceType")) for place in places}
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("name")),
            location_raw="; ".join(as_list([place.get("name") for place in places])) or None,
            remote=True if workplaces == {"REMOTE"} else False if workplaces else None,
            tags=as_list(dig(record, "department.name")),
        )

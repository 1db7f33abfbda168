"""SmartRecruiters (https://www.smartrecruiters.com), one company per board.

Endpoint: ``https://api.smartrecruiters.com/v1/companies/<board>/postings`` --
``{"offset", "limit", "totalFound", "content": [...]}``; pages of up to 100 from
``?limit=100&offset=0`` on, until ``totalFound``. Boards (company identifiers, case
sensitive: ``Ubisoft2``): ``-a boards=...``, ``-a boards_file=PATH`` or
``data/boards/smartrecruiters.txt``; unknown companies answer 404 (counted).
Rate limits: none published for the public Posting API (searched SmartRecruiters' developer docs;
their limits are per API credential), so ``POLITE``: 1 s between pages, one at a time. Quirks: the
list carries no description (the ``ref`` detail URL does; not fetched); the public page is
``https://jobs.smartrecruiters.com/<company>/<id>``; ``location.remote`` and ``location.hybrid`` are
booleans; ``releasedDate`` is the publication date.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, dig, text_or_none, unescape

API = "https://api.smartrecruiters.com/v1/companies/{board}/postings"


class SmartRecruitersSpider(AtsBoardSpider):
    name = "smartrecruiters"
    board_url = API + "?limit=100&offset=0"
    job_url_patterns = (r"smartrecruiters\.com/(?:v1/companies/)?[\w.-]+/(?:postings/)?(\d{9,})",)
    job_url_hints = ("smartrecruiters",)
    records_path = "content"

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        offset = int(payload.get("offset") or 0) + len(payload.get("content") or [])
        if not payload.get("content") or offset >= int(payload.get("totalFound") or 0):
            return None
        return API.format(board=self.board(response)) + f"?offset={offset}&limit=100"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        company = dig(record, "company.identifier") or self.board(response)
        where = record.get("location") or {}
        return JobPosting(
            source_id=str(record["id"]),
            url=f"https://jobs.smartrecruiters.com/{company}/{record['id']}",
            title=unescape(record.get("name")),
            company=unescape(dig(record, "company.name")),
            location_raw=unescape(where.get("fullLocation")),
            remote=where.get("remote") if isinstance(where.get("remote"), bool) else None,
            employment_type=text_or_none(dig(record, "typeOfEmployment.label")),
            tags=as_list([dig(record, "function.label"), dig(record, "department.label")]),
            posted_at_raw=text_or_none(record.get("releasedDate")),
        )

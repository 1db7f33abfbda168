"""BambooHR careers pages (https://www.bamboohr.com), one site per company.

Endpoints: ``https://<board>.bamboohr.com/careers/list`` -- ``{"meta": {"totalCount"},
"result": [...]}``, every open job without its description, no pagination; then one
``https://<board>.bamboohr.com/careers/<id>/detail`` per job -- ``{"result": {"jobOpening":
{...}, "formFields": {...}}}`` with ``description``, ``datePosted`` and the full location.
Boards: ``-a boards=...``, ``-a boards_file=PATH`` or ``data/boards/bamboohr.txt``; unknown
sites answer 404 (counted). Rate limits: none published for the careers pages (searched BambooHR's
API docs); a company is 1 + jobs requests, ``POLITE``: 1 s apart, one at a time. Quirks: titles end
with a space; ``locationType`` "0" on site, "1" remote, "2" hybrid; ``isRemote`` is usually null;
``compensation`` is free text or null; a job whose detail fails is stored from the list alone
(counted in ``jobs/detail_missing``).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, AtsDetailSpider, as_list, dig, text_or_none, unescape

WORKPLACE = {"0": False, "1": True, "2": False}


class BambooHRSpider(AtsDetailSpider, AtsBoardSpider):
    name = "bamboohr"
    board_url = "https://{board}.bamboohr.com/careers/list"
    records_path = "result"

    def detail_url(self, record: Any, response: Response) -> str | None:
        return f"https://{self.board(response)}.bamboohr.com/careers/{record['id']}/detail"

    def merge_detail(self, listed: Any, detail: Any) -> Any:
        return {**listed, **(dig(detail, "result.jobOpening") or {})}

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        where = record.get("location") or {}
        remote = record.get("isRemote")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("jobOpeningShareUrl"))
            or f"https://{self.board(response)}.bamboohr.com/careers/{record['id']}",
            title=unescape(record.get("jobOpeningName")),
            location_raw=", ".join(dict.fromkeys(as_list([where.get(k) for k in ("city", "state", "addressCountry")])))
            or None,
            remote=remote if isinstance(remote, bool) else WORKPLACE.get(str(record.get("locationType"))),
            employment_type=text_or_none(record.get("employmentStatusLabel")),
            tags=as_list(record.get("departmentLabel")),
            description_html=record.get("description"),
            salary_raw=unescape(record.get("compensation")),
            posted_at_raw=text_or_none(record.get("datePosted")),
        )

"""Lever job postings (https://www.lever.co), one site per company.

Endpoint: ``https://api.lever.co/v0/postings/<board>?mode=json`` -- a bare JSON array
of every published posting (optional ``skip``/``limit``; companies on Lever's EU
instance answer on ``api.eu.lever.co``: board ``eu:<slug>``). Boards: ``-a boards=...``,
``-a boards_file=PATH`` or ``data/boards/lever.txt``; unknown sites answer 404
(counted, not fatal). Rate limits: none published for reads (github.com/lever/postings-api limits
only application POSTs, 2 a second); one request per company, ``POLITE``: 1 s apart, one at a time.
Quirks: the title is ``text``; the description is split into ``description``, ``lists`` (headed
bullet lists) and ``additional``; ``createdAt`` is epoch milliseconds; ``workplaceType`` is
remote/hybrid/onsite/unspecified; ``salaryRange`` (min/max/currency/interval "per-year-salary") only
when published.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, salary_fields, text_or_none, unescape


class LeverSpider(AtsBoardSpider):
    name = "lever"
    board_url = "https://api.lever.co/v0/postings/{board}?mode=json"
    board_pattern = re.compile(r"(?:eu:)?[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # eu:<slug>: the EU instance
    job_url_patterns = (
        r"lever\.co/(?:v0/postings/)?[\w.-]+/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    )
    job_url_hints = ("lever.co",)

    def url_for(self, board: str) -> str:
        eu = board.startswith("eu:")  # a board of Lever's EU instance (jobs.eu.lever.co/<slug>)
        return self.board_url.replace("api.", "api.eu.", eu).format(board=board.removeprefix("eu:"))

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        cats = record.get("categories") or {}
        lists = "".join(f"<h3>{x.get('text')}</h3><ul>{x.get('content')}</ul>" for x in record.get("lists") or [])
        pay = record.get("salaryRange") or {}
        interval = str(pay.get("interval") or "").replace("per-", "").split("-")[0]
        workplace = record.get("workplaceType")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("hostedUrl")),
            apply_url=text_or_none(record.get("applyUrl")),
            title=unescape(record.get("text")),
            location_raw="; ".join(as_list(cats.get("allLocations"))) or unescape(cats.get("location")),
            remote={"remote": True, "onsite": False, "hybrid": False}.get(str(workplace)),
            employment_type=text_or_none(cats.get("commitment")),
            tags=as_list([cats.get("department"), cats.get("team")]),
            description_html=(record.get("description") or "") + lists + (record.get("additional") or ""),
            posted_at_raw=text_or_none(record.get("createdAt")),
            **salary_fields(pay.get("min"), pay.get("max"), pay.get("currency"), interval or None),
        )

"""Gem job boards (https://www.gem.com), one board per company.

Endpoint: ``https://api.gem.com/job_board/v0/<board>/job_posts/`` -- a bare JSON list of every
published job post with its HTML ``content``, no key, no pagination. Boards: ``-a boards=...``,
``-a boards_file=PATH`` or ``data/boards/gem.txt``; unknown boards answer 404 (counted).
Rate limits: none published (searched Gem's job board API docs); one request per company,
``POLITE``: 1 s apart, one at a time. Quirks: the shape copies Greenhouse's (``absolute_url``,
``departments``, ``offices``, ``first_published_at``) but ``content`` is plain HTML (not escaped
twice) with a ``content_plain`` copy; ids are strings, some base64-like (``am9icG9zdDq...``);
``location_type`` is remote/hybrid/in_office.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, dig, text_or_none, unescape

WORKPLACE = {"remote": True, "hybrid": False, "in_office": False, "onsite": False}


class GemSpider(AtsBoardSpider):
    name = "gem"
    board_url = "https://api.gem.com/job_board/v0/{board}/job_posts/"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("absolute_url")),
            title=unescape(record.get("title")),
            location_raw=unescape(dig(record, "location.name")),
            remote=WORKPLACE.get(str(record.get("location_type"))),
            employment_type=text_or_none(record.get("employment_type")),
            tags=as_list([d.get("name") for d in record.get("departments") or []]),
            description_html=record.get("content"),
            posted_at_raw=text_or_none(record.get("first_published_at") or record.get("created_at")),
        )

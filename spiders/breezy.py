"""Breezy HR career sites (https://breezy.hr), one site per company.

Endpoint: ``https://<board>.breezy.hr/json`` -- a bare JSON list of every published position,
no description, no key, no pagination. Boards: ``-a boards=...``, ``-a boards_file=PATH`` or
``data/boards/breezy.txt``; unknown sites answer 404 (counted). Rate limits: none published
(searched Breezy HR's docs); one request per company, ``POLITE``: 1 s apart, one at a time. Quirks:
``salary`` is display text ("$0.05 – $0.06 / hour"); ``type`` and ``company`` are objects;
``location.is_remote`` is the only remoteness flag (may be missing); ``locations`` may be empty
while ``location`` is set; the id is the hex prefix of ``friendly_id``. The only recording is
Breezy's own trial company (placeholder posts).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, dig, text_or_none, unescape


class BreezySpider(AtsBoardSpider):
    name = "breezy"
    board_url = "https://{board}.breezy.hr/json"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        places = [dig(place, "name") for place in record.get("locations") or [record.get("location") or {}]]
        remote = dig(record, "location.is_remote")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("name")),
            company=unescape(dig(record, "company.name")),
            location_raw="; ".join(as_list(places)) or None,
            remote=remote if isinstance(remote, bool) else None,
            employment_type=text_or_none(dig(record, "type.name")),
            tags=as_list(record.get("department")),
            salary_raw=unescape(record.get("salary")),
            posted_at_raw=text_or_none(record.get("published_date")),
        )

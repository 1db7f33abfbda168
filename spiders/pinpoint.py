"""Pinpoint career sites (https://www.pinpointhq.com), one site per company.

Endpoint: ``https://<board>.pinpointhq.com/postings.json`` -- ``{"data": [...]}``, every
published posting with its full text, no key, no pagination. Boards: ``-a boards=...``,
``-a boards_file=PATH`` or ``data/boards/pinpoint.txt``; unknown sites answer 404 (counted).
Rate limits: none published (searched Pinpoint's developer docs); one request per company,
``POLITE``: 1 s apart, one at a time. Quirks: no posting date at all; the text is split into
``description``, ``key_responsibilities``, ``skills_knowledge_expertise`` and ``benefits``, each
with its own ``*_header``; titles may end with a space; empty address parts are written "/";
``workplace_type`` is remote/hybrid/onsite; structured pay
(``compensation_minimum``/``maximum``/``currency``/``frequency``) only when published.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, dig, salary_fields, text_or_none, unescape

SECTIONS = ("description", "key_responsibilities", "skills_knowledge_expertise", "benefits")


class PinpointSpider(AtsBoardSpider):
    name = "pinpoint"
    board_url = "https://{board}.pinpointhq.com/postings.json"
    records_path = "data"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        where = record.get("location") or {}
        places = [where.get(key) for key in ("name", "city", "province")]
        text = "".join(
            (f"<h3>{record.get(f'{key}_header')}</h3>" if record.get(f"{key}_header") else "") + record[key]
            for key in SECTIONS
            if record.get(key)
        )
        workplace = record.get("workplace_type")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("title")),
            location_raw=", ".join(dict.fromkeys(p for p in as_list(places) if p != "/")) or None,
            remote={"remote": True, "onsite": False, "hybrid": False}.get(str(workplace)),
            employment_type=text_or_none(record.get("employment_type_text") or record.get("employment_type")),
            tags=as_list([dig(record, "job.department.name"), dig(record, "job.division.name")]),
            description_html=text or None,
            **salary_fields(*(record.get(f"compensation_{k}") for k in ("minimum", "maximum", "currency", "frequency")),
                            raw=unescape(record.get("compensation"))),
        )  # fmt: skip

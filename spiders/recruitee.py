"""Recruitee careers sites (https://recruitee.com), one site per company.

Written from Recruitee's public Careers Site API documentation
(https://docs.recruitee.com/reference/intro-to-careers-site-api), no real recording
yet: tested on an own cassette (tests/cassettes/recruitee/).

Endpoint: ``https://<board>.recruitee.com/api/offers/`` -- ``{"offers": [...]}``,
every published offer, no key, no pagination. Boards: ``-a boards=...``,
``-a boards_file=PATH`` or ``data/boards/recruitee.txt``; unknown sites answer 404
(counted, not fatal). Rate limits: none published (searched the Careers Site API docs); one request
per company, ``POLITE``: 1 s apart, one at a time. Quirks: ``remote``/``hybrid``/``on_site``
booleans; ``salary`` is an object ``{"min": "18.50", "max": ..., "currency": "EUR", "period":
"month"}`` with string amounts (or nulls); ``description`` and ``requirements`` are separate HTML
blocks.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, salary_fields, text_or_none, unescape


class RecruiteeSpider(AtsBoardSpider):
    name = "recruitee"
    board_url = "https://{board}.recruitee.com/api/offers/"
    records_path = "offers"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        pay = record.get("salary") or {}
        remote = record.get("remote")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("careers_url")),
            apply_url=text_or_none(record.get("careers_apply_url")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company_name")),
            location_raw=unescape(record.get("location")),
            remote=remote if isinstance(remote, bool) else None,
            employment_type=text_or_none(record.get("employment_type_code")),
            tags=as_list([record.get("department"), *as_list(record.get("tags"))]),
            description_html=(record.get("description") or "") + (record.get("requirements") or ""),
            posted_at_raw=text_or_none(record.get("published_at") or record.get("created_at")),
            **salary_fields(pay.get("min"), pay.get("max"), pay.get("currency"), pay.get("period")),
        )

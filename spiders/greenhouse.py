"""Greenhouse job boards (https://www.greenhouse.com), one board per company.

Endpoint: ``https://boards-api.greenhouse.io/v1/boards/<board>/jobs?content=true``
-- ``{"jobs": [...], "meta": {"total": N}}``, every published job of the board, no
pagination. Boards: ``-a boards=a,b``, ``-a boards_file=PATH`` or
``data/boards/greenhouse.txt``; an unknown board answers 404 (counted, not fatal).
Rate limits: none published for these GET endpoints (developers.greenhouse.io/job-board.html; cached
and not rate limited, as Superface's Greenhouse API overview sums it up), so the project's 0.5 s and
2 at a time, with 120 s to answer: with ``content`` a big board is megabytes. Quirks: ``content`` is
HTML *escaped once more* (``&lt;p&gt;``); many boards omit ``content``, ``departments`` and
``offices``; ``absolute_url`` may point at the company's own careers site (``?gh_jid=<id>``); ``id``
is the numeric job id.
"""

from __future__ import annotations

import html
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import POLITE, AtsBoardSpider, dig, text_or_none, unescape

EMPLOYMENT_KEYS = ("employment type", "time type", "employment")


class GreenhouseSpider(AtsBoardSpider):
    name = "greenhouse"
    # GETs are cached and not rate limited; a board with content=true can be megabytes
    custom_settings = {**POLITE, "DOWNLOAD_DELAY": 0.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_TIMEOUT": 120}
    board_url = "https://boards-api.greenhouse.io/v1/boards/{board}/jobs?content=true"
    job_url_patterns = (
        r"greenhouse\.io/(?:v1/boards/)?[\w.-]+/jobs/(\d{4,})",
        r"greenhouse\.io/embed/job_app\?(?:[^#]*&)?token=(\d{4,})",
        r"[?&]gh_jid=(\d{4,})",
    )
    job_url_hints = ("greenhouse", "gh_jid")
    #: one requisition posted in several locations shares ``internal_job_id``
    requisition_path = "$.internal_job_id"
    records_path = "jobs"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        metadata = {str(m.get("name")).lower(): m.get("value") for m in record.get("metadata") or []}
        employment = next((metadata[k] for k in EMPLOYMENT_KEYS if isinstance(metadata.get(k), str)), None)
        content = record.get("content")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("absolute_url")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company_name")),
            location_raw=unescape(dig(record, "location.name")),
            employment_type=text_or_none(employment),
            tags=[d["name"] for d in record.get("departments") or [] if d.get("name")],
            description_html=html.unescape(content) if content else None,
            posted_at_raw=text_or_none(record.get("first_published") or record.get("updated_at")),
        )

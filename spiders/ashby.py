"""Ashby job boards (https://www.ashbyhq.com), one board per company.

Endpoint: ``https://api.ashbyhq.com/posting-api/job-board/<board>?includeCompensation=true``
-- ``{"apiVersion": "1", "jobs": [...]}``, every listed job, no pagination. Boards:
``-a boards=...``, ``-a boards_file=PATH`` or ``data/boards/ashby.txt`` (slugs are
case-sensitive: ``Lambda``); unknown boards answer 404 (counted, not fatal). Rate limits: none
published (developers.ashbyhq.com/docs/public-job-posting-api gives none); one request per board,
``POLITE``: 1 s apart, one at a time. Quirks: the payload has no company name, so the board slug is
``company``; ``compensation.summaryComponents`` holds the structured range (``interval`` "1 YEAR",
``currencyCode``) and ``scrapeableCompensationSalarySummary`` the text; ``isRemote`` is a boolean; a
job with ``isListed: false`` is reachable by link only and is skipped.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, as_list, salary_fields, text_or_none, unescape


class AshbySpider(AtsBoardSpider):
    name = "ashby"
    board_url = "https://api.ashbyhq.com/posting-api/job-board/{board}?includeCompensation=true"
    job_url_patterns = (
        r"ashbyhq\.com/(?:[^/?#]+/)+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
        r"[?&]ashby_jid=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    )
    job_url_hints = ("ashby",)
    records_path = "jobs"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if record.get("isListed") is False:  # an unlisted job: reachable by link only, not on the board
            return None
        comp = record.get("compensation") or {}
        parts = comp.get("summaryComponents") or []
        pay = next((c for c in parts if c.get("compensationType") == "Salary"), None) or {}
        summary = comp.get("scrapeableCompensationSalarySummary") or comp.get("compensationTierSummary")
        places = [record.get("location"), *(s.get("location") for s in record.get("secondaryLocations") or [])]
        remote = record.get("isRemote")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("jobUrl")),
            apply_url=text_or_none(record.get("applyUrl")),
            title=unescape(record.get("title")),
            location_raw="; ".join(as_list(places)) or None,
            remote=remote if isinstance(remote, bool) else None,
            employment_type=text_or_none(record.get("employmentType")),
            tags=as_list([record.get("department"), record.get("team")]),
            description_html=record.get("descriptionHtml"),
            posted_at_raw=text_or_none(record.get("publishedAt")),
            **salary_fields(pay.get("minValue"), pay.get("maxValue"), pay.get("currencyCode"), pay.get("interval"),
                            raw=text_or_none(summary)),
        )  # fmt: skip

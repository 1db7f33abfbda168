"""Greenhouse job boards (https://www.greenhouse.com), one board per company.

Endpoint: ``https://boards-api.greenhouse.io/v1/boards/<board>/jobs?content=true`` -- ``{"jobs": [...],
"meta": {"total": N}}``, every published job of the board, no pagination. Boards: ``-a boards=a,b``,
``-a boards_file=PATH`` or ``data/boards/greenhouse.txt``; an unknown board answers 404 (counted).
Rate limits: none published for these GET endpoints (developers.greenhouse.io/job-board.html; cached
and not rate limited, as Superface's Greenhouse API overview sums it up), so the project's 0.5 s and
2 at a time, with 120 s to answer: with ``content`` a big board is megabytes. Quirks: ``content`` is
HTML *escaped once more* (``&lt;p&gt;``); many boards omit ``content``, ``departments`` and
``offices``; ``absolute_url`` may point at the company's own careers site (``?gh_jid=<id>``); ``id``
is the numeric job id. Pay ranges (``pay_input_ranges``: cents, currency, a title, no period) only come from
``/jobs/<id>?pay_transparency=true``: setting ``GREENHOUSE_PAY_TRANSPARENCY`` (off) asks it for every job.
"""

from __future__ import annotations

import html
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import POLITE, AtsBoardSpider, AtsDetailSpider, dig, salary_fields, text_or_none, unescape

API = "https://boards-api.greenhouse.io/v1/boards"
EMPLOYMENT_KEYS = ("employment type", "time type", "employment")


class GreenhouseSpider(AtsDetailSpider, AtsBoardSpider):
    name = "greenhouse"
    custom_settings = {**POLITE, "DOWNLOAD_DELAY": 0.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_TIMEOUT": 120}
    board_url = API + "/{board}/jobs?content=true"
    job_url_patterns = (
        r"greenhouse\.io/(?:v1/boards/)?[\w.-]+/jobs/(\d{4,})",
        r"greenhouse\.io/embed/job_app\?(?:[^#]*&)?token=(\d{4,})",
        r"[?&]gh_jid=(\d{4,})",
    )
    job_url_hints = ("greenhouse", "gh_jid")
    requisition_path = "$.internal_job_id"  # one requisition posted in several locations shares it
    records_path = "jobs"

    def detail_url(self, record: Any, response: Response) -> str | None:  # pay ranges: one request per job
        if self.settings.getbool("GREENHOUSE_PAY_TRANSPARENCY") and "id" in record:
            return f"{API}/{self.board(response)}/jobs/{record['id']}?pay_transparency=true"
        return None

    def merge_detail(self, listed: Any, detail: Any) -> Any:  # the list's record plus the pay ranges only
        return {**listed, "pay_input_ranges": detail.get("pay_input_ranges")} if isinstance(detail, dict) else listed

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
            **pay_range(record.get("pay_input_ranges")),
        )


def pay_range(ranges: Any) -> dict[str, Any]:
    """The ranges in the first one's currency (one per zone or level), lowest to highest; salary_raw
    lists every range with its title, which may name the period ("Hourly")."""
    ranges = [r for r in ranges or [] if isinstance(r, dict) and (r.get("min_cents") or r.get("max_cents"))]
    cur = ranges[0].get("currency_type") if ranges else None
    cents = [c for r in ranges if r.get("currency_type") == cur for c in (r.get("min_cents"), r.get("max_cents")) if c]
    raw = "; ".join(f"{r.get('title') or 'Pay'}: {_amounts(r)} {r.get('currency_type') or ''}".strip() for r in ranges)
    return salary_fields(min(cents) / 100, max(cents) / 100, cur, None, raw=raw) if cents else {}


def _amounts(pay: dict[str, Any]) -> str:
    return "-".join(f"{c / 100:.2f}".removesuffix(".00") for c in (pay.get("min_cents"), pay.get("max_cents")) if c)

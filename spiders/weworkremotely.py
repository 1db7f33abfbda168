"""We Work Remotely (https://weworkremotely.com).

Endpoints: one RSS feed per category (``/categories/<feed>.rss``) plus the
all-jobs feed ``/remote-jobs.rss``. Rate limits: none published for the RSS feeds
(weworkremotely.com/api-terms-and-guidelines sets usage terms, no rate); feeds have a 60-minute TTL,
so one crawl a day is plenty, ``POLITE``: 1 s apart, one at a time. Quirks: titles are "Company:
Title"; a job shows up in several feeds (one posting, keyed by its guid URL); 2026 feeds add
``country``/``state``/``skills`` tags; the description starts with a logo and a "Headquarters/URL"
block.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import RssSpider, as_list, text_or_none, unescape

FEEDS = [
    "remote-programming-jobs",
    "remote-full-stack-programming-jobs",
    "remote-back-end-programming-jobs",
    "remote-front-end-programming-jobs",
    "remote-devops-sysadmin-jobs",
    "remote-design-jobs",
    "remote-customer-support-jobs",
    "remote-sales-and-marketing-jobs",
    "remote-management-and-finance-jobs",
    "remote-product-jobs",
    "all-other-remote-jobs",
]


class WeWorkRemotelySpider(RssSpider):
    name = "weworkremotely"
    start_urls = [
        *(f"https://weworkremotely.com/categories/{feed}.rss" for feed in FEEDS),
        "https://weworkremotely.com/remote-jobs.rss",
    ]

    def parse_job(self, record: dict[str, Any], response: Response) -> JobPosting | None:
        company, _, title = (unescape(record.get("title")) or "").partition(": ")
        if not title:  # no "Company: " prefix
            company, title = "", company
        place = [text_or_none(record.get(k)) for k in ("region", "country", "state")]
        return JobPosting(
            source_id=text_or_none(record.get("guid")) or text_or_none(record.get("link")),
            url=text_or_none(record.get("link")),
            title=title.strip() or None,
            company=company.strip() or None,
            location_raw="; ".join(p for p in place if p) or None,
            remote=True,
            employment_type=text_or_none(record.get("type")),
            tags=[*as_list(record.get("category__all")), *as_list(record.get("skills"))],
            description_html=record.get("description"),
            posted_at_raw=text_or_none(record.get("pubDate")),
        )

"""Normalise pipeline: fill the clean fields beside the raw ones.

A value a normaliser cannot read stays raw, its clean fields stay null and the
crawl stat ``normalize/<kind>/unparsed`` counts it; a posting is never rejected
or dropped for that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from datetime import UTC, date, datetime
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.items import JobPosting
from normalize import build_cache, dates, location, salary, title
from normalize.company import normalize_company

logger = logging.getLogger(__name__)

#: The fields :func:`normalize_item` reads (``remotejobs renormalize`` reads only these back;
#: tests/test_renormalize.py checks the list against what it does read).
NORMALIZER_INPUTS = (
    "title", "posted_at", "posted_at_raw", "scraped_at", "location_raw", "description_text", "remote", "source",
    "salary_min", "salary_max", "salary_currency", "salary_period", "salary_raw", "company",
)  # fmt: skip
_ITEM_FIELDS = JobPosting.fields


def _crawl_time(item: MutableMapping[str, Any]) -> datetime:
    scraped = item.get("scraped_at")
    if scraped:
        try:
            parsed = datetime.fromisoformat(str(scraped))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def normalize_item(item: MutableMapping[str, Any], count: Callable[[str], None]) -> None:
    """Fill the normalised fields of ``item`` (a JobPosting, or a plain dict of its fields) in
    place; ``count(stat)`` records misses."""
    now = _crawl_time(item)

    raw_title = item.get("title")
    if raw_title:
        parsed = title.parse(str(raw_title))
        item["title_clean"] = parsed.get("title")
        item["seniority"] = parsed.get("seniority")
        item["category"] = parsed.get("category")
        item["role"] = parsed.get("role")
        rules = parsed.get("rules")
        item["title_rule"] = "; ".join(map(str, rules)) if isinstance(rules, list) else rules
        if not parsed.get("category"):
            count("title")

    if not item.get("posted_at") and item.get("posted_at_raw") not in (None, ""):
        item["posted_at"] = dates.parse_date(str(item["posted_at_raw"]), now=now)
        if item["posted_at"] is None:
            count("date")

    place = location.normalize_posting_location(
        text=item.get("location_raw"),
        description=item.get("description_text"),
        remote_flag=item.get("remote"),
        source=item.get("source"),
        title=item.get("title"),
    )
    item.update({k: v for k, v in place.items() if k in _ITEM_FIELDS})
    if item.get("location_raw") and not (place.get("countries") or place.get("regions") or place.get("worldwide")):
        count("location")

    pay = salary.normalize_posting_salary(
        structured_min=item.get("salary_min"),
        structured_max=item.get("salary_max"),
        structured_currency=item.get("salary_currency"),
        structured_period=item.get("salary_period"),
        text=item.get("salary_raw"),
        description=item.get("description_text"),
        on=date.fromisoformat(item["posted_at"][:10]) if item.get("posted_at") else now.date(),
    )
    item.update({k: v for k, v in pay.items() if k in _ITEM_FIELDS})
    if pay.get("salary_unparsed_reason"):
        count("salary")

    item["company_norm"] = normalize_company(item.get("company"))


def warm_up() -> None:
    """Build every normaliser's tables and compile every title pattern group now: a process that
    forks workers does it once instead of each worker on its first postings (~1 s each)."""
    title.parse("Senior Software Engineer")
    title.compile_patterns()
    location.normalize_posting_location(text="Remote (US)", description="Hybrid role. Location: Berlin", title="x")
    salary.normalize_posting_salary(text="$120,000 - $150,000 per year", description="Salary: $100k", on=None)
    dates.parse_date("3 days ago", now=datetime(2026, 1, 1, tzinfo=UTC))
    normalize_company("Example GmbH")
    build_cache.save()  # the next process reads the compiled title tables instead of compiling them


def normalize_or_keep_raw(item: JobPosting, count: Callable[[str], None]) -> JobPosting:
    """:func:`normalize_item`; a normaliser bug is logged and counted (``error``), the posting kept raw."""
    try:
        normalize_item(item, count)
    except Exception:  # a normaliser bug must not cost the posting: keep it raw
        logger.exception("normalising %s %s failed; stored raw", item.get("source"), item.get("source_id"))
        count("error")
    return item


class NormalizePipeline:
    """:func:`normalize_item` as a pipeline of its own (the distributed writer's; a crawl runs it
    in :class:`pipelines.prepare.PreparePipeline`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def count(self, kind: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"normalize/{kind}/unparsed")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, JobPosting):
            return item
        return normalize_or_keep_raw(item, self.count)

"""Run several spiders in one process and summarise their crawl runs.

Used by ``scrapy crawlall`` and ``remotejobs demo``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.cli.progress import ProgressReport
from crawler.items import SeenBody
from db.schema import open_db
from pipelines.after_crawl import rebuild_salary_index_after_crawls

logger = logging.getLogger(__name__)


@dataclass
class RunSummary:
    spider: str
    run_id: int | None
    status: str
    verdict: str = "failed"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    request_errors: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "finished"


def spider_names(settings: Settings) -> list[str]:
    return sorted(SpiderLoader.from_settings(settings).list())


def resolve_names(settings: Settings, wanted: Sequence[str]) -> list[str]:
    known = spider_names(settings)
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"unknown spider(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return list(wanted) or known


def run_all(
    process: CrawlerProcess | AsyncCrawlerProcess,
    names: Sequence[str],
    spider_kwargs: dict[str, Any] | None = None,
    progress: ProgressReport | None = None,
) -> RunAll:
    """Crawl ``names`` concurrently; ``progress`` counts finished spiders (with an ETA) and records.

    The salary index (rebuilt from every listing) is rebuilt once, after the last spider, not
    after each; ``salary_index_failed`` on the result says whether that rebuild failed."""
    crawlers = []
    watcher = _Watcher(progress, len(names)) if progress is not None else None
    once = len(names) > 1 and process.settings.getbool("SALARY_INDEX_AFTER_CRAWL", True)
    for name in names:
        crawler = process.create_crawler(name)
        if once:
            crawler.settings.set("SALARY_INDEX_AFTER_CRAWL", False, priority="cmdline")
        crawlers.append(crawler)
        if watcher is not None:
            watcher.watch(crawler)
        process.crawl(crawler, **(spider_kwargs or {}))
    process.start()
    result = RunAll(crawlers)
    # the databases the crawls stored into (none in distributed mode: the drain builds the index)
    stored_into = {c.stats.get_value("jobs/db") for c in crawlers if c.stats is not None} - {None}
    for path in sorted(stored_into) if once else ():
        db = open_db(path)
        try:
            result.salary_index_failed |= not rebuild_salary_index_after_crawls(db, process.settings)
        finally:
            db.close()
    return result


class RunAll(list[Crawler]):
    """The crawlers of :func:`run_all`, in the order given."""

    salary_index_failed = False


class _Watcher:
    """Feeds Scrapy's signals to a progress display: spiders closed of all, records seen."""

    def __init__(self, progress: ProgressReport, spiders: int) -> None:
        self.progress = progress
        self.spiders = spiders
        self.closed = 0
        self.records = 0
        progress.update("spiders", 0, spiders)
        progress.update("records", 0, None)

    def watch(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.record, signal=signals.item_scraped)
        crawler.signals.connect(self.record, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def record(self, *args: Any, item: Any = None, **kwargs: Any) -> None:
        self.records += len(item["source_ids"]) if isinstance(item, SeenBody) else 1  # a body: its postings
        self.progress.update("records", self.records, None)

    def spider_closed(self, *args: Any, **kwargs: Any) -> None:
        self.closed += 1
        self.progress.update("spiders", self.closed, self.spiders)


def summarise(crawlers: Iterable[Crawler], db_path: str) -> list[RunSummary]:
    db = open_db(db_path)
    rows = []
    try:
        for crawler in crawlers:
            name = crawler.spidercls.name
            stats = crawler.stats.get_stats() if crawler.stats is not None else {}
            run_id = stats.get("jobs/run_id")
            row = db["crawl_runs"].get(run_id) if run_id else None
            if row is None:
                rows.append(RunSummary(name, None, "failed"))
                continue
            rows.append(
                RunSummary(
                    spider=name,
                    run_id=int(run_id),
                    status=row["status"],
                    verdict=row.get("verdict") or "-",
                    new=row["new"] or 0,
                    updated=row["updated"] or 0,
                    unchanged=row["unchanged"] or 0,
                    rejected=row["rejected"] or 0,
                    request_errors=row["request_errors"] or 0,
                )
            )
    finally:
        db.close()
    return rows


def summary_fields(rows: Sequence[RunSummary]) -> dict[str, Any]:
    """Totals of a multi-spider run, for a machine-readable summary line."""
    counted = ("new", "updated", "unchanged", "rejected", "request_errors")
    return {
        "spiders": len(rows),
        "ok": sum(r.ok for r in rows),
        **{name: sum(getattr(r, name) for r in rows) for name in counted},
        "failed": ",".join(r.spider for r in rows if not r.ok),
    }


def format_summary(rows: Sequence[RunSummary]) -> str:
    """A plain-text table: one line per spider, then totals."""
    counted = ("new", "updated", "unchanged", "rejected", "request_errors")
    header = ("spider", "run", "status", "verdict", "new", "updated", "unchanged", "rejected", "req.errors")
    body = [(r.spider, str(r.run_id or "-"), r.status, r.verdict, *(str(getattr(r, f)) for f in counted)) for r in rows]
    ok = sum(r.ok for r in rows)
    healthy = sum(r.verdict == "ok" for r in rows)
    totals = (
        "TOTAL", "", f"{ok}/{len(rows)} clean", f"{healthy}/{len(rows)} ok",
        *(str(sum(getattr(r, f) for r in rows)) for f in counted),
    )  # fmt: skip
    table = [header, *body, totals]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = [
        "  ".join(
            cell.ljust(w) if i < 4 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    ]
    return "\n".join([lines[0], rule, *lines[1:-1], rule, lines[-1]])

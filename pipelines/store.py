"""Store pipeline: Scrapy glue around :class:`db.postings.PostingStore`.

Items are buffered and written in batches (``STORE_BATCH_SIZE``, one transaction each);
one ``crawl_runs`` row per crawl. When the spider closes, the after-crawl steps run
(:mod:`pipelines.after_crawl`: listings, boards, lifecycle, salary index) before the run row is
finalised.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.items import JobPosting, RejectedRecord
from crawler.scope import CrawlScope
from db.postings import PostingStore
from db.schema import open_db
from db.util import utc_now
from pipelines.after_crawl import platform_facts, run_after_crawl

logger = logging.getLogger(__name__)


def run_status(finish_reason: str | None, request_errors: int, bad_responses: int, items: int) -> str:
    """finished: clean; partial: finished with errors; failed: stopped early or nothing readable."""
    if finish_reason != "finished":
        return "failed"
    if request_errors or bad_responses:
        return "partial" if items else "failed"
    return "finished"


class StorePipeline:
    """Scrapy glue around :class:`PostingStore`: one crawl_runs row per crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("JOBS_DB") or "data/jobs.db"
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 200)
        self.postings: list[dict[str, Any]] = []
        self.rejects: list[dict[str, Any]] = []
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        self.store: PostingStore | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def spider_name(self) -> str:
        spider = self.crawler.spider
        return str(getattr(spider, "name", "unknown"))

    def open_spider(self) -> None:
        self.store = PostingStore(open_db(self.db_path))
        self.run_id = self.store.start_run(self.spider_name)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("jobs/run_id", self.run_id)
            self.crawler.stats.set_value("jobs/db", str(self.db_path))
        logger.info("Storing into %s (crawl run %d)", self.db_path, self.run_id)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RejectedRecord):
            self.rejects.append(dict(item))
        elif isinstance(item, JobPosting):
            self.postings.append(dict(item))
        else:
            return item
        if len(self.postings) + len(self.rejects) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not (self.postings or self.rejects) or self.store is None or self.run_id is None:
            return
        counts = self.store.write_batch(self.run_id, self.postings, self.rejects)
        for key, value in counts.items():
            self.counts[key] += value
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(f"jobs/{key}", value)
        self.postings, self.rejects = [], []

    def close_spider(self) -> None:
        self.flush()

    def _count_after_crawl_error(self, step: str, exc: BaseException) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("jobs/after_run_errors")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None or self.run_id is None:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        spider_exceptions = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))
        request_errors = int(stats.get("jobs/request_errors", 0)) + spider_exceptions
        bad_responses = int(stats.get("jobs/bad_response", 0))
        items = self.counts["new"] + self.counts["updated"] + self.counts["unchanged"]
        status = run_status(reason, request_errors, bad_responses, items)
        # what this run covered, in the spider's words (boards, filters, or the whole platform)
        crawl_scope = getattr(spider, "crawl_scope", None)
        scope = crawl_scope() if callable(crawl_scope) else CrawlScope(self.spider_name)
        run_after_crawl(
            self.store.db,
            run_id=self.run_id,
            scope=scope,
            status=status,
            facts=platform_facts(self.crawler.settings),
            settings=self.crawler.settings,
            on_error=self._count_after_crawl_error,
            stats=stats,
        )
        self.store.finish_run(
            self.run_id,
            finished_at=utc_now(),
            status=status,
            finish_reason=reason,
            request_errors=request_errors,
            bad_responses=bad_responses,
            items_scraped=items,
            stats_json=json.dumps(stats, default=str, sort_keys=True),
            scope=scope.to_json(),
            **self.counts,
        )
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("jobs/run_status", status)
        logger.info(
            "Crawl run %d of %s %s: %d new, %d updated, %d unchanged, %d rejected, %d request errors",
            self.run_id,
            self.spider_name,
            status,
            self.counts["new"],
            self.counts["updated"],
            self.counts["unchanged"],
            self.counts["rejected"],
            request_errors,
        )
        self.store.db.close()

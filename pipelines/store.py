"""Store pipeline: Scrapy glue around :class:`db.postings.PostingStore`.

Items are buffered and written in batches (``STORE_BATCH_SIZE``, one transaction each);
one ``crawl_runs`` row per crawl. When the spider closes, the after-crawl steps run
(:mod:`pipelines.after_crawl`: listings, boards, lifecycle, salary index) before the run row is
finalised. WAL checkpoints run on a thread of their own meanwhile (:mod:`db.checkpoint`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from crawler.items import JobPosting, RejectedRecord, SeenBody, SeenPosting, raw_text_of
from crawler.scope import CrawlScope
from db.checkpoint import BackgroundCheckpoints, background_checkpoints
from db.postings import PostingStore, posting_row
from db.schema import open_db
from db.util import utc_now
from pipelines.after_crawl import platform_facts, run_after_crawl
from pipelines.prepare import PREPARED_ROW, prepare_processes
from pipelines.verdict import RunCounts, judge, run_status

__all__ = ["StorePipeline", "run_status"]

logger = logging.getLogger(__name__)


class StorePipeline:
    """Scrapy glue around :class:`PostingStore`: one crawl_runs row per crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("JOBS_DB") or "data/jobs.db"
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 200)
        self.postings: list[dict[str, Any]] = []  # as columns (db.postings.posting_row)
        self.rejects: list[dict[str, Any]] = []
        self.seen: list[dict[str, Any]] = []  # unchanged since the last run: only marked seen
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        self.store: PostingStore | None = None
        self.run_id: int | None = None
        self.skipped = False
        self.checkpoints: BackgroundCheckpoints | None = None

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
        too_soon = self._too_soon()
        if too_soon:
            self.skipped = True
            self.store.finish_run(self.run_id, finished_at=utc_now(), status="skipped", finish_reason="skipped",
                                  verdict="skipped", verdict_reason=too_soon)  # fmt: skip
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("jobs/run_status", "skipped")
            logger.warning("Crawl run %d of %s skipped: %s", self.run_id, self.spider_name, too_soon)
            raise CloseSpider("skipped")
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("jobs/run_id", self.run_id)
            self.crawler.stats.set_value("jobs/db", str(self.db_path))
        # the WAL copied back into the database file on another thread, not in this one's commits
        interval = self.crawler.settings.getfloat("WAL_CHECKPOINT_SECONDS", 0.25)
        self.checkpoints = background_checkpoints(self.store.db, self.db_path, interval)
        logger.info("Storing into %s (crawl run %d)", self.db_path, self.run_id)

    def _too_soon(self) -> str | None:
        """Why this run must not ask the platform yet (its minimum interval since the last run
        that did), or None."""
        hours = float(getattr(self.crawler.spider, "min_interval_hours", 0) or 0)
        if not hours or not self.crawler.settings.getbool("MIN_INTERVAL_ENABLED", True) or self.store is None:
            return None
        last = self.store.db.execute(
            "SELECT started_at FROM crawl_runs WHERE spider = ? AND id != ? AND status IN ('finished', 'partial') "
            "ORDER BY id DESC LIMIT 1",
            [self.spider_name, self.run_id],
        ).fetchone()
        if not last or not last[0]:
            return None
        allowed = datetime.fromisoformat(last[0]) + timedelta(hours=hours)
        if datetime.fromisoformat(utc_now()) >= allowed:
            return None
        return (
            f"{self.spider_name} asks for at most one run every {hours:g} h; last run {last[0]}, "
            f"next allowed at {allowed.isoformat()}"
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RejectedRecord):
            self.rejects.append(dict(item))
        elif isinstance(item, JobPosting):
            # mapped to columns by the worker that prepared it, when nothing could change it since
            row = getattr(item, PREPARED_ROW, None)
            self.postings.append(row if row is not None else posting_row(dict(item), raw_text_of(item)))
        elif isinstance(item, SeenPosting):
            self.seen.append(dict(item))
        elif isinstance(item, SeenBody):
            source, board = item["source"], item.get("board")
            self.seen.extend({"source": source, "source_id": i, "board": board} for i in item["source_ids"])
        else:
            return item
        if len(self.postings) + len(self.rejects) + len(self.seen) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not (self.postings or self.rejects or self.seen) or self.store is None or self.run_id is None:
            return
        counts = self.store.write_rows(self.run_id, self.postings, self.rejects, seen=self.seen)
        for key, value in counts.items():
            self.counts[key] += value
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(f"jobs/{key}", value)
        self.postings, self.rejects, self.seen = [], [], []

    def close_spider(self) -> None:
        self.flush()
        digests = getattr(self.crawler.spider, "response_digests", None)
        if digests and self.store is not None and self.run_id is not None:
            self.store.keep_digests(digests, self.run_id)

    def _count_after_crawl_error(self, step: str, exc: BaseException) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("jobs/after_run_errors")

    def spider_closed(self, spider: Any, reason: str) -> None:
        try:
            self.finish(spider, reason)
        finally:
            self.close_db()

    def finish(self, spider: Any, reason: str) -> None:
        """The after-crawl steps and the run row's final values (not for a skipped run: recorded
        when it was skipped)."""
        if self.store is None or self.run_id is None or self.skipped:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        spider_exceptions = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))
        counts = RunCounts(
            finish_reason=reason,
            records=int(stats.get("jobs/records_seen", 0)),
            postings=self.counts["new"] + self.counts["updated"] + self.counts["unchanged"],
            rejected=self.counts["rejected"],
            request_errors=int(stats.get("jobs/request_errors", 0)) + spider_exceptions,
            bad_responses=int(stats.get("jobs/bad_response", 0)),
            blocked=int(stats.get("jobs/blocked", 0)),
            shape_changed=int(stats.get("jobs/shape_changed", 0)),
            decode_errors=int(stats.get("jobs/decode_errors", 0)),
        )
        status, _, _ = judge(counts)
        # what this run covered, in the spider's words (boards, filters, or the whole platform)
        crawl_scope = getattr(spider, "crawl_scope", None)
        scope = crawl_scope() if callable(crawl_scope) else CrawlScope(self.spider_name)
        failed_steps = run_after_crawl(
            self.store.db,
            run_id=self.run_id,
            scope=scope,
            status=status,
            facts=platform_facts(self.crawler.settings),
            settings=self.crawler.settings,
            on_error=self._count_after_crawl_error,
            stats=stats,
            # board discovery scans in a forked process beside the listings step, as the workers did
            scan_apart=prepare_processes(self.crawler.settings.get("PREPARE_PROCESSES", "auto")) > 0,
        )
        counts = replace(counts, after_crawl_failed=tuple(failed_steps))
        status, verdict, verdict_reason = judge(counts)
        self.store.finish_run(
            self.run_id,
            finished_at=utc_now(),
            status=status,
            finish_reason=reason,
            request_errors=counts.request_errors,
            bad_responses=counts.bad_responses,
            items_scraped=counts.postings,
            stats_json=json.dumps(stats, default=str, sort_keys=True),
            scope=scope.to_json(),
            verdict=verdict,
            verdict_reason=verdict_reason,
            **self.counts,
        )
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("jobs/run_status", status)
            self.crawler.stats.set_value("jobs/verdict", verdict)
        logger.info(
            "Crawl run %d of %s %s (%s: %s): %d new, %d updated, %d unchanged, %d rejected, %d request errors",
            self.run_id,
            self.spider_name,
            status,
            verdict,
            verdict_reason,
            self.counts["new"],
            self.counts["updated"],
            self.counts["unchanged"],
            self.counts["rejected"],
            counts.request_errors,
        )

    def close_db(self) -> None:
        if self.checkpoints is not None:  # (its thread ends before the connection it works beside)
            self.checkpoints.stop()
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("jobs/wal_checkpoints", self.checkpoints.checkpoints)
            self.checkpoints = None
        if self.store is not None:
            self.store.db.close()
            self.store = None

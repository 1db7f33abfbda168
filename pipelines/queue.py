"""Worker side of distributed mode: items go to Redis instead of SQLite.

Enabled by :class:`crawler.addons.Distributed` when ``REDIS_URL`` is set, in place of the
validate, normalise and store pipelines: ``remotejobs drain`` runs those once, in the one
process that writes SQLite. A worker pushes a ``run-start`` marker when it opens, every item
(serialised with its type and the worker's run key), and a ``run-end`` marker with its stats
and per-board outcomes when it closes; it keeps a heartbeat key alive meanwhile, so that a
killed worker's claimed boards can be requeued (:mod:`crawler.distributed`).

scrapy-redis's own ``RedisPipeline`` pushes items too, but serialises them without their type
and without run markers, which the writer needs for crawl_runs rows and after-crawl scope.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.distributed import (
    HEARTBEAT_TTL,
    BoardDone,
    BoardQueue,
    beat,
    connect,
    heartbeat_key,
    push_message,
    worker_id,
)
from crawler.items import JobPosting, RejectedRecord
from db.util import utc_now

logger = logging.getLogger(__name__)


class QueueItemsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.client: Any = None
        self.worker = worker_id()
        self.heartbeat: task.LoopingCall | None = None
        #: seconds after which a silent worker's claimed boards may be requeued
        self.ttl = crawler.settings.getint("DISTRIBUTED_HEARTBEAT_TTL", HEARTBEAT_TTL)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def spider_name(self) -> str:
        return str(getattr(self.crawler.spider, "name", "unknown"))

    def open_spider(self) -> None:
        self.client = connect(self.crawler.settings["REDIS_URL"])
        beat(self.client, self.worker, self.ttl)
        self.heartbeat = task.LoopingCall(beat, self.client, self.worker, self.ttl)
        self.heartbeat.start(self.ttl / 3, now=False)
        push_message(
            self.client, {"kind": "run-start", "run": self.worker, "spider": self.spider_name, "at": utc_now()}
        )
        logger.info("Distributed worker %s: items go to Redis", self.worker)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, BoardDone):
            # after the board's items: pipelines run one item at a time, in the callback's order
            BoardQueue(self.client, self.spider_name).ack(item.board)
            return item
        if isinstance(item, JobPosting | RejectedRecord):
            message = {"kind": "item", "run": self.worker, "type": type(item).__name__, "data": dict(item)}
            push_message(self.client, message)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("distributed/items_queued")
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.client is None:
            return
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        push_message(
            self.client,
            {
                "kind": "run-end",
                "run": self.worker,
                "spider": self.spider_name,
                "at": utc_now(),
                "reason": reason,
                "stats": stats,
                # per-board outcomes: the writer unions them over a round's workers
                "board_records": dict(getattr(spider, "board_records", {}) or {}),
                "failed_boards": sorted(getattr(spider, "failed_boards", set()) or ()),
                "gone_boards": sorted(getattr(spider, "gone_boards", set()) or ()),
                "claimed_boards": list(getattr(spider, "claimed_boards", None) or ()),
            },
        )
        # boards still claimed by this worker now count as abandoned (their requests were lost)
        self.client.delete(heartbeat_key(self.worker))

"""Skip-unchanged pipeline, first in line: a posting the spider yields exactly as last time is
only marked seen.

Every posting gets its spider hash (:func:`db.postings.spider_hash`: the spider's output, raw
record included, before validation), which the store keeps. When the hash equals the stored one,
the posting becomes a :class:`~crawler.items.SeenPosting`: the later pipelines pass it through and
the store moves only ``last_seen_at``, ``last_run_id`` and ``board`` -- exactly what it does for an
unchanged posting after validating and normalising it, so stored values are the same either way.

A posting stored without a hash (or not stored at all: a first crawl, a new job) has nothing to be
compared with, so its hash is left to :func:`pipelines.prepare.prepare`, which takes it first
thing, before validating, in a worker process: on a first crawl the JSON encoding of every raw
record is off the crawl process (mixed benchmark cassette: 1.8 s of its CPU for 11,811 postings).

Stored hashes are read in batches: one query per (source, board) the first time a board's
posting arrives (a board-less feed is one batch). ``SKIP_UNCHANGED = False`` turns the skip off
(hashes are still taken and stored).

Mind: a normaliser change does not reach unchanged postings this way; ``remotejobs renormalize``
re-applies the normalisers to stored postings.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.items import JobPosting, SeenPosting, raw_text_of
from db.postings import PostingStore, spider_hash
from db.schema import open_db


class SkipUnchangedPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("SKIP_UNCHANGED", True)
        self.db_path = crawler.settings.get("JOBS_DB") or "data/jobs.db"
        self.store: PostingStore | None = None
        self.stored: dict[tuple[str, str | None], dict[str, str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        if self.enabled:
            self.store = PostingStore(open_db(self.db_path))

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.db.close()
            self.store = None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, JobPosting) or self.store is None:
            return item  # (without the skip, the hash is taken where the posting is prepared)
        source, board = str(item.get("source")), item.get("board")
        stored = self.stored.get((source, board))
        if stored is None:
            stored = self.stored[(source, board)] = self.store.spider_hashes(source, board)
        known = stored.get(str(item.get("source_id")))
        if known is None:
            return item  # nothing to compare with: hashed where it is prepared, off this process
        digest = spider_hash(dict(item), raw_text_of(item))
        item["spider_hash"] = digest
        if known != digest:
            return item
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("jobs/skipped_unchanged")
        return SeenPosting(source=source, source_id=str(item["source_id"]), board=board, spider_hash=digest)

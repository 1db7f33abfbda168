"""Prepare pipeline: validate → normalise each posting, on the machine's other cores.

Sanitising HTML, converting it to text and running the normalisers is nearly all of a crawl's
CPU time, and none of it needs the crawl's state. With ``PREPARE_PROCESSES`` above 0 the
postings go in small batches to that many worker processes (forked once per crawl, so they start
with every module imported) while this process goes on downloading, parsing and storing. Results
come back in the order the spider yielded the postings, with exactly the values the in-process
path gives (the same functions run: :func:`prepare`).

- ``PREPARE_PROCESSES = "auto"`` (default): one process fewer than the cores this process may
  use, at most 4; 0 on a one-core machine. ``0`` runs everything in the crawl process.
- What a worker logs (a rejected posting, a normaliser error) is logged again by the crawl
  process, so ``LOG_FILE``, ``LOG_LEVEL`` and Scrapy's ``log_count/*`` stats see it; its stat
  increments (``jobs/rejected_invalid``, ``normalize/<kind>/unparsed``) are added to the
  crawl's stats, and ``prepare/worker_cpu_seconds`` says how much CPU time the workers spent.
- A worker that dies (killed, out of memory) costs nothing: its batch and every later one are
  prepared in the crawl process, with a warning.
- Needs the asyncio reactor (Scrapy's default); under another reactor it prepares in-process.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.reactor import is_asyncio_reactor_installed, is_reactor_installed

from crawler.items import JobPosting, drop_raw_text, keep_raw_text, raw_text_of
from db.postings import posting_row, spider_hash
from normalize import build_cache
from pipelines.normalization import normalize_or_keep_raw
from pipelines.validate import validate_item

logger = logging.getLogger(__name__)

#: Most postings one batch carries to a worker: enough to make the hand-over cheap, few enough
#: that the crawl process has the next batch ready before the worker is done.
BATCH_MAX = 64
#: Batches each worker may have in hand before this process takes over the work either side can
#: do (a new posting's spider hash; the store's row, then built by the store): which side is the
#: slower depends on the records (long raw records make the row and the hash the larger share).
BEHIND = 2
#: A prepared posting's columns as the store writes them (:func:`db.postings.posting_row`: the
#: raw record's JSON, the content hash), built by the worker and kept on the item under this
#: attribute when the store is the next pipeline (nothing can change the posting in between).
PREPARED_ROW = "_prepared_row"
STORE_PIPELINE = "pipelines.store.StorePipeline"


def prepare(item: Any, spider_name: str | None, count: Callable[[str], None]) -> Any:
    """One posting hashed (unless the skip pipeline did), validated, then normalised (a reject or
    any other item passes as it is)."""
    if not isinstance(item, JobPosting):
        return item
    take_spider_hash(item)
    checked = validate_item(item, spider_name, count)
    if isinstance(checked, JobPosting):
        return normalize_or_keep_raw(checked, lambda kind: count(f"normalize/{kind}/unparsed"))
    return checked


def take_spider_hash(item: Any) -> None:
    """A posting's spider hash, unless the skip pipeline took it: the spider's output, before
    validation changes it."""
    if isinstance(item, JobPosting) and item.get("spider_hash") is None:
        item["spider_hash"] = spider_hash(dict(item), raw_text_of(item))


def prepare_processes(setting: Any, cpus: int | None = None) -> int:
    """Worker processes for ``PREPARE_PROCESSES`` (``"auto"``, or a count)."""
    if setting in (None, "", "auto"):
        usable = cpus if cpus is not None else len(os.sched_getaffinity(0))
        return max(0, min(4, usable - 1))
    try:
        count = int(setting)
    except (TypeError, ValueError):
        raise ValueError(f'PREPARE_PROCESSES must be "auto" or a number of processes, not {setting!r}') from None
    if count < 0:
        raise ValueError(f"PREPARE_PROCESSES must not be negative, not {count}")
    return count


def store_is_next(settings: BaseSettings) -> bool:
    """True when the store is the item pipeline right after this one: then a worker may build the
    rows the store writes (a pipeline in between could change a posting after that)."""
    order = [load_object(path) for path in build_component_list(settings.getwithbase("ITEM_PIPELINES"))]
    after = [i + 1 for i, component in enumerate(order) if component is PreparePipeline]
    return len(after) == 1 and after[0] < len(order) and order[after[0]] is load_object(STORE_PIPELINE)


# -- the worker side -----------------------------------------------------------------------
class _Collect(logging.Handler):
    """Keeps a worker's log records for the crawl process to log (formatted here: arguments and
    tracebacks need not pickle)."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


_collected: _Collect | None = None
_saved_tables = False


def _start_worker() -> None:
    global _collected
    # Ctrl-C reaches the whole process group: the crawl process decides when its workers stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    levels = [handler.level for handler in root.handlers] or [logging.WARNING]
    for handler in list(root.handlers):
        root.removeHandler(handler)
    _collected = _Collect(min(levels))
    root.addHandler(_collected)


#: A batch's results, stat increments, log records, CPU seconds, and the positions of the
#: postings sent back without their raw record (:func:`prepare_batch`).
Outcome = tuple[list[Any], Counter[str], list[logging.LogRecord], float, list[int]]


def prepare_batch(items: list[Any], spider_name: str | None, rows: bool = False) -> Outcome:
    """A worker's job: :func:`prepare` on each item (``rows``: each prepared posting's columns
    kept on it, :data:`PREPARED_ROW`); the results, stat increments, log records and the CPU
    seconds it took.

    A posting goes back with ``raw`` None where preparing left its raw record as it came (always,
    today): the crawl process puts its own copy back (:meth:`PreparePipeline.deliver`). A raw
    record is many small objects, and unpickling them cost the crawl process two thirds of a
    result's hand-over (103 vs 35 µs a posting, real Ashby records)."""
    global _saved_tables
    counts: Counter[str] = Counter()
    started = time.process_time()
    raws = [item.get("raw") if isinstance(item, JobPosting) else None for item in items]
    results = [prepare(item, spider_name, lambda stat: counts.update((stat,))) for item in items]
    if rows:
        for result in results:
            if isinstance(result, JobPosting):
                setattr(result, PREPARED_ROW, posting_row(dict(result), raw_text_of(result)))
    without_raw = []
    for at, (item, result) in enumerate(zip(items, results, strict=True)):
        if result is item and isinstance(result, JobPosting) and result.get("raw") is raws[at] is not None:
            result["raw"] = None  # (set, not deleted: the fields keep their order)
            drop_raw_text(result)  # (it holds the raw record too)
            without_raw.append(at)
    if not _saved_tables:  # the tables this worker built: the next crawl's workers read them back
        _saved_tables = True
        build_cache.save()
    records: list[logging.LogRecord] = []
    if _collected is not None:
        records, _collected.records = _collected.records, []
    return results, counts, records, time.process_time() - started, without_raw


#: Crawls of this process that froze the heap and whose engine has not stopped.
_frozen_crawls = 0
#: The collector's thresholds while a crawl runs (Python's: 700, 10, 10). Every posting allocates
#: hundreds of containers (its item, raw record, rows, Scrapy's futures), so at 700 the crawl
#: process ran ~870 young collections per 11,800 postings: 0.36-0.43 s, 3-4 % of its time; at
#: 10,000, 30 of them and 0.14-0.16 s. Cyclic garbage waits a little longer: a few MB at most.
CRAWL_GC_THRESHOLDS = (10_000, 10, 10)
_thresholds_before: tuple[int, int, int] | None = None


def _freeze_heap() -> None:
    """What exists when a crawl's pipelines open (imports, settings, components) lives as long as
    the crawl: the collector stops walking it and forked workers stop copying the pages it sits
    on (a Hacker News thread, 420 comments: ~12 % less CPU); young collections get rarer
    (:data:`CRAWL_GC_THRESHOLDS`)."""
    global _frozen_crawls, _thresholds_before
    gc.freeze()
    if not _frozen_crawls:
        _thresholds_before = gc.get_threshold()
        gc.set_threshold(*CRAWL_GC_THRESHOLDS)
    _frozen_crawls += 1


def _thaw_heap() -> None:
    """Collectable again, at the thresholds from before, once the last crawl of the process stops
    (crawlall's run side by side)."""
    global _frozen_crawls, _thresholds_before
    _frozen_crawls -= 1
    if not _frozen_crawls:
        gc.unfreeze()
        if _thresholds_before is not None:
            gc.set_threshold(*_thresholds_before)
            _thresholds_before = None


# -- the crawl side ------------------------------------------------------------------------
class PreparePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.processes = prepare_processes(crawler.settings.get("PREPARE_PROCESSES", "auto"))
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self.delivered: asyncio.Future[None] | None = None  # the last batch handed on
        self.tasks: set[asyncio.Task[None]] = set()
        self.in_flight: list[Future[Any]] = []  # batches handed to the workers, not yet done
        self.frozen = False
        self.rows = store_is_next(crawler.settings)  # workers build the store's rows too

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.thaw, signal=signals.engine_stopped)
        return pipeline

    def thaw(self) -> None:
        if self.frozen:
            self.frozen = False
            _thaw_heap()

    @property
    def spider_name(self) -> str | None:
        return getattr(self.crawler.spider, "name", None)

    def count(self, stat: str, value: Any = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(stat, value)

    def open_spider(self) -> None:
        if self.processes and not is_reactor_installed():
            self.processes = 0  # driven by hand (tests, tools), not by a crawl: prepare in-process
        elif self.processes and not is_asyncio_reactor_installed():
            logger.warning("PREPARE_PROCESSES needs the asyncio reactor: preparing postings in the crawl process")
            self.processes = 0
        if is_reactor_installed():  # a crawl, not pipelines driven by hand: thawed when its engine stops
            _freeze_heap()
            self.frozen = True
        if self.processes:
            self.start_pool()
            logger.info("Preparing postings in %d worker process(es) (PREPARE_PROCESSES)", self.processes)

    def start_pool(self) -> None:
        # forked: a worker starts with every module imported (it builds the normalisers' tables
        # itself, on its first batch, while this process goes on crawling)
        context = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(self.processes, mp_context=context, initializer=_start_worker)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def prepare_here(self, item: Any) -> Any:
        return prepare(item, self.spider_name, self.count)

    async def process_item(self, item: Any) -> Any:
        if self.pool is None:
            return self.prepare_here(item)
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Any] = loop.create_future()
        if not self.pending:
            # the items the scraper starts in this turn of the loop travel together
            loop.call_soon(self.send)
        self.pending.append((item, result))
        if len(self.pending) >= BATCH_MAX:
            self.send()
        return await result

    def send(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        previous = self.delivered
        self.delivered = asyncio.get_running_loop().create_future()
        work: Future[Any] | None = None
        if self.pool is not None:
            items = [item for item, _ in batch]
            rows = self.rows
            if self.workers_behind():  # this process hashes, and its store builds the rows
                rows = False
                for item in items:
                    take_spider_hash(item)
            try:
                work = self.pool.submit(prepare_batch, items, self.spider_name, rows)
                self.in_flight.append(work)
            except (BrokenProcessPool, RuntimeError) as exc:
                self._lost_pool(exc)
        task = asyncio.ensure_future(self.deliver(batch, work, previous, self.delivered))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def workers_behind(self) -> bool:
        """True when every worker has a batch and another waiting: then the work either side may
        do (a new posting's hash, the store's row) is done on this side."""
        self.in_flight = [work for work in self.in_flight if not work.done()]
        return len(self.in_flight) >= BEHIND * self.processes

    def _lost_pool(self, exc: BaseException) -> None:
        if self.pool is not None:
            logger.warning("prepare worker lost (%s): preparing postings in the crawl process from now on", exc)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    async def deliver(
        self,
        batch: list[tuple[Any, asyncio.Future[Any]]],
        work: Future[Any] | None,
        previous: asyncio.Future[None] | None,
        delivered: asyncio.Future[None],
    ) -> None:
        """Hand a batch's results on once the batch before it has been handed on (spider order)."""
        outcome: Outcome | None = None
        if work is not None:
            try:
                outcome = await asyncio.wrap_future(work)
            except BrokenProcessPool as exc:
                self._lost_pool(exc)
            except Exception:  # a bug on some posting: each is prepared here, where its error is its own
                logger.debug("prepare batch failed in a worker; preparing it in the crawl process", exc_info=True)
        if previous is not None:
            await previous
        try:
            if outcome is None:
                for item, result in batch:
                    try:
                        result.set_result(self.prepare_here(item))
                    except Exception as exc:  # Scrapy logs it as this item's error
                        result.set_exception(exc)
                return
            results, counts, records, seconds, without_raw = outcome
            for at in without_raw:  # the raw record as this process sent it (preparing left it so)
                sent = batch[at][0]
                results[at]["raw"] = sent["raw"]
                if not hasattr(results[at], PREPARED_ROW) and (text := raw_text_of(sent)) is not None:
                    keep_raw_text(results[at], sent["raw"], text)  # for the row the store builds
            for record in records:
                logging.getLogger(record.name).handle(record)
            self.count("prepare/worker_cpu_seconds", seconds)
            for stat, value in counts.items():
                self.count(stat, value)
            for (_, result), prepared in zip(batch, results, strict=True):
                result.set_result(prepared)
        finally:
            delivered.set_result(None)

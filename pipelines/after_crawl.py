"""After-crawl steps, in order, in code: listings -> boards -> lifecycle -> salary index.

The store pipeline calls :func:`run_after_crawl` once per crawl, after the crawl's last batch
is written and before its ``crawl_runs`` row is finalised, so every step sees the run's final
status. The settings are read once, here:

1. **listings** (:func:`listings.build.dedupe_postings`): the run's new and changed postings
   are placed into listings (``DEDUPE_WINDOW_DAYS``, ``DEDUPE_DESC_THRESHOLD``);
2. **board discovery** (:func:`db.boards.discover_boards_of_run`): the ATS boards the run's new
   and changed postings link to (URL, apply URL, description links) join the ``boards`` table
   (every posting the run saw when ``data/ats_patterns.csv`` changed since the spider's last run).
   With worker processes allowed (``PREPARE_PROCESSES``), the postings are scanned in a forked
   process of their own while step 1 runs (:class:`BoardScan`), and this step stores its finds;
   should that process fail, the step scans here as before;
3. **board health** (:func:`db.boards.record_board_health`): for an ATS spider, boards that
   answered 404 (stat ``boards/not_found``) count one more; three in a row make them inactive;
4. **lifecycle** (:func:`listings.lifecycle.apply_lifecycle`): postings the run should have seen
   and did not are closed, returning ones reopened (``LIFECYCLE_MAX_ERROR_RATE``,
   ``LIFECYCLE_MIN_ITEM_RATIO``);
5. **salary index** (:func:`analytics.salary_index.rebuild_salary_index`) from the listings'
   new state, and today's ``salary_index_history`` snapshot (``SALARY_INDEX_MIN_N``,
   ``SALARY_INDEX_MIN_EMPLOYERS``, ``SALARY_INDEX_WINDOW_DAYS``, ``SALARY_INDEX_INCLUDE_HYBRID``),
   with the reference places refreshed first. Runs of several spiders in one process
   (``scrapy crawlall``, ``remotejobs demo``) leave it out of each crawl
   (``SALARY_INDEX_AFTER_CRAWL = False``) and rebuild it once when the last one has finished
   (:func:`rebuild_salary_index_after_crawls`): it reads every listing, whichever spider ran.

Each step is one write transaction taken with the write lock (``BEGIN IMMEDIATE``, waiting
``busy_timeout``) and retried while another process holds the database. A step that still
raises is logged and counted; the steps after it still run, the run's bookkeeping is never
lost, and the failed steps are returned so the run is not recorded as ``finished``.

What the listings layer knows about platforms comes from here, as data: the run's
:class:`~crawler.scope.CrawlScope` (from the spider) and :func:`platform_facts` (every
spider's class attributes, found by Scrapy's spider loader -- the listings layer never
imports spiders, and no list of spider names is kept by hand).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Protocol

import sqlite_utils
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from analytics.salary_index import DEFAULT_MIN_EMPLOYERS, DEFAULT_MIN_N, rebuild_salary_index
from analytics.salary_index import DEFAULT_WINDOW_DAYS as SALARY_WINDOW_DAYS
from crawler.scope import CrawlScope, PlatformFacts
from db.boards import (
    add_scanned,
    discover_boards_of_run,
    record_board_health,
    record_patterns,
    run_selection,
    scan_to_file,
)
from db.places import refresh_places
from db.util import retry_when_locked, write_transaction
from listings.build import dedupe_postings
from listings.keys import DEFAULT_DESC_THRESHOLD, DEFAULT_WINDOW_DAYS
from listings.lifecycle import DEFAULT_MAX_ERROR_RATE, DEFAULT_MIN_ITEM_RATIO, apply_lifecycle

logger = logging.getLogger(__name__)


class SettingsLike(Protocol):
    def getfloat(self, name: str, default: float = ...) -> float: ...
    def getint(self, name: str, default: int = ...) -> int: ...
    def getbool(self, name: str, default: bool = ...) -> bool: ...


@dataclass(frozen=True)
class AfterCrawlSettings:
    """The settings the after-crawl steps read (defaults as in crawler/settings.py)."""

    dedupe_window_days: float = DEFAULT_WINDOW_DAYS
    dedupe_desc_threshold: float = DEFAULT_DESC_THRESHOLD
    lifecycle_max_error_rate: float = DEFAULT_MAX_ERROR_RATE
    lifecycle_min_item_ratio: float = DEFAULT_MIN_ITEM_RATIO
    salary_index_min_n: int = DEFAULT_MIN_N
    salary_index_min_employers: int = DEFAULT_MIN_EMPLOYERS
    salary_index_window_days: float = SALARY_WINDOW_DAYS
    salary_index_include_hybrid: bool = False
    salary_index_after_crawl: bool = True

    @classmethod
    def from_settings(cls, settings: SettingsLike | None) -> AfterCrawlSettings:
        if settings is None:
            return cls()
        return cls(
            dedupe_window_days=settings.getfloat("DEDUPE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS),
            dedupe_desc_threshold=settings.getfloat("DEDUPE_DESC_THRESHOLD", DEFAULT_DESC_THRESHOLD),
            lifecycle_max_error_rate=settings.getfloat("LIFECYCLE_MAX_ERROR_RATE", DEFAULT_MAX_ERROR_RATE),
            lifecycle_min_item_ratio=settings.getfloat("LIFECYCLE_MIN_ITEM_RATIO", DEFAULT_MIN_ITEM_RATIO),
            salary_index_min_n=settings.getint("SALARY_INDEX_MIN_N", DEFAULT_MIN_N),
            salary_index_min_employers=settings.getint("SALARY_INDEX_MIN_EMPLOYERS", DEFAULT_MIN_EMPLOYERS),
            salary_index_window_days=settings.getfloat("SALARY_INDEX_WINDOW_DAYS", SALARY_WINDOW_DAYS),
            salary_index_include_hybrid=settings.getbool("SALARY_INDEX_INCLUDE_HYBRID", False),
            salary_index_after_crawl=settings.getbool("SALARY_INDEX_AFTER_CRAWL", True),
        )


@cache
def _facts_of(spider_modules: tuple[str, ...]) -> PlatformFacts:
    settings = get_project_settings().copy()
    settings.set("SPIDER_MODULES", list(spider_modules))
    loader = get_spider_loader(settings)
    return PlatformFacts.collect(loader.load(name) for name in loader.list())


def platform_facts(settings: BaseSettings | None = None) -> PlatformFacts:
    """The platform facts declared by every spider of ``SPIDER_MODULES`` (default: the project's)."""
    modules = (settings or get_project_settings()).getlist("SPIDER_MODULES")
    return _facts_of(tuple(modules))


def place_postings(
    db: sqlite_utils.Database, run_id: int, spider: str, config: AfterCrawlSettings, facts: PlatformFacts
) -> None:
    # (source, last_run_id) is indexed: no scan of the whole postings table per crawl
    result = dedupe_postings(
        db,
        "WHERE source = ? AND last_run_id = ?",
        [spider, run_id],
        facts=facts,
        window_days=config.dedupe_window_days,
        desc_threshold=config.dedupe_desc_threshold,
    )
    logger.info("listings after run %d: %d postings placed, %s", run_id, result.postings, result.rules)


class BoardScan:
    """Board discovery's scan of a run's postings (a regular-expression pass over every new
    description: ~1 s for 11,800 postings) in a forked process, side by side with the listings
    step, which has the crawl process busy and the other cores idle. The finds go to a SQLite
    file of their own; the discovery step stores them in the scan's order, so ``boards`` ends
    as the scan in this process leaves it."""

    def __init__(self, db_path: str, where: str, params: list[Any], patterns_changed: bool) -> None:
        self.patterns_changed = patterns_changed
        self.folder = tempfile.mkdtemp(prefix="remotejobs-boards-")
        self.out = os.path.join(self.folder, "found.db")
        context = multiprocessing.get_context("fork")
        self.process = context.Process(
            target=_scan, args=(db_path, where, params, self.out), name="board-scan", daemon=True
        )
        self.process.start()

    @classmethod
    def start(cls, db: sqlite_utils.Database, run_id: int, spider: str) -> BoardScan | None:
        """The scan started, or None where it cannot run apart (an in-memory database, no fork)."""
        path = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
        if not path or "fork" not in multiprocessing.get_all_start_methods():
            return None
        try:
            return cls(path, *run_selection(db, spider, run_id))
        except Exception:
            logger.warning("board discovery: could not scan in another process; scanning here", exc_info=True)
            return None

    def store(self, db: sqlite_utils.Database, spider: str) -> int | None:
        """Wait for the scan and store its finds; None when it failed (then nothing is stored)."""
        self.process.join()
        if self.process.exitcode != 0:
            logger.warning("board discovery: the scanning process failed (%s); scanning here", self.process.exitcode)
            return None
        new = add_scanned(db, self.out)
        if self.patterns_changed:
            record_patterns(db, spider)
        return new

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)


def _scan(db_path: str, where: str, params: list[Any], out: str) -> None:
    # Ctrl-C reaches the whole process group: the crawl process decides when this one stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    scan_to_file(db_path, where, params, out)


def find_boards_of_run(db: sqlite_utils.Database, run_id: int, spider: str, scan: BoardScan | None = None) -> None:
    # the postings whose content the run wrote; all it saw when the pattern table changed
    new = scan.store(db, spider) if scan is not None else None
    if new is None:
        new = discover_boards_of_run(db, spider, run_id)
    logger.info("board discovery after run %d: %d new boards", run_id, new)


def check_board_health(db: sqlite_utils.Database, spider: str, status: str, stats: Mapping[str, Any]) -> None:
    if "boards/not_found" not in stats and not stats.get("boards/crawled_all_active"):
        return  # not an ATS crawl of board lists (or nothing to record)
    # only a clean crawl of every active board says the others answered: then their counts restart
    covered_all = bool(stats.get("boards/crawled_all_active")) and status == "finished"
    gone = record_board_health(db, spider, list(stats.get("boards/not_found") or []), covered_all)
    if gone:
        logger.warning("%s boards now inactive (404 in consecutive crawls): %s", spider, ", ".join(gone))


def update_salary_index(
    db: sqlite_utils.Database, run_id: int | None, config: AfterCrawlSettings, *, now: datetime | None = None
) -> None:
    """Rebuild the salary index and today's history snapshot; ``now`` (default: the clock) sets the window.
    ``run_id`` None: after several crawls (:func:`rebuild_salary_index_after_crawls`)."""
    refresh_places(db)
    result = rebuild_salary_index(
        db,
        now=now or datetime.now(UTC),
        min_n=config.salary_index_min_n,
        min_employers=config.salary_index_min_employers,
        window_days=config.salary_index_window_days,
        include_hybrid=config.salary_index_include_hybrid,
    )
    if result is not None:
        logger.info(
            "salary index rebuilt after %s: %d of %d cells published over %d jobs",
            "every crawl of this process" if run_id is None else f"run {run_id}",
            result.published,
            len(result.cells),
            result.jobs,
        )


@retry_when_locked
def _in_write_transaction(db: sqlite_utils.Database, step: Callable[[], Any]) -> None:
    with write_transaction(db):
        step()


def run_after_crawl(
    db: sqlite_utils.Database,
    *,
    run_id: int,
    scope: CrawlScope,
    status: str,
    facts: PlatformFacts,
    settings: SettingsLike | None = None,
    on_error: Callable[[str, BaseException], None] | None = None,
    stats: Mapping[str, Any] | None = None,
    scan_apart: bool = False,
) -> list[str]:
    """Run the after-crawl steps for one finished crawl; returns the names of steps that failed.

    ``scope`` is what the spider says the run covered; ``facts`` what the spiders say about
    their platforms (:func:`platform_facts`); ``stats`` the crawl's Scrapy stats; ``scan_apart``:
    board discovery may scan in a forked process during the listings step (:class:`BoardScan`).
    """
    config = AfterCrawlSettings.from_settings(settings)
    spider = scope.source
    scan = BoardScan.start(db, run_id, spider) if scan_apart else None
    try:
        return _run_steps(db, run_id, scope, status, facts, config, on_error, stats, scan)
    finally:
        if scan is not None:
            scan.close()


def _run_steps(
    db: sqlite_utils.Database,
    run_id: int,
    scope: CrawlScope,
    status: str,
    facts: PlatformFacts,
    config: AfterCrawlSettings,
    on_error: Callable[[str, BaseException], None] | None,
    stats: Mapping[str, Any] | None,
    scan: BoardScan | None,
) -> list[str]:
    spider = scope.source
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("listings", lambda: place_postings(db, run_id, spider, config, facts)),
        ("board discovery", lambda: find_boards_of_run(db, run_id, spider, scan)),
        ("board health", lambda: check_board_health(db, spider, status, stats or {})),
        (
            "lifecycle",
            lambda: apply_lifecycle(
                db,
                run_id=run_id,
                scope=scope,
                status=status,
                facts=facts,
                max_error_rate=config.lifecycle_max_error_rate,
                min_item_ratio=config.lifecycle_min_item_ratio,
            ),
        ),
    ]
    if config.salary_index_after_crawl:
        steps.append(("salary index", lambda: update_salary_index(db, run_id, config)))
    failed = []
    for name, step in steps:
        try:
            _in_write_transaction(db, step)
        except Exception as exc:  # one failing step must not lose the run's bookkeeping
            logger.exception("after-crawl step %r failed for run %d of %s", name, run_id, spider)
            failed.append(name)
            if on_error is not None:
                on_error(name, exc)
    return failed


def rebuild_salary_index_after_crawls(db: sqlite_utils.Database, settings: SettingsLike | None = None) -> bool:
    """The salary index step, once, after several crawls that each left it out
    (``SALARY_INDEX_AFTER_CRAWL = False``: ``scrapy crawlall``, ``remotejobs demo``): a rebuild
    reads every listing, so one is enough for all of them. False when it failed (logged)."""
    config = AfterCrawlSettings.from_settings(settings)
    try:
        _in_write_transaction(db, lambda: update_salary_index(db, None, config))
    except Exception:
        logger.exception("after-crawl step 'salary index' failed after the crawls of this process")
        return False
    return True

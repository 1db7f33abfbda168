"""After-crawl steps, in order, in code: listings -> boards -> lifecycle -> salary index.

The store pipeline calls :func:`run_after_crawl` once per crawl, after the crawl's last batch
is written and before its ``crawl_runs`` row is finalised, so every step sees the run's final
status. The settings are read once, here:

1. **listings** (:func:`listings.build.dedupe_postings`): the run's new and changed postings
   are placed into listings (``DEDUPE_WINDOW_DAYS``, ``DEDUPE_DESC_THRESHOLD``);
2. **board discovery** (:func:`db.boards.discover_boards`): the ATS boards the run's postings
   link to (URL, apply URL, description links) join the ``boards`` table;
3. **board health** (:func:`db.boards.record_board_health`): for an ATS spider, boards that
   answered 404 (stat ``boards/not_found``) count one more; three in a row make them inactive;
4. **lifecycle** (:func:`listings.lifecycle.apply_lifecycle`): postings the run should have seen
   and did not are closed, returning ones reopened (``LIFECYCLE_MAX_ERROR_RATE``,
   ``LIFECYCLE_MIN_ITEM_RATIO``);
5. **salary index** (:func:`analytics.salary_index.rebuild_salary_index`) from the listings'
   new state (``SALARY_INDEX_MIN_N``), with the reference places refreshed first.

A step that raises is logged and counted; the steps after it still run, and the run's
bookkeeping is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import sqlite_utils

from analytics.salary_index import DEFAULT_MIN_N, rebuild_salary_index
from db.boards import discover_boards, record_board_health
from db.places import refresh_places
from listings.build import dedupe_postings
from listings.keys import DEFAULT_DESC_THRESHOLD, DEFAULT_WINDOW_DAYS
from listings.lifecycle import DEFAULT_MAX_ERROR_RATE, DEFAULT_MIN_ITEM_RATIO, apply_lifecycle

logger = logging.getLogger(__name__)


class SettingsLike(Protocol):
    def getfloat(self, name: str, default: float = ...) -> float: ...
    def getint(self, name: str, default: int = ...) -> int: ...


@dataclass(frozen=True)
class AfterCrawlSettings:
    """The settings the after-crawl steps read (defaults as in crawler/settings.py)."""

    dedupe_window_days: float = DEFAULT_WINDOW_DAYS
    dedupe_desc_threshold: float = DEFAULT_DESC_THRESHOLD
    lifecycle_max_error_rate: float = DEFAULT_MAX_ERROR_RATE
    lifecycle_min_item_ratio: float = DEFAULT_MIN_ITEM_RATIO
    salary_index_min_n: int = DEFAULT_MIN_N

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
        )


def place_postings(db: sqlite_utils.Database, run_id: int, spider: str, config: AfterCrawlSettings) -> None:
    # (source, last_run_id) is indexed: no scan of the whole postings table per crawl
    result = dedupe_postings(
        db,
        "WHERE source = ? AND last_run_id = ?",
        [spider, run_id],
        window_days=config.dedupe_window_days,
        desc_threshold=config.dedupe_desc_threshold,
    )
    logger.info("listings after run %d: %d postings placed, %s", run_id, result.postings, result.rules)


def find_boards_of_run(db: sqlite_utils.Database, run_id: int, spider: str) -> None:
    # every posting the run saw ((source, last_run_id) is indexed): a pattern added since is applied too
    new = discover_boards(db, "WHERE source = ? AND last_run_id = ?", [spider, run_id])
    logger.info("board discovery after run %d: %d new boards", run_id, new)


def check_board_health(db: sqlite_utils.Database, spider: str, status: str, stats: Mapping[str, Any]) -> None:
    if "boards/not_found" not in stats and not stats.get("boards/crawled_all_active"):
        return  # not an ATS crawl of board lists (or nothing to record)
    # only a clean crawl of every active board says the others answered: then their counts restart
    covered_all = bool(stats.get("boards/crawled_all_active")) and status == "finished"
    gone = record_board_health(db, spider, list(stats.get("boards/not_found") or []), covered_all)
    if gone:
        logger.warning("%s boards now inactive (404 in consecutive crawls): %s", spider, ", ".join(gone))


def update_salary_index(db: sqlite_utils.Database, run_id: int, config: AfterCrawlSettings) -> None:
    refresh_places(db)
    published = rebuild_salary_index(db, min_n=config.salary_index_min_n)
    logger.info("salary index rebuilt after run %d: %d rows", run_id, published)


def run_after_crawl(
    db: sqlite_utils.Database,
    *,
    run_id: int,
    spider: str,
    status: str,
    settings: SettingsLike | None = None,
    on_error: Callable[[str, BaseException], None] | None = None,
    stats: Mapping[str, Any] | None = None,
) -> list[str]:
    """Run the after-crawl steps for one finished crawl (``stats``: the crawl's Scrapy stats);
    returns the names of steps that failed."""
    config = AfterCrawlSettings.from_settings(settings)
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("listings", lambda: place_postings(db, run_id, spider, config)),
        ("board discovery", lambda: find_boards_of_run(db, run_id, spider)),
        ("board health", lambda: check_board_health(db, spider, status, stats or {})),
        (
            "lifecycle",
            lambda: apply_lifecycle(
                db,
                run_id=run_id,
                spider=spider,
                status=status,
                max_error_rate=config.lifecycle_max_error_rate,
                min_item_ratio=config.lifecycle_min_item_ratio,
            ),
        ),
        ("salary index", lambda: update_salary_index(db, run_id, config)),
    ]
    failed = []
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # one failing step must not lose the run's bookkeeping
            logger.exception("after-crawl step %r failed for run %d of %s", name, run_id, spider)
            failed.append(name)
            if on_error is not None:
                on_error(name, exc)
    return failed

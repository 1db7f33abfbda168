"""Listing lifecycle: close what a clean crawl no longer shows, reopen what comes back.

After a crawl (second of the after-crawl steps, :mod:`pipelines.after_crawl`), given the run's
:class:`~crawler.scope.CrawlScope` (what the spider says this run covered):

- postings seen again in this run that were closed get a ``reopened`` event (the store
  already cleared their ``closed_at`` when it saw them);
- a run narrowed by a filter (``-a category=``, ``-a query=``, a page budget) closes nothing:
  postings do not record which filter found them, so "gone" and "outside the filter" look
  the same;
- a run over boards (ATS boards, JSON-LD pages or sitemaps) closes only inside the boards
  that answered with records without an error, or answered 404 (gone); every other board's
  postings are out of its scope. A posting stored before postings recorded their board is
  in scope when its company was seen on an answering board;
- a whole-platform run closes the platform's unseen postings;
- in every case only when the run is *clean*: status ``finished`` (``partial`` is enough for a
  board run, whose failed boards are out of scope anyway), reject rate at most
  ``LIFECYCLE_MAX_ERROR_RATE``, and at least ``LIFECYCLE_MIN_ITEM_RATIO`` times the expected
  postings seen (whole platform: the previous clean run's; boards: those open in scope);
- a posting whose record this run rejected is still listed: it is never closed by that run;
- closed postings get ``closed_at`` = the run's time and a ``closed`` event; otherwise
  ``crawl_runs.lifecycle_note`` says why nothing was closed;
- listings touched are recomputed: a listing is open while any of its postings is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlite_utils

from crawler.scope import CrawlScope, PlatformFacts
from db.posting_tables import FIELDS_TABLE
from db.util import chunks, utc_now
from listings.build import materialise_listings

logger = logging.getLogger(__name__)

#: Defaults of the LIFECYCLE_* settings (crawler/settings.py).
DEFAULT_MAX_ERROR_RATE = 0.05
DEFAULT_MIN_ITEM_RATIO = 0.5


@dataclass
class LifecycleResult:
    clean: bool
    seen: int
    closed: int
    reopened: int
    note: str


def judge_run(
    *,
    status: str,
    seen: int,
    rejected: int,
    previous_clean_seen: int | None,
    max_error_rate: float,
    min_item_ratio: float,
    accepted_statuses: tuple[str, ...] = ("finished",),
    expected: str = "the previous clean run's",
) -> tuple[bool, str]:
    """Is a run clean enough to close postings it did not see? Returns (clean, reason)."""
    if status not in accepted_statuses:
        return False, f"closed nothing: run {status}"
    total = seen + rejected
    if total == 0:
        return False, "closed nothing: run saw no postings"
    rate = rejected / total
    if rate > max_error_rate:
        return False, f"closed nothing: error rate {rate:.1%} over {max_error_rate:.0%}"
    if previous_clean_seen and seen < min_item_ratio * previous_clean_seen:
        return (
            False,
            f"closed nothing: {seen} postings, under {min_item_ratio:g} x {expected} {previous_clean_seen}",
        )
    return True, "clean"


def apply_lifecycle(
    db: sqlite_utils.Database,
    *,
    run_id: int,
    scope: CrawlScope,
    status: str,
    facts: PlatformFacts,
    now: str | None = None,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
    min_item_ratio: float = DEFAULT_MIN_ITEM_RATIO,
) -> LifecycleResult:
    spider = scope.source
    at = now or utc_now()
    with db.atomic():
        seen = int(
            db.execute(
                f"SELECT COUNT(*) FROM {FIELDS_TABLE} WHERE source = ? AND last_run_id = ?", [spider, run_id]
            ).fetchone()[0]
        )
        rejected = int(db.execute("SELECT COUNT(*) FROM rejects WHERE run_id = ?", [run_id]).fetchone()[0])
        # Reopen: seen in this run, and the latest event of the posting is a closure.
        reopened = [
            int(r[0])
            for r in db.execute(
                "SELECT p.id FROM postings p JOIN posting_events e ON e.posting_id = p.id "
                "WHERE p.source = ? AND p.last_run_id = ? AND e.id = (SELECT MAX(id) FROM posting_events "
                "WHERE posting_id = p.id) AND e.event = 'closed'",
                [spider, run_id],
            )
        ]
        db.conn.executemany(
            "INSERT INTO posting_events (posting_id, run_id, event, at) VALUES (?, ?, 'reopened', ?)",
            ((pid, run_id, at) for pid in reopened),
        )
        clean, note, closed = _close_unseen(db, run_id, scope, status, seen, rejected, at, max_error_rate,
                                            min_item_ratio)  # fmt: skip
        if clean:
            note = f"closed {len(closed)}, reopened {len(reopened)} ({scope.describe()})"
        elif reopened:
            note += f"; reopened {len(reopened)}"
        db.table("crawl_runs").update(
            run_id,
            {
                "closed_postings": len(closed),
                "reopened_postings": len(reopened),
                "lifecycle_note": note,
                "lifecycle_clean": int(clean),
                "items_scraped": seen,
            },
        )
        touched = closed + reopened
        listings: set[int] = set()
        for chunk in chunks(touched):
            listings.update(
                int(r[0])
                for r in db.execute(
                    "SELECT DISTINCT listing_id FROM postings WHERE listing_id IS NOT NULL "
                    f"AND id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        # last_seen_at moved for every posting seen: refresh their listings too ((source, last_run_id)
        # is indexed, so this does not read every posting of the database)
        listings.update(
            int(r[0])
            for r in db.execute(
                "SELECT DISTINCT listing_id FROM postings WHERE source = ? AND last_run_id = ? "
                "AND listing_id IS NOT NULL",
                [spider, run_id],
            )
        )
        if listings:
            materialise_listings(db, facts, listings)
    logger.info("lifecycle of run %d (%s): %s", run_id, spider, note)
    return LifecycleResult(clean, seen, len(closed), len(reopened), note)


def _close_unseen(
    db: sqlite_utils.Database,
    run_id: int,
    scope: CrawlScope,
    status: str,
    seen: int,
    rejected: int,
    at: str,
    max_error_rate: float,
    min_item_ratio: float,
) -> tuple[bool, str, list[int]]:
    """Close the open postings inside ``scope`` this run did not see, if the run is clean."""
    spider = scope.source
    if scope.filters:
        return False, f"closed nothing: run {scope.describe()} (postings do not record the filter)", []
    # a posting whose record was rejected in this run is still on the site: not unseen
    unseen = (
        "p.source = ? AND p.closed_at IS NULL AND (p.last_run_id IS NULL OR p.last_run_id != ?) AND p.source_id "
        "NOT IN (SELECT source_id FROM rejects WHERE run_id = ? AND source = ? AND source_id IS NOT NULL)"
    )
    params: list[object] = [spider, run_id, run_id, spider]
    if scope.boards is None:
        previous = db.execute(
            "SELECT items_scraped FROM crawl_runs WHERE spider = ? AND id < ? AND lifecycle_clean = 1 "
            "ORDER BY id DESC LIMIT 1",
            [spider, run_id],
        ).fetchone()
        clean, note = judge_run(
            status=status, seen=seen, rejected=rejected,
            previous_clean_seen=int(previous[0]) if previous and previous[0] is not None else None,
            max_error_rate=max_error_rate, min_item_ratio=min_item_ratio,
        )  # fmt: skip
    else:
        closable = (*scope.answered, *scope.gone)
        if not closable:
            return False, f"closed nothing: no board answered with records ({scope.describe()})", []
        db.execute("DROP TABLE IF EXISTS temp.lifecycle_boards")
        db.execute("CREATE TEMP TABLE lifecycle_boards (board TEXT PRIMARY KEY)")
        db.conn.executemany("INSERT OR IGNORE INTO temp.lifecycle_boards VALUES (?)", ((b,) for b in closable))
        # postings stored before they recorded their board: in scope when their company was seen on
        # an answering board (what the company's board showed in this run)
        unseen += (
            " AND (p.board IN (SELECT board FROM temp.lifecycle_boards) OR (p.board IS NULL AND p.company_norm IN "
            "(SELECT company_norm FROM postings WHERE source = ? AND last_run_id = ? "
            "AND board IN (SELECT board FROM temp.lifecycle_boards))))"
        )
        params += [spider, run_id]
        # the share seen is judged on the boards that answered; a gone board's postings are all gone
        answered_seen = int(
            db.execute(
                f"SELECT COUNT(*) FROM {FIELDS_TABLE} WHERE source = ? AND last_run_id = ? AND board IN "
                f"({','.join('?' * len(scope.answered))})",
                [spider, run_id, *scope.answered],
            ).fetchone()[0]
        )
        answered_unseen = int(
            db.execute(
                f"SELECT COUNT(*) FROM {FIELDS_TABLE} p WHERE p.source = ? AND p.closed_at IS NULL AND "
                f"(p.last_run_id IS NULL OR p.last_run_id != ?) AND p.board IN ({','.join('?' * len(scope.answered))})",
                [spider, run_id, *scope.answered],
            ).fetchone()[0]
        )
        clean, note = judge_run(
            # only gone boards answered: nothing to count, the platform said they no longer exist
            status=status, seen=answered_seen if scope.answered else len(scope.gone), rejected=rejected,
            previous_clean_seen=answered_seen + answered_unseen if scope.answered else None,
            max_error_rate=max_error_rate, min_item_ratio=min_item_ratio,
            accepted_statuses=("finished", "partial"), expected="the answering boards' known",
        )  # fmt: skip
    if not clean:
        return False, note, []
    closed = [int(r[0]) for r in db.execute(f"SELECT p.id FROM postings p WHERE {unseen}", params)]
    for chunk in chunks(closed):
        db.execute(f"UPDATE {FIELDS_TABLE} SET closed_at = ? WHERE id IN ({','.join('?' * len(chunk))})", [at, *chunk])
    db.conn.executemany(
        "INSERT INTO posting_events (posting_id, run_id, event, at) VALUES (?, ?, 'closed', ?)",
        ((pid, run_id, at) for pid in closed),
    )
    return True, note, closed

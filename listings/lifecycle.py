"""Listing lifecycle: close what a clean crawl no longer shows, reopen what comes back.

After a crawl of a platform (second of the after-crawl steps, :mod:`pipelines.after_crawl`):

- postings seen again in this run that were closed get a ``reopened`` event (the store
  already cleared their ``closed_at`` when it saw them);
- the run is *clean* when its status is ``finished``, its reject rate is at most
  ``LIFECYCLE_MAX_ERROR_RATE`` and it saw at least ``LIFECYCLE_MIN_ITEM_RATIO`` times the
  postings of the previous clean run of the same spider;
- only after a clean run, the platform's open postings not seen in it are closed
  (``closed_at`` = the run's time, a ``closed`` event). For an employer-ATS platform
  (one board per company) only the boards this run saw are in scope, so crawling a
  few boards never closes the others;
- otherwise nothing is closed and ``crawl_runs.lifecycle_note`` says why;
- listings touched are recomputed: a listing is open while any of its postings is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlite_utils

from db.util import chunks, utc_now
from listings.build import materialise_listings
from listings.keys import ATS_SOURCES

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
) -> tuple[bool, str]:
    """Is a run clean enough to close postings it did not see? Returns (clean, reason)."""
    if status != "finished":
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
            f"closed nothing: {seen} postings, under {min_item_ratio:g} x "
            f"the previous clean run's {previous_clean_seen}",
        )
    return True, "clean"


def apply_lifecycle(
    db: sqlite_utils.Database,
    *,
    run_id: int,
    spider: str,
    status: str,
    now: str | None = None,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
    min_item_ratio: float = DEFAULT_MIN_ITEM_RATIO,
) -> LifecycleResult:
    at = now or utc_now()
    with db.atomic():
        seen = int(
            db.execute(
                "SELECT COUNT(*) FROM postings WHERE source = ? AND last_run_id = ?", [spider, run_id]
            ).fetchone()[0]
        )
        rejected = int(db.execute("SELECT COUNT(*) FROM rejects WHERE run_id = ?", [run_id]).fetchone()[0])
        previous = db.execute(
            "SELECT items_scraped FROM crawl_runs WHERE spider = ? AND id < ? AND lifecycle_clean = 1 "
            "ORDER BY id DESC LIMIT 1",
            [spider, run_id],
        ).fetchone()
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
        clean, note = judge_run(
            status=status, seen=seen, rejected=rejected,
            previous_clean_seen=int(previous[0]) if previous and previous[0] is not None else None,
            max_error_rate=max_error_rate, min_item_ratio=min_item_ratio,
        )  # fmt: skip
        closed: list[int] = []
        if clean:
            scope = "p.source = ? AND p.closed_at IS NULL AND (p.last_run_id IS NULL OR p.last_run_id != ?)"
            params: list[object] = [spider, run_id]
            if spider in ATS_SOURCES:  # one board per company: only boards seen in this run
                scope += (
                    " AND p.company_norm IN (SELECT company_norm FROM postings WHERE source = ? AND last_run_id = ?)"
                )
                params += [spider, run_id]
            closed = [int(r[0]) for r in db.execute(f"SELECT p.id FROM postings p WHERE {scope}", params)]
            for chunk in chunks(closed):
                db.execute(
                    f"UPDATE postings SET closed_at = ? WHERE id IN ({','.join('?' * len(chunk))})", [at, *chunk]
                )
            db.conn.executemany(
                "INSERT INTO posting_events (posting_id, run_id, event, at) VALUES (?, ?, 'closed', ?)",
                ((pid, run_id, at) for pid in closed),
            )
            note = f"closed {len(closed)}, reopened {len(reopened)}"
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
            materialise_listings(db, listings)
    logger.info("lifecycle of run %d (%s): %s", run_id, spider, note)
    return LifecycleResult(clean, seen, len(closed), len(reopened), note)

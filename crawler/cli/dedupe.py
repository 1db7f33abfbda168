"""``remotejobs dedupe``: place postings into listings (cross-platform dedupe)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from crawler.cli import add_db_argument


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dedupe",
        help="group postings into listings (one per real job); --rebuild recomputes all of them",
        description="Without --rebuild, places postings that have no listing yet (or changed since). "
        "With --rebuild, recomputes every listing from the stored postings after a rule change, "
        "without re-crawling; analyst overrides in listing_overrides are kept and respected.",
    )
    add_db_argument(parser)
    parser.add_argument("--rebuild", action="store_true", help="recompute all listings from postings")
    parser.add_argument("--window-days", type=float, default=None, help="DEDUPE_WINDOW_DAYS (default 60)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipelines.dedupe import DEFAULT_WINDOW_DAYS, dedupe_postings, rebuild
    from pipelines.schema import open_db

    window = args.window_days if args.window_days is not None else DEFAULT_WINDOW_DAYS
    db = open_db(args.db)
    started = time.perf_counter()
    if args.rebuild:
        result = rebuild(db, window_days=window)
    else:
        result = dedupe_postings(db, "WHERE listing_id IS NULL OR dedupe_sig IS NULL", window_days=window)
    elapsed = time.perf_counter() - started
    listings = db.execute("SELECT COUNT(*), SUM(closed_at IS NULL) FROM listings").fetchone()
    db.close()
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(result.rules.items(), key=lambda kv: -kv[1]))
    print(f"{result.postings} postings placed in {elapsed:.1f}s ({rules or 'nothing to do'}); "
          f"{result.reposts} reposts; {listings[0]} listings, {listings[1] or 0} open")  # fmt: skip
    return 0

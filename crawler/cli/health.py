"""``remotejobs health``: is every source still answering with jobs? (for cron and monitors)."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import add_db_argument
from db.health import overall_level, source_health
from db.schema import open_db

LEVELS = ("healthy", "degraded", "failing")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "health",
        help="per-source health of the last crawls; exit 0 healthy, 1 degraded, 2 failing",
        description="For each source: the last runs' verdicts (ok, empty, changed, blocked, partial, failed), "
        "the last ok run, the streak, and the last run's postings against the median of its last 7 ok runs "
        "(a drop over 50%% is flagged). Exit status: 0 healthy, 1 degraded (partial, empty, changed or a drop), "
        "2 failing (failed or blocked). See docs/operations.md.",
    )
    add_db_argument(parser)
    parser.add_argument("--runs", type=int, default=5, help="how many recent runs to show per source (5)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db = open_db(args.db)
    try:
        health = source_health(db, runs=args.runs)
    finally:
        db.close()
    if not health:
        print("no crawl runs yet")
        return 0
    for h in health:
        recent = " ".join(v for _, _, v, _, _ in h.runs)
        median = f"{h.median_clean:g}" if h.median_clean is not None else "-"
        flag = "  DROP over 50%" if h.dropped else ""
        print(
            f"{LEVELS[h.level]:<9} {h.spider:<16} last {h.verdict} x{h.streak}  items {h.items} (median ok {median})"
            f"{flag}  last ok {h.last_ok_at or 'never'}  recent: {recent}"
        )
        if h.level and h.runs[0][3]:
            print(f"{'':<9} {'':<16} why: {h.runs[0][3]}")
    level = overall_level(health)
    print(f"overall: {LEVELS[level]}")
    return level

"""``remotejobs dedupe``: place postings into listings (cross-platform dedupe)."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import add_db_argument, add_json_argument, project_settings
from crawler.cli.progress import ProgressReport
from db.schema import open_db
from listings.build import dedupe_postings, rebuild
from pipelines.after_crawl import AfterCrawlSettings, platform_facts


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
    add_json_argument(parser, "the summary as one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    settings = project_settings()
    config = AfterCrawlSettings.from_settings(settings)
    facts = platform_facts(settings)
    window = args.window_days if args.window_days is not None else config.dedupe_window_days
    db = open_db(args.db)
    with ProgressReport("dedupe") as report:
        if args.rebuild:
            result = rebuild(
                db, facts=facts, window_days=window, desc_threshold=config.dedupe_desc_threshold, progress=report
            )
        else:
            result = dedupe_postings(
                db,
                "WHERE listing_id IS NULL OR dedupe_sig IS NULL",
                facts=facts,
                window_days=window,
                desc_threshold=config.dedupe_desc_threshold,
            )
    listings = db.execute("SELECT COUNT(*), SUM(closed_at IS NULL) FROM listings").fetchone()
    db.close()
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(result.rules.items(), key=lambda kv: -kv[1]))
    report.summary(
        f"{result.postings} postings placed in {report.seconds:.1f}s ({rules or 'nothing to do'}); "
        f"{result.reposts} reposts; {listings[0]} listings, {listings[1] or 0} open",
        {
            "mode": "rebuild" if args.rebuild else "incremental",
            "postings": result.postings,
            "reposts": result.reposts,
            "listings": listings[0],
            "open": listings[1] or 0,
            **{f"rule_{rule}": n for rule, n in sorted(result.rules.items())},
        },
        as_json=args.json,
    )
    return 0

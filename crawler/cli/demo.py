"""``remotejobs demo``: replay the bundled demo cassette through every spider, offline."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from crawler.cli.common import CliError, add_db_argument
from crawler.cli.runner import format_summary, resolve_names, run_all, summarise
from db.schema import open_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = PROJECT_ROOT / "data" / "demo"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="crawl the bundled demo cassette (offline) with every spider and print a summary",
        description="Replays data/demo through every spider into the database, then prints "
        "postings per platform and this run's counts. No network access.",
    )
    add_db_argument(parser)
    parser.add_argument("spiders", nargs="*", help="only these spiders (default: all)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not (DEMO_DIR / "index.jsonl").is_file():
        raise CliError(f"demo cassette not found at {DEMO_DIR}")
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    db_path = str(Path(args.db).resolve())
    os.chdir(PROJECT_ROOT)  # spiders read their default board lists relative to the project
    settings = get_project_settings()
    settings.setdict(
        {
            "REPLAY_DIR": str(DEMO_DIR),
            "BOARDS_DIR": str(DEMO_DIR / "boards"),
            "JOBS_DB": db_path,
            "LOG_LEVEL": "WARNING" if not args.verbose else "INFO",
        },
        priority="cmdline",
    )
    try:
        names = resolve_names(settings, args.spiders)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    logging.getLogger().handlers.clear()  # Scrapy installs its own handler at LOG_LEVEL
    crawlers = run_all(CrawlerProcess(settings), names)
    rows = summarise(crawlers, db_path)
    print(f"Demo crawl into {db_path}\n")
    print(format_summary(rows))
    db = open_db(db_path)
    try:
        print("\nPostings per platform:")
        for source, count in db.execute("SELECT source, count(*) FROM postings GROUP BY source ORDER BY source"):
            print(f"  {source:<18}{count:>6}")
    finally:
        db.close()
    return 0 if all(r.ok for r in rows) else 1

"""``remotejobs demo``: replay the bundled demo cassette through every spider, offline."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import shlex
from pathlib import Path
from typing import Any

from crawler.cli.analytics import salary_range
from crawler.cli.common import CliError, add_db_argument
from crawler.cli.progress import ProgressReport
from crawler.cli.runner import format_summary, resolve_names, run_all, summarise
from db.schema import open_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # crawler/cli/<module>.py -> the repository
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
#: The demo cassette's deliberately broken records: (platform, record id, why it is rejected).
EXPECTED_REJECTS = {("remoteok", "9000003"): "missing title"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="crawl the bundled demo cassette (offline) with every spider and print a summary",
        description="Replays data/demo through every spider into the database, then prints "
        "postings per platform, this run's counts, one cross-platform listing and what to try next. "
        "No network access. One warning is expected: the cassette holds a broken remoteok record "
        "on purpose, to show that a bad record is rejected (into the rejects table) while the crawl goes on.",
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
    print(
        f"Replaying the demo cassette ({DEMO_DIR.relative_to(PROJECT_ROOT)}) through {len(names)} spiders, "
        "offline.\nOne WARNING below is expected: the cassette holds a remoteok record without a title, "
        "on purpose,\nto show a broken record being rejected (kept in the rejects table) while the crawl "
        "goes on.\n",
        flush=True,
    )
    with ProgressReport("demo") as progress:
        crawlers = run_all(CrawlerProcess(settings), names, progress=progress)
    rows = summarise(crawlers, db_path)
    print(f"\nDemo crawl into {db_path}\n")
    print(format_summary(rows))
    db = open_db(db_path)
    try:
        print("\nPostings per platform:")
        for source, count in db.execute("SELECT source, count(*) FROM postings GROUP BY source ORDER BY source"):
            print(f"  {source:<18}{count:>6}")
        rejects = db.execute("SELECT source, source_id, reason FROM rejects ORDER BY id").fetchall()
        for source, source_id, reason in rejects:
            expected = EXPECTED_REJECTS.get((source, str(source_id)))
            note = "expected: a deliberately broken demo record" if expected == reason else "NOT expected"
            print(f"\nRejected {source} record {source_id}: {reason} ({note})")
        example = db.execute(
            "SELECT id, title, company, postings_count, salary_usd_min, salary_usd_max FROM listings "
            "ORDER BY postings_count DESC, salary_usd_max IS NULL, id LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    print(next_steps(db_path, example))
    return 0 if all(r.ok for r in rows) and not crawlers.salary_index_failed else 1


def next_steps(db_path: str, example: tuple[Any, ...] | None) -> str:
    db = shlex.quote(db_path)
    lines = []
    listing_id = 1
    if example is not None:
        listing_id, title, company, postings, low, high = example
        seen = f"was posted on {postings} platforms and matched into one listing" if postings > 1 else "is a listing"
        pay = f", paying {salary_range(low, high)} a year (USD)" if low is not None or high is not None else ""
        lines.append(f"\nListing {listing_id}, {title!r} at {company}, {seen}{pay}.")
    commands = [
        (f"remotejobs search engineer --db {db}", "full-text search over open listings"),
        (f"remotejobs show {listing_id} --db {db}", "a listing, its postings, apply links, why they matched"),
        (f"remotejobs salaries --rebuild --min-n 1 --db {db}", "the salary index (the demo is small: n >= 1)"),
    ]
    if importlib.util.find_spec("sitebuilder") is not None:
        commands.append((f"remotejobs site --out /tmp/site --db {db}", "a static site of the listings"))
    commands.append((f"remotejobs datasette --db {db}", "browse everything in Datasette"))
    width = max(len(command) for command, _ in commands)
    lines.append("\nTry next:")
    lines += [f"  {command:<{width}}  # {why}" for command, why in commands]
    return "\n".join(lines)

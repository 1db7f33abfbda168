"""The ``remotejobs`` command: operator and analyst tools around the crawler.

Each sub-command lives in its own module of this package with ``register(subparsers)``;
``COMMANDS`` below is the whole registry.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from crawler.cli import (
    analytics,
    boards,
    datasette,
    dedupe,
    demo,
    distributed,
    health,
    new_spider,
    platforms,
    renormalize,
    show,
    site,
)
from crawler.cli.common import CliError, default_db

COMMANDS = [
    demo,
    renormalize,
    analytics,
    show,
    datasette,
    dedupe,
    new_spider,
    boards,
    platforms,
    site,
    health,
    distributed,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remotejobs",
        description="Remote job listings from dozens of platforms in one SQLite database.",
        epilog="Global options (-v, --db, --json) work before or after the sub-command.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging")
    # Before the sub-command these land in their own names; main() hands them to the
    # sub-command's --db / --json, so `remotejobs --db x.db stats` and `... stats --db x.db` agree.
    parser.add_argument("--db", dest="global_db", metavar="PATH", help="SQLite database (default: $JOBS_DB)")
    parser.add_argument("--json", dest="global_json", action="store_true", help="JSON output")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    for sub in subparsers.choices.values():
        if "--verbose" in sub._option_string_actions or "-v" in sub._option_string_actions:
            continue  # a sub-command with its own -v
        # SUPPRESS: an -v absent after the sub-command leaves the one given before it alone.
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="more logging")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if hasattr(args, "db") and args.db is None:
        args.db = args.global_db or default_db()
    elif args.global_db is not None and not hasattr(args, "db"):
        parser.error(f"remotejobs {args.command} takes no --db")
    if hasattr(args, "json"):
        args.json = args.json or args.global_json
    elif args.global_json:
        parser.error(f"remotejobs {args.command} has no JSON output")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `remotejobs search ... | head`
        return 0
    except CliError as exc:
        print(f"remotejobs {args.command}: {exc}", file=sys.stderr)
        return 2

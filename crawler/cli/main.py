"""The ``remotejobs`` command: operator and analyst tools around the crawler.

Each sub-command lives in its own module of this package with ``register(subparsers)``;
``COMMANDS`` below is the whole registry.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from crawler.cli import analytics, dedupe, demo, distributed, new_spider, renormalize
from crawler.cli.common import CliError, default_db

COMMANDS = [demo, renormalize, analytics, dedupe, new_spider, distributed]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remotejobs",
        description="Remote job listings from dozens of platforms in one SQLite database.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if hasattr(args, "db") and args.db is None:
        args.db = default_db()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `remotejobs search ... | head`
        return 0
    except CliError as exc:
        print(f"remotejobs {args.command}: {exc}", file=sys.stderr)
        return 2

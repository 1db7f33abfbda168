"""The ``remotejobs`` command: operator and analyst tools around the crawler.

Each sub-command lives in its own module with ``register(subparsers)``; the
module list below is the whole registry.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

COMMAND_MODULES = [
    "crawler.cli_demo",
    "crawler.cli_renormalize",
    "crawler.cli_analytics",
    "crawler.cli_dedupe",
    "crawler.cli_new_spider",
]


def default_db() -> str:
    return os.environ.get("JOBS_DB") or "data/jobs.db"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, metavar="PATH",
        help="SQLite database (default: $JOBS_DB, else data/jobs.db)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remotejobs",
        description="Remote job listings from dozens of platforms in one SQLite database.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
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


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


if __name__ == "__main__":  # `python -m crawler.cli`: use the importable module's classes
    from crawler.cli import main as cli_main

    raise SystemExit(cli_main())

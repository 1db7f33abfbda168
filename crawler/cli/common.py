"""What every ``remotejobs`` sub-command shares: the database option, user-facing errors, settings."""

from __future__ import annotations

import argparse
import os

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


def default_db() -> str:
    return os.environ.get("JOBS_DB") or "data/jobs.db"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, metavar="PATH",
        help="SQLite database (default: $JOBS_DB, else data/jobs.db)",
    )  # fmt: skip


def add_json_argument(parser: argparse.ArgumentParser, what: str = "JSON output") -> None:
    parser.add_argument("--json", action="store_true", help=what)


def project_settings() -> Settings:
    """The crawler's settings (crawler/settings.py), as ``scrapy crawl`` would see them."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return get_project_settings()

"""What every ``remotejobs`` sub-command shares: the database option, user-facing errors, settings."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from tabulate import tabulate

#: Cells of a right-aligned (numeric) column: counts, money ranges, percentages.
NUMBER_CELL = re.compile(r"[\d,.$k–%+-]*")


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


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: dict[int, int] | None = None) -> str:
    """An aligned plain-text table (tabulate, so it pipes and greps); columns in ``widths`` are cut
    to that many characters. URLs are never cut: keep them in the last column."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    for row in cells:
        for i, limit in (widths or {}).items():
            if len(row[i]) > limit:
                row[i] = row[i][: limit - 1] + "…"
    numeric = [all(NUMBER_CELL.fullmatch(row[i] or "0") for row in cells) for i in range(len(headers))]
    align = ["right" if is_number else "left" for is_number in numeric]
    return str(tabulate(cells, headers=list(headers), tablefmt="simple", disable_numparse=True, colalign=align))


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    print()

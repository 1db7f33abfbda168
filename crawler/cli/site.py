"""``remotejobs site``: build the static site from the database (and preview it on 127.0.0.1)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from crawler.cli.common import CliError, add_db_argument
from sitebuilder.build import SiteBuildError, build_site
from sitebuilder.data import SalaryIndexOutdated, load_site_data
from sitebuilder.serve import make_server


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "site",
        help="build the static site (role, category, salary and job pages) from the database",
        description="Writes DIR/index.html, roles/, categories/, salaries/, jobs/ and salary-guide/ (each page "
        "with a data.json twin) from the listings and the salary index. Deployable to any static host; "
        "rebuild after the daily crawl: scrapy crawlall && remotejobs site --out DIR",
    )
    add_db_argument(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (emptied if a previous build)")
    parser.add_argument("--serve", action="store_true", help="after building, preview the site on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (default: 8000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db_path = Path(args.db)
    if not db_path.is_file():
        raise CliError(f"no database at {db_path} (crawl first, or pass --db)")
    out = Path(args.out)
    started = time.perf_counter()
    try:
        data = load_site_data(db_path)
        report = build_site(data, out)
    except (SalaryIndexOutdated, SiteBuildError) as exc:
        raise CliError(str(exc)) from exc
    pages = ", ".join(f"{count} {kind}" for kind, count in sorted(report.pages.items()))
    note = " (no data yet)" if report.empty else ""
    print(f"built {out}{note} in {time.perf_counter() - started:.1f}s: {pages}")
    if args.serve:
        server = make_server(out, args.port)
        print(f"serving {out} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        finally:
            server.server_close()
    return 0

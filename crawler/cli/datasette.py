"""``remotejobs datasette``: serve a jobs database in Datasette with its descriptions, canned
queries (every question of docs/analysts.md) and id links, whatever the file is called.

Datasette names a database after its file (``jobs.db`` -> ``jobs``) and applies metadata by that
name, so the checked-in data/datasette.yml fits ``jobs.db`` only; this command generates the
metadata for the file it serves.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from crawler.cli.analytics import open_database
from crawler.cli.common import CliError, add_db_argument
from db.docs import datasette_metadata

PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "datasette",
        help="browse the database in Datasette (descriptions, canned analyst queries, links)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_argument(parser)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=8001, help="port (default 8001)")
    parser.add_argument(
        "--write-metadata", metavar="FILE",
        help="only write the metadata for this database to FILE (for `datasette DB -m FILE`) and exit",
    )  # fmt: skip
    parser.add_argument(
        "serve_options", nargs=argparse.REMAINDER, metavar="-- OPTIONS",
        help="anything after -- is passed on to `datasette serve`",
    )  # fmt: skip
    parser.set_defaults(func=run)


def database_name(path: str | Path) -> str:
    """The name Datasette gives a database file: its name without the extension."""
    return Path(path).stem


def metadata_for_file(path: str | Path) -> dict[str, Any]:
    """Datasette metadata keyed to ``path``'s database name, for the tables that file holds."""
    db = open_database(str(path), need_listings=False)
    try:
        return datasette_metadata(db, database_name(path))
    finally:
        db.close()


def run(args: argparse.Namespace) -> int:
    metadata = metadata_for_file(args.db)
    text = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=100)
    if args.write_metadata:
        Path(args.write_metadata).write_text(text, encoding="utf-8")
        print(f"wrote Datasette metadata for database {database_name(args.db)!r} to {args.write_metadata}")
        return 0
    extra = [o for o in args.serve_options if o != "--"]
    with tempfile.TemporaryDirectory(prefix="remotejobs-datasette-") as folder:
        metadata_file = os.path.join(folder, "metadata.yml")
        Path(metadata_file).write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "datasette", "serve", str(args.db), "--metadata", metadata_file,
                   "--plugins-dir", str(PLUGINS_DIR), "--host", args.host, "--port", str(args.port),
                   *extra]  # fmt: skip
        try:
            server = subprocess.Popen(command)
        except OSError as exc:
            raise CliError(f"cannot start Datasette: {exc}") from exc
        # a SIGTERM to this command stops the server too, instead of orphaning it
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            return server.wait()
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=10)

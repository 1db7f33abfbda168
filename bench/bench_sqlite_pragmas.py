"""SQLite pragmas, measured: the store's write pattern under each candidate setting.

    python -m bench.bench_sqlite_pragmas --source /tmp/dev.db            # rows of an existing jobs database
    python -m bench.bench_sqlite_pragmas                                 # replays ../shared/realdata first (~2 min)
    python -m bench.bench_sqlite_pragmas --copies 8 --configs baseline,cache

Real stored postings (every column as the crawl wrote it, ~13 KB a row with raw JSON and HTML)
are copied ``--copies`` times under fresh ids and written into a new database per configuration
the way ``db.postings.PostingStore.write_batch`` does: batches of ``STORE_BATCH_SIZE`` (200) rows
in one transaction each, one prepared ``executemany``, full-text search filled once per batch
(``db.search.indexed_per_batch``). Then the re-run's pattern: every row marked seen again
(``last_seen_at``, ``last_run_id``, ``spider_hash``; by id, in batches), and an analyst's
reads: 20 full-text searches and the open-listings count. Each configuration runs in a fresh
child process, one after another; the file size includes the WAL. The schema, triggers and
indexes are the project's own (``db.schema.open_db``); only the pragmas differ: ``open_db`` is
what the project sets (its figures are quoted in db/schema.py), ``4k-pages`` SQLite's defaults.

Machine load varies: compare configurations within one run, and re-run to see the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: name -> (pragmas set before the schema is created, pragmas set on every connection)
CONFIGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "4k-pages": ({"page_size": 4096}, {}),  # SQLite's default page size (the project's before 2026-11)
    "open_db": ({}, {}),  # what db.schema.open_db sets: 16 KB pages for a new database
    "checkpoint": ({}, {"wal_autocheckpoint": 2500}),  # a checkpoint every ~40 MB of WAL, not 16 MB
    "page8k": ({"page_size": 8192}, {}),
    "cache": ({}, {"cache_size": -65536}),  # 64 MB page cache (default 2 MB)
    "mmap": ({}, {"mmap_size": 268435456}),  # reads through a 256 MB memory map
    "temp": ({}, {"temp_store": "MEMORY"}),
    "sync-off": ({}, {"synchronous": "OFF"}),  # reference only: loses the last commits on power loss
}
BATCH = 200
QUERIES = ["engineer", "remote", "python", "manager", "senior", "data", "design", "sales", "berlin", "support"]


def child(source: str, target: str, copies: int, config: str, out: str) -> None:
    from db.schema import open_db
    from db.search import indexed_per_batch
    from db.util import write_transaction

    before, each = CONFIGS[config]
    if before:  # a new database's page size is fixed by its first table
        conn = sqlite3.connect(target)
        for name, value in before.items():
            conn.execute(f"PRAGMA {name} = {value}")
        conn.execute("CREATE TABLE page_size_fixed (x)")  # open_db then sees an existing file
        conn.close()
    db = open_db(target)
    for name, value in each.items():
        db.execute(f"PRAGMA {name} = {value}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    columns = [r[1] for r in src.execute("PRAGMA table_info(postings)") if r[1] not in {"id", "listing_id"}]
    have = {r[1] for r in db.execute("PRAGMA table_info(postings)")}
    columns = [c for c in columns if c in have]
    rows = src.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM postings ORDER BY id").fetchall()
    src.close()
    at = columns.index("source_id")
    names, marks = ", ".join(f"[{c}]" for c in columns), ", ".join("?" * len(columns))
    insert = f"INSERT INTO postings ({names}) VALUES ({marks})"
    conn = db.conn
    written = 0
    started = time.perf_counter()
    for copy in range(copies):
        batch_rows = [(*r[:at], f"{r[at]}~{copy}", *r[at + 1 :]) for r in rows]
        for i in range(0, len(batch_rows), BATCH):
            with write_transaction(db), indexed_per_batch(db):
                conn.executemany(insert, batch_rows[i : i + BATCH])
            written += len(batch_rows[i : i + BATCH])
    insert_s = time.perf_counter() - started

    ids = [r[0] for r in conn.execute("SELECT id FROM postings ORDER BY id")]
    started = time.perf_counter()
    for i in range(0, len(ids), BATCH):
        with write_transaction(db):
            conn.executemany(
                "UPDATE postings SET last_seen_at = ?, last_run_id = ?, closed_at = NULL, spider_hash = ? WHERE id = ?",
                [("2026-11-28T06:00:00Z", 999, f"{pk:032x}", pk) for pk in ids[i : i + BATCH]],
            )
    touch_s = time.perf_counter() - started

    started = time.perf_counter()
    hits = 0
    for _ in range(2):
        for word in QUERIES:
            hits += conn.execute(
                "SELECT count(*) FROM postings_fts WHERE postings_fts MATCH ?", [f'"{word}"']
            ).fetchone()[0]
    open_rows = conn.execute("SELECT count(*) FROM postings WHERE closed_at IS NULL").fetchone()[0]
    read_s = time.perf_counter() - started
    db.close()
    size = sum(os.path.getsize(p) for p in (target, target + "-wal") if os.path.exists(p))
    result = {"config": config, "rows": written, "insert_s": insert_s, "touch_s": touch_s, "read_s": read_s,
              "mb": size / 1e6, "hits": hits, "open": open_rows}  # fmt: skip
    Path(out).write_text(json.dumps(result))


def replay_source(folder: Path) -> Path:
    db = folder / "source.db"
    script = ROOT.parent / "shared" / "tools" / "replay_realdata.sh"
    subprocess.run(["bash", str(script), str(db)], cwd=ROOT, check=True)
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="a jobs database to take real rows from (default: replay)")
    parser.add_argument("--copies", type=int, default=5, help="times each real row is written (default 5)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated, of: " + ", ".join(CONFIGS))
    parser.add_argument("--child", nargs=4, metavar=("SOURCE", "TARGET", "CONFIG", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        source, target, config, out = args.child
        child(source, target, args.copies, config, out)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-pragmas-") as tmp:
        folder = Path(tmp)
        source = args.source or replay_source(folder)
        print(f"source: {source}, {args.copies} copies of each row; batches of {BATCH}")
        print("| pragmas | rows | insert s | rows/s | touch s | read s | MB |")
        print("|---|---|---|---|---|---|---|")
        base: dict[str, Any] | None = None
        for config in args.configs.split(","):
            target, out = folder / f"{config}.db", folder / f"{config}.json"
            cmd = [sys.executable, "-m", "bench.bench_sqlite_pragmas", "--copies", str(args.copies), "--child",
                   str(source), str(target), config, str(out)]  # fmt: skip
            subprocess.run(cmd, cwd=ROOT, check=True)
            r = json.loads(out.read_text())
            base = base or r
            ratio = f" ({r['insert_s'] / base['insert_s']:.2f}×)" if r is not base else ""
            print(
                f"| {config} | {r['rows']} | {r['insert_s']:.2f}{ratio} | {r['rows'] / r['insert_s']:.0f} | "
                f"{r['touch_s']:.2f} | {r['read_s']:.2f} | {r['mb']:.0f} |",
                flush=True,
            )
            for p in folder.glob(f"{config}.*"):
                p.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Database schema and versioned migrations.

The schema version is SQLite's ``PRAGMA user_version``. Each migration runs once,
inside a transaction, in order; opening a database always brings it up to date.
To change the schema, append a migration (never edit a released one).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.items import ALL_FIELDS
from db.boards import v7_boards
from db.listings_schema import v2_listings, v4_posting_keys
from db.places import refresh_places
from db.posting_tables import v14_split_postings
from db.search import defer_new_rows_to_batches, enable_search
from db.util import retry_when_locked, write_transaction
from db.views import create_views

#: Columns stored as JSON text (lists and the raw record).
JSON_COLUMNS = {"tags", "countries", "regions", "raw"}
BOOL_COLUMNS = {"remote", "worldwide", "salary_estimate"}
REAL_COLUMNS = {
    "salary_min",
    "salary_max",
    "salary_norm_min",
    "salary_norm_max",
    "salary_annual_min",
    "salary_annual_max",
    "salary_usd_min",
    "salary_usd_max",
    "salary_fx_rate",
    "timezone_min",
    "timezone_max",
}


def _posting_columns() -> dict[str, type]:
    columns: dict[str, type] = {"id": int}
    for name in ALL_FIELDS:
        if name == "raw":
            continue
        if name in BOOL_COLUMNS:
            columns[name] = int
        elif name in REAL_COLUMNS:
            columns[name] = float
        else:
            columns[name] = str
    columns.update(
        raw_json=str,
        content_hash=str,
        first_seen_at=str,
        last_seen_at=str,
        closed_at=str,
        first_run_id=int,
        last_run_id=int,
    )
    return columns


def _v1_initial(db: sqlite_utils.Database) -> None:
    db.table("postings").create(_posting_columns(), pk="id")
    db.table("postings").create_index(["source", "source_id"], unique=True)
    db.table("postings").create_index(["last_seen_at"])
    db.table("crawl_runs").create(
        {
            "id": int,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "finish_reason": str,
            "new": int,
            "updated": int,
            "unchanged": int,
            "rejected": int,
            "request_errors": int,
            "bad_responses": int,
            "items_scraped": int,
            "stats_json": str,
        },
        pk="id",
    )
    db.table("crawl_runs").create_index(["spider", "started_at"])
    db.table("rejects").create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "source_id": str,
            "url": str,
            "reason": str,
            "raw_json": str,
            "rejected_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db.table("rejects").create_index(["run_id"])


def migrate_v3(db: sqlite_utils.Database) -> None:
    """Schema v3: salary_index, reference place tables, postings FTS, analyst views."""
    db.table("salary_index").create(
        {
            "scope": str,
            "key": str,
            "category": str,
            "role": str,
            "region": str,
            "n": int,
            "p25": float,
            "median": float,
            "p75": float,
            "min_n": int,
            "computed_at": str,
        },
        pk=("scope", "key"),
    )
    db.table("ref_countries").create({"code": str, "name": str}, pk="code")
    db.table("ref_region_countries").create({"region": str, "country": str}, pk=("region", "country"))
    db.table("ref_region_countries").create_index(["country"])
    refresh_places(db)
    enable_search(db)
    create_views(db)


def migrate_crawl_scope(db: sqlite_utils.Database) -> None:
    """Crawl scope: ``postings.board`` (the crawl target a posting came from) and
    ``crawl_runs.scope`` (what a run covered), so lifecycle closes only inside a run's scope.

    Postings stored before keep ``board`` NULL until seen again; lifecycle treats them by their
    company meanwhile (see listings/lifecycle.py).
    """
    if "board" not in db.table("postings").columns_dict:  # a new database already has it (ALL_FIELDS)
        db.table("postings").add_column("board", str)
    db.table("postings").create_index(["source", "board"], if_not_exists=True)
    db.table("crawl_runs").add_column("scope", str)


def migrate_salary_benchmarks(db: sqlite_utils.Database) -> None:
    """Schema v6: salary benchmarks (issue 12): ``salary_index`` with seniority, region currency,
    n and employers, USD beside local bands and a published flag; ``salary_index_history``.

    ``salary_index`` holds derived data only (rebuilt after every crawl), so it is re-created;
    it fills again at the next crawl or ``remotejobs salaries --rebuild``.
    """
    db.execute("DROP TABLE IF EXISTS salary_index")
    db.table("salary_index").create(
        {
            "scope": str,
            "key": str,
            "category": str,
            "role": str,
            "seniority": str,
            "region": str,
            "currency": str,
            "period": str,
            "n": int,
            "employers": int,
            "p25": float,
            "median": float,
            "p75": float,
            "p25_usd": float,
            "median_usd": float,
            "p75_usd": float,
            "published": int,
            "min_n": int,
            "min_employers": int,
            "computed_at": str,
        },
        pk=("scope", "key"),
    )
    db.table("salary_index_history").create(
        {
            "date": str,
            "scope": str,
            "key": str,
            "currency": str,
            "n": int,
            "employers": int,
            "p25": float,
            "median": float,
            "p75": float,
        },
        pk=("date", "scope", "key"),
    )
    db.table("salary_index_history").create_index(["scope", "key", "date"])


def migrate_run_health(db: sqlite_utils.Database) -> None:
    """Run health: ``crawl_runs.verdict`` (ok / empty / changed / blocked / partial / failed /
    skipped) and ``verdict_reason``, read by ``remotejobs health``."""
    db.table("crawl_runs").add_column("verdict", str)
    db.table("crawl_runs").add_column("verdict_reason", str)
    db.table("crawl_runs").create_index(["spider", "id"], if_not_exists=True)


def migrate_spider_hash(db: sqlite_utils.Database) -> None:
    """Skip unchanged postings: ``postings.spider_hash``, the digest of the spider's output before
    validation, so that a re-run marks an unchanged posting seen without validating, normalising
    and comparing it again. Postings stored before get it when next seen."""
    db.table("postings").add_column("spider_hash", str)
    # covering: a board's stored hashes come from the index alone, never from the wide rows
    # (the new column sits behind raw_json and description_html, in overflow pages)
    db.table("postings").create_index(
        ["source", "board", "source_id", "spider_hash"], index_name="idx_postings_spider_hash", if_not_exists=True
    )


def v12_response_digests(db: sqlite_utils.Database) -> None:
    """One row per listing response whose postings are all stored: its body's digest and their ids."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS response_digests (source TEXT NOT NULL, url TEXT NOT NULL, digest TEXT NOT NULL, "
        "board TEXT, records INTEGER, source_ids TEXT, run_id INTEGER, PRIMARY KEY (source, url))"
    )


def v13_content_run(db: sqlite_utils.Database) -> None:
    """``postings.content_run_id``: the run that last wrote a posting's content (NULL: before this
    migration); ``board_discovery``: per spider, the pattern table its postings were last read with."""
    db.table("postings").add_column("content_run_id", int)
    db.execute("CREATE TABLE IF NOT EXISTS board_discovery (source TEXT PRIMARY KEY, patterns TEXT NOT NULL)")


Migration = tuple[int, str, Callable[[sqlite_utils.Database], None]]

MIGRATIONS: list[Migration] = [
    (1, "postings, crawl_runs, rejects", _v1_initial),
    (2, "listings, listing_matches, listing_overrides, posting lifecycle (dedupe)", v2_listings),
    (3, "salary_index, postings_fts, analyst views, reference places (analytics)", migrate_v3),
    (4, "posting_keys: narrow dedupe keys kept in sync by triggers (dedupe speed)", v4_posting_keys),
    (
        5,
        "crawl scope: postings.board, crawl_runs.scope (lifecycle closes only inside a run's scope)",
        migrate_crawl_scope,
    ),
    (6, "salary_index by role x seniority x region in local currency, salary_index_history", migrate_salary_benchmarks),
    (7, "boards: ATS boards found in postings' links (board discovery, issue 15)", v7_boards),
    (8, "recreate the analyst views: listings_open_to_country without a cross join (view speed)", create_views),
    (9, "run health: crawl_runs.verdict, verdict_reason (remotejobs health)", migrate_run_health),
    (
        10,
        "skip unchanged: postings.spider_hash (a re-run skips postings whose spider output is unchanged)",
        migrate_spider_hash,
    ),
    (
        11,
        "search_sync: the store indexes a batch's new postings with one INSERT … SELECT (write speed)",
        defer_new_rows_to_batches,
    ),
    (12, "response_digests: a re-run skips parsing a listing body it got before (crawl speed)", v12_response_digests),
    (
        13,
        "postings.content_run_id, board_discovery: discovery reads only postings whose content a run wrote",
        v13_content_run,
    ),
    (
        14,
        "posting_fields + posting_texts, postings a view over both: updates rewrite ~1 KB rows, not ~25 KB (speed)",
        v14_split_postings,
    ),
]


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply pending migrations in order; return the versions applied.

    A new, empty database gets the latest schema at once (:func:`latest_schema`: what every
    migration leaves behind, built once per process); an existing one runs its pending steps.
    Two processes may open a new database at once: each migration takes the write lock first
    (``BEGIN IMMEDIATE``), checks the version again under it, and is retried when the database
    is locked, so the second process finds the work done instead of failing.
    """
    if schema_version(db) == 0 and _create_latest(db):
        return [version for version, _description, _apply in MIGRATIONS]
    return migrate_step_by_step(db)


def migrate_step_by_step(db: sqlite_utils.Database) -> list[int]:
    """Every pending migration, one transaction each (what an existing database gets)."""
    return [version for version, _description, apply in MIGRATIONS if _migrate_to(db, version, apply)]


@retry_when_locked
def _migrate_to(db: sqlite_utils.Database, version: int, apply: Callable[[sqlite_utils.Database], None]) -> bool:
    if version <= schema_version(db):
        return False
    with write_transaction(db):  # one transaction per migration: all of it or none
        if version <= schema_version(db):
            return False  # another process applied it while we waited for the lock
        apply(db)
        db.execute(f"PRAGMA user_version = {int(version)}")
    return True


@dataclass(frozen=True)
class LatestSchema:
    """The schema every migration leaves behind in a new database, and the rows they insert."""

    version: int
    statements: tuple[str, ...]  # CREATE TABLE / INDEX / VIEW / TRIGGER, in an order that runs
    rows: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]  # (table, rows) of the tables filled


@cache
def latest_schema() -> LatestSchema:
    """Every migration run once on an in-memory database, read back from ``sqlite_master``.

    A new database (a crawl's first run, each test's own) then costs one transaction of a few dozen
    statements instead of thirteen migrations, each inspecting the tables with sqlite-utils. The
    tables an FTS5 table keeps for itself (``postings_fts_data`` ...) come with its CREATE VIRTUAL
    TABLE; tests/test_store.py checks that both ways give the same ``sqlite_master`` and rows.
    """
    memory = sqlite_utils.Database(sqlite3.connect(":memory:", isolation_level=None))
    migrate_step_by_step(memory)
    entries = memory.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    virtual = [name for kind, name, sql in entries if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")]

    def own(name: str) -> bool:  # not a table an FTS5 table made for itself
        return not any(name.startswith(f"{table}_") for table in virtual)

    kinds = ("table", "index", "view", "trigger")  # views and triggers after what they read
    statements = tuple(sql for order in kinds for kind, name, sql in entries if kind == order and own(name))
    rows = []
    for kind, name, _sql in entries:
        if kind == "table" and own(name) and name not in virtual:
            table_rows = tuple(memory.execute(f"SELECT * FROM [{name}]").fetchall())
            if table_rows:
                rows.append((name, table_rows))
    version = schema_version(memory)
    memory.close()
    return LatestSchema(version, statements, tuple(rows))


@retry_when_locked
def _create_latest(db: sqlite_utils.Database) -> bool:
    """The latest schema in one transaction, if the database is still empty under the write lock."""
    schema = latest_schema()
    if schema.version != MIGRATIONS[-1][0]:
        return False  # the migration list changed after the schema was read (a test's own list)
    with write_transaction(db):
        empty = not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if schema_version(db) != 0 or not empty:
            return False  # made before, by hand or by another process: step by step from where it is
        for statement in schema.statements:
            db.execute(statement)
        for table, table_rows in schema.rows:
            marks = ", ".join("?" * len(table_rows[0]))
            db.conn.executemany(f"INSERT INTO [{table}] VALUES ({marks})", table_rows)
        db.execute(f"PRAGMA user_version = {int(schema.version)}")
    return True


@retry_when_locked
def _enable_wal(db: sqlite_utils.Database) -> None:
    db.enable_wal()


#: Pages of a new database (bytes). A stored posting is ~13 KB (raw JSON, HTML, text): with 16 KB
#: pages most fit on one page instead of a chain of four. Measured with bench/bench_sqlite_pragmas.py
#: (17,315 real rows, three runs, against SQLite's 4 KB): batch writes 0.84-0.96x, marking every row
#: seen again 0.68-0.81x, file +7 %. A larger page cache, a memory map, temp_store in memory and
#: rarer WAL checkpoints stayed within the noise (about 5-10 %), so they are not set.
PAGE_SIZE = 16384


def open_db(path: str | Path, *, migrate_schema: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the jobs database in WAL mode, migrated to the latest schema."""
    path = Path(path)
    new = str(path) == ":memory:" or not path.exists() or path.stat().st_size == 0
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    if new:  # fixed when the file is created (an existing database keeps its pages)
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:":
        _enable_wal(db)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    if migrate_schema:
        migrate(db)
    return db

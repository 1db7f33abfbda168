"""PostingStore: insert, update, unchanged, rejects, runs, migrations, atomicity."""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from datetime import datetime
from decimal import Decimal

import pytest

from db.places import reference_places, refresh_places, region_members
from db.postings import PostingStore, content_hash, posting_row
from db.schema import MIGRATIONS, migrate, migrate_step_by_step, open_db, schema_version
from normalize import location
from pipelines.store import run_status


def posting(source_id: str, **fields):
    base = {
        "source": "remotive",
        "source_id": source_id,
        "url": f"https://remotive.com/remote-jobs/x-{source_id}",
        "title": "Backend Engineer",
        "company": "Acme",
        "tags": ["python"],
        "remote": True,
        "raw": {"id": source_id},
    }
    return {**base, **fields}


@pytest.fixture
def store(tmp_path):
    db = open_db(tmp_path / "jobs.db")
    yield PostingStore(db)
    db.close()


def test_new_then_unchanged_then_updated(store):
    run1 = store.start_run("remotive", "2026-11-01T00:00:00+00:00")
    assert store.write_batch(run1, [posting("1"), posting("2")], [], seen_at="2026-11-01T00:00:00+00:00") == {
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    run2 = store.start_run("remotive")
    counts = store.write_batch(
        run2,
        [posting("1"), posting("2", title="Senior Backend Engineer")],
        [],
        seen_at="2026-11-02T00:00:00+00:00",
    )
    assert counts == {"new": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    rows = {r["source_id"]: r for r in store.db["postings"].rows}
    assert len(rows) == 2
    assert rows["1"]["first_seen_at"] == "2026-11-01T00:00:00+00:00"
    assert rows["1"]["last_seen_at"] == "2026-11-02T00:00:00+00:00"
    assert rows["1"]["last_run_id"] == run2
    assert rows["2"]["title"] == "Senior Backend Engineer"
    assert rows["2"]["first_seen_at"] == "2026-11-01T00:00:00+00:00"
    assert rows["2"]["content_hash"] == content_hash(posting("2", title="Senior Backend Engineer"))
    assert json.loads(rows["2"]["tags"]) == ["python"]
    assert rows["2"]["remote"] == 1


def test_inserted_values_are_what_sqlite_utils_would_store(store, tmp_path):
    """The prepared INSERT beside sqlite-utils' insert_all on the same rows: plain values as they
    are, a date and a decimal (direct writers may pass them) converted the same way."""
    rows = [
        posting("1", title="Ingénieur “backend”", salary_min=90000.0, remote=False),
        posting("2", posted_at=datetime(2026, 11, 2, 9, 30), salary_max=Decimal("120000.5"), tags=None),
    ]
    run = store.start_run("remotive", "2026-11-01T00:00:00+00:00")
    store.write_batch(run, rows, [], seen_at="2026-11-01T00:00:00+00:00")
    other = open_db(tmp_path / "other.db")
    expected = [{**posting_row(row), "first_seen_at": "2026-11-01T00:00:00+00:00"} for row in rows]
    other.table("expected").insert_all(expected)  # a plain table: sqlite-utils' own conversions
    columns = [
        "source_id",
        "title",
        "remote",
        "tags",
        "posted_at",
        "salary_min",
        "salary_max",
        "raw_json",
        "content_hash",
    ]
    select = f"SELECT {', '.join(columns)} FROM {{}} ORDER BY source_id"
    got = store.db.execute(select.format("postings")).fetchall()
    assert got == other.execute(select.format("expected")).fetchall()
    assert got[1][4:7] == ("2026-11-02T09:30:00", None, 120000.5)
    other.close()


def _search(db, words):
    db.execute("INSERT INTO postings_fts (postings_fts) VALUES ('integrity-check')")  # raises when out of sync
    return sorted(
        row[0]
        for row in db.execute(
            "SELECT p.source_id FROM postings_fts JOIN postings p ON p.id = postings_fts.rowid "
            "WHERE postings_fts MATCH ?",
            [words],
        )
    )


def test_search_is_in_sync_after_every_batch(store):
    """New postings are indexed once per batch, not by the insert trigger: after each batch the
    index matches the table (FTS5's own integrity check), through inserts, a posting changed
    twice in one batch, an update of a stored one, and a writer that is not the store."""
    run = store.start_run("remotive", "2026-11-01T00:00:00+00:00")
    store.write_batch(run, [posting("1", title="Rust Engineer"), posting("2", title="Go Developer")], [])
    assert _search(store.db, "rust") == ["1"]
    store.write_batch(
        run,
        [posting("3", title="Ruby Wizard"), posting("3", title="Haskell Wizard"), posting("1", title="Zig Engineer")],
        [],
    )
    assert (_search(store.db, "rust"), _search(store.db, "zig"), _search(store.db, "wizard")) == ([], ["1"], ["3"])
    assert _search(store.db, "haskell") == ["3"] and _search(store.db, "ruby") == []
    store.db.execute("INSERT INTO postings (source, source_id, title) VALUES ('remotive', '4', 'Elixir Sage')")
    assert _search(store.db, "elixir") == ["4"]  # the trigger still indexes every other writer's rows
    store.db.execute("UPDATE postings SET description_text = 'and Erlang' WHERE source_id = '4'")
    assert _search(store.db, "erlang") == ["4"] and _search(store.db, "elixir") == ["4"]
    store.db.execute("UPDATE postings SET title = 'Gleam Sage' WHERE source_id = '4'")
    assert _search(store.db, "erlang") == ["4"] and _search(store.db, "elixir") == []
    store.db.execute("DELETE FROM postings WHERE source_id = '4'")
    assert _search(store.db, "gleam") == [] and _search(store.db, "erlang") == []
    assert store.db.execute("SELECT count(*) FROM posting_texts").fetchone()[0] == 3  # its texts went with it
    assert store.db.execute("SELECT deferred_after FROM search_sync").fetchall() == [(None,)]


def test_same_posting_twice_in_one_batch_is_one_row(store):
    run = store.start_run("remotive")
    counts = store.write_batch(run, [posting("7"), posting("7")], [])
    assert counts["new"] == 1 and counts["unchanged"] == 1
    assert store.db["postings"].count == 1


def test_scrape_time_does_not_count_as_a_change(store):
    run = store.start_run("remotive")
    store.write_batch(run, [posting("1", scraped_at="2026-11-01T00:00:00+00:00")], [])
    counts = store.write_batch(run, [posting("1", scraped_at="2026-11-02T00:00:00+00:00")], [])
    assert counts["unchanged"] == 1


def test_rejects_keep_reason_and_raw(store):
    run = store.start_run("remoteok")
    store.write_batch(
        run,
        [],
        [
            {
                "source": "remoteok",
                "source_id": 5,
                "url": "https://x",
                "reason": "missing title",
                "raw": {"id": 5, "position": ""},
            }
        ],
    )
    (row,) = store.db["rejects"].rows
    assert row["run_id"] == run and row["reason"] == "missing title" and row["source_id"] == "5"
    assert json.loads(row["raw_json"]) == {"id": 5, "position": ""}


def test_failed_batch_writes_nothing(store, monkeypatch):
    run = store.start_run("remotive")
    store.write_batch(run, [posting("1")], [])

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_touch", disk_full)  # fails after the inserts of this batch
    with pytest.raises(sqlite3.OperationalError):
        store.write_batch(run, [posting("1"), posting("2")], [{"source": "remotive", "reason": "x", "raw": {}}])
    assert [r["source_id"] for r in store.db["postings"].rows] == ["1"]
    assert store.db["rejects"].count == 0


def test_interrupted_run_is_marked_failed_by_the_next(store):
    killed = store.start_run("remotive")
    store.start_run("remotive")
    assert store.db["crawl_runs"].get(killed)["status"] == "failed"
    assert store.db["crawl_runs"].get(killed)["finish_reason"] == "interrupted"


@pytest.mark.parametrize(
    ("reason", "errors", "bad", "items", "expected"),
    [
        pytest.param("finished", 0, 0, 10, "finished", id="clean"),
        pytest.param("finished", 2, 0, 10, "partial", id="request-errors"),
        pytest.param("finished", 0, 1, 10, "partial", id="bad-response"),
        pytest.param("finished", 1, 0, 0, "failed", id="errors-and-nothing-stored"),
        pytest.param("shutdown", 0, 0, 10, "failed", id="interrupted"),
        pytest.param("finished", 0, 0, 0, "finished", id="empty-but-clean"),
    ],
)
def test_run_status(reason, errors, bad, items, expected):
    assert run_status(reason, errors, bad, items) == expected


def test_migrations_bring_an_old_database_up_to_date(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path, migrate_schema=False)
    MIGRATIONS[0][2](db)  # a database created by the first release only
    db.execute("PRAGMA user_version = 1")
    db["postings"].insert({"source": "remotive", "source_id": "1", "url": "u", "title": "t"})
    db.close()

    db = open_db(path)
    assert schema_version(db) == MIGRATIONS[-1][0]
    assert db["postings"].count == 1  # data survives
    assert migrate(db) == []  # idempotent
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_unique_posting_key_is_enforced(store):
    insert = "INSERT INTO postings (source, source_id, url, title) VALUES ('a', '1', 'u', 't')"
    store.db.execute(insert)
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(insert)


def test_locked_database_is_retried_until_the_other_writer_finishes(tmp_path):
    path = tmp_path / "jobs.db"
    store = PostingStore(open_db(path))
    store.db.execute("PRAGMA busy_timeout = 0")  # let SQLite fail fast so tenacity does the waiting
    run = store.start_run("remotive")

    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock...
    release = threading.Timer(0.5, other.execute, ["COMMIT"])  # ...for half a second
    release.start()
    try:
        counts = store.write_batch(run, [posting("1", description_text="Build APIs.")], [])
    finally:
        release.join()
        other.close()
    assert counts["new"] == 1
    assert PostingStore.write_rows.statistics["attempt_number"] > 1  # it really was retried
    assert store.db["postings"].count == 1
    # the failed attempt had started writing the rows: the retry wrote them whole
    stored = store.db.execute("SELECT raw_json, description_text FROM postings").fetchone()
    assert stored == ('{"id": "1"}', "Build APIs.")
    store.db.close()


def test_a_new_database_has_16k_pages_an_existing_one_keeps_its_own(tmp_path):
    """bench/bench_sqlite_pragmas.py measured 16 KB pages (db.schema.PAGE_SIZE) for new databases;
    one made before keeps its pages (changing them needs a VACUUM) and still opens and migrates."""
    fresh = open_db(tmp_path / "new.db")
    assert fresh.execute("PRAGMA page_size").fetchone()[0] == 16384
    assert fresh.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fresh.close()
    old = sqlite3.connect(tmp_path / "old.db")
    old.execute("PRAGMA page_size = 4096")
    old.execute("CREATE TABLE made_before (x)")
    old.close()
    reopened = open_db(tmp_path / "old.db")
    assert reopened.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert schema_version(reopened) == len(MIGRATIONS)
    reopened.close()


def test_reference_places_are_rewritten_only_when_they_differ(tmp_path):
    """``refresh_places`` runs after every crawl: tables that hold the reference data already are
    not written again; a table that differs (edited by hand, an older list) is filled again."""
    db = open_db(tmp_path / "jobs.db")
    countries = db.execute("SELECT code, name FROM ref_countries ORDER BY code").fetchall()
    assert ("DE", "Germany") in countries and len(countries) > 240
    assert ("eu", "FR") in db.execute("SELECT region, country FROM ref_region_countries").fetchall()
    before = db.conn.total_changes
    refresh_places(db)
    assert db.conn.total_changes == before  # nothing written
    db.execute("UPDATE ref_countries SET name = 'Deutschland' WHERE code = 'DE'")
    db.execute("DELETE FROM ref_region_countries WHERE region = 'eu' AND country = 'FR'")
    refresh_places(db)
    assert db.execute("SELECT name FROM ref_countries WHERE code = 'DE'").fetchone()[0] == "Germany"
    restored = "SELECT count(*) FROM ref_region_countries WHERE region = 'eu' AND country = 'FR'"
    assert db.execute(restored).fetchone()[0] == 1
    assert db.execute("SELECT code, name FROM ref_countries ORDER BY code").fetchall() == countries
    db.close()


def test_reference_places_are_the_location_normalisers_regions_without_its_tables(monkeypatch):
    """Every crawl ends with ``refresh_places``; a re-run that normalises nothing must not build the
    location normaliser's phrase and town tables for it, and the regions are the normaliser's own."""
    expected = {region: location.region_countries(region) for region in location.REGIONS}
    assert region_members() == expected and expected["eu"] and expected["emea"] > expected["eu"]

    def not_needed() -> None:
        raise AssertionError("the location normaliser's tables were built for the reference places")

    monkeypatch.setattr(location, "_tables", not_needed)
    assert reference_places.__wrapped__() == reference_places()


def schema_and_rows(db) -> tuple[set, dict]:
    master = set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
    tables = [name for kind, name, _table, _sql in master if kind == "table" and not name.startswith("sqlite_")]
    return master, {name: sorted(db.execute(f"SELECT * FROM [{name}]").fetchall(), key=repr) for name in tables}


def test_a_new_database_gets_what_every_migration_leaves_behind(tmp_path):
    """A new database is made from the latest schema in one transaction (db.schema.latest_schema):
    the same sqlite_master (tables, FTS5 and its own tables, indexes, views, triggers, each with
    its SQL) and the same rows as thirteen migrations run one by one; search and triggers work."""
    at_once = open_db(tmp_path / "new.db")
    stepwise = open_db(tmp_path / "stepwise.db", migrate_schema=False)
    assert migrate_step_by_step(stepwise) == [version for version, _, _ in MIGRATIONS]
    assert schema_version(at_once) == schema_version(stepwise) == len(MIGRATIONS)
    master, rows = schema_and_rows(at_once)
    assert (master, rows) == schema_and_rows(stepwise)
    assert {"postings_fts", "postings_fts_data", "open_listings"} <= {name for _, name, _, _ in master}
    assert len(rows["ref_countries"]) > 240 and at_once.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for db in (at_once, stepwise):
        store = PostingStore(db)
        run_id = store.start_run("remotive")
        store.write_batch(run_id, [posting("1", description_text="Distributed systems in Rust")], [])
        assert db.execute("SELECT count(*) FROM postings_fts WHERE postings_fts MATCH 'rust'").fetchone()[0] == 1
        (posting_id,) = db.execute("SELECT id FROM postings").fetchone()
        db.execute("INSERT INTO posting_keys (posting_id, version) VALUES (?, 'v1')", [posting_id])
        db.execute("UPDATE postings SET title = 'Staff Engineer' WHERE id = ?", [posting_id])
        assert db.execute("SELECT version FROM posting_keys").fetchone()[0] is None  # marked stale by a trigger
        db.close()


def test_a_database_made_before_is_migrated_step_by_step(tmp_path):
    """A database that already has tables (user_version 0: made by hand, or by another process
    that holds the first migration) is never given the whole schema on top of them."""
    path = tmp_path / "jobs.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.close()
    db = open_db(path)
    assert schema_version(db) == len(MIGRATIONS)
    assert {"notes", "posting_fields", "posting_texts"} <= set(db.table_names())
    assert "postings" in db.view_names()
    db.close()


def test_rows_handed_to_the_store_are_left_as_they_were(store):
    """write_rows copies before it writes ids, run columns and texts into a row: a retry after
    ``database is locked`` starts again from the rows as handed over."""
    run = store.start_run("remotive")
    rows = [posting_row(posting(str(n), description_text=f"Job {n}.")) for n in range(3)]
    handed = copy.deepcopy(rows)
    assert store.write_rows(run, rows, [])["new"] == 3
    assert rows == handed
    assert store.write_rows(run, rows, [])["unchanged"] == 3
    texts = store.db.execute("SELECT source_id, description_text FROM postings ORDER BY id").fetchall()
    assert texts == [(str(n), f"Job {n}.") for n in range(3)]

"""Salary index, region logic, FTS sync and views (analytics/salary_index.py, db/views.py, db/search.py).

Two databases: a synthetic one whose rows are chosen to exercise every rule
(estimates, closed listings, the n gate), and one built by replaying the real
cassettes through the real engine, checked against independent computations.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from analytics.salary_index import listing_salary, percentile, quartiles, rebuild_salary_index
from db import schema
from db.postings import PostingStore
from db.schema import open_db
from db.search import fts_query
from listings.build import rebuild
from pipelines.after_crawl import platform_facts
from tests.conftest import realdata, run_scrapy

NOW = datetime(2026, 11, 24, tzinfo=UTC)
SEEN = "2026-11-20T00:00:00+00:00"

#: Cassettes replayed into the real-data database (one per spider, distinct URLs).
REAL_CASSETTES = ("remoteok", "remotive", "weworkremotely", "arbeitnow-2026-02-13")


# ------------------------------------------------------------------ database helpers


def open_test_db(path: Path | str) -> sqlite_utils.Database:
    return open_db(path)


def ensure_listings(db: sqlite_utils.Database) -> str:
    """Listings from the real dedupe (the crawl hook, else a rebuild)."""
    if db.execute("SELECT count(*) FROM listings").fetchone()[0]:
        return "dedupe hook"
    rebuild(db, facts=platform_facts())
    return "dedupe rebuild"


_REAL_DB: dict[str, Path] = {}
_REAL_DB_FACTS: dict[str, Any] = {}


def real_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Replay the real cassettes once per test process; later callers copy the file."""
    if "path" not in _REAL_DB:
        folder = tmp_path_factory.mktemp("realdb")
        path = folder / "jobs.db"
        cassettes = [realdata(name) for name in REAL_CASSETTES]
        result = run_scrapy(
            ["crawlall", *(s for s in ("remoteok", "remotive", "weworkremotely", "arbeitnow"))], path, cassettes
        )
        assert "Traceback" not in result.log, result.log[-4000:]
        db = open_test_db(path)
        _REAL_DB_FACTS["listings_from"] = ensure_listings(db)
        _REAL_DB_FACTS["crawl_log"] = result.log
        # the cassettes were recorded 2022-2026: a ten-year window keeps their salaries in the index
        rebuild_salary_index(db, now=NOW, window_days=3650)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        _REAL_DB["path"] = path
    return _REAL_DB["path"]


def copy_db(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "jobs.db"
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def real_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> sqlite_utils.Database:
    db = open_test_db(copy_db(real_db_template(tmp_path_factory), tmp_path))
    yield db
    db.close()


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


# ------------------------------------------------------------------ pure functions


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([100_000.0, 200_000.0], id="two-values"),
        pytest.param([50.0, 60.0, 70.0, 80.0], id="four-values"),
        pytest.param([1.0, 2.0, 3.0, 4.0, 5.0], id="odd-count-exact-ranks"),
        pytest.param([90_000.0, 90_000.0, 120_000.0, 150_000.0, 400_000.0], id="ties-and-outlier"),
        pytest.param([float(x * 7919 % 1000) for x in range(1, 38)], id="37-scrambled"),
        pytest.param([130_000.0, 95_000.0, 210_000.0, 160_000.0, 88_000.0, 175_000.0, 142_500.0], id="unsorted"),
    ],
)
def test_quartiles_match_statistics_inclusive(values):
    expected = statistics.quantiles(values, n=4, method="inclusive")
    assert quartiles(values) == pytest.approx(tuple(expected))


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        pytest.param([7.0], 0.25, 7.0, id="single-value"),
        pytest.param([10.0, 20.0], 0.25, 12.5, id="interpolated"),
        pytest.param([10.0, 20.0, 30.0], 0.5, 20.0, id="median-on-rank"),
        pytest.param([10.0, 20.0, 30.0], 1.0, 30.0, id="max"),
        pytest.param([10.0, 20.0, 30.0], 0.0, 10.0, id="min"),
    ],
)
def test_percentile_points(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        pytest.param(100_000, 140_000, 120_000, id="range-midpoint"),
        pytest.param(90_000, None, 90_000, id="from-only"),
        pytest.param(None, 150_000, 150_000, id="up-to-only"),
        pytest.param(None, None, None, id="none"),
    ],
)
def test_listing_salary(low, high, expected):
    assert listing_salary(low, high) == expected


# ------------------------------------------------------------------ synthetic database


def _posting(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "source": "remotive",
        "source_id": str(n),
        "url": f"https://remotive.com/remote-jobs/x-{n}",
        "title": fields.pop("title", f"Backend Engineer {n}"),
        "company": f"Company {n}",
        "tags": ["python"],
        "description_text": "Build APIs.",
        **fields,
    }


def seed(db: sqlite_utils.Database, specs: list[dict[str, Any]]) -> None:
    """Postings through the real store, then one listing per posting carrying the spec's fields."""
    store = PostingStore(db)
    run = store.start_run("remotive", SEEN)
    store.write_batch(run, [_posting(i, title=s.get("title", f"Engineer {i}")) for i, s in enumerate(specs)], [], SEEN)
    store.finish_run(run, status="finished")
    ensure_listings(db)
    for i, spec in enumerate(specs):
        values = {k: v for k, v in spec.items() if k != "title"}
        for key in ("countries", "regions"):
            if key in values:
                values[key] = json.dumps(values[key])
        pid = db.execute("SELECT id FROM postings WHERE source_id = ?", [str(i)]).fetchone()[0]
        if values:
            db.table("listings").update(pid, values)


def _spec(salary: float, **extra: Any) -> dict[str, Any]:
    base = {"category": "software-engineering", "role": "backend engineer", "salary_usd_min": salary,
            "salary_usd_max": salary, "salary_estimate": 0, "salary_source": "structured",
            "worldwide": 0, "countries": ["DE"], "regions": []}  # fmt: skip
    return {**base, **extra}


SOFTWARE = [100_000 + 7_500 * i for i in range(12)]  # 12 employer-stated, open


@pytest.fixture
def synthetic(tmp_path: Path) -> sqlite_utils.Database:
    specs = [_spec(v) for v in SOFTWARE]
    specs += [_spec(900_000, salary_estimate=1)] * 3  # estimates: would move every percentile
    specs += [_spec(5_000, closed_at="2026-11-01T00:00:00+00:00")] * 4  # closed listings
    specs += [_spec(80_000 + 1_000 * i, category="design", role="product designer") for i in range(9)]
    specs += [_spec(None, salary_usd_max=None, category="design", role="product designer")] * 5  # no salary
    specs += [_spec(150_000, salary_usd_min=120_000, category="data-ai", role="data scientist",
                    countries=[], regions=[], worldwide=1) for _ in range(10)]  # fmt: skip
    db = open_test_db(tmp_path / "jobs.db")
    seed(db, specs)
    yield db
    db.close()


def test_views_on_synthetic(synthetic):
    open_count = synthetic.execute("SELECT count(*) FROM listings WHERE closed_at IS NULL").fetchone()[0]
    assert synthetic.execute("SELECT count(*) FROM open_listings").fetchone()[0] == open_count
    sources = {r["sources"] for r in rows(synthetic, "SELECT sources FROM open_listings")}
    assert sources == {"remotive"}
    de = rows(synthetic, "SELECT open_via, category FROM listings_open_to_country WHERE country = 'DE'")
    assert {r["open_via"] for r in de} == {"country", "worldwide"}
    us = rows(synthetic, "SELECT open_via, category FROM listings_open_to_country WHERE country = 'US'")
    assert {(r["open_via"], r["category"]) for r in us} == {("worldwide", "data-ai")}
    with_salary = rows(synthetic, "SELECT * FROM listings_with_salary WHERE category = 'data-ai'")
    assert {r["salary_usd_mid"] for r in with_salary} == {135_000}


# ------------------------------------------------------------------ real cassettes


@pytest.mark.realdata
def test_crawl_hooks_build_listings_and_index(real_db):
    """The crawl itself (dedupe hook, then the analytics hook) left listings and a salary index:
    crawlall rebuilt the index once, after its four spiders, not after each."""
    assert _REAL_DB_FACTS["listings_from"] == "dedupe hook"
    log = _REAL_DB_FACTS["crawl_log"]
    assert log.count("salary index rebuilt after every crawl of this process") == 1
    assert "salary index rebuilt after run" not in log
    assert real_db.execute("SELECT count(*) FROM salary_index").fetchone()[0] > 0
    postings = real_db.execute("SELECT count(*) FROM postings").fetchone()[0]
    listings = real_db.execute("SELECT count(*) FROM listings").fetchone()[0]
    assert 0 < listings <= postings


@pytest.mark.realdata
def test_a_single_crawl_rebuilds_the_index_after_its_run(crawl):
    result = crawl("remotive", realdata("remotive"))
    run_id = result.last_run["id"]
    assert f"salary index rebuilt after run {run_id}:" in result.log
    assert result.scalar("SELECT count(*) FROM salary_index") > 0


def test_fts_finds_known_title_and_follows_updates(real_db):
    posting = rows(real_db, "SELECT id, listing_id FROM postings WHERE source = 'remotive' AND source_id = '2091069'")[
        0
    ]
    hits = rows(
        real_db,
        "SELECT rowid FROM postings_fts WHERE postings_fts MATCH ?",
        [fts_query("Patient Care Specialist")],
    )
    assert posting["id"] in {h["rowid"] for h in hits}
    real_db.execute("UPDATE postings SET title = 'Zorblax Gardener' WHERE id = ?", [posting["id"]])
    assert [h["rowid"] for h in rows(real_db, "SELECT rowid FROM postings_fts WHERE postings_fts MATCH 'zorblax'")] == [
        posting["id"]
    ]
    assert posting["id"] not in {
        h["rowid"]
        for h in rows(real_db, "SELECT rowid FROM postings_fts WHERE postings_fts MATCH '\"patient care specialist\"'")
    }
    real_db.execute("UPDATE postings SET last_seen_at = ? WHERE id = ?", [SEEN, posting["id"]])
    real_db.execute("DELETE FROM postings WHERE source = 'weworkremotely'")
    real_db.execute("INSERT INTO postings_fts(postings_fts, rank) VALUES('integrity-check', 1)")


@pytest.mark.realdata
def test_fts_stays_in_sync_through_the_store(real_db):
    store = PostingStore(real_db)
    run = store.start_run("remotive", SEEN)
    before = rows(real_db, "SELECT * FROM postings WHERE source = 'remotive' LIMIT 1")[0]
    changed = {k: before[k] for k in ("source", "source_id", "url", "company")}
    changed.update(title="Zymurgy Lead", tags=["brewing"], description_text="Ferment things.")
    store.write_batch(run, [changed, {**changed, "source_id": "new-1", "title": "Xylophone Tuner"}], [], SEEN)
    new_id = real_db.execute("SELECT id FROM postings WHERE source_id = 'new-1'").fetchone()[0]
    for word, expected in (("zymurgy", {before["id"]}), ("brewing", {before["id"], new_id}), ("xylophone", {new_id})):
        hits = {h["rowid"] for h in rows(real_db, "SELECT rowid FROM postings_fts WHERE postings_fts MATCH ?", [word])}
        assert hits == expected, word
    real_db.execute("INSERT INTO postings_fts(postings_fts, rank) VALUES('integrity-check', 1)")


@pytest.mark.realdata
def test_open_to_country_view_matches_the_location_rule(real_db):
    from normalize.location import open_to

    open_rows = rows(real_db, "SELECT id, countries, regions, worldwide FROM listings WHERE closed_at IS NULL")
    for country in ("DE", "US", "GB", "BR", "IN"):
        expected = {
            r["id"]
            for r in open_rows
            if open_to(
                country, json.loads(r["countries"] or "[]"), json.loads(r["regions"] or "[]"), bool(r["worldwide"])
            )
        }
        got = [r["id"] for r in rows(real_db, "SELECT id FROM listings_open_to_country WHERE country = ?", [country])]
        assert len(got) == len(set(got)), "one row per (country, listing)"
        assert set(got) == expected, country
    assert rows(real_db, "SELECT count(*) AS n FROM listings_open_to_country WHERE country = 'DE'")[0]["n"] > 0


@pytest.mark.realdata
def test_listings_with_salary_view(real_db):
    view = rows(real_db, "SELECT id, salary_usd_mid, employer_stated, is_open FROM listings_with_salary")
    direct = rows(
        real_db,
        "SELECT id, salary_usd_min, salary_usd_max FROM listings "
        "WHERE salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL",
    )
    assert {r["id"] for r in view} == {r["id"] for r in direct}
    mids = {r["id"]: r["salary_usd_mid"] for r in view}
    assert all(mids[r["id"]] == pytest.approx(listing_salary(r["salary_usd_min"], r["salary_usd_max"])) for r in direct)


def test_hook_without_listings_table_is_harmless(tmp_path):
    db = sqlite_utils.Database(tmp_path / "old.db")
    db.table("salary_index").create({"scope": str, "key": str}, pk=("scope", "key"))
    assert rebuild_salary_index(db, now=NOW) is None


@pytest.mark.realdata
def test_schema_14_splits_real_postings_without_changing_what_is_read(tmp_path_factory, tmp_path, monkeypatch):
    """A database made before schema 14 (the real cassettes' postings in one wide table) migrates
    to posting_fields + posting_texts: the postings view reads every row and column as the table
    did, in the same column order; search finds the same postings; FTS5's own check passes."""
    real = sqlite3.connect(real_db_template(tmp_path_factory))
    old = open_db(tmp_path / "v13.db", migrate_schema=False)
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:13])
    assert schema.migrate_step_by_step(old)[-1] == 13
    monkeypatch.undo()
    columns = [row[1] for row in old.execute("PRAGMA table_info(postings)")]
    names = ", ".join(f"[{c}]" for c in columns)
    rows = real.execute(f"SELECT {names} FROM postings ORDER BY id").fetchall()
    assert len(rows) > 500 and {"raw_json", "description_html", "description_text"} <= set(columns)
    with old.atomic():  # the v13 triggers index them as they go in
        old.conn.executemany(f"INSERT INTO postings ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
    words = ("python", "engineer", "kubernetes", "berlin", "salary")
    found_before = {w: old.execute(SEARCH_IDS, [w]).fetchall() for w in words}

    assert schema.migrate(old) == [14]
    assert [row[1] for row in old.execute("PRAGMA table_info(postings)")] == columns
    assert old.execute(f"SELECT {names} FROM postings ORDER BY id").fetchall() == rows
    assert old.execute("SELECT count(*) FROM posting_texts").fetchone()[0] == len(rows)
    old.execute("INSERT INTO postings_fts (postings_fts) VALUES ('integrity-check')")
    assert {w: old.execute(SEARCH_IDS, [w]).fetchall() for w in words} == found_before
    assert all(found_before.values())
    old.close()
    real.close()


SEARCH_IDS = "SELECT rowid FROM postings_fts WHERE postings_fts MATCH ? ORDER BY rowid"

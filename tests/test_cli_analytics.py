"""`remotejobs search / salaries / stats / export` on a database built from the real cassettes."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.cli import analytics as cli_analytics
from crawler.cli.main import main
from db.schema import open_db
from tests import test_analytics as base

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(cli_analytics, "now_utc", lambda: NOW)
    return base.copy_db(base.real_db_template(tmp_path_factory), tmp_path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def query(path: Path, sql: str, params=()) -> list[dict]:
    db = open_db(path)
    try:
        return base.rows(db, sql, params)
    finally:
        db.close()


pytestmark = pytest.mark.realdata


# ------------------------------------------------------------------ search


def test_search_engineer_open_to_germany(db_path, capsys):
    from normalize.location import open_to

    code, out, _ = run(
        capsys, "search", "engineer", "--country", "DE", "--limit", "1000", "--json", "--db", str(db_path)
    )
    assert code == 0
    got = {r["id"] for r in json.loads(out)}
    matching = query(
        db_path,
        "SELECT DISTINCT l.id, l.countries, l.regions, l.worldwide FROM postings_fts JOIN postings p "
        "ON p.id = postings_fts.rowid JOIN listings l ON l.id = p.listing_id "
        "WHERE postings_fts MATCH 'engineer' AND l.closed_at IS NULL",
    )
    expected = {
        r["id"]
        for r in matching
        if open_to("DE", json.loads(r["countries"] or "[]"), json.loads(r["regions"] or "[]"), bool(r["worldwide"]))
    }
    assert got == expected and got


def test_search_table_output(db_path, capsys):
    code, out, _ = run(capsys, "search", "engineer", "--country", "Germany", "--limit", "5", "--db", str(db_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "title", "company", "category"]
    assert len(lines[2 : lines.index("")]) == 5
    assert "5 listings (limit reached)" in out


def test_search_finds_a_known_title(db_path, capsys):
    code, out, _ = run(capsys, "search", "Patient Care Specialist", "--json", "--db", str(db_path))
    assert code == 0
    assert "Patient Care Specialist" in {r["title"] for r in json.loads(out)}


def test_search_filters(db_path, capsys):
    code, out, _ = run(
        capsys, "search", "--category", "software-engineering", "--min-salary", "100000",
        "--limit", "500", "--json", "--db", str(db_path),
    )  # fmt: skip
    assert code == 0
    found = json.loads(out)
    assert found
    for row in found:
        assert row["category"] == "software-engineering"
        assert max(v for v in (row["salary_usd_min"], row["salary_usd_max"]) if v is not None) >= 100_000
        assert not row["salary_estimate"]
    expected = query(
        db_path,
        "SELECT count(*) AS n FROM listings WHERE closed_at IS NULL AND category = 'software-engineering' "
        "AND coalesce(salary_usd_max, salary_usd_min) >= 100000 AND coalesce(salary_estimate, 0) = 0",
    )[0]["n"]
    assert len(found) == expected
    code, out, _ = run(
        capsys, "search", "--seniority", "senior,staff", "--limit", "500", "--json", "--db", str(db_path)
    )
    assert {r["seniority"] for r in json.loads(out)} <= {"senior", "staff"}


@pytest.mark.parametrize(
    ("since", "expect_all"),
    [
        pytest.param("7d", False, id="week-before-pinned-now-finds-nothing"),
        pytest.param("2000-01-01", True, id="since-a-date"),
        pytest.param("10000w", True, id="long-age"),
    ],
)
def test_search_since(db_path, capsys, since, expect_all):
    code, out, _ = run(capsys, "search", "--since", since, "--limit", "10000", "--json", "--db", str(db_path))
    assert code == 0
    total = query(db_path, "SELECT count(*) AS n FROM listings WHERE closed_at IS NULL")[0]["n"]
    assert len(json.loads(out)) == (total if expect_all else 0)


# ------------------------------------------------------------------ salaries


def _rebuild(db_path: Path, now: str = "2026-03-31") -> None:
    from analytics.salary_index import rebuild_salary_index

    db = open_db(db_path)
    try:
        rebuild_salary_index(db, now=datetime.fromisoformat(now).replace(tzinfo=UTC), window_days=3650)
    finally:
        db.close()


def test_salaries_default_prints_the_stored_category_cells(db_path, capsys):
    _rebuild(db_path)
    code, out, _ = run(capsys, "salaries", "--json", "--db", str(db_path))
    assert code == 0
    stored = query(
        db_path,
        "SELECT scope, key, n, employers, median FROM salary_index WHERE scope IN ('category', 'hourly-rate-category')",
    )
    printed = json.loads(out)["cells"]
    assert {(c["scope"], c["key"], c["n"], c["employers"], c["median"]) for c in printed} == {
        (r["scope"], r["key"], r["n"], r["employers"], r["median"]) for r in stored
    }
    assert any(c["published"] for c in printed), "the real cassettes publish a category"
    code, text, _ = run(capsys, "salaries", "--db", str(db_path))
    for c in printed:
        line = next(line for line in text.splitlines() if line.startswith(c["scope"] + " ") and f" {c['key']} " in line)
        if c["published"]:
            assert cli_analytics.money_in(c["median"], "USD", c["period"]) in line
        else:
            assert "not enough" in line
            assert f"of {c['min_n']}" in line or f"of {c['min_employers']}" in line


def test_salaries_role_seniority_by_region_with_the_category_benchmark(db_path, capsys):
    _rebuild(db_path)
    stored = query(
        db_path, "SELECT * FROM salary_index WHERE scope = 'role-seniority-region' ORDER BY n DESC, key LIMIT 1"
    )[0]
    code, out, _ = run(
        capsys, "salaries", "--role", stored["role"], "--seniority", stored["seniority"], "--json", "--db", str(db_path)
    )
    assert code == 0
    cells = json.loads(out)["cells"]
    regional = {c["region"]: c for c in cells if c["scope"] == "role-seniority-region"}
    assert regional[stored["region"]]["n"] == stored["n"]
    bench = regional[stored["region"]]["benchmark"]
    assert bench["key"] == f"{stored['category']}|{stored['region']}"
    assert all(c["role"] == stored["role"] and c["seniority"] == stored["seniority"] for c in cells)
    for c in regional.values():
        assert (c["message"] is None) == bool(c["published"])
        if not c["published"] and c["n"] < c["min_n"]:
            assert c["message"] == f"not enough salary-disclosed listings yet: {c['n']} of {c['min_n']}"
    code, text, _ = run(
        capsys, "salaries", "--role", stored["role"], "--seniority", stored["seniority"], "--db", str(db_path)
    )
    assert code == 0
    names = {r.id: r.name for r in cli_analytics.benchmark_regions().values()}
    for c in regional.values():
        line = next(
            line for line in text.splitlines() if line.startswith(f"role-seniority-region  {names[c['region']]}")
        )
        assert (c["message"] or cli_analytics.money_in(c["median"], c["currency"])) in line


def test_salaries_min_n_prints_without_storing(db_path, capsys, monkeypatch):
    _rebuild(db_path)
    wide = {"min_n": 10, "min_employers": 5, "window_days": 3650, "include_hybrid": False}
    monkeypatch.setattr(cli_analytics, "salary_settings", lambda: wide)  # the window _rebuild used
    before = query(db_path, "SELECT * FROM salary_index ORDER BY scope, key")
    history = query(db_path, "SELECT * FROM salary_index_history ORDER BY date, scope, key")
    code, out, _ = run(capsys, "salaries", "--min-n", "1", "--json", "--db", str(db_path))
    assert code == 0
    printed = json.loads(out)
    assert printed["min_n"] == 1 and printed["population"]["jobs"] > 0
    stored_published = {r["key"] for r in before if r["scope"] == "category" and r["published"]}
    assert {c["key"] for c in printed["cells"] if c["published"]} > stored_published
    assert query(db_path, "SELECT * FROM salary_index ORDER BY scope, key") == before
    assert query(db_path, "SELECT * FROM salary_index_history ORDER BY date, scope, key") == history


def test_salaries_rebuild_stores_with_now_and_settings(db_path, capsys, monkeypatch):
    assert cli_analytics.salary_settings() == {
        "min_n": 10,
        "min_employers": 5,
        "window_days": 180,
        "include_hybrid": False,
    }  # crawler/settings.py
    wide = {"min_n": 4, "min_employers": 2, "window_days": 3650, "include_hybrid": False}
    monkeypatch.setattr(cli_analytics, "salary_settings", lambda: wide)
    code, _out, err = run(capsys, "salaries", "--rebuild", "--now", "2026-03-31T06:00:00", "--db", str(db_path))
    assert code == 0 and "rebuilt" in err
    at = query(db_path, "SELECT DISTINCT computed_at, min_n, min_employers FROM salary_index")
    assert [(r["computed_at"], r["min_n"], r["min_employers"]) for r in at] == [("2026-03-31T06:00:00+00:00", 4, 2)]
    published = query(db_path, "SELECT scope, key FROM salary_index WHERE published = 1 ORDER BY scope, key")
    snapshot = query(
        db_path, "SELECT scope, key FROM salary_index_history WHERE date = '2026-03-31' ORDER BY scope, key"
    )
    assert snapshot == published and published
    code, _out, err = run(capsys, "salaries", "--rebuild", "--db", str(db_path))  # now: the pinned clock
    assert query(db_path, "SELECT DISTINCT computed_at FROM salary_index") == [{"computed_at": NOW.isoformat()}]


def test_salaries_currency_converts_at_the_dated_rate(db_path, capsys):
    from analytics.salary_index import convert

    _rebuild(db_path)
    code, out, _ = run(capsys, "salaries", "--currency", "EUR", "--json", "--db", str(db_path))
    assert code == 0
    cell = next(c for c in json.loads(out)["cells"] if c["published"])
    assert cell["shown_currency"] == "EUR"
    assert cell["shown"]["median"] == pytest.approx(convert(cell["median_usd"], "USD", "EUR", "2026-03-31"))


def test_salaries_region_filter(db_path, capsys):
    _rebuild(db_path)
    code, out, _ = run(capsys, "salaries", "--region", "us", "--json", "--db", str(db_path))
    assert code == 0
    cells = json.loads(out)["cells"]
    assert cells and {(c["scope"], c["region"], c["currency"]) for c in cells} == {("category-region", "us", "USD")}


# ------------------------------------------------------------------ stats and export


def test_stats(db_path, capsys):
    code, out, _ = run(capsys, "stats", "--db", str(db_path))
    assert code == 0
    for row in query(db_path, "SELECT source, count(*) AS n FROM postings GROUP BY source"):
        line = next(line for line in out.splitlines() if line.startswith(row["source"] + " "))
        assert line.split()[1] == str(row["n"])
    for run_row in query(db_path, "SELECT spider, status FROM crawl_runs"):
        assert any(line.startswith(run_row["spider"]) and run_row["status"] in line for line in out.splitlines())
    assert "Listings (de-duplicated)" in out and "Salary index:" in out
    code, out, _ = run(capsys, "stats", "--json", "--db", str(db_path))
    stats = json.loads(out)
    assert stats["postings"] == query(db_path, "SELECT count(*) AS n FROM postings")[0]["n"]
    assert {r["spider"] for r in stats["last_runs"]} == {"remoteok", "remotive", "weworkremotely", "arbeitnow"}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_listings(db_path, capsys, tmp_path, fmt):
    db = open_db(db_path)
    db.execute("UPDATE listings SET closed_at = '2026-11-01T00:00:00+00:00' WHERE id % 5 = 0")
    db.close()
    total = query(db_path, "SELECT count(*) AS n FROM listings")[0]["n"]
    open_count = query(db_path, "SELECT count(*) AS n FROM listings WHERE closed_at IS NULL")[0]["n"]
    code, out, _ = run(capsys, "export", "--format", fmt, "--db", str(db_path))
    assert code == 0
    if fmt == "csv":
        records = list(csv.DictReader(io.StringIO(out)))
    else:
        records = [json.loads(line) for line in out.splitlines()]
        assert isinstance(records[0]["countries"], list) and isinstance(records[0]["apply_urls"], list)
    assert len(records) == total
    assert {"id", "title", "company", "sources", "url", "salary_usd_min"} <= set(records[0])
    target = tmp_path / f"open.{fmt}"
    code, _, err = run(capsys, "export", "--format", fmt, "--open-only", "-o", str(target), "--db", str(db_path))
    assert code == 0 and f"Exported {open_count} listings" in err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == open_count + (1 if fmt == "csv" else 0)


def test_export_postings(db_path, capsys):
    code, out, _ = run(capsys, "export", "--table", "postings", "--format", "jsonl", "--db", str(db_path))
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == query(db_path, "SELECT count(*) AS n FROM postings")[0]["n"]
    assert "raw_json" not in records[0] and isinstance(records[0]["tags"], (list, type(None)))


def test_db_from_environment(db_path, capsys, monkeypatch):
    monkeypatch.setenv("JOBS_DB", str(db_path))
    code, out, _ = run(capsys, "stats")
    assert code == 0 and str(db_path) in out


# ------------------------------------------------------------------ errors


def _empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    open_db(path).close()
    return path


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("hello, not a database\n")
    return path


@pytest.mark.parametrize(
    ("make_db", "argv", "message"),
    [
        pytest.param(lambda t: t / "nope.db", ["stats"], "database not found", id="missing-db"),
        pytest.param(lambda t: t / "nope.db", ["search", "x"], "remotejobs demo", id="missing-db-hint"),
        pytest.param(_empty_db, ["salaries"], "holds no postings yet", id="empty-db"),
        pytest.param(_empty_db, ["export"], "holds no postings yet", id="empty-db-export"),
        pytest.param(_not_sqlite, ["stats"], "not an SQLite database", id="not-sqlite"),
        pytest.param(lambda t: t, ["stats"], "not a database file", id="a-directory"),
    ],
)
def test_helpful_errors(tmp_path, capsys, make_db, argv, message):
    code, out, err = run(capsys, *argv, "--db", str(make_db(tmp_path)))
    assert code == 2
    assert message in err and "Traceback" not in err + out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["search", "--since", "last tuesday"], "--since", id="bad-since"),
        pytest.param(["search", "--country", "Atlantis"], "unknown country", id="bad-country"),
        pytest.param(["search", "x", "--country", "ZZ"], "unknown country", id="bad-country-code"),
        pytest.param(["search", '"unbalanced', "--fts"], "bad search text", id="bad-fts-syntax"),
        pytest.param(["salaries", "--min-n", "0"], "at least 1", id="min-n-zero"),
        pytest.param(["salaries", "--region", "europe"], "unknown region", id="overlapping-region-word"),
        pytest.param(["salaries", "--now", "yesterday"], "--now", id="bad-now"),
    ],
)
def test_argument_errors(db_path, capsys, argv, message):
    code, out, err = run(capsys, *argv, "--db", str(db_path))
    assert code == 2
    assert message in err and "Traceback" not in err + out

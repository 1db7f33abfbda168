"""Analyst commands: ``search``, ``salaries``, ``stats``, ``export``.

They read the jobs database (``--db``, default ``$JOBS_DB`` else ``data/jobs.db``)
and never crawl. A missing or empty database is a user error with a hint, not a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from analytics.salary_index import (
    DEFAULT_MIN_EMPLOYERS,
    DEFAULT_MIN_N,
    DEFAULT_WINDOW_DAYS,
    Population,
    benchmark_regions,
    compute_index,
    convert,
    rebuild_salary_index,
)
from crawler.cli.common import CliError, add_db_argument, print_json, project_settings, text_table
from crawler.cli.filters import filter_clauses, like_literal, symbol_words, vocabulary
from db.schema import open_db
from db.search import fts_query
from db.views import listing_sources_sql, listing_url_sql, search_hits_sql

JSON_FIELDS = ("countries", "regions", "apply_urls", "tags")
CRAWL_HINT = "crawl first (`scrapy crawlall` or `remotejobs demo`), or point --db / $JOBS_DB at a database"


def now_utc() -> datetime:
    """The current time (a function so tests can pin it)."""
    return datetime.now(UTC)


# ------------------------------------------------------------------ registration


def register(subparsers: Any) -> None:
    search = subparsers.add_parser(
        "search",
        help="full-text search over open listings, with filters",
        description="Search open, de-duplicated listings. TEXT matches title, company, tags and "
        "description of any of a listing's postings (all words must match; stemmed, so 'engineer' "
        "also finds 'engineering'; words with symbols such as c++, c# or .net must appear as written). "
        "Without TEXT, filters alone select. Filters taking NAME accept several values, comma-separated "
        "or repeated; an unknown value is an error that lists the valid ones.",
    )
    add_db_argument(search)
    search.add_argument("text", nargs="?", default="", metavar="TEXT", help="words to search for")
    search.add_argument(
        "--country", metavar="CC",
        help="only listings open to this country (ISO code such as DE, or a name): worldwide, "
        "the country itself, or a region containing it",
    )  # fmt: skip
    search.add_argument(
        "--region", action="append", metavar="NAME",
        help="only listings stated for this region or one inside it (eu, europe, north-america, ...)",
    )  # fmt: skip
    search.add_argument("--category", action="append", metavar="NAME", help="category, e.g. software-engineering")
    search.add_argument("--role", action="append", metavar="NAME", help="role, e.g. 'backend engineer'")
    search.add_argument("--seniority", action="append", metavar="LEVEL", help="seniority, e.g. senior")
    search.add_argument("--workplace", action="append", metavar="KIND", help="remote, hybrid or onsite")
    search.add_argument("--company", action="append", metavar="TEXT", help="company name contains TEXT")
    search.add_argument(
        "--min-salary", type=int, metavar="USD",
        help="employer-stated annual USD salary reaching at least this (top of the range)",
    )  # fmt: skip
    search.add_argument(
        "--since", metavar="AGE",
        help="posted within AGE (7d, 12h, 2w) or since a date (the platform's posting date; "
        "first seen where a platform gives none)",
    )  # fmt: skip
    search.add_argument("--seen-since", metavar="AGE", help="first seen by the crawler within AGE or since a date")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="at most N listings (default 20)")
    search.add_argument("--fts", action="store_true", help="TEXT is raw SQLite FTS5 query syntax")
    search.add_argument(
        "--list-values", choices=["category", "role", "seniority", "workplace", "region"], metavar="FILTER",
        help="print the valid values of a filter (category, role, seniority, workplace, region) and exit",
    )  # fmt: skip
    search.add_argument("--json", action="store_true", help="JSON output")
    search.set_defaults(func=run_search)

    salaries = subparsers.add_parser(
        "salaries",
        help="salary benchmarks: P25/median/P75 by category, role, seniority and region",
        description="Prints the salary index: remote, open, de-duplicated jobs with an employer-stated salary "
        "posted within SALARY_INDEX_WINDOW_DAYS, one figure per job, bands in the region's currency "
        "(population and method: docs/analysts.md). A cell is published at n >= SALARY_INDEX_MIN_N jobs from "
        ">= SALARY_INDEX_MIN_EMPLOYERS employers. Without filters: the category benchmarks.",
    )
    add_db_argument(salaries)
    salaries.add_argument("--category", metavar="SLUG", help="one category (software-engineering, ...)")
    salaries.add_argument("--role", metavar="ROLE", help='one role ("software engineer"): its bands by seniority')
    salaries.add_argument("--seniority", metavar="LEVEL", help="one seniority (with --role: bands per region)")
    salaries.add_argument("--region", metavar="ID", help="one benchmark region (us, canada, uk, eu, ...)")
    salaries.add_argument(
        "--currency", metavar="CODE",
        help="print every band in this currency (default: each region's own; USD without a region)",
    )  # fmt: skip
    salaries.add_argument(
        "--min-n", type=int, default=None, metavar="N",
        help="print cells with at least N jobs (recomputed in memory; the stored index is not changed)",
    )  # fmt: skip
    salaries.add_argument(
        "--rebuild", action="store_true", help="recompute and store the index and today's history snapshot first"
    )
    salaries.add_argument(
        "--now", metavar="DATE",
        help="the day the posting window ends at (ISO date or time; default: now, or the stored index's time "
        "with --min-n)",
    )  # fmt: skip
    salaries.add_argument("--json", action="store_true", help="JSON output")
    salaries.set_defaults(func=run_salaries)

    stats = subparsers.add_parser(
        "stats",
        help="postings and listings per platform, freshness, last run of each spider",
        description="Prints, for the database: postings per platform (open, closed, listings, when last "
        "seen, newest posting date), the de-duplicated listings (open, on several platforms, with a "
        "salary), the last crawl run of each spider with its counts and status, and the salary index's size.",
    )
    add_db_argument(stats)
    stats.add_argument("--json", action="store_true", help="JSON output")
    stats.set_defaults(func=run_stats)

    export = subparsers.add_parser(
        "export",
        help="export listings (or postings) as CSV or JSON lines",
        description="Writes every listing (one per real job, with its platforms and canonical URL) or every "
        "posting (one per platform record, without raw_json) as CSV or JSON lines, to stdout or --output. "
        "List columns (countries, regions, tags, apply_urls) are JSON text in CSV and arrays in JSON lines; "
        "booleans are 0/1; times are UTC ISO 8601.",
    )
    add_db_argument(export)
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="output format (csv)")
    export.add_argument("--open-only", action="store_true", help="only open listings/postings")
    export.add_argument("--table", choices=["listings", "postings"], default="listings", help="what to export")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=run_export)


# ------------------------------------------------------------------ database access


def open_database(path: str, *, need_listings: bool = True) -> sqlite_utils.Database:
    """Open an existing, non-empty jobs database (migrated), or raise CliError with a hint."""

    file = Path(path)
    if not file.exists():
        raise CliError(f"database not found: {path}; {CRAWL_HINT}")
    if not file.is_file():
        raise CliError(f"not a database file: {path}")
    try:
        with file.open("rb") as fh:
            header = fh.read(16)
        if header and header != b"SQLite format 3\x00":
            raise CliError(f"not an SQLite database: {path}")
        db = open_db(file)
    except sqlite3.DatabaseError as exc:
        raise CliError(f"cannot open {path}: {exc}") from exc
    if not db.execute("SELECT count(*) FROM postings").fetchone()[0]:
        db.close()
        raise CliError(f"database {path} holds no postings yet; {CRAWL_HINT}")
    if need_listings and "listings" not in db.table_names():
        db.close()
        raise CliError(f"database {path} has no listings table (de-duplication has not run)")
    return db


def _rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in JSON_FIELDS:
        if isinstance(out.get(name), str):
            with contextlib.suppress(ValueError):
                out[name] = json.loads(out[name])
    return out


# ------------------------------------------------------------------ formatting


def money(value: float | None) -> str:
    if value is None:
        return ""
    return f"${value / 1000:,.0f}k" if abs(value) >= 1000 else f"${value:,.0f}"


def salary_range(low: float | None, high: float | None, estimate: Any = None) -> str:
    if low is None and high is None:
        return ""
    text = money(low) if high is None or low == high else money(high) if low is None else f"{money(low)}–{money(high)}"
    return text + (" (est.)" if estimate else "")


def where(row: dict[str, Any]) -> str:
    if row.get("worldwide"):
        return "worldwide"
    parts = []
    for name in ("countries", "regions"):
        value = row.get(name)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        parts += [str(v) for v in value or []]
    return ", ".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: dict[int, int] | None = None) -> str:
    """A plain aligned text table; columns in ``widths`` are cut to that many characters."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    for row in cells:
        for i, limit in (widths or {}).items():
            if len(row[i]) > limit:
                row[i] = row[i][: limit - 1] + "…"
    sizes = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [all(re.fullmatch(r"[\d,.$k–%+-]*", r[i] or "0") for r in cells) for i in range(len(headers))]
    lines = []
    for row in [list(headers), ["-" * s for s in sizes], *cells]:
        lines.append(
            "  ".join((v.rjust(sizes[i]) if numeric[i] else v.ljust(sizes[i])) for i, v in enumerate(row)).rstrip()
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ search


def resolve_country(db: sqlite_utils.Database, text: str) -> str:
    value = text.strip()
    if len(value) == 2:
        code = value.upper()
        code = "GB" if code == "UK" else code
        if db.execute("SELECT 1 FROM ref_countries WHERE code = ?", [code]).fetchone():
            return code
    else:
        import pycountry

        try:
            return str(pycountry.countries.lookup(value).alpha_2)
        except LookupError:
            pass
    raise CliError(f"--country: unknown country {text!r} (use an ISO 3166 code such as DE, US, GB)")


def search_sql(args: argparse.Namespace, db: sqlite_utils.Database, now: datetime) -> tuple[str, dict[str, Any]]:

    params: dict[str, Any] = {"limit": max(args.limit, 0)}
    joins = ""
    clauses, filter_params = filter_clauses(args, db, now)
    params.update(filter_params)
    order = "o.last_seen_at DESC, o.id DESC"
    if args.text.strip():
        params["q"] = args.text if args.fts else fts_query(args.text)
        if not params["q"]:  # only quotes: nothing to search for
            raise CliError(f"search text {args.text!r} has no words to search for")
        joins = f" JOIN ({search_hits_sql(':q')}) h ON h.lid = o.id"
        order = "h.rank, " + order
        for i, word in enumerate([] if args.fts else symbol_words(args.text)):
            # the tokenizer reads "c++" and "c#" as "c": keep listings with the word as written
            params[f"literal{i}"] = like_literal(word)
            clauses.append(
                "EXISTS (SELECT 1 FROM postings p WHERE p.listing_id = o.id AND "
                f"(p.title LIKE :literal{i} ESCAPE '\\' OR p.tags LIKE :literal{i} ESCAPE '\\' "
                f"OR p.description_text LIKE :literal{i} ESCAPE '\\'))"
            )
    if args.country:
        params["country"] = resolve_country(db, args.country)
        clauses.append("o.id IN (SELECT id FROM listings_open_to_country WHERE country = :country)")
    if args.min_salary is not None:
        params["min_salary"] = args.min_salary
        clauses.append(
            "COALESCE(o.salary_usd_max, o.salary_usd_min) >= :min_salary AND COALESCE(o.salary_estimate, 0) = 0"
        )
    where_sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    posted = "(SELECT max(p.posted_at) FROM postings p WHERE p.listing_id = o.id) AS posted_at"
    return f"SELECT o.*, {posted} FROM open_listings o{joins}{where_sql} ORDER BY {order} LIMIT :limit", params


def run_search(args: argparse.Namespace) -> int:
    db = open_database(args.db)
    try:
        if args.list_values:
            values = vocabulary(db, args.list_values)
            if args.json:
                print_json(values)
            else:
                print("\n".join(values))
            return 0
        sql, params = search_sql(args, db, now_utc())
        try:
            rows = _rows(db, sql, params)
        except sqlite3.OperationalError as exc:
            if args.text.strip() and "locked" not in str(exc).lower():
                raise CliError(f"bad search text {args.text!r} (FTS5 syntax): {exc}") from exc
            raise
    finally:
        db.close()
    if args.json:
        print_json([_decode(r) for r in rows])
        return 0
    if not rows:
        print("No open listing matches.")
        return 0
    print(
        text_table(
            [
                "id",
                "title",
                "company",
                "category",
                "seniority",
                "salary (USD/yr)",
                "open to",
                "posted",
                "sources",
                "url",
            ],
            [
                [
                    r["id"],
                    r["title"],
                    r["company"],
                    r["category"],
                    r["seniority"],
                    salary_range(r["salary_usd_min"], r["salary_usd_max"], r["salary_estimate"]),
                    where(r),
                    (r["posted_at"] or "")[:10],
                    r["sources"],
                    r["url"],
                ]
                for r in rows
            ],
            widths={1: 40, 2: 20, 6: 24, 8: 24},
        )
    )
    print(
        f"\n{len(rows)} listing{'s' if len(rows) != 1 else ''}"
        + (" (limit reached)" if len(rows) == args.limit else "")
        + "; details: remotejobs show ID"
    )
    return 0


# ------------------------------------------------------------------ salaries

SALARY_COLUMNS = (
    "scope, key, category, role, seniority, region, currency, period, n, employers, p25, median, p75, "
    "p25_usd, median_usd, p75_usd, published, min_n, min_employers, computed_at"
)
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$"}


def salary_settings() -> dict[str, Any]:
    settings = project_settings()
    return {
        "min_n": settings.getint("SALARY_INDEX_MIN_N", DEFAULT_MIN_N),
        "min_employers": settings.getint("SALARY_INDEX_MIN_EMPLOYERS", DEFAULT_MIN_EMPLOYERS),
        "window_days": settings.getfloat("SALARY_INDEX_WINDOW_DAYS", DEFAULT_WINDOW_DAYS),
        "include_hybrid": settings.getbool("SALARY_INDEX_INCLUDE_HYBRID", False),
    }


def parse_now(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CliError(f"--now: expected an ISO date or time such as 2026-11-27, got {text!r}") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def money_in(value: float | None, currency: str, period: str = "year") -> str:
    """'€92k', '$140k', 'CHF 120k'; hourly rates keep their units ('$65/h')."""
    if value is None:
        return ""
    sign = CURRENCY_SIGNS.get(currency)
    if period == "hour":
        amount = f"{value:,.0f}/h"
    else:
        amount = f"{value / 1000:,.0f}k" if abs(value) >= 1000 else f"{value:,.0f}"
    return f"{sign}{amount}" if sign else f"{currency} {amount}"


def band(cell: dict[str, Any], currency: str | None) -> tuple[str, float | None, float | None, float | None]:
    """(currency, p25, median, p75) of a cell, in ``currency`` when given (module doc of the command)."""
    own = cell["currency"]
    if currency is None or currency == own:
        return own, cell["p25"], cell["median"], cell["p75"]
    values = (cell["p25_usd"], cell["median_usd"], cell["p75_usd"])
    if currency != "USD":
        values = tuple(
            None if v is None else convert(v, "USD", currency, cell["computed_at"])
            for v in values  # at the ECB rate of the day the index was computed
        )
    return currency, *values


def gate_message(cell: dict[str, Any]) -> str:
    """The plain sentence for a cell below the publication gate."""
    if cell["n"] < cell["min_n"]:
        return f"not enough salary-disclosed listings yet: {cell['n']} of {cell['min_n']}"
    return f"not enough employers yet: {cell['employers']} of {cell['min_employers']}"


def select_cells(cells: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The cells the filters ask for (see the command's help)."""
    wanted: set[str]
    if args.role:
        wanted = {"role", "role-seniority", "role-seniority-region"}
        if args.seniority:
            wanted -= {"role"}
        if args.region:
            wanted = {"role-seniority-region"}
    elif args.seniority:
        wanted = {"role-seniority-region"} if args.region else {"role-seniority"}
    elif args.category:
        wanted = {"category-region"} if args.region else {"category", "category-region", "role", "hourly-rate-category"}
    elif args.region:
        wanted = {"category-region"}
    else:
        wanted = {"category", "hourly-rate-category"}

    def keep(cell: dict[str, Any]) -> bool:
        return (
            cell["scope"] in wanted
            and (not args.role or cell["role"] == args.role)
            and (not args.seniority or cell["seniority"] in (None, args.seniority) or cell["scope"] == "role")
            and (not args.region or cell["region"] == args.region)
            and (not args.category or cell["category"] == args.category)
        )

    return [c for c in cells if keep(c)]


def benchmark_for(cell: dict[str, Any], by_key: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any] | None:
    """The category benchmark printed beside a role cell: same category, same region."""
    if cell["scope"] not in ("role", "role-seniority", "role-seniority-region") or not cell["category"]:
        return None
    if cell["region"]:
        return by_key.get(("category-region", f"{cell['category']}|{cell['region']}"))
    return by_key.get(("category", cell["category"]))


def _label(cell: dict[str, Any], names: dict[str, str]) -> str:
    if cell["scope"] in ("role-seniority-region", "category-region"):
        return names.get(cell["region"], cell["region"])
    if cell["scope"] == "role-seniority":
        return f"{cell['role']} / {cell['seniority']}"
    if cell["scope"] == "hourly-rate-category":
        return f"{cell['key']} (hourly rate)"
    return str(cell["key"])


def run_salaries(args: argparse.Namespace) -> int:
    config = salary_settings()
    currency = args.currency.strip().upper() if args.currency else None
    regions = benchmark_regions()
    if args.region and args.region not in regions:
        raise CliError(f"--region: unknown region {args.region!r} (one of {', '.join(regions)})")
    if args.min_n is not None and args.min_n < 1:
        raise CliError("--min-n must be at least 1")
    asked_now = parse_now(args.now) if args.now else None
    db = open_database(args.db)
    try:
        population_note: dict[str, Any] | None = None
        if args.rebuild:
            result = rebuild_salary_index(db, now=asked_now or now_utc(), **config)
            if result is not None:
                print(
                    f"Salary index rebuilt: {result.published} of {len(result.cells)} cells published "
                    f"(n >= {config['min_n']}, employers >= {config['min_employers']}).",
                    file=sys.stderr,
                )
        if args.min_n is not None:
            stored_at = db.execute("SELECT max(computed_at) FROM salary_index").fetchone()[0]
            now = asked_now or (parse_now(stored_at) if stored_at else now_utc())
            population = Population(now, config["window_days"], config["include_hybrid"])
            result = compute_index(db, population, min_n=args.min_n, min_employers=config["min_employers"])
            cells = [c.as_row(result.computed_at) for c in result.cells]
            population_note = {"listings": result.listings, "jobs": result.jobs, "excluded": result.excluded}
        else:
            cells = _rows(db, f"SELECT {SALARY_COLUMNS} FROM salary_index")
    finally:
        db.close()
    if currency is not None and currency != "USD":
        try:
            convert(1.0, "USD", currency, None)
        except ValueError as exc:
            raise CliError(f"--currency: no ECB rate for {currency!r}") from exc
    by_key = {(c["scope"], c["key"]): c for c in cells}
    chosen = select_cells(cells, args)
    chosen.sort(key=lambda c: (SCOPES_ORDER.index(c["scope"]), -c["published"], -c["n"], c["key"]))
    names = {r.id: r.name for r in regions.values()}
    out = []
    for cell in chosen:
        shown_currency, p25, median, p75 = band(cell, currency)
        record = {**cell, "shown_currency": shown_currency, "shown": {"p25": p25, "median": median, "p75": p75}}
        record["message"] = None if cell["published"] else gate_message(cell)
        bench = benchmark_for(cell, by_key)
        if bench is not None:
            b_currency, b25, bmed, b75 = band(bench, currency if currency else cell["currency"])
            record["benchmark"] = {
                "scope": bench["scope"], "key": bench["key"], "n": bench["n"], "employers": bench["employers"],
                "published": bench["published"], "currency": b_currency, "p25": b25, "median": bmed, "p75": b75,
                "message": None if bench["published"] else gate_message(bench),
            }  # fmt: skip
        out.append(record)
    if args.json:
        json.dump(
            {"cells": out, "population": population_note, "min_n": args.min_n or config["min_n"],
             "min_employers": config["min_employers"]},
            sys.stdout, indent=2, ensure_ascii=False,
        )  # fmt: skip
        print()
        return 0
    if not cells:
        print("The salary index is empty (never built, or no job in the population); try --rebuild.")
        return 0
    if not out:
        print("No salary index cell matches these filters.")
        return 0
    computed = cells[0]["computed_at"]
    gate_n = args.min_n or cells[0]["min_n"]
    print(
        "Annual salaries of remote, open, de-duplicated jobs with an employer-stated salary, one figure per job "
        f"(P25–P75, median; bands in each region's currency; published at n >= {gate_n} jobs from "
        f">= {cells[0]['min_employers']} employers; computed {computed})\n"
    )
    lines = []
    for record in out:
        shown = record["shown"]
        unit = record["shown_currency"]
        if record["message"]:
            text = record["message"]
        else:
            text = f"{money_in(shown['p25'], unit, record['period'])}–{money_in(shown['p75'], unit, record['period'])}"
            text += f" (median {money_in(shown['median'], unit, record['period'])})"
        bench = record.get("benchmark")
        bench_text = ""
        if bench is not None:
            if bench["published"]:
                bench_text = f"{money_in(bench['p25'], bench['currency'])}–{money_in(bench['p75'], bench['currency'])}"
                bench_text += f" (n {bench['n']})"
            else:
                bench_text = bench["message"]
        lines.append(
            [record["scope"], _label(record, names), unit, record["n"], record["employers"], text,
             money_in(record["median_usd"], "USD", record["period"]) if unit != "USD" else "", bench_text]
        )  # fmt: skip
    print(table(["scope", "cell", "cur", "n", "employers", "band", "median USD", "category benchmark"], lines))
    if population_note:
        excluded = ", ".join(f"{k} {v}" for k, v in population_note["excluded"].items())
        print(
            f"\nPopulation: {population_note['listings']} listings = {population_note['jobs']} jobs; "
            f"excluded: {excluded}"
        )
    return 0


SCOPES_ORDER = (
    "category", "category-region", "role", "role-seniority", "role-seniority-region", "hourly-rate-category",
)  # fmt: skip


# ------------------------------------------------------------------ stats


def collect_stats(db: sqlite_utils.Database) -> dict[str, Any]:
    has_listings = "listings" in db.table_names()
    platforms = _rows(
        db,
        "SELECT source AS platform, count(*) AS postings, "
        "sum(closed_at IS NULL) AS open, sum(closed_at IS NOT NULL) AS closed, "
        + ("count(DISTINCT listing_id) AS listings, " if has_listings else "")
        + "max(last_seen_at) AS last_seen, max(posted_at) AS newest_posted "
        "FROM postings GROUP BY source ORDER BY source",
    )
    listings: dict[str, Any] = {}
    if has_listings:
        listings = _rows(
            db,
            "SELECT count(*) AS total, sum(closed_at IS NULL) AS open, sum(closed_at IS NOT NULL) AS closed, "
            "sum(postings_count > 1) AS multi_source, "
            "sum(salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL) AS with_salary, "
            "max(last_seen_at) AS last_seen FROM listings",
        )[0]
    runs = _rows(
        db,
        "SELECT r.spider, r.id AS run_id, r.started_at, r.finished_at, r.status, r.new, r.updated, "
        "r.unchanged, r.rejected, r.request_errors FROM crawl_runs r "
        "WHERE r.id = (SELECT max(id) FROM crawl_runs x WHERE x.spider = r.spider) ORDER BY r.spider",
    )
    index = _rows(
        db, "SELECT scope, count(*) AS rows, max(computed_at) AS computed_at FROM salary_index GROUP BY scope"
    )
    return {
        "postings": db.execute("SELECT count(*) FROM postings").fetchone()[0],
        "platforms": platforms,
        "listings": listings,
        "last_runs": runs,
        "salary_index": index,
        "rejects": db.execute("SELECT count(*) FROM rejects").fetchone()[0],
    }


def run_stats(args: argparse.Namespace) -> int:
    db = open_database(args.db, need_listings=False)
    try:
        stats = collect_stats(db)
    finally:
        db.close()
    if args.json:
        print_json(stats)
        return 0
    print(f"Database {args.db}\n")
    print("Postings per platform")
    headers = ["platform", "postings", "open", "closed"]
    if stats["platforms"] and "listings" in stats["platforms"][0]:
        headers.append("listings")
    headers += ["last seen", "newest posted"]
    print(
        text_table(
            headers,
            [
                [p[h.replace(" ", "_") if h != "newest posted" else "newest_posted"] for h in headers]
                for p in stats["platforms"]
            ],
        )
    )
    print(f"total postings: {stats['postings']}, rejected records: {stats['rejects']}")
    listing = stats["listings"]
    if listing:
        print(
            f"\nListings (de-duplicated): {listing['total']} total, {listing['open'] or 0} open, "
            f"{listing['closed'] or 0} closed, {listing['multi_source'] or 0} on several platforms, "
            f"{listing['with_salary'] or 0} with a salary; last seen {listing['last_seen']}"
        )
    print("\nLast run of each spider")
    print(
        text_table(
            ["spider", "run", "started", "finished", "status", "new", "updated", "unchanged", "rejected", "errors"],
            [
                [
                    r["spider"],
                    r["run_id"],
                    r["started_at"],
                    r["finished_at"],
                    r["status"],
                    r["new"],
                    r["updated"],
                    r["unchanged"],
                    r["rejected"],
                    r["request_errors"],
                ]
                for r in stats["last_runs"]
            ],
        )
    )
    if stats["salary_index"]:
        parts = ", ".join(f"{r['rows']} by {r['scope']}" for r in stats["salary_index"])
        print(f"\nSalary index: {parts} (computed {max(r['computed_at'] for r in stats['salary_index'])})")
    else:
        print("\nSalary index: empty")
    return 0


# ------------------------------------------------------------------ export


def export_rows(db: sqlite_utils.Database, what: str, open_only: bool) -> Iterator[dict[str, Any]]:
    if what == "listings":
        sql = f"SELECT l.*, {listing_sources_sql('l')} AS sources, {listing_url_sql('l')} AS url FROM listings l"
        alias = "l"
    else:
        names = [c.name for c in db["postings"].columns if c.name != "raw_json"]
        sql = "SELECT " + ", ".join(f"p.[{n}]" for n in names) + " FROM postings p"
        alias = "p"
    if open_only:
        sql += f" WHERE {alias}.closed_at IS NULL"
    sql += f" ORDER BY {alias}.id"
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def jsonl_line(record: dict[str, Any]) -> str:
    """One JSON line; Unicode line separators escaped so every reader splits records alike."""
    text = json.dumps(record, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085") + "\n"


#: A cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(...)`` as a company name) gets a
    leading apostrophe; numbers are left alone (a negative number is not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_export(rows: Iterator[dict[str, Any]], fmt: str, out: TextIO) -> int:
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(jsonl_line(_decode(row)))
            count += 1
        return count
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
        count += 1
    return count


def run_export(args: argparse.Namespace) -> int:
    db = open_database(args.db, need_listings=args.table == "listings")
    try:
        rows = export_rows(db, args.table, args.open_only)
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = write_export(rows, args.format, out)
            print(f"Exported {count} {args.table} to {args.output}", file=sys.stderr)
        else:
            write_export(rows, args.format, sys.stdout)
    finally:
        db.close()
    return 0

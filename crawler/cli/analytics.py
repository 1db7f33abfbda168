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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from analytics.salary_index import DEFAULT_MIN_N, INDEX_LISTINGS_SQL, rebuild_salary_index
from crawler.cli.common import CliError, add_db_argument, project_settings
from db.schema import open_db
from db.search import fts_query

JSON_FIELDS = ("countries", "regions", "apply_urls", "tags")
SCOPE_FOR_BY = {"category": "category", "role": "role", "region": "category-region"}
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
        "also finds 'engineering'). Without TEXT, filters alone select.",
    )
    add_db_argument(search)
    search.add_argument("text", nargs="?", default="", metavar="TEXT", help="words to search for")
    search.add_argument(
        "--country", metavar="CC",
        help="only listings open to this country (ISO code such as DE, or a name): worldwide, "
        "the country itself, or a region containing it",
    )  # fmt: skip
    search.add_argument("--category", action="append", metavar="NAME", help="category (repeatable)")
    search.add_argument("--seniority", action="append", metavar="LEVEL", help="seniority (repeatable)")
    search.add_argument(
        "--min-salary", type=int, metavar="USD",
        help="employer-stated annual USD salary reaching at least this (top of the range)",
    )  # fmt: skip
    search.add_argument("--since", metavar="AGE", help="first seen within AGE (7d, 12h, 2w) or since a date")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="at most N listings (default 20)")
    search.add_argument("--fts", action="store_true", help="TEXT is raw SQLite FTS5 query syntax")
    search.add_argument("--json", action="store_true", help="JSON output")
    search.set_defaults(func=run_search)

    salaries = subparsers.add_parser(
        "salaries",
        help="salary index: P25/median/P75 of annual USD salary",
        description="Prints the salary index (open de-duplicated listings with an employer-stated "
        "salary; estimates never count; a row needs at least SALARY_INDEX_MIN_N listings).",
    )
    add_db_argument(salaries)
    salaries.add_argument("--by", choices=sorted(SCOPE_FOR_BY), default="category", help="grouping")
    salaries.add_argument("--rebuild", action="store_true", help="recompute the index first")
    salaries.add_argument(
        "--min-n", type=int, default=None, metavar="N",
        help="with --rebuild: publish rows with at least N listings (default: SALARY_INDEX_MIN_N, 10)",
    )  # fmt: skip
    salaries.add_argument("--json", action="store_true", help="JSON output")
    salaries.set_defaults(func=run_salaries)

    stats = subparsers.add_parser(
        "stats",
        help="postings and listings per platform, freshness, last run of each spider",
    )
    add_db_argument(stats)
    stats.add_argument("--json", action="store_true", help="JSON output")
    stats.set_defaults(func=run_stats)

    export = subparsers.add_parser("export", help="export listings (or postings) as CSV or JSON lines")
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


def parse_since(text: str, now: datetime) -> str:
    """'7d' / '12h' / '2w' / '30m' (minutes) / an ISO date -> ISO UTC timestamp lower bound."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount),
                 "w": timedelta(weeks=amount)}[unit]  # fmt: skip
        return (now - delta).replace(microsecond=0).isoformat()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CliError(f"--since: expected an age like 7d, 12h, 2w or a date like 2026-11-01, got {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


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
    joins, clauses = "", []
    order = "o.last_seen_at DESC, o.id DESC"
    if args.text.strip():
        params["q"] = args.text if args.fts else fts_query(args.text)
        if not params["q"]:  # only quotes: nothing to search for
            raise CliError(f"search text {args.text!r} has no words to search for")
        joins = (
            " JOIN (SELECT p.listing_id AS lid, min(postings_fts.rank) AS rank FROM postings_fts"
            " JOIN postings p ON p.id = postings_fts.rowid WHERE postings_fts MATCH :q"
            " AND p.listing_id IS NOT NULL GROUP BY p.listing_id) h ON h.lid = o.id"
        )
        order = "h.rank, " + order
    if args.country:
        params["country"] = resolve_country(db, args.country)
        clauses.append("o.id IN (SELECT id FROM listings_open_to_country WHERE country = :country)")
    for name in ("category", "seniority"):
        values = [v.strip() for item in getattr(args, name) or [] for v in item.split(",") if v.strip()]
        if values:
            marks = ", ".join(f":{name}{i}" for i in range(len(values)))
            clauses.append(f"o.{name} IN ({marks})")
            params.update({f"{name}{i}": v for i, v in enumerate(values)})
    if args.min_salary is not None:
        params["min_salary"] = args.min_salary
        clauses.append(
            "COALESCE(o.salary_usd_max, o.salary_usd_min) >= :min_salary AND COALESCE(o.salary_estimate, 0) = 0"
        )
    if args.since:
        params["since"] = parse_since(args.since, now)
        clauses.append("o.first_seen_at >= :since")
    where_sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return f"SELECT o.* FROM open_listings o{joins}{where_sql} ORDER BY {order} LIMIT :limit", params


def run_search(args: argparse.Namespace) -> int:
    db = open_database(args.db)
    try:
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
        json.dump([_decode(r) for r in rows], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not rows:
        print("No open listing matches.")
        return 0
    print(
        table(
            ["id", "title", "company", "category", "seniority", "salary (USD/yr)", "open to", "sources"],
            [
                [
                    r["id"],
                    r["title"],
                    r["company"],
                    r["category"],
                    r["seniority"],
                    salary_range(r["salary_usd_min"], r["salary_usd_max"], r["salary_estimate"]),
                    where(r),
                    r["sources"],
                ]
                for r in rows
            ],
            widths={1: 48, 2: 24, 6: 28},
        )
    )
    print(
        f"\n{len(rows)} listing{'s' if len(rows) != 1 else ''}"
        + (" (limit reached)" if len(rows) == args.limit else "")
    )
    return 0


# ------------------------------------------------------------------ salaries


def _setting_min_n() -> int:
    return project_settings().getint("SALARY_INDEX_MIN_N", DEFAULT_MIN_N)


def run_salaries(args: argparse.Namespace) -> int:

    db = open_database(args.db)
    try:
        if args.rebuild:
            min_n = args.min_n if args.min_n is not None else _setting_min_n()
            if min_n < 1:
                raise CliError("--min-n must be at least 1")
            published = rebuild_salary_index(db, now=now_utc(), min_n=min_n)
            print(f"Salary index rebuilt: {published} rows published (n >= {min_n}).", file=sys.stderr)
        elif args.min_n is not None:
            raise CliError("--min-n only applies with --rebuild")
        scope = SCOPE_FOR_BY[args.by]
        rows = _rows(
            db,
            "SELECT scope, key, category, role, region, n, p25, median, p75, min_n, computed_at "
            "FROM salary_index WHERE scope = ? ORDER BY n DESC, key",
            [scope],
        )
        eligible = db.execute(f"SELECT count(*) FROM ({INDEX_LISTINGS_SQL})").fetchone()[0]
        built = db.execute("SELECT max(computed_at), max(min_n) FROM salary_index").fetchone()
    finally:
        db.close()
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    if not rows:
        if args.rebuild:
            hint = f"no {args.by} reaches n >= {min_n}"
        elif built[0] is None:
            hint = "the index is empty (never built, or no group reached the threshold); try --rebuild"
        else:
            hint = f"no {args.by} reaches n >= {built[1]} (index computed {built[0]})"
        print(f"No salary index rows by {args.by}: {hint}. {eligible} open listings have an employer-stated salary.")
        return 0
    label = {"category": "category", "role": "role", "region": "category / region"}[args.by]
    print(
        f"Annual salary in USD by {args.by}, over open de-duplicated listings with an employer-stated salary "
        f"(estimates excluded; rows need n >= {rows[0]['min_n']}; computed {rows[0]['computed_at']})\n"
    )
    print(
        table(
            [label, "n", "P25", "median", "P75"],
            [[r["key"], r["n"], money(r["p25"]), money(r["median"]), money(r["p75"])] for r in rows],
        )
    )
    return 0


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
        json.dump(stats, sys.stdout, indent=2)
        print()
        return 0
    print(f"Database {args.db}\n")
    print("Postings per platform")
    headers = ["platform", "postings", "open", "closed"]
    if stats["platforms"] and "listings" in stats["platforms"][0]:
        headers.append("listings")
    headers += ["last seen", "newest posted"]
    print(
        table(
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
        table(
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
        sql = (
            "SELECT l.*, (SELECT group_concat(source, ', ') FROM (SELECT DISTINCT p.source FROM postings p "
            "WHERE p.listing_id = l.id ORDER BY p.source)) AS sources, "
            "(SELECT p.url FROM postings p WHERE p.id = l.canonical_posting_id) AS url FROM listings l"
        )
        alias = "l"
    else:
        names = [c.name for c in db.table("postings").columns if c.name != "raw_json"]
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

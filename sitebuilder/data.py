"""Everything the site reads from the database, in one module (the seam to issue 12's salary index).

What this module expects (``/work/notes/salary-contract.md``):

- ``salary_index``: one row per cell, published or not, with columns ``scope`` ('category' | 'role' |
  'role-seniority' | 'role-seniority-region' | 'category-region'), ``key``, ``category``, ``role``,
  ``seniority``, ``region``, ``currency``, ``n``, ``employers``, ``p25``, ``median``, ``p75`` (in
  ``currency``), ``p25_usd``, ``median_usd``, ``p75_usd``, ``published`` (0/1), ``min_n``,
  ``min_employers``, ``computed_at``; ``period`` ('year', or 'hour' for hourly-rate cells) when present.
  Figures of unpublished cells are never shown. Pages use the annual scopes above; the Full Salary Index
  lists every published cell, hourly ones marked per hour.
- ``salary_index_history``: ``date``, ``scope``, ``key``, ``currency``, ``n``, ``employers``, ``p25``,
  ``median``, ``p75`` (published cells only), for the trend column.
- ``listings`` (open ones: ``closed_at IS NULL``) joined to their canonical ``postings`` row for the
  location text and ``posted_at``.

A database whose ``salary_index`` lacks the contract's columns raises :class:`SalaryIndexOutdated` (rebuild
the index with the current code); a database without the tables at all is an empty site ("no data yet").
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics import salary_index

#: The contract's columns the site reads from ``salary_index``.
CONTRACT_COLUMNS = (
    "scope", "key", "category", "role", "seniority", "region", "currency", "n", "employers",
    "p25", "median", "p75", "p25_usd", "median_usd", "p75_usd", "published", "min_n", "min_employers",
    "computed_at",
)  # fmt: skip
#: Columns read when present: ``period`` ('year' | 'hour') marks issue 12's hourly-rate cells.
OPTIONAL_COLUMNS = ("period",)
HISTORY_COLUMNS = ("date", "scope", "key", "currency", "n", "employers", "p25", "median", "p75")
SAFE_SCHEMES = frozenset({"http", "https"})


class SalaryIndexOutdated(Exception):
    """``salary_index`` predates the contract of issue 12 (no currency / employers / published columns)."""


@dataclass(frozen=True)
class Cell(salary_index.Cell):
    """One salary index cell as stored (a row of ``salary_index``): the computed cell and when."""

    computed_at: str = ""


@dataclass(frozen=True)
class HistoryPoint:
    date: str
    currency: str
    n: int
    median: float | None


@dataclass(frozen=True)
class ApplyLink:
    source: str
    url: str


@dataclass(frozen=True)
class Listing:
    """An open listing as the pages show it (third-party text: titles, companies, locations)."""

    id: int
    title: str
    company: str
    category: str | None
    role: str | None
    seniority: str | None
    location: str
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    worldwide: bool
    salary_usd_min: float | None
    salary_usd_max: float | None
    salary_estimate: bool
    posted_at: str  # UTC ISO 8601; the posting's date, else when the crawler first saw it
    apply_links: tuple[ApplyLink, ...]


@dataclass
class SiteData:
    cells: list[Cell] = field(default_factory=list)
    history: dict[tuple[str, str], list[HistoryPoint]] = field(default_factory=dict)
    listings: list[Listing] = field(default_factory=list)  # freshest first
    refreshed_at: str | None = None
    region_names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.listings and not self.cells

    def cell(self, scope: str, key: str) -> Cell | None:
        return self._indexes()[0].get((scope, key))

    def cells_of(self, scope: str) -> list[Cell]:
        return self._indexes()[1].get(scope, [])

    def _indexes(self) -> tuple[dict[tuple[str, str], Cell], dict[str, list[Cell]]]:
        """(scope, key) -> cell and scope -> cells, built once (``cells`` is not changed after loading)."""
        cached: tuple[dict[tuple[str, str], Cell], dict[str, list[Cell]]] | None = getattr(self, "_index", None)
        if cached is None:
            by_scope: dict[str, list[Cell]] = defaultdict(list)
            for c in self.cells:
                by_scope[c.scope].append(c)
            cached = ({(c.scope, c.key): c for c in self.cells}, dict(by_scope))
            self._index = cached
        return cached


def safe_link(url: Any) -> str | None:
    """The URL when it is an absolute http(s) link with a host, else None (no javascript:, data:, ...)."""
    if not isinstance(url, str):
        return None
    text: str = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in SAFE_SCHEMES or not rest or rest[0] in "/\\?#":
        return None
    if any(c.isspace() for c in text):
        return None
    return text


def apply_links(raw: Any) -> tuple[ApplyLink, ...]:
    """``listings.apply_urls`` (JSON list of {source, url}) -> safe links, first per URL."""
    try:
        entries = json.loads(raw) if raw else []
    except (TypeError, ValueError):
        return ()
    out: list[ApplyLink] = []
    seen: set[str] = set()
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        url = safe_link(entry.get("url"))
        if url and url not in seen:
            seen.add(url)
            out.append(ApplyLink(str(entry.get("source") or "the source"), url))
    return tuple(out)


def _json_strings(raw: Any) -> tuple[str, ...]:
    try:
        value = json.loads(raw) if raw else []
    except (TypeError, ValueError):
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def region_names() -> dict[str, str]:
    """Benchmark region id -> display name from issue 12's ``benchmark_regions()`` when it exists."""
    regions = getattr(salary_index, "benchmark_regions", None)
    if regions is None:
        return {}
    out: dict[str, str] = {}
    for rid, value in dict(regions()).items():
        name = value[0] if isinstance(value, tuple | list) else getattr(value, "name", value)
        if isinstance(value, dict):
            name = value.get("name", rid)
        out[str(rid)] = str(name)
    return out


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}  # table names are constants here


def read_cells(conn: sqlite3.Connection) -> list[Cell]:
    if "salary_index" not in _tables(conn):
        return []
    present = _columns(conn, "salary_index")
    missing = [c for c in CONTRACT_COLUMNS if c not in present]
    if missing:
        raise SalaryIndexOutdated(
            "salary_index lacks the columns " + ", ".join(missing) + " of the salary index contract (issue 12);"
            " rebuild it with `remotejobs salaries --rebuild`"
        )
    columns = list(CONTRACT_COLUMNS) + [c for c in OPTIONAL_COLUMNS if c in present]
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM salary_index ORDER BY scope, key")
    return [_cell(r) for r in rows]


def _cell(r: sqlite3.Row) -> Cell:
    return Cell(
        scope=r["scope"], key=r["key"], category=r["category"], role=r["role"], seniority=r["seniority"],
        region=r["region"], currency=r["currency"] or "USD", n=int(r["n"] or 0),
        employers=int(r["employers"] or 0), p25=r["p25"], median=r["median"], p75=r["p75"],
        p25_usd=r["p25_usd"], median_usd=r["median_usd"], p75_usd=r["p75_usd"],
        published=bool(r["published"]) and r["p25"] is not None and r["p75"] is not None,
        min_n=int(r["min_n"] or 0), min_employers=int(r["min_employers"] or 0), computed_at=r["computed_at"] or "",
        period=(r["period"] if "period" in list(r.keys()) else None) or "year",
    )  # fmt: skip


def read_history(conn: sqlite3.Connection) -> dict[tuple[str, str], list[HistoryPoint]]:
    if "salary_index_history" not in _tables(conn):
        return {}
    out: dict[tuple[str, str], list[HistoryPoint]] = defaultdict(list)
    rows = conn.execute("SELECT date, scope, key, currency, n, median FROM salary_index_history ORDER BY date")
    for r in rows:
        out[(r["scope"], r["key"])].append(
            HistoryPoint(r["date"], r["currency"] or "USD", int(r["n"] or 0), r["median"])
        )
    return dict(out)


OPEN_LISTINGS_SQL = """
SELECT l.id, l.title, l.company, l.category, l.role, l.seniority, l.countries, l.regions, l.worldwide,
       l.salary_usd_min, l.salary_usd_max, l.salary_estimate, l.apply_urls,
       COALESCE(p.posted_at, l.first_seen_at) AS posted_at, p.location_raw
FROM listings AS l LEFT JOIN postings AS p ON p.id = l.canonical_posting_id
WHERE l.closed_at IS NULL
ORDER BY COALESCE(p.posted_at, l.first_seen_at) DESC, l.id DESC
"""


def read_listings(conn: sqlite3.Connection) -> list[Listing]:
    tables = _tables(conn)
    if "listings" not in tables or "postings" not in tables:
        return []
    return [_listing(r) for r in conn.execute(OPEN_LISTINGS_SQL)]


def _listing(r: sqlite3.Row) -> Listing:
    return Listing(
        id=int(r["id"]), title=r["title"] or "", company=r["company"] or "", category=r["category"],
        role=r["role"], seniority=r["seniority"], location=r["location_raw"] or "",
        countries=_json_strings(r["countries"]), regions=_json_strings(r["regions"]),
        worldwide=bool(r["worldwide"]), salary_usd_min=r["salary_usd_min"], salary_usd_max=r["salary_usd_max"],
        salary_estimate=bool(r["salary_estimate"]), posted_at=r["posted_at"] or "",
        apply_links=apply_links(r["apply_urls"]),
    )  # fmt: skip


def refreshed_at(cells: Iterable[Cell], conn: sqlite3.Connection) -> str | None:
    """When the data was last refreshed: the salary index's computed_at, else the last crawl sighting."""
    stamps = [c.computed_at for c in cells if c.computed_at]
    if stamps:
        return max(stamps)
    if "listings" in _tables(conn):
        value = conn.execute("SELECT MAX(last_seen_at) FROM listings").fetchone()[0]
        return str(value) if value else None
    return None


def load_site_data(db_path: Path) -> SiteData:
    """Read the whole site's input from ``db_path`` (read-only)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        cells = read_cells(conn)
        return SiteData(
            cells=cells,
            history=read_history(conn),
            listings=read_listings(conn),
            refreshed_at=refreshed_at(cells, conn),
            region_names=region_names(),
        )
    finally:
        conn.close()

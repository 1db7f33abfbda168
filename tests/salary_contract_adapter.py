"""TEST ADAPTER (remove once issue 12 is merged): the salary index tables of the contract, from listings.

``/work/notes/salary-contract.md`` (issue 12) defines ``salary_index`` / ``salary_index_history`` as the site
reads them. Until issue 12's rebuild lands, the database built by a crawl carries the older ``salary_index``
(USD only, no employers, no ``published``). :func:`ensure_contract_tables` leaves a database that already has
the contract's columns untouched and otherwise rebuilds both tables from ``listings`` in plain Python, so the
site's tests and benchmark read the same shape the real index will have. Its figures are honest (quartiles of
the listings' own salaries, converted with the committed ECB table) but its region set is a small stand-in
for issue 12's ``data/salary/regions.yaml``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analytics.salary_index import listing_salary, quartiles
from db.places import region_members
from normalize.fx import usd_rate

CONTRACT_COLUMNS = frozenset({"scope", "key", "currency", "n", "employers", "published", "p25_usd", "min_employers"})
MIN_N = 10
MIN_EMPLOYERS = 3


def stand_in_regions() -> dict[str, tuple[str, frozenset[str]]]:
    """Region id -> (currency, ISO countries): non-overlapping, as the contract asks."""
    return {
        "us": ("USD", frozenset({"US"})),
        "canada": ("CAD", frozenset({"CA"})),
        "uk": ("GBP", frozenset({"GB"})),
        "eu": ("EUR", region_members().get("eu", frozenset())),
    }


def has_contract(conn: sqlite3.Connection) -> bool:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(salary_index)")}
    return columns >= CONTRACT_COLUMNS


def _regions_of(row: dict[str, Any], regions: dict[str, tuple[str, frozenset[str]]]) -> set[str]:
    countries = {str(c).upper() for c in json.loads(row["countries"] or "[]")}
    named = set(json.loads(row["regions"] or "[]"))
    out = {rid for rid, (_, members) in regions.items() if countries & members or rid in named}
    if row["worldwide"]:
        out.add("worldwide")
    return out


def ensure_contract_tables(db_path: Path, *, now: datetime | None = None, force: bool = False) -> bool:
    """Give ``db_path`` contract-shaped salary tables; True when the adapter built them.

    ``force`` rebuilds them even over a contract-shaped index (the site benchmark's synthetic listings lack the
    posting columns issue 12's real rebuild reads).
    """
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        if has_contract(conn) and not force:
            return False
        computed_at = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
        regions = stand_in_regions()
        currency_of = {rid: cur for rid, (cur, _) in regions.items()} | {"worldwide": "USD"}
        rate_of = {cur: (usd_rate(cur) or (1.0, ""))[0] for cur in set(currency_of.values())}
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        values: dict[tuple[str, str], list[float]] = defaultdict(list)
        employers: dict[tuple[str, str], set[str]] = defaultdict(set)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = []
        if "listings" in tables:
            rows = conn.execute(
                "SELECT id, company_norm, category, role, seniority, worldwide, countries, regions, salary_usd_min,"
                " salary_usd_max FROM listings WHERE closed_at IS NULL AND COALESCE(salary_estimate, 0) = 0"
                " AND (salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL)"
            ).fetchall()
        for row in rows:
            salary = listing_salary(row["salary_usd_min"], row["salary_usd_max"])
            if salary is None or salary <= 0:
                continue
            cat, role, sen = row["category"], row["role"], row["seniority"]
            cells: list[tuple[str, str, dict[str, Any]]] = []
            if cat:
                cells.append(("category", cat, {"category": cat}))
            if role:
                cells.append(("role", role, {"category": cat, "role": role}))
            if role and sen:
                cells.append(("role-seniority", f"{role}|{sen}", {"category": cat, "role": role, "seniority": sen}))
            for region in _regions_of(dict(row), regions):
                if role and sen:
                    dims = {"category": cat, "role": role, "seniority": sen, "region": region}
                    cells.append(("role-seniority-region", f"{role}|{sen}|{region}", dims))
                if cat:
                    cells.append(("category-region", f"{cat}|{region}", {"category": cat, "region": region}))
            for scope, key, dims in cells:
                groups.setdefault((scope, key), dims)
                values[(scope, key)].append(salary)
                employers[(scope, key)].add(row["company_norm"] or f"listing-{row['id']}")
        conn.execute("DROP TABLE IF EXISTS salary_index")
        conn.execute("DROP TABLE IF EXISTS salary_index_history")
        conn.execute(
            "CREATE TABLE salary_index (scope TEXT, key TEXT, category TEXT, role TEXT, seniority TEXT, region TEXT,"
            " currency TEXT, n INTEGER, employers INTEGER, p25 REAL, median REAL, p75 REAL, p25_usd REAL,"
            " median_usd REAL, p75_usd REAL, published INTEGER, min_n INTEGER, min_employers INTEGER,"
            " computed_at TEXT, PRIMARY KEY (scope, key))"
        )
        conn.execute(
            "CREATE TABLE salary_index_history (date TEXT, scope TEXT, key TEXT, currency TEXT, n INTEGER,"
            " employers INTEGER, p25 REAL, median REAL, p75 REAL, PRIMARY KEY (date, scope, key))"
        )
        for (scope, key), dims in groups.items():
            salaries = values[(scope, key)]
            n, emp = len(salaries), len(employers[(scope, key)])
            currency = currency_of.get(dims.get("region") or "", "USD")
            published = n >= MIN_N and emp >= MIN_EMPLOYERS
            usd = quartiles(salaries) if published else (None, None, None)
            local = tuple(v / rate_of[currency] for v in usd) if published else (None, None, None)  # type: ignore[operator]
            conn.execute(
                "INSERT INTO salary_index VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (scope, key, dims.get("category"), dims.get("role"), dims.get("seniority"), dims.get("region"),
                 currency, n, emp, *local, *usd, int(published), MIN_N, MIN_EMPLOYERS, computed_at),
            )  # fmt: skip
            if published:
                conn.execute(
                    "INSERT INTO salary_index_history VALUES (?,?,?,?,?,?,?,?,?)",
                    (computed_at[:10], scope, key, currency, n, emp, *local),
                )
        conn.commit()
        return True
    finally:
        conn.close()

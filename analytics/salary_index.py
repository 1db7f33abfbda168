"""Analytics layer: salary index, full-text search, analyst views, reference tables.

Everything here reads ``listings`` (one row per real-world job, built by the dedupe
step) and ``postings``; nothing here changes them.

- **Salary index** (``salary_index``): P25 / median / P75 of annual USD salary per
  category, per role and per category × region, over *open* listings whose salary
  the *employer* stated (site estimates never count). A row is published only when
  at least ``SALARY_INDEX_MIN_N`` listings stand behind it. Rebuilt after every
  crawl (:func:`after_run`) and on demand (``remotejobs salaries --rebuild``).
- **Percentiles** use linear interpolation between closest ranks: for sorted
  values ``x[0..n-1]`` the q-quantile is at position ``h = (n - 1) * q`` and equals
  ``x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])``. This is
  Hyndman & Fan type 7, numpy's default ``linear`` method and Python's
  ``statistics.quantiles(..., method="inclusive")``.
- **A listing's salary** is the midpoint of ``salary_usd_min`` and
  ``salary_usd_max`` when both are known, else whichever is known.
- **A listing's regions** (for the category × region scope): the regions it names,
  every region containing one of those (``eu`` also counts in ``europe`` and
  ``emea``), every region containing one of its countries, and ``worldwide`` for a
  listing open to anywhere. A listing counts once in each of its regions.
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from db.places import WORLDWIDE, region_members
from db.util import utc_now

logger = logging.getLogger(__name__)

DEFAULT_MIN_N = 10
SCOPES = ("category", "role", "category-region")


# ------------------------------------------------------------------ percentiles


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0 <= q <= 1) of already sorted values, linear interpolation (type 7)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile out of range: {q}")
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def quartiles(values: Iterable[float]) -> tuple[float, float, float]:
    """(P25, median, P75) of the values."""
    ordered = sorted(values)
    return percentile(ordered, 0.25), percentile(ordered, 0.5), percentile(ordered, 0.75)


def listing_salary(usd_min: float | None, usd_max: float | None) -> float | None:
    """The one figure a listing contributes: midpoint of its range, else the known end."""
    if usd_min is not None and usd_max is not None:
        return (float(usd_min) + float(usd_max)) / 2
    if usd_min is not None:
        return float(usd_min)
    if usd_max is not None:
        return float(usd_max)
    return None


def region_closure(members: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Region -> every region containing it (itself included): eu -> {eu, europe, emea}."""
    out: dict[str, frozenset[str]] = {}
    for region, inside in members.items():
        out[region] = frozenset(
            other for other, outer in members.items() if other == region or (inside and inside <= outer)
        )
    return out


def listing_regions(
    countries: Iterable[str],
    regions: Iterable[str],
    worldwide: bool,
    members: dict[str, frozenset[str]],
    closure: dict[str, frozenset[str]] | None = None,
) -> set[str]:
    """The regions a listing counts in for the category × region index (see module doc)."""
    out: set[str] = {WORLDWIDE} if worldwide else set()
    closure = closure if closure is not None else region_closure(members)
    for region in regions:
        out |= closure.get(region, frozenset({region}))
    codes = {c.upper() for c in countries}
    for region, inside in members.items():
        if codes & inside:
            out.add(region)
    return out


# ------------------------------------------------------------------ salary index


@dataclass(frozen=True)
class SalaryRow:
    scope: str
    key: str
    category: str | None
    role: str | None
    region: str | None
    n: int
    p25: float
    median: float
    p75: float


def _json_list(text: Any) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


#: The listings the salary index stands on: open, employer-stated salary in USD.
INDEX_LISTINGS_SQL = """
SELECT id, category, role, worldwide, countries, regions, salary_usd_min, salary_usd_max
FROM listings
WHERE closed_at IS NULL
  AND COALESCE(salary_estimate, 0) = 0
  AND (salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL)
"""


def compute_salary_index(
    listings: Iterable[dict[str, Any]], members: dict[str, frozenset[str]], min_n: int = DEFAULT_MIN_N
) -> list[SalaryRow]:
    """Salary index rows from listing dicts (rows of :data:`INDEX_LISTINGS_SQL`)."""
    groups: dict[tuple[str, str | None, str | None, str | None], list[float]] = defaultdict(list)
    closure = region_closure(members)
    for listing in listings:
        value = listing_salary(listing.get("salary_usd_min"), listing.get("salary_usd_max"))
        if value is None or value <= 0:
            continue
        category, role = listing.get("category"), listing.get("role")
        if category:
            groups[("category", category, None, None)].append(value)
            for region in listing_regions(
                _json_list(listing.get("countries")),
                _json_list(listing.get("regions")),
                bool(listing.get("worldwide")),
                members,
                closure,
            ):
                groups[("category-region", category, None, region)].append(value)
        if role:
            groups[("role", None, role, None)].append(value)
    rows = []
    for (scope, cat, fn, where), values in groups.items():
        if len(values) < min_n:
            continue
        p25, median, p75 = quartiles(values)
        key = fn if scope == "role" else cat if scope == "category" else f"{cat} / {where}"
        rows.append(SalaryRow(scope, str(key), cat, fn, where, len(values), p25, median, p75))
    rows.sort(key=lambda r: (SCOPES.index(r.scope), -r.n, r.key))
    return rows


def rebuild_salary_index(db: sqlite_utils.Database, *, now: datetime | None = None, min_n: int = DEFAULT_MIN_N) -> int:
    """Recompute ``salary_index`` from the listings; return the number of published rows."""
    if "listings" not in db.table_names():
        logger.warning("no listings table yet: salary index not built")
        return 0
    computed_at = now.replace(microsecond=0).isoformat() if now else utc_now()
    cursor = db.execute(INDEX_LISTINGS_SQL)
    names = [d[0] for d in cursor.description]
    listings = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    rows = compute_salary_index(listings, region_members(), min_n)
    with db.atomic():
        db.execute("DELETE FROM salary_index")
        db.table("salary_index").insert_all(
            {
                "scope": r.scope,
                "key": r.key,
                "category": r.category,
                "role": r.role,
                "region": r.region,
                "n": r.n,
                "p25": r.p25,
                "median": r.median,
                "p75": r.p75,
                "min_n": min_n,
                "computed_at": computed_at,
            }
            for r in rows
        )
    return len(rows)

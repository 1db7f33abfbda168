"""Salary benchmarks an analyst can publish: the ``salary_index`` and its daily history.

Everything here reads ``listings`` (one row per real-world job, built by the dedupe step)
and ``postings``; nothing here changes them. The method, in the words docs/analysts.md
quotes:

- **Population** (:func:`exclusion_reason`, the one place it is stated): open, de-duplicated
  listings whose salary the *employer* stated (site estimates never count), in a currency
  the ECB table converts, workplace ``remote`` (``hybrid`` too with
  ``SALARY_INDEX_INCLUDE_HYBRID``; onsite and unstated workplaces are out), employment
  full-time or unspecified, posted within ``SALARY_INDEX_WINDOW_DAYS`` (180) of the day the
  index is computed, stated per year or per month, with a range whose top is at most four
  times its bottom and whose annual USD ends lie within :data:`ANNUAL_USD_BOUNDS`.
  Hourly rates are never annualised: they form their own scope (``hourly-rate-category``,
  USD per hour). Day and week rates, part-time and internships are out.
- **One figure per job**: listings with the same employer, role (else title), seniority
  and stated range in the same currency are one job (the same job posted in 13 cities
  counts once). Its figure is the midpoint of the stated annual range (or the one stated
  end); its places are the union of its listings' places.
- **Regions** (``data/salary/regions.yaml``): a small fixed set of regions that share no
  country, each with its benchmark currency. A job open to anywhere is ``worldwide``; a job
  whose countries and region words all lie in one region is placed there; a job open to
  several is placed in the first of them (file order) whose currency is the currency of
  its salary, else in no region (it still counts in the region-free cells).
- **Currency**: a regional band is computed in the region's currency from each job's
  annualised amount in the currency it states; amounts in another currency are converted
  at the ECB reference rate of the job's own FX date (``postings.salary_fx_date``, the rate
  its USD figure was computed with). The USD band (``*_usd``) beside it is computed from the
  jobs' USD figures. Cells without a region are in USD.
- **Cells** (``scope``/``key``): ``category`` (slug), ``role`` ("software engineer"),
  ``role-seniority`` ("software engineer|lead"), ``role-seniority-region``
  ("software engineer|lead|us"), ``category-region`` ("software-engineering|eu"),
  ``hourly-rate-category`` (slug). Every cell is stored with ``n`` (jobs) and
  ``employers``; it is *published* (percentiles filled) only at ``n >= SALARY_INDEX_MIN_N``
  and ``employers >= SALARY_INDEX_MIN_EMPLOYERS``, so one employer cannot make a benchmark.
- **Percentiles** use linear interpolation between closest ranks (Hyndman & Fan type 7,
  numpy's default, ``statistics.quantiles(..., method="inclusive")``).
- **History**: published cells are copied into ``salary_index_history`` under the UTC day of
  the computation; a second computation on the same day replaces that day.
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from db.places import region_members
from normalize import YAML_LOADER, fx

logger = logging.getLogger(__name__)

DEFAULT_MIN_N = 10
DEFAULT_MIN_EMPLOYERS = 5
DEFAULT_WINDOW_DAYS = 180.0

REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "salary" / "regions.yaml"
WORLDWIDE = "worldwide"

SCOPES = (
    "category",
    "role",
    "role-seniority",
    "role-seniority-region",
    "category-region",
    "hourly-rate-category",
)
#: A salary range whose top is more than this many times its bottom is not one salary.
MAX_RANGE_RATIO = 4.0
#: Annual USD ends of an employer-stated salary (stated per year or month) must lie in here.
ANNUAL_USD_BOUNDS = (10_000.0, 1_000_000.0)
#: USD per hour ends of an hourly rate must lie in here.
HOURLY_USD_BOUNDS = (5.0, 500.0)
SALARY_PERIODS = frozenset({"year", "month"})
RATE_PERIODS = frozenset({"hour"})
#: employment_type words (lower case, any separator) that keep a salary out of the salary scopes.
NON_SALARIED_WORDS = ("contract", "freelance", "temporary", "temp", "part", "intern", "volunteer", "seasonal")


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


def listing_salary(low: float | None, high: float | None) -> float | None:
    """The one figure a range contributes: its midpoint, else the known end."""
    if low is not None and high is not None:
        return (float(low) + float(high)) / 2
    if low is not None:
        return float(low)
    if high is not None:
        return float(high)
    return None


# ------------------------------------------------------------------ regions


@dataclass(frozen=True)
class BenchmarkRegion:
    id: str
    name: str
    currency: str
    countries: frozenset[str]


_REGIONS: dict[str, BenchmarkRegion] = {}


def benchmark_regions() -> dict[str, BenchmarkRegion]:
    """The benchmark regions of ``data/salary/regions.yaml``, in file order (id -> region)."""
    if not _REGIONS:
        spec = yaml.load(REGIONS_FILE.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        for entry in spec["regions"]:
            _REGIONS[str(entry["id"])] = BenchmarkRegion(
                id=str(entry["id"]),
                name=str(entry["name"]),
                currency=str(entry["currency"]).upper(),
                countries=frozenset(str(c).upper() for c in entry.get("countries") or []),
            )
    return dict(_REGIONS)


@dataclass(frozen=True)
class RegionPlacer:
    """Places a job's places (worldwide flag, countries, region words) into one benchmark region."""

    regions: dict[str, BenchmarkRegion]
    by_country: dict[str, str]
    by_word: dict[str, frozenset[str]]

    @classmethod
    def build(cls) -> RegionPlacer:
        regions = benchmark_regions()
        by_country = {code: region.id for region in regions.values() for code in region.countries}
        # a region word (eu, europe, emea...) stands for every benchmark region holding one of its countries
        by_word = {
            word: frozenset(by_country[c] for c in members if c in by_country)
            for word, members in region_members().items()
        }
        return cls(regions, by_country, by_word)

    def candidates(self, worldwide: bool, countries: Iterable[str], words: Iterable[str]) -> list[str]:
        """Benchmark regions a job is open to, in file order."""
        if worldwide:
            return [WORLDWIDE]
        found = {self.by_country[c.upper()] for c in countries if c.upper() in self.by_country}
        for word in words:
            found |= self.by_word.get(word, frozenset())
        return [r for r in self.regions if r in found]

    def place(self, worldwide: bool, countries: Iterable[str], words: Iterable[str], currency: str) -> str | None:
        """The one benchmark region of a job (see module doc), or None."""
        found = self.candidates(worldwide, countries, words)
        if len(found) == 1:
            return found[0]
        same_currency = [r for r in found if self.regions[r].currency == currency]
        return same_currency[0] if same_currency else None


# ------------------------------------------------------------------ population


@dataclass(frozen=True)
class Population:
    """What the index stands on; every rule is applied by :func:`exclusion_reason`."""

    now: datetime
    window_days: float = DEFAULT_WINDOW_DAYS
    include_hybrid: bool = False

    @property
    def since(self) -> str:
        return (self.now - timedelta(days=self.window_days)).astimezone(UTC).isoformat()


#: Every listing with a salary, beside the posting its salary came from (the lowest posting id
#: of the listing whose USD figures and estimate flag are the listing's) and the latest date any
#: of its postings states. A new postings column (e.g. a gig / commission-only marker) is added
#: here as ``p.<column>`` and judged in :func:`exclusion_reason`.
CANDIDATES_SQL = """
SELECT l.id AS listing_id, l.title, l.company, COALESCE(NULLIF(l.company_norm, ''), lower(l.company)) AS employer,
       l.category, l.role, l.seniority, l.workplace, l.worldwide, l.countries, l.regions, l.closed_at,
       l.first_seen_at, l.salary_estimate, l.salary_usd_min, l.salary_usd_max,
       (SELECT max(q.posted_at) FROM postings q WHERE q.listing_id = l.id) AS posted_at,
       p.id AS posting_id, p.employment_type, p.salary_unparsed_reason, p.salary_norm_currency AS currency,
       p.salary_norm_period AS period, p.salary_norm_min, p.salary_norm_max, p.salary_annual_min,
       p.salary_annual_max, p.salary_fx_rate, p.salary_fx_date
FROM listings l
JOIN postings p ON p.id = (
    SELECT min(q.id) FROM postings q
    WHERE q.listing_id = l.id AND q.salary_usd_min IS l.salary_usd_min AND q.salary_usd_max IS l.salary_usd_max
      AND COALESCE(q.salary_estimate, 0) = COALESCE(l.salary_estimate, 0)
)
WHERE l.salary_usd_min IS NOT NULL OR l.salary_usd_max IS NOT NULL
ORDER BY l.id
"""


def employment_kind(employment_type: str | None) -> str:
    """'salaried' (full-time or not stated) or the first non-salaried word found."""
    text = (employment_type or "").lower().replace("-", "_").replace(" ", "_")
    if not text or "full" in text or "permanent" in text:
        return "salaried"
    for word in NON_SALARIED_WORDS:
        if word in text:
            return word
    return "salaried"


def listed_date(row: dict[str, Any]) -> str | None:
    """When the job was last posted: the latest posting date, else when we first saw it."""
    return row.get("posted_at") or row.get("first_seen_at")


def exclusion_reason(row: dict[str, Any], population: Population) -> str | None:
    """Why a candidate (a row of :data:`CANDIDATES_SQL`) is outside the index, or None.

    Rows with period ``hour`` that pass are hourly rates (:func:`is_rate`), the rest salaries.
    """
    if row.get("closed_at"):
        return "closed"
    if row.get("salary_estimate"):
        return "site estimate"
    if row.get("salary_unparsed_reason"):
        return "salary marked unusable"
    workplace = row.get("workplace")
    if workplace != "remote" and not (population.include_hybrid and workplace == "hybrid"):
        return f"workplace {workplace or 'not stated'}"
    posted = listed_date(row)
    if not posted or posted[:19] < population.since[:19]:
        return "posted before the window"
    if not row.get("currency") or (row.get("salary_annual_min") is None and row.get("salary_annual_max") is None):
        return "no stated currency"
    period = row.get("period")
    low, high = row.get("salary_annual_min"), row.get("salary_annual_max")
    if low is not None and high is not None and (low <= 0 or high > MAX_RANGE_RATIO * low):
        return "implausible range (top > 4x bottom)"
    if period in RATE_PERIODS:
        rate = hourly_usd(row)
        if rate is None or not HOURLY_USD_BOUNDS[0] <= rate <= HOURLY_USD_BOUNDS[1]:
            return "implausible hourly rate"
        return None
    if period not in SALARY_PERIODS:
        return f"paid per {period or 'unknown period'}"
    kind = employment_kind(row.get("employment_type"))
    if kind != "salaried":
        return f"employment {kind}"
    for end in (row.get("salary_usd_min"), row.get("salary_usd_max")):
        if end is not None and not ANNUAL_USD_BOUNDS[0] <= end <= ANNUAL_USD_BOUNDS[1]:
            return "implausible annual amount"
    return None


def is_rate(row: dict[str, Any]) -> bool:
    return row.get("period") in RATE_PERIODS


def hourly_usd(row: dict[str, Any]) -> float | None:
    """An hourly rate in USD per hour: the stated hourly midpoint at the posting's dated rate."""
    mid = listing_salary(row.get("salary_norm_min"), row.get("salary_norm_max"))
    rate = row.get("salary_fx_rate")
    return None if mid is None or rate is None else mid * float(rate)


# ------------------------------------------------------------------ jobs (clones collapsed)


def _json_list(text: Any) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _amount_key(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


@dataclass
class Job:
    """One job: the listings with the same employer, role, seniority and stated range."""

    listing_ids: list[int]
    employer: str
    category: str | None
    role: str | None
    seniority: str | None
    currency: str
    amount: float  # annual (or hourly for rates) midpoint in ``currency``
    usd: float  # the same in USD
    fx_date: str | None
    rate: bool
    worldwide: bool = False
    countries: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    region: str | None = None


def clone_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Listings with equal keys are one job: employer, role (else title), seniority, stated range."""
    role = row.get("role") or (row.get("title") or "").strip().lower()
    low, high = row.get("salary_annual_min"), row.get("salary_annual_max")
    if is_rate(row):
        low, high = row.get("salary_norm_min"), row.get("salary_norm_max")
    return (
        row.get("employer") or "",
        role,
        row.get("seniority") or "",
        row.get("currency"),
        row.get("period") in RATE_PERIODS,
        _amount_key(low),
        _amount_key(high),
    )


def collapse_jobs(rows: Iterable[dict[str, Any]], placer: RegionPlacer) -> list[Job]:
    """Population rows -> jobs; the lowest listing id of a job gives its figures and FX date."""
    jobs: dict[tuple[Any, ...], Job] = {}
    for row in sorted(rows, key=lambda r: int(r["listing_id"])):
        key = clone_key(row)
        job = jobs.get(key)
        if job is None:
            rate = is_rate(row)
            if rate:
                amount = listing_salary(row.get("salary_norm_min"), row.get("salary_norm_max"))
                usd = hourly_usd(row)
            else:
                amount = listing_salary(row.get("salary_annual_min"), row.get("salary_annual_max"))
                usd = listing_salary(row.get("salary_usd_min"), row.get("salary_usd_max"))
            assert amount is not None and usd is not None  # the population rules guarantee both
            job = jobs[key] = Job(
                listing_ids=[],
                employer=str(row.get("employer") or ""),
                category=row.get("category"),
                role=row.get("role"),
                seniority=row.get("seniority"),
                currency=str(row["currency"]).upper(),
                amount=amount,
                usd=usd,
                fx_date=row.get("salary_fx_date"),
                rate=rate,
            )
        job.listing_ids.append(int(row["listing_id"]))
        job.worldwide = job.worldwide or bool(row.get("worldwide"))
        job.countries.update(c.upper() for c in _json_list(row.get("countries")))
        job.words.update(_json_list(row.get("regions")))
    out = list(jobs.values())
    for job in out:
        job.region = placer.place(job.worldwide, job.countries, job.words, job.currency)
    return out


def convert(amount: float, currency: str, target: str, on: str | None) -> float:
    """``amount`` of ``currency`` in ``target`` at the ECB reference rates of date ``on``."""
    if currency == target:
        return amount
    day = date.fromisoformat(on[:10]) if on else None
    source_rate, target_rate = fx.usd_rate(currency, day), fx.usd_rate(target, day)
    if source_rate is None or target_rate is None:
        raise ValueError(f"no ECB rate to convert {currency} to {target} on {on}")
    return amount * source_rate[0] / target_rate[0]


# ------------------------------------------------------------------ cells


@dataclass(frozen=True)
class Cell:
    scope: str
    key: str
    category: str | None
    role: str | None
    seniority: str | None
    region: str | None
    currency: str
    period: str
    n: int
    employers: int
    p25: float | None
    median: float | None
    p75: float | None
    p25_usd: float | None
    median_usd: float | None
    p75_usd: float | None
    published: bool
    min_n: int
    min_employers: int

    def as_row(self, computed_at: str) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "key": self.key,
            "category": self.category,
            "role": self.role,
            "seniority": self.seniority,
            "region": self.region,
            "currency": self.currency,
            "period": self.period,
            "n": self.n,
            "employers": self.employers,
            "p25": self.p25,
            "median": self.median,
            "p75": self.p75,
            "p25_usd": self.p25_usd,
            "median_usd": self.median_usd,
            "p75_usd": self.p75_usd,
            "published": int(self.published),
            "min_n": self.min_n,
            "min_employers": self.min_employers,
            "computed_at": computed_at,
        }


def _cell_keys(job: Job) -> list[tuple[str, str, str | None, str | None, str | None, str | None]]:
    """(scope, key, category, role, seniority, region) of every cell a job counts in."""
    if job.rate:
        return [("hourly-rate-category", job.category, job.category, None, None, None)] if job.category else []
    out: list[tuple[str, str, str | None, str | None, str | None, str | None]] = []
    if job.category:
        out.append(("category", job.category, job.category, None, None, None))
        if job.region:
            out.append(("category-region", f"{job.category}|{job.region}", job.category, None, None, job.region))
    if job.role:
        out.append(("role", job.role, None, job.role, None, None))
        if job.seniority:
            out.append(("role-seniority", f"{job.role}|{job.seniority}", None, job.role, job.seniority, None))
            if job.region:
                key = f"{job.role}|{job.seniority}|{job.region}"
                out.append(("role-seniority-region", key, None, job.role, job.seniority, job.region))
    return out


def compute_cells(
    jobs: Iterable[Job],
    regions: dict[str, BenchmarkRegion],
    *,
    min_n: int = DEFAULT_MIN_N,
    min_employers: int = DEFAULT_MIN_EMPLOYERS,
) -> list[Cell]:
    """Every cell of the index, published or not (module doc)."""
    members: dict[tuple[str, str], list[Job]] = defaultdict(list)
    labels: dict[tuple[str, str], tuple[str | None, str | None, str | None, str | None]] = {}
    for job in jobs:
        for scope, key, category, role, seniority, region in _cell_keys(job):
            members[(scope, key)].append(job)
            labels[(scope, key)] = (category, role, seniority, region)
    cells = []
    for (scope, key), group in members.items():
        category, role, seniority, region = labels[(scope, key)]
        if role is not None:  # role cells carry the category most of their jobs are in
            counts: dict[str, int] = defaultdict(int)
            for job in group:
                if job.category:
                    counts[job.category] += 1
            category = min(counts, key=lambda c: (-counts[c], c)) if counts else None
        currency = regions[region].currency if region else "USD"
        n, employers = len(group), len({job.employer for job in group})
        published = n >= min_n and employers >= min_employers
        none: tuple[float | None, float | None, float | None] = (None, None, None)
        local, usd = none, none
        if published:
            usd = quartiles(job.usd for job in group)
            if region:
                local = quartiles(convert(job.amount, job.currency, currency, job.fx_date) for job in group)
            else:
                local = usd
        cells.append(
            Cell(
                scope,
                key,
                category,
                role,
                seniority,
                region,
                currency,
                "hour" if scope == "hourly-rate-category" else "year",
                n,
                employers,
                *local,
                *usd,
                published,
                min_n,
                min_employers,
            )
        )
    cells.sort(key=lambda c: (SCOPES.index(c.scope), -c.n, c.key))
    return cells


# ------------------------------------------------------------------ database


@dataclass
class IndexResult:
    cells: list[Cell]
    excluded: dict[str, int]
    listings: int  # listings in the population
    jobs: int  # jobs after collapsing clones
    computed_at: str

    @property
    def published(self) -> int:
        return sum(c.published for c in self.cells)


def read_candidates(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    cursor = db.execute(CANDIDATES_SQL)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def compute_index(
    db: sqlite_utils.Database,
    population: Population,
    *,
    min_n: int = DEFAULT_MIN_N,
    min_employers: int = DEFAULT_MIN_EMPLOYERS,
) -> IndexResult:
    """The index over the database's listings, in memory (nothing is written)."""
    computed_at = population.now.astimezone(UTC).replace(microsecond=0).isoformat()
    excluded: dict[str, int] = defaultdict(int)
    kept = []
    for row in read_candidates(db):
        reason = exclusion_reason(row, population)
        if reason is None:
            kept.append(row)
        else:
            excluded[reason] += 1
    placer = RegionPlacer.build()
    jobs = collapse_jobs(kept, placer)
    cells = compute_cells(jobs, placer.regions, min_n=min_n, min_employers=min_employers)
    return IndexResult(cells, dict(sorted(excluded.items())), len(kept), len(jobs), computed_at)


def rebuild_salary_index(
    db: sqlite_utils.Database,
    *,
    now: datetime | None = None,
    min_n: int = DEFAULT_MIN_N,
    min_employers: int = DEFAULT_MIN_EMPLOYERS,
    window_days: float = DEFAULT_WINDOW_DAYS,
    include_hybrid: bool = False,
) -> IndexResult | None:
    """Recompute ``salary_index`` and today's ``salary_index_history`` snapshot; None without listings."""
    if "listings" not in db.table_names():
        logger.warning("no listings table yet: salary index not built")
        return None
    population = Population(now or datetime.now(UTC), window_days, include_hybrid)
    result = compute_index(db, population, min_n=min_n, min_employers=min_employers)
    day = result.computed_at[:10]
    with db.atomic():
        db.execute("DELETE FROM salary_index")
        db.table("salary_index").insert_all(c.as_row(result.computed_at) for c in result.cells)
        db.execute("DELETE FROM salary_index_history WHERE date = ?", [day])
        db.table("salary_index_history").insert_all(
            {
                "date": day,
                "scope": c.scope,
                "key": c.key,
                "currency": c.currency,
                "n": c.n,
                "employers": c.employers,
                "p25": c.p25,
                "median": c.median,
                "p75": c.p75,
            }
            for c in result.cells
            if c.published
        )
    return result

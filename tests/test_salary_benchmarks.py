"""Salary benchmarks (issue 12): population, one figure per job, gates, regions, currency, history.

Every stored cell is checked against :func:`recompute`, a plain-Python recomputation over the
``listings`` and ``postings`` rows written apart from analytics/salary_index.py: its own region
placement from data/salary/regions.yaml, its own ECB lookups read from data/fx/ecb_rates.csv,
``statistics.quantiles`` for the percentiles. It runs on the real-cassette database and on
small hand-built ones whose rows each exercise one rule.
"""

from __future__ import annotations

import csv
import functools
import json
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import yaml

from analytics.salary_index import benchmark_regions, rebuild_salary_index
from db.places import region_members
from db.postings import PostingStore
from db.schema import open_db
from pipelines.after_crawl import AfterCrawlSettings, update_salary_index
from tests import test_analytics as base

ROOT = Path(__file__).resolve().parents[1]
real_db = base.real_db  # the real-cassette database fixture
NOW = datetime(2026, 3, 31, tzinfo=UTC)

# ------------------------------------------------------------------ independent recomputation


def _ecb() -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = defaultdict(dict)
    with (ROOT / "data" / "fx" / "ecb_rates.csv").open(encoding="utf-8") as fh:
        for rec in csv.DictReader(line for line in fh if not line.startswith("#")):
            table[rec["date"]][rec["currency"]] = float(rec["rate_per_eur"])
    return table


ECB = _ecb()


def per_eur(currency: str, on: str) -> float:
    """Units of ``currency`` per EUR on the latest ECB day <= ``on`` that quotes it and USD."""
    if currency == "EUR":
        return 1.0
    days = sorted(d for d in ECB if d <= on[:10] and currency in ECB[d] and "USD" in ECB[d])
    if not days:  # older than the table: the earliest day
        days = sorted(d for d in ECB if currency in ECB[d] and "USD" in ECB[d])[:1]
    return ECB[days[-1]][currency]


def exchange(amount: float, source: str, target: str, on: str) -> float:
    return amount if source == target else amount / per_eur(source, on) * per_eur(target, on)


@functools.cache  # read once: the recomputation asks for it per job
def regions_spec() -> list[dict[str, Any]]:
    return yaml.safe_load((ROOT / "data" / "salary" / "regions.yaml").read_text())["regions"]


def place(worldwide: bool, countries: set[str], words: set[str], currency: str) -> str | None:
    spec = regions_spec()
    if worldwide:
        return "worldwide"
    words_countries = set()
    for word in words:
        words_countries |= set(region_members().get(word, ()))
    hit = [r["id"] for r in spec if set(r["countries"]) & (countries | words_countries)]
    if len(hit) == 1:
        return hit[0]
    same = [r["id"] for r in spec if r["id"] in hit and r["currency"] == currency]
    return same[0] if same else None


def quart(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[1], q[2]


def recompute(
    db: sqlite_utils.Database,
    now: datetime,
    *,
    window_days: float = 180,
    hybrid: bool = False,
    min_n: int = 10,
    min_employers: int = 5,
) -> dict[tuple[str, str], dict[str, Any]]:
    """The index from the issue's definition, with loops."""
    since = (now - timedelta(days=window_days)).isoformat()[:19]
    postings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in base.rows(db, "SELECT * FROM postings WHERE listing_id IS NOT NULL ORDER BY id"):
        postings[p["listing_id"]].append(p)
    jobs: dict[tuple[Any, ...], dict[str, Any]] = {}
    for listing in base.rows(db, "SELECT * FROM listings ORDER BY id"):
        if listing["salary_usd_min"] is None and listing["salary_usd_max"] is None:
            continue
        if listing["closed_at"] or listing["salary_estimate"]:
            continue
        if listing["workplace"] != "remote" and not (hybrid and listing["workplace"] == "hybrid"):
            continue
        mine = postings[listing["id"]]
        dates = [p["posted_at"] for p in mine if p["posted_at"]]
        posted = max(dates) if dates else listing["first_seen_at"]
        if not posted or posted[:19] < since:
            continue
        sal = next(
            p
            for p in mine
            if p["salary_usd_min"] == listing["salary_usd_min"]
            and p["salary_usd_max"] == listing["salary_usd_max"]
            and bool(p["salary_estimate"]) == bool(listing["salary_estimate"])
        )
        if sal["salary_unparsed_reason"] or not sal["salary_norm_currency"]:
            continue
        lo, hi = sal["salary_annual_min"], sal["salary_annual_max"]
        if lo is None and hi is None:
            continue
        if lo is not None and hi is not None and (lo <= 0 or hi / lo > 4):
            continue
        hourly = sal["salary_norm_period"] == "hour"
        if hourly:
            ends = [v for v in (sal["salary_norm_min"], sal["salary_norm_max"]) if v is not None]
            amount = sum(ends) / len(ends)
            usd = amount * sal["salary_fx_rate"]
            if not 5 <= usd <= 500:
                continue
            key_range = (sal["salary_norm_min"], sal["salary_norm_max"])
        else:
            if sal["salary_norm_period"] not in ("year", "month"):
                continue
            kind = (sal["employment_type"] or "").lower()
            salaried = not kind or "full" in kind or "permanent" in kind
            non_salaried = ("contract", "freelance", "temp", "part", "intern", "volunteer", "seasonal")
            if not salaried and any(w in kind for w in non_salaried):
                continue
            usd_ends = [v for v in (listing["salary_usd_min"], listing["salary_usd_max"]) if v is not None]
            if any(not 10_000 <= v <= 1_000_000 for v in usd_ends):
                continue
            ends = [v for v in (lo, hi) if v is not None]
            amount = sum(ends) / len(ends)
            usd = sum(usd_ends) / len(usd_ends)
            key_range = (lo, hi)
        employer = listing["company_norm"] or (listing["company"] or "").lower()
        role = listing["role"] or (listing["title"] or "").strip().lower()
        key = (
            employer,
            role,
            listing["seniority"] or "",
            sal["salary_norm_currency"],
            hourly,
            *(None if v is None else round(v, 2) for v in key_range),
        )
        job = jobs.setdefault(
            key,
            {
                "employer": employer,
                "category": listing["category"],
                "role": listing["role"],
                "seniority": listing["seniority"],
                "currency": sal["salary_norm_currency"],
                "amount": amount,
                "usd": usd,
                "fx_date": sal["salary_fx_date"],
                "hourly": hourly,
                "worldwide": False,
                "countries": set(),
                "words": set(),
                "listings": [],
            },
        )
        job["listings"].append(listing["id"])
        job["worldwide"] |= bool(listing["worldwide"])
        job["countries"] |= set(json.loads(listing["countries"] or "[]"))
        job["words"] |= set(json.loads(listing["regions"] or "[]"))
    currencies = {r["id"]: r["currency"] for r in regions_spec()}
    cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for job in jobs.values():
        region = place(job["worldwide"], job["countries"], job["words"], job["currency"])
        job["region"] = region
        cat, role, sen = job["category"], job["role"], job["seniority"]
        if job["hourly"]:
            if cat:
                cells[("hourly-rate-category", cat)].append(job)
            continue
        if cat:
            cells[("category", cat)].append(job)
            if region:
                cells[("category-region", f"{cat}|{region}")].append(job)
        if role:
            cells[("role", role)].append(job)
            if sen:
                cells[("role-seniority", f"{role}|{sen}")].append(job)
                if region:
                    cells[("role-seniority-region", f"{role}|{sen}|{region}")].append(job)
    out = {}
    for (scope, key), group in cells.items():
        region = group[0]["region"] if scope.endswith("region") else None
        currency = currencies[region] if region else "USD"
        n, employers = len(group), len({j["employer"] for j in group})
        cell: dict[str, Any] = {"n": n, "employers": employers, "currency": currency}
        cell["published"] = int(n >= min_n and employers >= min_employers)
        if cell["published"]:
            cell["usd"] = quart([j["usd"] for j in group])
            if region:
                cell["local"] = quart([exchange(j["amount"], j["currency"], currency, j["fx_date"]) for j in group])
            else:
                cell["local"] = cell["usd"]
        out[(scope, key)] = cell
    return out


def stored(db: sqlite_utils.Database) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for r in base.rows(db, "SELECT * FROM salary_index"):
        cell: dict[str, Any] = {"n": r["n"], "employers": r["employers"], "currency": r["currency"]}
        cell["published"] = r["published"]
        if r["published"]:
            cell["usd"] = pytest.approx((r["p25_usd"], r["median_usd"], r["p75_usd"]))
            cell["local"] = pytest.approx((r["p25"], r["median"], r["p75"]))
        else:
            assert r["p25"] is None and r["median"] is None and r["p75_usd"] is None
        out[(r["scope"], r["key"])] = cell
    return out


# ------------------------------------------------------------------ regions


def test_regions_do_not_overlap_and_cover_every_country():
    import pycountry

    owner: dict[str, str] = {}
    for region in benchmark_regions().values():
        for code in region.countries:
            assert code not in owner, f"{code} is in {owner.get(code)} and {region.id}"
            owner[code] = region.id
    uninhabited = {"AQ", "BV", "GS", "TF"}
    assert {c.alpha_2 for c in pycountry.countries} - uninhabited <= owner.keys()
    assert {r.id: r.currency for r in benchmark_regions().values()} | {} == {
        "us": "USD",
        "canada": "CAD",
        "uk": "GBP",
        "eu": "EUR",
        "other-europe": "EUR",
        "latin-america": "USD",
        "apac": "USD",
        "middle-east-africa": "USD",
        "worldwide": "USD",
    }


# ------------------------------------------------------------------ hand-built databases

SEEN = "2026-03-30T00:00:00+00:00"


def job(**fields: Any) -> dict[str, Any]:
    """One posting with a salary; ``fields`` override the defaults (a remote US senior engineer)."""
    spec: dict[str, Any] = {
        "company": "Acme",
        "title": "Senior Software Engineer",
        "category": "software-engineering",
        "role": "software engineer",
        "seniority": "senior",
        "workplace": "remote",
        "worldwide": False,
        "countries": ["US"],
        "regions": [],
        "employment_type": "full_time",
        "currency": "USD",
        "period": "year",
        "low": 100_000.0,
        "high": 140_000.0,
        "posted_at": "2026-03-01T00:00:00+00:00",
        "estimate": False,
        "closed": False,
    }
    spec.update(fields)
    return spec


def build(tmp_path: Path, specs: list[dict[str, Any]]) -> sqlite_utils.Database:
    """Postings through the real store (their salaries converted at the dated ECB rate), one listing each."""
    from normalize.fx import usd_rate

    db = open_db(tmp_path / "jobs.db")
    store = PostingStore(db)
    run = store.start_run("remotive", SEEN)
    items = []
    for i, s in enumerate(specs):
        factor = {"year": 1, "month": 12, "hour": 2080, "day": 260}[s["period"]]
        on = date.fromisoformat(s["posted_at"][:10])
        rate, fx_day = usd_rate(s["currency"], on) or (None, None)
        items.append(
            {
                "source": "remotive",
                "source_id": str(i),
                "url": f"https://example.org/{i}",
                "title": s["title"],
                "company": s["company"],
                "company_norm": s["company"].lower(),
                "category": s["category"],
                "role": s["role"],
                "seniority": s["seniority"],
                "workplace": s["workplace"],
                "worldwide": s["worldwide"],
                "countries": s["countries"],
                "regions": s["regions"],
                "employment_type": s["employment_type"],
                "posted_at": s["posted_at"],
                "salary_estimate": s["estimate"],
                "salary_source": "text",
                "salary_norm_currency": s["currency"],
                "salary_norm_period": s["period"],
                "salary_norm_min": s["low"],
                "salary_norm_max": s["high"],
                "salary_annual_min": s["low"] * factor,
                "salary_annual_max": s["high"] * factor,
                "salary_usd_min": s["low"] * factor * rate,
                "salary_usd_max": s["high"] * factor * rate,
                "salary_fx_rate": rate,
                "salary_fx_date": fx_day,
            }
        )
    store.write_batch(run, items, [], SEEN)
    store.finish_run(run, status="finished")
    for i, (item, s) in enumerate(zip(items, specs, strict=True)):
        pid = db.execute("SELECT id FROM postings WHERE source_id = ?", [str(i)]).fetchone()[0]
        db.table("listings").insert(
            {
                "id": pid,
                "title": item["title"],
                "company": item["company"],
                "company_norm": item["company_norm"],
                "category": item["category"],
                "role": item["role"],
                "seniority": item["seniority"],
                "workplace": item["workplace"],
                "worldwide": int(item["worldwide"]),
                "countries": json.dumps(item["countries"]),
                "regions": json.dumps(item["regions"]),
                "salary_usd_min": item["salary_usd_min"],
                "salary_usd_max": item["salary_usd_max"],
                "salary_estimate": int(item["salary_estimate"]),
                "salary_source": "text",
                "canonical_posting_id": pid,
                "first_seen_at": SEEN,
                "last_seen_at": SEEN,
                "closed_at": SEEN if s["closed"] else None,
                "postings_count": 1,
            }
        )
        db.execute("UPDATE postings SET listing_id = ? WHERE id = ?", [pid, pid])
    return db


def employers(n: int, **fields: Any) -> list[dict[str, Any]]:
    """n jobs from n employers, salaries spread so every percentile moves."""
    return [
        job(company=f"Employer {i}", low=90_000.0 + 5_000 * i, high=120_000.0 + 5_000 * i, **fields) for i in range(n)
    ]


def cell(db: sqlite_utils.Database, scope: str, key: str) -> dict[str, Any] | None:
    found = base.rows(db, "SELECT * FROM salary_index WHERE scope = ? AND key = ?", [scope, key])
    return found[0] if found else None


def check(db: sqlite_utils.Database, **options: Any) -> None:
    """Store the index and compare every cell with the recomputation."""
    names = {
        "window_days": "window_days",
        "hybrid": "include_hybrid",
        "min_n": "min_n",
        "min_employers": "min_employers",
    }
    rebuild_salary_index(db, now=NOW, **{names[k]: v for k, v in options.items()})
    assert stored(db) == recompute(db, NOW, **options)


def test_clones_in_several_cities_count_once(tmp_path):
    base_jobs = employers(10)
    clones = [job(company="Employer 0", low=90_000.0, high=120_000.0, countries=[c]) for c in ("US", "PR", "GU")]
    other_range = [job(company="Employer 0", low=95_000.0, high=120_000.0)]
    db = build(tmp_path, base_jobs + clones + other_range)
    check(db)
    software = cell(db, "category", "software-engineering")
    assert software is not None and software["n"] == 11  # 10 + the other range; the 3 city clones are one job
    assert software["employers"] == 10


def test_employer_gate(tmp_path):
    four_employers = [
        job(company=f"Employer {i % 4}", low=80_000.0 + 3_000 * i, high=100_000.0 + 3_000 * i) for i in range(12)
    ]
    db = build(tmp_path, four_employers)
    check(db)
    row = cell(db, "category", "software-engineering")
    assert row is not None and (row["n"], row["employers"], row["published"], row["median"]) == (12, 4, 0, None)
    db.close()
    db = build(tmp_path / "five", [*four_employers, job(company="Employer 4", low=90_000.0, high=99_000.0)])
    check(db)
    row = cell(db, "category", "software-engineering")
    assert row is not None and (row["n"], row["employers"], row["published"]) == (13, 5, 1)


def test_region_band_in_local_currency_at_the_dated_rate(tmp_path):
    euro = employers(6, currency="EUR", countries=["DE"], posted_at="2026-02-02T00:00:00+00:00")
    dollars = [
        job(
            company=f"US firm {i}",
            countries=["FR"],
            low=120_000.0 + 1_000 * i,
            high=150_000.0,
            posted_at="2025-11-03T00:00:00+00:00",
        )
        for i in range(5)
    ]
    db = build(tmp_path, euro + dollars)
    check(db)
    eu = cell(db, "category-region", "software-engineering|eu")
    assert eu is not None and eu["currency"] == "EUR" and eu["published"] == 1 and eu["n"] == 11
    # by hand: the dollar jobs' midpoints in EUR at the ECB rate of their own FX day
    fx_day = base.rows(db, "SELECT DISTINCT salary_fx_date FROM postings WHERE company LIKE 'US firm%'")
    assert len(fx_day) == 1
    usd_per_eur = per_eur("USD", fx_day[0]["salary_fx_date"])
    values = sorted(
        [(90_000 + 5_000 * i + 120_000 + 5_000 * i) / 2 for i in range(6)]
        + [(120_000 + 1_000 * i + 150_000) / 2 / usd_per_eur for i in range(5)]
    )
    assert eu["median"] == pytest.approx(statistics.median(values))
    assert eu["median_usd"] != pytest.approx(eu["median"])  # USD beside it, not a copy


def test_window_drops_stale_postings(tmp_path):
    fresh = employers(10, posted_at=(NOW - timedelta(days=100)).isoformat())
    stale = [
        job(company=f"Old {i}", low=300_000.0, high=400_000.0, posted_at="2022-10-13T00:00:00+00:00") for i in range(6)
    ]
    db = build(tmp_path, fresh + stale)
    check(db)
    assert cell(db, "category", "software-engineering")["n"] == 10
    check(db, window_days=3650)
    assert cell(db, "category", "software-engineering")["n"] == 16


@pytest.mark.parametrize(
    ("odd_one", "counts"),
    [
        pytest.param({"workplace": "hybrid"}, False, id="hybrid"),
        pytest.param({"workplace": "onsite"}, False, id="onsite"),
        pytest.param({"workplace": None}, False, id="workplace-not-stated"),
        pytest.param({"employment_type": "Contract"}, False, id="contract-annual"),
        pytest.param({"employment_type": "PartTime"}, False, id="part-time"),
        pytest.param({"low": 10_000.0, "high": 750_000.0}, False, id="implausible-range"),
        pytest.param({"low": 1_200_000.0, "high": 1_500_000.0}, False, id="implausible-amount"),
        pytest.param({"estimate": True}, False, id="site-estimate"),
        pytest.param({"closed": True}, False, id="closed"),
        pytest.param({"period": "day", "low": 400.0, "high": 500.0}, False, id="day-rate"),
        pytest.param({"period": "month", "low": 9_000.0, "high": 11_000.0}, True, id="monthly-salary-counts"),
        pytest.param({"employment_type": "FullTime"}, True, id="full-time-counts"),
        pytest.param({"employment_type": None}, True, id="unspecified-counts"),
    ],
)
def test_exclusions(tmp_path, odd_one, counts):
    db = build(tmp_path, [*employers(10), job(company="Odd one", **odd_one)])
    check(db)
    assert cell(db, "category", "software-engineering")["n"] == 10 + counts


def test_hybrid_counts_with_the_option(tmp_path):
    db = build(tmp_path, [*employers(10), *employers(3, workplace="hybrid", title="Staff Engineer", seniority="staff")])
    check(db, hybrid=True)
    assert cell(db, "category", "software-engineering")["n"] == 13


def test_hourly_rates_have_their_own_scope(tmp_path):
    rates = [
        job(company=f"Agency {i}", period="hour", employment_type="Contract", low=60.0 + i, high=80.0 + i)
        for i in range(10)
    ]
    db = build(tmp_path, [*employers(10), *rates])
    check(db, min_n=10)
    salaries = cell(db, "category", "software-engineering")
    assert salaries["n"] == 10  # never annualised into salaries
    hourly = cell(db, "hourly-rate-category", "software-engineering")
    assert hourly["period"] == "hour" and hourly["n"] == 10 and hourly["published"] == 1
    assert hourly["median_usd"] == pytest.approx(statistics.median([70.0 + i for i in range(10)]))


def test_multi_region_job_placed_by_its_currency(tmp_path):
    specs = [
        job(company="A", countries=["US", "CA"], currency="CAD", low=150_000.0, high=170_000.0),
        job(company="B", countries=["US", "CA"], currency="USD"),
        job(company="C", countries=[], regions=["europe"], currency="GBP", low=80_000.0, high=90_000.0),
        job(company="D", countries=[], regions=["emea"], currency="USD"),
        job(company="F", countries=[], regions=["europe"], currency="USD"),  # no European region pays in USD
        job(company="E", worldwide=True, countries=["US"]),
    ]
    db = build(tmp_path, specs)
    check(db, min_n=1, min_employers=1)
    found = base.rows(db, "SELECT key, n FROM salary_index WHERE scope = 'category-region'")
    regional = {r["key"]: r["n"] for r in found}
    assert regional == {
        "software-engineering|canada": 1,
        "software-engineering|us": 1,
        "software-engineering|uk": 1,
        "software-engineering|worldwide": 1,
        "software-engineering|middle-east-africa": 1,
    }
    assert cell(db, "category", "software-engineering")["n"] == 6  # the unplaced job still counts here


def test_history_one_snapshot_a_day(tmp_path):
    db = build(tmp_path, employers(10))
    rebuild_salary_index(db, now=NOW)
    db.execute("UPDATE postings SET salary_usd_max = salary_usd_max + 10000")
    db.execute("UPDATE listings SET salary_usd_max = salary_usd_max + 10000")
    rebuild_salary_index(db, now=NOW + timedelta(hours=5))  # same UTC day: replaces
    history = base.rows(db, "SELECT * FROM salary_index_history ORDER BY date, scope, key")
    assert {r["date"] for r in history} == {"2026-03-31"}
    current = {(r["scope"], r["key"]): r["median"] for r in base.rows(db, "SELECT * FROM salary_index")}
    assert {(r["scope"], r["key"]): r["median"] for r in history} == {k: v for k, v in current.items() if v is not None}
    rebuild_salary_index(db, now=NOW + timedelta(days=1))
    days = base.rows(db, "SELECT date, count(*) AS cells FROM salary_index_history GROUP BY date ORDER BY date")
    assert [d["date"] for d in days] == ["2026-03-31", "2026-04-01"] and days[0]["cells"] == days[1]["cells"] > 0


def test_after_crawl_step_reads_its_settings(tmp_path):
    from scrapy.settings import Settings

    db = build(tmp_path, employers(4))
    config = AfterCrawlSettings.from_settings(
        Settings({"SALARY_INDEX_MIN_N": 3, "SALARY_INDEX_MIN_EMPLOYERS": 2, "SALARY_INDEX_WINDOW_DAYS": 400})
    )
    update_salary_index(db, 1, config, now=NOW)
    row = cell(db, "category", "software-engineering")
    assert (row["published"], row["min_n"], row["min_employers"]) == (1, 3, 2)
    update_salary_index(db, 2, AfterCrawlSettings(), now=NOW)
    assert cell(db, "category", "software-engineering")["published"] == 0


# ------------------------------------------------------------------ real cassettes


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("now", "options"),
    [
        pytest.param(datetime(2026, 11, 24, tzinfo=UTC), {}, id="defaults"),
        pytest.param(
            datetime(2026, 3, 31, tzinfo=UTC),
            {"window_days": 3650, "min_n": 3, "min_employers": 2},
            id="every-year-low-gates",
        ),
        pytest.param(
            datetime(2026, 3, 31, tzinfo=UTC),
            {"window_days": 3650, "hybrid": True, "min_n": 2, "min_employers": 1},
            id="with-hybrid",
        ),
    ],
)
def test_real_index_equals_independent_recomputation(real_db, now, options):
    names = {
        "window_days": "window_days",
        "hybrid": "include_hybrid",
        "min_n": "min_n",
        "min_employers": "min_employers",
    }
    rebuild_salary_index(real_db, now=now, **{names[k]: v for k, v in options.items()})
    expected = recompute(real_db, now, **options)
    assert stored(real_db) == expected
    if options:
        assert sum(c["published"] for c in expected.values()) >= 5, "the real cassettes publish cells"

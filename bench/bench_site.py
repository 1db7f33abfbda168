"""Site build speed: `remotejobs site` over a synthetic database of N open listings.

    python bench/bench_site.py                  # N = 10k, 50k and 100k
    python bench/bench_site.py --n 100000       # one size

Listings are generated (roles of the role vocabulary with their categories, seniorities, countries and
regions, employer-stated USD ranges for about two thirds, posted over 180 days, one or two apply links),
stored in a database created by the real schema (``db.schema.open_db``); the salary index is built in the
contract's shape from them by ``tests/salary_contract_adapter.py`` (not timed). Timed: reading the database
(``load_site_data``) and writing every page (``build_site``), i.e. what ``remotejobs site`` does; wall-clock
seconds and this process's CPU seconds (the fairer figure on a shared machine). The target is
under 30 s for 100k listings, growing linearly.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db.schema import open_db  # noqa: E402
from sitebuilder.build import build_site  # noqa: E402
from sitebuilder.data import load_site_data  # noqa: E402
from tests.salary_contract_adapter import ensure_contract_tables  # noqa: E402

SENIORITIES = [None, "junior", "mid", "senior", "senior", "lead", "staff", "principal", "manager"]
PLACES = [  # (countries, regions, worldwide, location text)
    (["US"], ["north-america"], 0, "United States"),
    (["US", "CA"], ["north-america"], 0, "US or Canada"),
    (["GB"], ["europe"], 0, "London, UK"),
    (["DE"], ["eu", "europe"], 0, "Berlin, Germany"),
    (["NL", "DE", "FR"], ["eu", "europe"], 0, "EU timezones"),
    (["CA"], ["north-america"], 0, "Toronto"),
    ([], [], 1, "Anywhere"),
    (["BR", "AR", "MX"], ["latin-america"], 0, "LATAM"),
    (["IN"], ["asia", "apac"], 0, "India"),
]
SOURCES = ["greenhouse", "ashby", "lever", "remoteok", "weworkremotely", "remotive"]


def vocabulary() -> list[tuple[str, str]]:
    raw = yaml.safe_load((ROOT / "data/titles/roles.yaml").read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for rule in raw["rules"]:
        seen.setdefault(rule["role"], rule["category"])
    return sorted(seen.items())


def make_db(path: Path, n: int, seed: int = 13) -> None:
    rng = random.Random(seed)
    roles = vocabulary()
    weights = [1 / (i + 1) for i in range(len(roles))]  # a few roles dominate, as in real data
    companies = [f"Company {i}" for i in range(max(50, n // 20))]
    db = open_db(path)
    listings, postings = [], []
    for i in range(1, n + 1):
        role, category = rng.choices(roles, weights)[0]
        seniority = rng.choice(SENIORITIES)
        countries, regions, worldwide, location = rng.choice(PLACES)
        day = 180 - int(rng.random() ** 2 * 180)
        posted = f"2026-{1 + day // 31:02d}-{1 + day % 28:02d}T{rng.randrange(24):02d}:00:00+00:00"
        low = high = None
        if rng.random() < 0.66:
            low = float(rng.randrange(40, 220) * 1000)
            high = low + rng.randrange(10, 80) * 1000
        source = rng.choice(SOURCES)
        links = [{"source": source, "url": f"https://{source}.example/jobs/{i}"}]
        if rng.random() < 0.3:
            links.append({"source": "company site", "url": f"https://careers.example/{i}"})
        company = rng.choice(companies)
        title = f"{(seniority or '').title()} {role.title()}".strip()
        listings.append(
            (i, title, company, company.lower(), category, role, seniority or None, "remote", worldwide,
             json.dumps(countries), json.dumps(regions), low, high, 0, i, posted, posted, None, json.dumps(links))
        )  # fmt: skip
        postings.append((i, source, str(i), links[0]["url"], title, company, location, posted, posted, posted))
    conn = db.conn
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO postings (id, source, source_id, url, title, company, location_raw, posted_at, first_seen_at,"
        " last_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        postings,
    )
    conn.executemany(
        "INSERT INTO listings (id, title, company, company_norm, category, role, seniority, workplace, worldwide,"
        " countries, regions, salary_usd_min, salary_usd_max, salary_estimate, canonical_posting_id, first_seen_at,"
        " last_seen_at, closed_at, apply_urls) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        listings,
    )
    conn.execute("COMMIT")
    conn.close()
    ensure_contract_tables(path, force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="listings (repeatable; default 10k, 50k, 100k)")
    args = parser.parse_args()
    sizes = args.n or [10_000, 50_000, 100_000]
    header = ("listings", "read s", "build s", "total s", "cpu s", "us/listing", "pages", "MB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (9, 7, 8, 8, 6, 10, 6, 6), strict=True)))
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        for n in sizes:
            db_path = Path(tmp) / f"jobs-{n}.db"
            make_db(db_path, n)
            out = Path(tmp) / f"site-{n}"
            started, cpu = time.perf_counter(), time.process_time()
            data = load_site_data(db_path)
            read = time.perf_counter() - started
            report = build_site(data, out)
            total = time.perf_counter() - started
            cpu = time.process_time() - cpu
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
            pages = sum(report.pages.values())
            per = total / n * 1e6
            row = f"{n:>9} {read:>7.2f} {total - read:>8.2f} {total:>8.2f} {cpu:>6.2f} {per:>10.1f}"
            row += f" {pages:>6} {size:>6.1f}"
            print(row, flush=True)
            shutil.rmtree(out)


if __name__ == "__main__":
    main()

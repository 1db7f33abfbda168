"""Dedupe speed and memory: `remotejobs dedupe --rebuild` over N generated postings.

    python bench/bench_dedupe.py                 # N = 10k and 100k
    python bench/bench_dedupe.py --n 1000000     # the 1M run (a few minutes to generate)

Postings are drawn from the real cassettes in ../shared/realdata (titles, companies,
locations, description lengths and texts, the platform mix), then cross-posted the way
real jobs are: a share of jobs appears on a second and third board with the company
spelled differently ("Acme GmbH", "acme.com"), gender/remote markers in the title,
tracking parameters on the apply URL, or a link to the employer's ATS. Companies scale
with N (about one per 15 postings) so blocks stay realistic.

Timed, each in a fresh subprocess (peak memory is that child's own ru_maxrss, from wait4):

- ``first``: ``dedupe --rebuild`` of postings never placed: every posting's keys are computed
  from its full row (in production this happens crawl by crawl, in the after-run hook);
- ``again``: ``dedupe --rebuild`` with stored keys (``posting_keys``): the rebuild an analyst
  runs after an override or a rule change;
- ``crawl``: the after-run placement of one more crawl (1% of N new postings, a third of them
  cross-posts of jobs already stored) into the N-posting database: must not grow with N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("REMOTEJOBS_REALDATA", ROOT.parent / "shared" / "realdata"))
sys.path.insert(0, str(ROOT))

SOURCES = ["greenhouse", "arbeitnow", "hackernews", "remotive", "remoteok", "weworkremotely", "jobicy", "lever"]
SOURCE_WEIGHTS = [30, 15, 15, 10, 10, 10, 5, 5]
SUFFIXES = ["", "", "", " Inc.", " GmbH", " Ltd", ".com", " Technologies", ", Inc"]
TITLE_MARKS = ["", "", "", " (m/w/d)", " (Remote)", " - Remote", " (f/m/x)"]


def _bodies(folder: str) -> list[object]:
    path = REALDATA / folder
    out = []
    for line in (path / "index.jsonl").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            try:
                out.append(json.loads((path / json.loads(line)["body"]).read_bytes()))
            except ValueError:
                continue
    return out


def real_samples() -> dict[str, list[str]]:
    """Titles, companies, locations and descriptions from the real payloads."""
    titles, companies, locations, descriptions = [], [], [], []
    for body in _bodies("greenhouse-boards"):
        for job in body["jobs"]:
            titles.append(job["title"])
            companies.append(job.get("company_name") or "")
            locations.append((job.get("location") or {}).get("name") or "")
            if job.get("content"):
                descriptions.append(job["content"])
    for folder in ("arbeitnow-2026-02-12a", "arbeitnow-2026-02-12b", "arbeitnow-2026-02-13"):
        for body in _bodies(folder):
            for job in body["data"]:
                titles.append(job["title"])
                companies.append(job["company_name"])
                locations.append(job["location"])
                descriptions.append(job["description"])
    for body in _bodies("remotive"):
        for job in body.get("jobs", []):
            titles.append(job["title"])
            companies.append(job["company_name"])
            locations.append(job.get("candidate_required_location") or "")
            descriptions.append(job["description"])
    for body in _bodies("hn-2026-02")[1:]:
        if isinstance(body, dict) and body.get("text"):
            descriptions.append(body["text"])
    return {
        "titles": titles,
        "companies": [c for c in companies if c],
        "locations": locations,
        "descriptions": descriptions,
    }


def generate(db_path: Path, n: int, seed: int = 1) -> dict[str, int]:
    from db.schema import open_db

    rnd = random.Random(seed)
    samples = real_samples()
    n_companies = max(50, n // 15)
    base_companies = sorted(set(samples["companies"]))
    companies = [
        f"{rnd.choice(base_companies)} {i}" if i >= len(base_companies) else base_companies[i]
        for i in range(n_companies)
    ]
    titles, locations, descriptions = samples["titles"], samples["locations"], samples["descriptions"]
    db = open_db(db_path)
    columns = (
        "source, source_id, url, apply_url, title, company, company_norm, location_raw, description_html, "
        "posted_at, first_seen_at, last_seen_at, raw_json"
    )
    sql = f"INSERT INTO postings ({columns}) VALUES ({','.join('?' * 13)})"
    rows: list[tuple[object, ...]] = []
    made = jobs = 0
    from normalize.company import normalize_company

    with db.atomic():
        while made < n:
            jobs += 1
            company = rnd.choice(companies)
            title = rnd.choice(titles)
            location = rnd.choice(locations)
            description = rnd.choice(descriptions)
            day = rnd.randrange(0, 365)
            ats_id = 4_000_000 + jobs
            copies = 1 + (rnd.random() < 0.3) + (rnd.random() < 0.1)
            for copy in range(min(copies, n - made)):
                source = "greenhouse" if copy == 0 and rnd.random() < 0.3 else rnd.choices(SOURCES, SOURCE_WEIGHTS)[0]
                name = company + (rnd.choice(SUFFIXES) if copy else "")
                seen = f"2026-{1 + (day + copy * 3) // 31 % 12:02d}-{1 + (day + copy * 3) % 28:02d}T00:00:00+00:00"
                apply_url = None
                if copy and rnd.random() < 0.4:
                    apply_url = f"https://boards.greenhouse.io/x/jobs/{ats_id}?utm_source={source}"
                elif rnd.random() < 0.3:
                    apply_url = f"https://careers.example.com/{jobs}?ref={source}"
                sid = str(ats_id) if source == "greenhouse" and copy == 0 else f"{jobs}-{copy}"
                url = (
                    f"https://boards.greenhouse.io/x/jobs/{ats_id}"
                    if source == "greenhouse" and copy == 0
                    else f"https://{source}.example/jobs/{sid}"
                )
                rows.append(
                    (
                        source,
                        f"{sid}-{made}",
                        url,
                        apply_url,
                        title + (rnd.choice(TITLE_MARKS) if copy else ""),
                        name,
                        normalize_company(name),
                        location,
                        description,
                        seen,
                        seen,
                        seen,
                        "{}",
                    )
                )
                made += 1
            if len(rows) >= 20000:
                db.conn.executemany(sql, rows)
                rows = []
        if rows:
            db.conn.executemany(sql, rows)
    db.close()
    return {"postings": made, "jobs": jobs}


def run_child(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd`` in a child process: (wall seconds, the child's own peak RSS in MB, its output)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)  # wait4: this child's own resource usage
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd} failed:\n{err.read()[-3000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.read().strip()


def timed_rebuild(db_path: Path) -> tuple[float, float, str]:
    """``remotejobs dedupe --rebuild`` in a child process: (seconds, its peak MB, its output)."""
    return run_child([sys.executable, "-m", "crawler.cli", "dedupe", "--rebuild", "--db", str(db_path)])


CRAWL_RUN_ID = 999_999


def add_crawl(db_path: Path, n: int, seed: int = 2) -> int:
    """Store a crawl of ``n`` remotive postings (run ``CRAWL_RUN_ID``): a third copy stored jobs."""
    from db.schema import open_db

    rnd = random.Random(seed)
    db = open_db(db_path)
    top = int(db.execute("SELECT MAX(id) FROM postings").fetchone()[0])
    columns = (
        "source, source_id, url, apply_url, title, company, company_norm, location_raw, description_html, "
        "posted_at, first_seen_at, last_seen_at, raw_json, last_run_id"
    )
    rows = []
    with db.atomic():
        for i in range(n):
            row = db.execute(
                "SELECT url, apply_url, title, company, company_norm, location_raw, description_html, posted_at, "
                "first_seen_at, last_seen_at FROM postings WHERE id = ?",
                [rnd.randint(1, top)],
            ).fetchone()
            _url, apply_url, title, company, norm, location, description, posted, first, last = row
            if rnd.random() >= 1 / 3:  # a new job of a known company: another title and text
                other = db.execute(
                    "SELECT title, description_html FROM postings WHERE id = ?", [rnd.randint(1, top)]
                ).fetchone()
                title, description, apply_url = other[0], other[1], None
            rows.append(("remotive", f"crawl-{i}", f"https://remotive.example/jobs/crawl-{i}", apply_url, title,
                         company, norm, location, description, posted, first, last, "{}", CRAWL_RUN_ID))  # fmt: skip
        db.conn.executemany(f"INSERT INTO postings ({columns}) VALUES ({','.join('?' * 14)})", rows)
    db.close()
    return n


def timed_crawl(db_path: Path) -> tuple[float, float, str]:
    """After-run placement of run ``CRAWL_RUN_ID`` in a child process; (seconds, peak MB, output)."""
    code = (
        "import sys, time; from db.schema import open_db; from listings.build import dedupe_postings; "
        "from pipelines.after_crawl import platform_facts; "
        f"db = open_db(sys.argv[1]); f = platform_facts(); t = time.perf_counter(); r = dedupe_postings(db, "
        f"'WHERE source = ? AND last_run_id = ?', ['remotive', {CRAWL_RUN_ID}], facts=f); "
        "print(f'{r.postings} postings placed in {time.perf_counter() - t:.1f}s ({r.rules})')"
    )
    return run_child([sys.executable, "-c", code, str(db_path)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="postings (repeatable); default 10k and 100k")
    parser.add_argument("--keep", type=Path, help="directory to keep the generated databases in")
    args = parser.parse_args(argv)
    sizes = args.n or [10_000, 100_000]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            db_path = folder / f"bench-{n}.db"
            if db_path.exists():
                db_path.unlink()
            started = time.perf_counter()
            made = generate(db_path, n)
            gen = time.perf_counter() - started
            for attempt in ("first", "again"):  # first placement, then a rebuild over placed postings
                seconds, peak_mb, out = timed_rebuild(db_path)
                print(
                    f"N={made['postings']:>9,} ({made['jobs']:,} jobs; generated in {gen:.0f}s): "
                    f"dedupe --rebuild ({attempt}) {seconds:6.1f}s, "
                    f"{seconds / made['postings'] * 1e6:5.1f} us/posting, peak RSS {peak_mb:,.0f} MB  [{out}]",
                    flush=True,
                )
            crawl = add_crawl(db_path, max(100, made["postings"] // 100))
            seconds, peak_mb, out = timed_crawl(db_path)
            print(
                f"N={made['postings']:>9,}: after-run placement of a {crawl:,}-posting crawl {seconds:6.1f}s, "
                f"{seconds / crawl * 1e6:5.0f} us/crawled posting, peak RSS {peak_mb:,.0f} MB  [{out}]",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

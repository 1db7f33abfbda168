"""Whole-pipeline speed: a large replay cassette from real recordings, crawled with and without
item pipelines in the same run, then crawled again unchanged into the same database.

    python -m bench.bench_pipeline                  # ~11,800 postings per cassette
    python -m bench.bench_pipeline --copies 10      # smaller
    python -m bench.bench_pipeline --memory         # also a half-size crawl: is peak memory flat in N?

Two cassettes are built in a temp folder from ../shared/realdata (never copied into the repo):

- ``copies``: every real Ashby board copied onto ``--copies`` synthetic boards, each job with a
  fresh unique id (the issue's 11,600-posting replay);
- ``mixed``: realistic duplication and diversity: synthetic boards drawn from the real Ashby
  *and* Greenhouse boards (jobs rewritten to Ashby's record shape, so many companies, titles
  and locations), each a random subset of a real board's jobs, and one board in five a mirror
  of another (the same jobs under a second slug with fresh ids: what dedupe has to merge).

Each cassette is crawled four times: with no item pipelines; with every pipeline and validate →
normalise in the crawl process (``PREPARE_PROCESSES=0``); with the worker processes (``auto``);
and again, unchanged, into the same database. Then ``remotejobs renormalize`` runs over that
database as after a rule change that reaches every posting (the whole command, its default
processes). Each crawl runs in a fresh child process
(``--child``); peak memory is that child's own ``ru_maxrss`` (from ``wait4``: the largest of it
and its workers). Inside the child every synchronous pipeline's ``process_item`` (and the
store's final flush), validate, normalise and the after-crawl step are timed, so the table
splits the run by stage; the workers report their CPU time in the crawl's stats.
Machine load varies (other processes share the cores): compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings

import pipelines.prepare as prepare_module
import pipelines.store as store_module
from normalize import build_cache
from pipelines.prepare import PreparePipeline

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("REMOTEJOBS_REALDATA", ROOT.parent / "shared" / "realdata"))
#: Rows of the maintenance table (renormalize), printed after the crawls'.
MAINTENANCE: list[str] = []
ASHBY_URL = "https://api.ashbyhq.com/posting-api/job-board/{board}?includeCompensation=true"


# -- cassettes -----------------------------------------------------------------------------
def _real_boards(folder: str) -> dict[str, list[dict[str, Any]]]:
    """Board slug -> its real job records, from one real cassette."""
    path = REALDATA / folder
    boards: dict[str, list[dict[str, Any]]] = {}
    for line in (path / "index.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        entry = json.loads(line)
        try:
            body = json.loads((path / entry["body"]).read_bytes())
        except ValueError:
            continue
        jobs = body.get("jobs") if isinstance(body, dict) else None
        if jobs:
            slug = entry["url"].split("?")[0].rstrip("/").split("/")[-1]
            if slug == "jobs":  # greenhouse: .../boards/<slug>/jobs
                slug = entry["url"].split("/boards/")[1].split("/")[0]
            boards[slug] = jobs
    return boards


def _greenhouse_as_ashby(job: dict[str, Any]) -> dict[str, Any]:
    """A real Greenhouse job in Ashby's record shape (title, place, department, description)."""
    content = job.get("content")
    return {
        "id": str(job["id"]),
        "title": job.get("title"),
        "department": ((job.get("departments") or [{}])[0] or {}).get("name"),
        "team": None,
        "employmentType": "FullTime",
        "location": (job.get("location") or {}).get("name"),
        "secondaryLocations": [],
        "publishedAt": job.get("first_published") or job.get("updated_at"),
        "isListed": True,
        "isRemote": "remote" in str((job.get("location") or {}).get("name")).lower(),
        "descriptionHtml": html.unescape(content) if content else None,
        "compensation": None,
    }


def _rebrand(job: dict[str, Any], board: str) -> dict[str, Any]:
    """The same job on another board: a fresh unique id and URLs under that board."""
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{board}/{job['id']}"))
    record = dict(job, id=new_id)
    record["jobUrl"] = f"https://jobs.ashbyhq.com/{board}/{new_id}"
    record["applyUrl"] = f"https://jobs.ashbyhq.com/{board}/{new_id}/application"
    return record


def _write_cassette(folder: Path, boards: dict[str, list[dict[str, Any]]]) -> int:
    (folder / "boards").mkdir(parents=True, exist_ok=True)
    lines = []
    for board, jobs in boards.items():
        (folder / f"{board}.json").write_text(json.dumps({"apiVersion": "1", "jobs": jobs}), encoding="utf-8")
        url = ASHBY_URL.format(board=board)
        lines.append(json.dumps({"url": url, "headers": {"Content-Type": "application/json"}, "body": f"{board}.json"}))
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "boards" / "ashby.txt").write_text("\n".join(boards) + "\n", encoding="utf-8")
    return sum(len(jobs) for jobs in boards.values())


def build_copies(folder: Path, copies: int) -> int:
    """Every real Ashby board copied onto ``copies`` synthetic boards with unique ids."""
    real = _real_boards("ashby")
    boards = {}
    for k in range(copies):
        for slug, jobs in real.items():
            board = f"{slug}-s{k}"
            boards[board] = [_rebrand(job, board) for job in jobs]
    return _write_cassette(folder, boards)


def build_mixed(folder: Path, target: int, seed: int = 16) -> int:
    """Synthetic boards drawn from real Ashby and Greenhouse boards, one in five a mirror."""
    rng = random.Random(seed)
    real = {f"a-{slug}": jobs for slug, jobs in _real_boards("ashby").items()}
    for slug, jobs in _real_boards("greenhouse-boards").items():
        real[f"g-{slug}"] = [_greenhouse_as_ashby(job) for job in jobs]
    names = sorted(real)
    boards: dict[str, list[dict[str, Any]]] = {}
    total, previous = 0, None
    while total < target:
        if previous is not None and rng.random() < 0.2:  # a mirror: the same jobs under a second slug
            source_jobs = boards[previous]
            board = f"{previous.split('-m')[0]}-m{len(boards)}"
        else:
            name = rng.choice(names)
            pool = real[name]
            source_jobs = rng.sample(pool, max(1, int(len(pool) * rng.uniform(0.5, 1.0))))
            board = f"{name[2:]}-b{len(boards)}"
        boards[board] = [_rebrand(job, board) for job in source_jobs]
        total += len(source_jobs)
        previous = board
    return _write_cassette(folder, boards)


# -- the child: one crawl, timed by stage ----------------------------------------------------
def _timed(totals: dict[str, float], stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            totals[stage] = totals.get(stage, 0.0) + time.perf_counter() - start

    return wrapper


def child(replay: str, db: str, processes: str, out: str) -> None:
    """Crawl the cassette once (ashby) and write timings as JSON to ``out``. ``processes`` is
    ``PREPARE_PROCESSES``, or ``none`` for no item pipelines at all."""
    os.chdir(ROOT)
    settings = get_project_settings()
    settings.set("REPLAY_DIR", replay)
    settings.set("JOBS_DB", db)
    settings.set("LOG_LEVEL", "WARNING")
    totals: dict[str, float] = {}
    if processes != "none":
        settings.set("PREPARE_PROCESSES", processes)
        for path in settings.getdict("ITEM_PIPELINES"):
            cls = load_object(path)
            if cls is PreparePipeline:  # asynchronous: timed where the work runs (below)
                continue
            stage = cls.__name__.removesuffix("Pipeline").lower()
            cls.process_item = _timed(totals, stage, cls.process_item)
            if hasattr(cls, "close_spider"):
                cls.close_spider = _timed(totals, stage, cls.close_spider)
        # in this process: wall time of each stage; in workers the same functions add to their
        # own copies of ``totals``, so the crawl's stats carry the workers' CPU time instead
        prepare_module.validate_item = _timed(totals, "validate", prepare_module.validate_item)
        prepare_module.normalize_or_keep_raw = _timed(totals, "normalize", prepare_module.normalize_or_keep_raw)
        store_module.run_after_crawl = _timed(totals, "after_crawl", store_module.run_after_crawl)
    else:
        settings.set("ITEM_PIPELINES", {})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("ashby")
    process.crawl(crawler)
    start = time.perf_counter()
    process.start()
    elapsed = time.perf_counter() - start
    stats = crawler.stats.get_stats() if crawler.stats else {}
    result = {
        "seconds": elapsed,
        # postings the store handled (a re-run's unchanged body is one item for all its postings);
        # with no pipelines, the items the spider yielded
        "items": int(sum(stats.get(f"jobs/{k}", 0) for k in ("new", "updated", "unchanged")))
        or int(stats.get("item_scraped_count", 0)),
        "stages": totals,
        "worker_cpu": float(stats.get("prepare/worker_cpu_seconds", 0.0)),
        "new": int(stats.get("jobs/new", 0)),
        "updated": int(stats.get("jobs/updated", 0)),
        "unchanged": int(stats.get("jobs/unchanged", 0)),
        "skipped": int(stats.get("jobs/skipped_unchanged", 0)) + int(stats.get("jobs/board_unchanged_postings", 0)),
    }
    Path(out).write_text(json.dumps(result), encoding="utf-8")


def run_crawl(replay: Path, db: Path, processes: str, tmp: Path) -> dict[str, Any]:
    out = tmp / f"result-{time.monotonic_ns()}.json"
    cmd = [sys.executable, "-m", "bench.bench_pipeline", "--child", str(replay), str(db), processes, str(out)]
    with (tmp / "child.log").open("a") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log)
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
    if status != 0:
        raise SystemExit(f"crawl failed ({status}); see {tmp / 'child.log'}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def _row(label: str, r: dict[str, Any], base: dict[str, Any] | None, first: dict[str, Any] | None) -> str:
    rate = r["items"] / r["seconds"] if r["seconds"] else 0.0
    ratio = f"{rate / (base['items'] / base['seconds']):.2f}" if base else ""
    of_first = f"{r['seconds'] / first['seconds']:.2f}" if first else ""
    s = r.get("stages", {})
    stages = " | ".join(f"{s.get(k, 0.0):.1f}" for k in ("skipunchanged", "validate", "normalize"))
    return (
        f"| {label} | {r['items']} | {r['seconds']:.1f} | {rate:.0f} | {ratio} | {of_first} | {stages} "
        f"| {r.get('worker_cpu', 0.0):.1f} | {s.get('store', 0.0):.1f} | {s.get('after_crawl', 0.0):.1f} "
        f"| {r['peak_mb']:.0f} | {r['new']}/{r['updated']}/{r['unchanged']} | {r['skipped']} |"
    )


HEADER = (
    "| crawl | postings | s | postings/s | / no-pipeline | / first run time | skip s | validate s | normalise s "
    "| workers' CPU s | store s | after-crawl s | peak MB | new/upd/unch | skipped |\n" + "|---" * 15 + "|"
)
#: validate and normalise seconds are wall time in the crawl process (PREPARE_PROCESSES=0);
#: with workers their CPU time is the "workers' CPU" column (time.process_time in each batch).


def run_renormalize(db: Path, tmp: Path) -> dict[str, Any]:
    """``remotejobs renormalize`` over the crawled database after a change that reaches every
    posting (its stored title_clean cleared first, so every row is recomputed and written)."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE posting_fields SET title_clean = NULL")
    conn.close()
    cmd = [sys.executable, "-m", "crawler.cli", "renormalize", "--db", str(db), "--json"]
    start = time.perf_counter()
    with (tmp / "renormalize.out").open("w") as out, (tmp / "child.log").open("a") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=log)
        _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"renormalize failed ({status}); see {tmp / 'child.log'}")
    summary: dict[str, Any] = json.loads((tmp / "renormalize.out").read_text().strip().splitlines()[-1])
    return {"seconds": elapsed, "own_seconds": summary["seconds"], "postings": summary["postings"],
            "changed": summary["changed"], "peak_mb": usage.ru_maxrss / 1024}  # fmt: skip


MAINTENANCE_HEADER = (
    "| maintenance | postings | changed | s (whole command) | postings/s | s (its own report: after start-up) "
    "| postings/s | peak MB |\n" + "|---" * 8 + "|"
)


def bench(name: str, cassette: Path, tmp: Path, memory: bool, half: Path | None) -> list[str]:
    db = tmp / f"{name}.db"
    bare = run_crawl(cassette, tmp / f"{name}-bare.db", "none", tmp)
    in_process = run_crawl(cassette, tmp / f"{name}-in-process.db", "0", tmp)
    first = run_crawl(cassette, db, "auto", tmp)
    again = run_crawl(cassette, db, "auto", tmp)
    rows = [
        _row(f"{name}: no pipelines", bare, None, None),
        _row(f"{name}: full pipeline, first, in one process", in_process, bare, None),
        _row(f"{name}: full pipeline, first, workers (auto)", first, bare, None),
        _row(f"{name}: full pipeline, re-run unchanged", again, bare, first),
    ]
    renormalized = run_renormalize(db, tmp)
    n, whole, own = renormalized["postings"], renormalized["seconds"], renormalized["own_seconds"]
    MAINTENANCE.append(
        f"| {name}: renormalize, every posting changed | {n} | {renormalized['changed']} | {whole:.1f} "
        f"| {n / whole:.0f} | {own:.1f} | {n / own:.0f} | {renormalized['peak_mb']:.0f} |"
    )
    if memory and half is not None:
        small = run_crawl(half, tmp / f"{name}-half.db", "auto", tmp)
        rows.append(_row(f"{name}: full pipeline, first, half size", small, None, None))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20, help="synthetic copies of every real Ashby board")
    parser.add_argument("--memory", action="store_true", help="also crawl half-size cassettes (peak memory vs N)")
    parser.add_argument("--only", choices=["copies", "mixed"], help="run one cassette only")
    parser.add_argument("--child", nargs=4, metavar=("REPLAY", "DB", "PROCESSES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        replay, db, processes, out = args.child
        child(replay, db, processes, out)
        return 0
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    # the interpreter's build moves every figure (docs/operations.md): say which one ran
    print(f"python: {sys.executable} {platform.python_version()} ({platform.python_compiler()})")
    # built normaliser tables shorten every crawl's and renormalize's start by ~1 s: say which case ran
    cache = build_cache.cache_path()
    state = "off" if cache is None else ("present" if cache.is_file() else "absent: the first crawl writes it")
    print(f"normalisers' cache: {cache} ({state}; REMOTEJOBS_CACHE_DIR=off to measure without)")
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as name:
        tmp = Path(name)
        n = build_copies(tmp / "copies", args.copies)
        build_copies(tmp / "copies-half", max(1, args.copies // 2))
        build_mixed(tmp / "mixed", n)
        build_mixed(tmp / "mixed-half", n // 2)
        print(f"cassettes: {n} postings each (copies of {args.copies}x the real Ashby boards; mixed)\n")
        print(HEADER)
        for label in ("copies", "mixed"):
            if args.only and args.only != label:
                continue
            for row in bench(label, tmp / label, tmp, args.memory, tmp / f"{label}-half"):
                print(row, flush=True)
        print(f"\n{MAINTENANCE_HEADER}", *MAINTENANCE, sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

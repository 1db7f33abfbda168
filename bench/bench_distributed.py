"""Throughput of 1 vs N distributed workers replaying a real cassette (docs/distributed.md).

Starts a throwaway redis-server, queues every board of the cassette, runs N ``scrapy crawl``
workers at once and times them until the last exits, then times one ``remotejobs drain``.
``--delay`` is a per-worker download delay standing in for politeness and network latency
(a replay answers instantly; 0 measures the CPU-bound case).

    .venv/bin/python bench/bench_distributed.py --workers 1 2 --delay 0.25 0
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.distributed import BoardQueue, connect  # noqa: E402
from spiders.base import read_list_file  # noqa: E402
from tests.redisserver import redis_server  # noqa: E402


def one_round(spider: str, cassette: Path, workers: int, delay: float, tmp: Path) -> tuple[float, float, int]:
    with redis_server(tmp) as url:
        client = connect(url)
        BoardQueue(client, spider).enqueue(read_list_file(cassette / "boards.txt"))
        env = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "JOBS_DB", "REDIS_URL"}}
        cmd = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            spider,
            "-s",
            f"REPLAY_DIR={cassette}",
            "-s",
            f"REDIS_URL={url}",
        ]
        cmd += ["-s", f"DOWNLOAD_DELAY={delay}", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "LOG_LEVEL=WARNING"]
        cmd += ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"] if delay else []
        started = time.perf_counter()
        logs = [tmp / f"worker-{workers}-{delay}-{i}.log" for i in range(workers)]
        procs = []
        for log in logs:
            with log.open("wb") as out:
                procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=out))
        codes = [p.wait() for p in procs]
        assert codes == [0] * workers, [log.read_text()[-2000:] for log in logs]
        crawl = time.perf_counter() - started
        db = tmp / f"bench-{workers}-{delay}.db"
        started = time.perf_counter()
        drain = [sys.executable, "-m", "crawler.cli", "drain", "--db", str(db), "--redis-url", url]
        subprocess.run(drain, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        drained = time.perf_counter() - started
        with closing(sqlite3.connect(db)) as conn:
            postings = int(conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0])
        return crawl, drained, postings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spider", default="ashby")
    parser.add_argument("--cassette", default=str(ROOT.parent / "shared" / "realdata" / "ashby"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--delay", type=float, nargs="+", default=[0.25])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    assert shutil.which("redis-server"), "needs redis-server"
    print(f"cores: {os.cpu_count()}; load: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        for delay in args.delay:
            for workers in args.workers:
                runs = [
                    one_round(args.spider, Path(args.cassette), workers, delay, Path(tmp)) for _ in range(args.repeat)
                ]
                best = min(runs)
                print(
                    f"delay {delay}s, {workers} worker(s): crawl {best[0]:.1f}s (best of {args.repeat}), "
                    f"drain {best[1]:.1f}s, {best[2]} postings"
                )


if __name__ == "__main__":
    main()

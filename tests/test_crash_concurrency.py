"""Crashes and concurrency on one database, over the local fault server (real bodies, real sockets).

- A crawl killed with SIGKILL at random moments, 20 times (two databases, 10 each, side by side),
  re-run after each: the database stays intact, no posting is stored twice, and no run is left
  ``running`` once the spider runs again.
- Two spiders crawling a new database at once both finish with every row (the schema migration
  and the after-crawl steps wait for each other instead of failing on "database is locked").
- An analyst query loop during a crawl never fails.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import forkrun
from tests.conftest import ROOT
from tests.faultserver import FaultServer, Step, serve
from tests.test_faults import FAST, GREENHOUSE, REMOTIVE, body_of, crawl, good_answers


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    yield from serve()


def start(server: FaultServer, db_path: Path, spider: str, *args: str) -> forkrun.Child:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *args, "-s", f"JOBS_DB={db_path}",
           "-s", f"FAULT_SERVER={server.url}"]  # fmt: skip
    for setting in FAST:
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "RECORD_DIR", "JOBS_DB"}}
    env["SCRAPY_SETTINGS_MODULE"] = "tests.fault_settings"
    return forkrun.start(cmd, cwd=ROOT, env=env)


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@dataclass
class KillChain:
    """Crawls of one database, each killed at a random moment; the next starts once one is dead."""

    db_path: Path
    kills_left: int
    proc: forkrun.Child | None = None
    kill_at: float = 0.0


@pytest.mark.realdata
def test_sigkill_at_random_moments(server: FaultServer, tmp_path: Path) -> None:
    good_answers(server.script)
    # a slower answer, so kills land before, during and after the download and the writes
    server.script.set(REMOTIVE, Step("drip", body=body_of("remotive"), seconds=0.025, chunks=20))
    # Two chains of 10 kills, each on its own database, run side by side: most of a crawl's time
    # here is waiting for the drip or for the kill, so two at once take about the time of one.
    # Kill moments spread over one whole clean run's duration, measured here under the same
    # two-at-once load (machines differ).
    forkrun.warm()
    began = time.monotonic()
    clean = [start(server, tmp_path / f"clean-{i}.db", "remotive") for i in range(2)]
    for proc in clean:
        assert proc.wait(timeout=120) == 0, proc.communicate()[0][-3000:]
    duration = time.monotonic() - began
    chains = [KillChain(tmp_path / f"jobs-{i}.db", kills_left=10) for i in range(2)]
    randomness = random.Random(20261127)
    killed = 0
    while any(chain.kills_left for chain in chains):
        for chain in chains:
            if chain.proc is not None and time.monotonic() >= chain.kill_at:
                chain.proc.send_signal(signal.SIGKILL)
                chain.proc.communicate(timeout=30)
                killed += chain.proc.returncode == -signal.SIGKILL
                chain.proc, chain.kills_left = None, chain.kills_left - 1
                if chain.db_path.exists():
                    assert rows(chain.db_path, "PRAGMA integrity_check") == [("ok",)]
            if chain.proc is None and chain.kills_left:
                chain.proc = start(server, chain.db_path, "remotive")
                chain.kill_at = time.monotonic() + randomness.uniform(0.05, 1.1) * duration
        pending = [chain.kill_at for chain in chains if chain.proc is not None]
        time.sleep(max(0.0, min(pending) - time.monotonic()) if pending else 0)
    assert killed >= 12, f"only {killed} of 20 kills landed while the crawl ran"
    for chain in chains:
        result = crawl(server, chain.db_path, "remotive")
        assert result.returncode == 0, result.log[-3000:]
        db_path = chain.db_path
        assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
        assert rows(db_path, "SELECT COUNT(*), COUNT(DISTINCT source || '/' || source_id) FROM postings") == [(42, 42)]
        assert rows(db_path, "SELECT COUNT(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
        assert rows(db_path, "SELECT verdict FROM crawl_runs ORDER BY id DESC LIMIT 1") == [("ok",)]


@pytest.mark.realdata
def test_two_spiders_write_a_new_database_at_once(server: FaultServer, tmp_path: Path) -> None:
    good_answers(server.script)
    db_path = tmp_path / "jobs.db"
    procs = [start(server, db_path, "remotive"), start(server, db_path, "greenhouse", "-a", "boards=brave,carta")]
    logs = [p.communicate(timeout=240)[0] for p in procs]
    for proc, log in zip(procs, logs, strict=True):
        assert proc.returncode == 0 and "Traceback" not in log and "database is locked" not in log, log[-3000:]
    assert rows(db_path, "SELECT spider, status, verdict FROM crawl_runs ORDER BY spider") == [
        ("greenhouse", "finished", "ok"),
        ("remotive", "finished", "ok"),
    ]
    expected = {"remotive": 42, "greenhouse": 10 + 94}  # brave 10 and carta 94 jobs in the real boards
    assert dict(rows(db_path, "SELECT source, COUNT(*) FROM postings GROUP BY source")) == expected
    # every posting got its listing: the after-crawl steps of both runs ran
    assert rows(db_path, "SELECT COUNT(*) FROM postings WHERE listing_id IS NULL") == [(0,)]


@pytest.mark.realdata
def test_analyst_queries_during_a_crawl_never_fail(server: FaultServer, tmp_path: Path) -> None:
    good_answers(server.script)
    db_path = tmp_path / "jobs.db"
    assert crawl(server, db_path, "remotive").returncode == 0
    # a slow board (1.5 s, well inside the fault settings' 3 s download timeout) keeps the crawl running
    server.script.set(GREENHOUSE.format("carta"), Step("drip", body=body_of("greenhouse-boards", "/carta/"),
                                                       seconds=0.05, chunks=30))  # fmt: skip
    proc = start(server, db_path, "greenhouse", "-a", "boards=brave,carta")
    queries, failures = 0, []
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        conn = sqlite3.connect(db_path, timeout=5)
        try:
            conn.execute("SELECT COUNT(*) FROM open_listings").fetchone()
            conn.execute(
                "SELECT p.id FROM postings_fts JOIN postings p ON p.id = postings_fts.rowid "
                "WHERE postings_fts MATCH 'engineer' LIMIT 20"
            ).fetchall()
            conn.execute("SELECT spider, status FROM crawl_runs ORDER BY id DESC LIMIT 5").fetchall()
            queries += 1
        except sqlite3.Error as exc:
            failures.append(repr(exc))
        finally:
            conn.close()
        time.sleep(0.05)
    log = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, log[-3000:]
    assert queries > 10 and failures == []

"""Distributed mode end to end, on a real ``redis-server`` (no mock): two workers replaying the
real Ashby cassette (34 boards) share the board queue, one is killed with SIGKILL midway, a
restarted worker picks up what it held, and one drain writes everything into SQLite.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.cli.main import main
from crawler.distributed import ITEMS_KEY, BoardQueue, connect
from spiders.base import read_list_file
from tests import forkrun
from tests.conftest import ROOT, CrawlResult, realdata, run_scrapy
from tests.redisserver import redis_server
from tests.spiders.responses import replayed

pytestmark = pytest.mark.realdata


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server on a free port, without persistence; stopped afterwards."""
    with redis_server(tmp_path) as url:
        yield url


def start_worker(spider: str, cassette: Path, url: str, log: Path, *settings: str) -> forkrun.Child:
    """``scrapy crawl <spider>`` as a distributed worker; slowed down so that a kill lands midway."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"REPLAY_DIR={cassette}", "-s", f"REDIS_URL={url}"]
    cmd += ["-s", "JOBS_DB=/nonexistent/workers-must-not-write.db", "-s", "LOG_LEVEL=INFO"]
    for setting in settings:
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "RECORD_DIR", "JOBS_DB", "REDIS_URL"}}
    return forkrun.start(cmd, cwd=ROOT, env=env, output=log)


def wait_for(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_workers_one_killed_one_drain(redis_url: str, tmp_path: Path) -> None:
    cassette = realdata("ashby")
    boards = read_list_file(cassette / "boards.txt")
    assert len(boards) >= 30
    # the reference: what one machine stores from the same cassette (the spider replayed in-process,
    # the replay tests/spiders/test_ashby.py checks, shared on one worker: SHARED_CRAWLS)
    single = replayed("ashby", cassette, boards_file=str(cassette / "boards.txt"))
    assert single.status == "finished"
    expected = set(single.rows)
    assert len(expected) > 100

    assert (
        main(["enqueue", "boards", "ashby", "--from-file", str(cassette / "boards.txt"), "--redis-url", redis_url]) == 0
    )
    client = connect(redis_url)
    queue = BoardQueue(client, "ashby")
    assert queue.status()["queued"] == len(boards)

    slow = ("CONCURRENT_REQUESTS=1", "DOWNLOAD_DELAY=0.1", "RANDOMIZE_DOWNLOAD_DELAY=False")
    ttl_seconds = 2
    ttl = f"DISTRIBUTED_HEARTBEAT_TTL={ttl_seconds}"
    victim = start_worker("ashby", cassette, redis_url, tmp_path / "a.log", *slow, ttl)
    survivor = start_worker("ashby", cassette, redis_url, tmp_path / "b.log", *slow, ttl)
    # kill one worker midway: once it holds a board (worker ids are host:pid:random), while the
    # other works too and boards are still queued
    victim_prefix = f"{socket.gethostname()}:{victim.pid}:"
    wait_for(lambda: any(w.startswith(victim_prefix) for w in client.hvals(queue.claimed_key)))
    wait_for(lambda: len(client.hgetall(queue.done_key)) >= 2)
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(timeout=30)
    assert queue.status()["queued"] > 0, "the kill came too late to be midway"
    assert survivor.wait(timeout=180) == 0, (tmp_path / "b.log").read_text()[-3000:]

    # a restarted worker requeues the boards the killed one held, once its heartbeat has expired
    # (the survivor's run may have outlasted the TTL already)
    time.sleep(max(0.0, killed_at + ttl_seconds + 0.5 - time.monotonic()))
    held_by_dead = queue.status()["claimed"]
    restarted = start_worker("ashby", cassette, redis_url, tmp_path / "c.log", ttl)
    assert restarted.wait(timeout=180) == 0, (tmp_path / "c.log").read_text()[-3000:]
    restarted_log = (tmp_path / "c.log").read_text()
    if held_by_dead:
        assert f"requeued {held_by_dead} boards" in restarted_log

    # every board done exactly once, nothing left queued or claimed
    done = client.hgetall(queue.done_key)
    assert sorted(done) == sorted(boards)
    assert set(done.values()) == {"1"}, "a board was crawled twice"
    assert queue.status()["queued"] == 0 and queue.status()["claimed"] == 0
    assert not (Path("/nonexistent") / "workers-must-not-write.db").exists()

    db_path = tmp_path / "drained.db"
    assert main(["drain", "--db", str(db_path), "--redis-url", redis_url]) == 0
    assert client.llen(ITEMS_KEY) == 0
    drained = CrawlResult(0, "", db_path)
    stored = drained.query("SELECT source, source_id FROM postings")
    assert {tuple(r) for r in stored} == expected  # nothing lost
    assert len(stored) == len(expected)  # nothing twice
    runs = drained.query("SELECT id, status, finish_reason, new, scope FROM crawl_runs ORDER BY id")
    # one row per worker run: the killed worker's, the survivor's and the restarted one's
    assert len(runs) == 3
    statuses = sorted(r["status"] for r in runs)
    assert statuses == ["failed", "finished", "finished"], [dict(r) for r in runs]
    assert [r["finish_reason"] for r in runs if r["status"] == "failed"] == ["worker lost"]
    # a posting the killed worker queued and the restart crawled again is new once, unchanged after
    assert sum(r["new"] for r in runs) == len(expected)
    # the after-crawl steps ran: every posting placed in a listing
    assert drained.scalar("SELECT COUNT(*) FROM postings WHERE listing_id IS NULL") == 0


def test_single_machine_mode_untouched_without_redis_url(tmp_path: Path) -> None:
    """Without REDIS_URL the same spider stores directly and never needs Redis."""
    cassette = realdata("greenhouse-boards")
    result = run_scrapy(["crawl", "greenhouse"], tmp_path / "jobs.db", [cassette])
    assert result.returncode == 0, result.log[-3000:]
    assert "scrapy_redis" not in result.log
    assert result.last_run["status"] == "finished"
    assert result.scalar("SELECT COUNT(*) FROM postings") > 0

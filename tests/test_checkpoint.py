"""WAL checkpoints on a background thread (db/checkpoint.py) and a crawl that uses them."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

import db.checkpoint as checkpoint_module
from db.checkpoint import SAFETY_NET_PAGES, BackgroundCheckpoints, background_checkpoints
from db.schema import open_db
from tests.conftest import checked_crawl, realdata
from tests.test_skip_unchanged import dump


def _writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def _write(conn: sqlite3.Connection, rows: int, size: int = 4000) -> None:
    with conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO notes (body) VALUES (?)", [("x" * size,) for _ in range(rows)])


def _until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def test_the_thread_copies_the_wal_into_the_database_file(tmp_path) -> None:
    """~2 MB committed: far under the writer's own threshold, so only the thread copies it back
    (the database file grows while the writer's connection is still open)."""
    path = tmp_path / "notes.db"
    writer = _writer(path)
    empty = path.stat().st_size
    with BackgroundCheckpoints(path, writer, interval=0.01) as checkpoints:
        assert writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == SAFETY_NET_PAGES
        _write(writer, 500)
        assert _until(lambda: path.stat().st_size > empty + 500 * 4000)
    assert checkpoints.checkpoints >= 1 and checkpoints.errors == 0
    assert writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # given back
    assert writer.execute("SELECT count(*) FROM notes").fetchone()[0] == 500
    writer.close()


def test_without_the_thread_the_wal_stays_apart(tmp_path) -> None:
    """The control for the test above: the same writes, no thread, the database file unchanged."""
    path = tmp_path / "notes.db"
    writer = _writer(path)
    empty = path.stat().st_size
    _write(writer, 500)
    time.sleep(0.1)
    assert path.stat().st_size == empty
    writer.close()


def test_a_fork_waits_for_a_running_checkpoint_and_holds_the_next_back(tmp_path) -> None:
    """SQLite's internal locks must not be inherited mid-checkpoint: between the fork hooks the
    thread does not get into SQLite."""
    path = tmp_path / "notes.db"
    writer = _writer(path)
    with BackgroundCheckpoints(path, writer, interval=0.001) as checkpoints:
        assert _until(lambda: checkpoints.checkpoints >= 3)
        checkpoint_module._before_fork()
        try:
            held = checkpoints.checkpoints
            time.sleep(0.2)
            assert checkpoints.checkpoints == held  # blocked while a fork would be under way
        finally:
            checkpoint_module._after_fork()
        assert _until(lambda: checkpoints.checkpoints > held)
    writer.close()


def _count_rows(path: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    conn = sqlite3.connect(path)
    out.put(conn.execute("SELECT count(*) FROM notes").fetchone()[0])
    conn.close()


def test_forked_processes_use_sqlite_while_the_thread_checkpoints(tmp_path) -> None:
    path = tmp_path / "notes.db"
    writer = _writer(path)
    context = multiprocessing.get_context("fork")
    with BackgroundCheckpoints(path, writer, interval=0.0005):
        for round_ in range(10):
            _write(writer, 20)
            out = context.Queue()
            child = context.Process(target=_count_rows, args=(str(path), out))
            child.start()
            assert out.get(timeout=20) == 20 * (round_ + 1)
            child.join(timeout=20)
            assert child.exitcode == 0
    writer.close()


def test_a_failing_checkpoint_is_counted_not_raised(tmp_path) -> None:
    writer = _writer(tmp_path / "notes.db")
    checkpoints = BackgroundCheckpoints(tmp_path, writer)  # a folder: SQLite cannot open it
    checkpoints.checkpoint()
    assert checkpoints.errors == 1 and checkpoints.checkpoints == 0
    writer.close()


def test_nothing_to_do_without_an_interval_or_a_file(tmp_path) -> None:
    db = open_db(tmp_path / "jobs.db")
    assert background_checkpoints(db, tmp_path / "jobs.db", 0) is None
    assert background_checkpoints(db, ":memory:", 0.25) is None
    started = background_checkpoints(db, tmp_path / "jobs.db", 0.25)
    assert started is not None
    started.stop()
    db.close()


@pytest.mark.realdata
def test_a_crawl_stores_the_same_with_checkpoints_on_its_own_thread(tmp_path) -> None:
    results = {}
    for seconds in ("0", "0.005"):
        db = tmp_path / f"checkpoints-{seconds}.db"
        settings = (f"WAL_CHECKPOINT_SECONDS={seconds}", "MIN_INTERVAL_ENABLED=False")
        results[seconds] = checked_crawl(db, "remoteok", realdata("remoteok"), settings=settings)
        assert not Path(f"{db}-wal").exists()  # checkpointed and removed when the crawl closed it
        with sqlite3.connect(db) as conn:  # each crawl has its own clock
            conn.execute("UPDATE postings SET scraped_at = NULL")
    assert "'jobs/wal_checkpoints'" not in results["0"].log
    stats = results["0.005"].log.split("Dumping Scrapy stats:", 1)[1]
    assert int(stats.split("'jobs/wal_checkpoints': ", 1)[1].split(",")[0]) >= 1
    assert dump(tmp_path / "checkpoints-0.db") == dump(tmp_path / "checkpoints-0.005.db")
    assert json.loads(results["0.005"].last_run["stats_json"])["jobs/new"] > 50

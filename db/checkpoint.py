"""WAL checkpoints in a background thread, so that a crawl's writes do not wait for them.

In WAL mode SQLite appends each committed page to the ``-wal`` file and, once that file holds
``wal_autocheckpoint`` pages, the committing connection copies them back into the database
file and syncs both ("checkpoint") before its commit returns. A crawl's store commits a batch
of postings at a time (a few MB), so about every third commit paid for a checkpoint on the
thread that also runs Scrapy's engine.

:class:`BackgroundCheckpoints` runs ``PRAGMA wal_checkpoint(PASSIVE)`` from its own connection
every ``interval`` seconds while the writer goes on. sqlite3 releases the GIL inside SQLite, so
the copying and syncing run on another core. A passive checkpoint never waits for or blocks a
writer or reader; what it cannot copy yet is copied next time. The writer's own automatic
checkpoint stays on, at a higher threshold, as a safety net should the thread fall behind, and
goes back to what it was when the thread stops. Durability and atomicity do not change: a
commit is in the WAL file when it returns, as before, and a killed crawl leaves a WAL that the
next connection recovers.

A process forked while a checkpoint runs could inherit SQLite's internal locks held by this
thread and hang on its first SQLite call; every fork (``os.fork``, multiprocessing's fork
context) therefore waits for a running checkpoint to finish and holds the next one back until
the fork is done (``os.register_at_fork``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Self

logger = logging.getLogger(__name__)

#: The writer's own automatic checkpoint while the thread runs, in pages: a safety net only
#: (SQLite's default is 1,000 pages).
SAFETY_NET_PAGES = 4000

#: Checkpointers running in this process: a fork waits until none of them is inside SQLite.
_running: set[BackgroundCheckpoints] = set()
_running_lock = threading.Lock()


class BackgroundCheckpoints:
    """Passive WAL checkpoints of ``db_path`` every ``interval`` seconds on a thread of their own,
    from :meth:`start` to :meth:`stop` (or as a context manager); ``writer`` is the connection
    whose automatic checkpoint is raised meanwhile."""

    def __init__(self, db_path: str | Path, writer: sqlite3.Connection, interval: float = 0.25) -> None:
        self.db_path = str(db_path)
        self.writer = writer
        self.interval = interval
        self.checkpoints = 0  # passive checkpoints run
        self.seconds = 0.0  # time the thread spent in them
        self.errors = 0
        self._in_sqlite = threading.Lock()  # held while the thread calls into SQLite
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer_pages: int | None = None
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._writer_pages = int(self.writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        self.writer.execute(f"PRAGMA wal_autocheckpoint = {max(SAFETY_NET_PAGES, self._writer_pages)}")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
        with _running_lock:
            _running.add(self)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (after the checkpoint it may be running) and give the writer its own
        automatic checkpoint back."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        with _running_lock:
            _running.discard(self)
        if self._writer_pages is not None:
            with contextlib.suppress(sqlite3.ProgrammingError):  # the writer was closed first
                self.writer.execute(f"PRAGMA wal_autocheckpoint = {self._writer_pages}")
        logger.debug(
            "WAL checkpoints in the background: %d run in %.2f s, %d failed",
            self.checkpoints,
            self.seconds,
            self.errors,
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.checkpoint()
        finally:
            with self._in_sqlite:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

    def checkpoint(self) -> None:
        """One passive checkpoint; a failure is counted and logged, never raised (the writer's
        own checkpoint is still there)."""
        with self._in_sqlite:
            started = time.perf_counter()
            try:
                if self._conn is None:
                    self._conn = sqlite3.connect(self.db_path, timeout=0, isolation_level=None)
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error as exc:
                self.errors += 1
                logger.debug("background WAL checkpoint of %s failed: %s", self.db_path, exc)
                return
            finally:
                self.seconds += time.perf_counter() - started
            self.checkpoints += 1


def _before_fork() -> None:
    # held through the fork: no checkpointer starts or stops meanwhile, none is inside SQLite
    _running_lock.acquire()
    held = list(_running)
    for checkpoints in held:
        checkpoints._in_sqlite.acquire()
    _held_at_fork.extend(held)


def _after_fork() -> None:
    held = list(_held_at_fork)
    _held_at_fork.clear()
    for checkpoints in held:
        checkpoints._in_sqlite.release()
    _running_lock.release()


def _after_fork_in_child() -> None:
    _after_fork()
    _running.clear()  # the threads stayed in the parent


_held_at_fork: list[BackgroundCheckpoints] = []
os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_after_fork_in_child)


def background_checkpoints(db: Any, db_path: str | Path, interval: float) -> BackgroundCheckpoints | None:
    """Started checkpoints for a crawl's store connection (``db``: a sqlite-utils Database), or
    None when there is nothing to do: ``interval`` 0, or an in-memory database."""
    if interval <= 0 or str(db_path) == ":memory:" or not Path(db_path).is_file():
        return None
    checkpoints = BackgroundCheckpoints(db_path, db.conn, interval)
    checkpoints.start()
    return checkpoints

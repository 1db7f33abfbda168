"""Shared fixtures: where the real cassettes are, and a real-engine crawl helper."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import forkrun

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("REMOTEJOBS_REALDATA", ROOT.parent / "shared" / "realdata")).resolve()


def ram_temp_dir(candidate: Path = Path("/dev/shm"), room: int = 4 * 2**30) -> str | None:
    """A RAM-backed folder for the tests' temporary files, if the machine has one with room."""
    if os.environ.get("TMPDIR") or not candidate.is_dir() or not os.access(candidate, os.W_OK | os.X_OK):
        return None  # a TMPDIR of the user's own wins
    return str(candidate) if shutil.disk_usage(candidate).free >= room else None


# The tests' databases (tmp_path, tmp_path_factory, forked commands' output) live in RAM where the
# machine has a tmpfs with room (Linux: /dev/shm): waiting for the disk to sync SQLite's writes was
# about a tenth of the suite's time (whole suite here: 140 -> 128 s). Nothing the tests check depends
# on the medium (a SIGKILLed crawl leaves the page cache behind, not the disk). pyproject.toml keeps
# only failed tests' folders (tmp_path_retention_policy), so a passing run leaves nothing in RAM.
tempfile.tempdir = os.environ.get("REMOTEJOBS_TEST_TMP") or ram_temp_dir() or tempfile.gettempdir()
# Crawls under test prepare postings in their own process: pytest-xdist already keeps every core
# busy, so worker processes would only compete with it. tests/test_prepare.py crawls with them.
os.environ.setdefault("PREPARE_PROCESSES", "0")


def realdata(name: str) -> Path:
    """A cassette folder of ../shared/realdata; fails loudly in CI, skips for a contributor without it."""
    folder = REALDATA / name
    if not (folder / "index.jsonl").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"real-data cassette missing: {folder}")
        pytest.skip(f"real-data cassette not available: {folder} (clone ../shared beside the repo)")
    return folder


def cassette_bodies(name: str) -> list[Any]:
    """Parsed JSON bodies of a real cassette, in index order (for independent counts)."""
    folder = realdata(name)
    bodies = []
    for line in (folder / "index.jsonl").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            entry = json.loads(line)
            bodies.append(json.loads((folder / entry["body"]).read_bytes()))
    return bodies


def json_strings(value: Any) -> Iterator[str]:
    """Every string inside a parsed JSON value (object values, list items), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


#: Tests sharing one expensive crawl per test process, by node id: under pytest-xdist each group runs
#: on one worker, so that its crawl runs once, not once per worker. (xdist's own ``--dist loadgroup``
#: cannot tag node ids under pytest 9, hence this scheduler.)
SHARED_CRAWLS = {
    "::test_end_to_end": "end_to_end",  # tests/spiders/conftest.py: every spider's end-to-end replay
    "tests/test_crawlall.py::": "crawlall",  # its module-scoped demo crawl
    "tests/test_analytics.py::": "real_db",  # the real-cassette database, and its copies:
    "tests/test_analytics_docs.py::": "real_db",
    "tests/test_datasette.py::": "real_db",
    "tests/test_cli_analytics.py::": "real_db",
    "tests/test_cli_filters.py::": "real_db",
    "tests/test_progress.py::": "real_db",
    "tests/test_salary_benchmarks.py::": "real_db",
    "tests/test_faults.py::": "faults",  # its fault server and the baseline database of three crawls
    "tests/test_site.py::": "site",  # its session-scoped database, site and browser
    "tests/test_unchanged_bodies.py::": "unchanged_bodies",  # one first crawl of the real boards
    "tests/spiders/test_hackernews.py::": "hackernews",  # each real thread replayed in-process, once
    # every real Ashby board replayed in-process through the pipelines: checked, then the reference
    "tests/spiders/test_ashby.py::test_all_boards_with_compensation": "ashby_boards",
    "tests/test_distributed.py::test_two_workers_one_killed_one_drain": "ashby_boards",
}


def shared_crawl(nodeid: str) -> str | None:
    return next((group for needle, group in SHARED_CRAWLS.items() if needle in nodeid), None)


#: Single tests that take 5 s or more here (``pytest --durations``): handed out first with the
#: shared crawls, so that neither worker ends the run alone on one of them.
SLOW_TESTS = (
    "tests/test_board_discovery.py::test_replaying_every_aggregator",
    "tests/test_crash_concurrency.py::test_sigkill_at_random_moments",
    "tests/test_skip_unchanged.py::test_rerun_with_skip_stores_the_same[ashby]",
)  # (the distributed test and test_ashby's all boards: the shared crawl "ashby_boards")


def heavy_first(scopes: dict[str, dict[str, bool]]) -> OrderedDict[str, dict[str, bool]]:
    """xdist's work queue (scope -> its tests) with the shared crawls and the slow tests first,
    then scopes with more tests first (xdist's own order); a scope's tests keep their order."""

    def rank(scope: str) -> tuple[bool, int]:
        heavy = scope in SHARED_CRAWLS.values() or scope.startswith(SLOW_TESTS)
        return (not heavy, -len(scopes[scope]))

    return OrderedDict((scope, scopes[scope]) for scope in sorted(scopes, key=rank))


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class SharedCrawlScheduling(LoadScopeScheduling):
        """Like ``--dist load``, except that the tests of one shared crawl go to one worker, and
        the shared crawls and slow tests are handed out first (:func:`heavy_first`)."""

        def _split_scope(self, nodeid: str) -> str:
            return shared_crawl(nodeid) or nodeid

        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered and isinstance(self.workqueue, dict):  # the first hand-out: the queue is complete
                self.workqueue = heavy_first(self.workqueue)
                self.ordered = True
            super()._assign_work_unit(node)

    return SharedCrawlScheduling(config, log)


@dataclass
class CrawlResult:
    returncode: int
    log: str
    db_path: Path

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]

    @property
    def last_run(self) -> sqlite3.Row:
        return self.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]

    def posting(self, source: str, source_id: str) -> dict[str, Any]:
        rows = self.query("SELECT * FROM postings WHERE source = ? AND source_id = ?", (source, source_id))
        assert rows, f"no posting {source}/{source_id}"
        return dict(rows[0])


def run_scrapy(args: list[str], db_path: Path, replay: list[Path] | None = None, *settings: str) -> CrawlResult:
    """Run ``scrapy <args>`` through the real engine in a child process (a reactor cannot restart),
    forked from a warm process (tests/forkrun.py)."""
    cmd = [sys.executable, "-m", "scrapy", *args, "-s", f"JOBS_DB={db_path}", "-s", "LOG_LEVEL=INFO"]
    if replay:
        cmd += ["-s", "REPLAY_DIR=" + os.pathsep.join(str(p) for p in replay)]
    for setting in settings:
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "RECORD_DIR", "JOBS_DB"}}
    proc = forkrun.run(cmd, cwd=ROOT, timeout=240, env=env)
    return CrawlResult(proc.returncode, proc.stdout + proc.stderr, db_path)


def checked_crawl(
    db_path: Path, spider: str, *cassettes: Path, args: tuple[str, ...] = (), settings: tuple[str, ...] = ()
) -> CrawlResult:
    """``scrapy crawl`` into ``db_path``: no traceback, and the exit status its run's status calls for."""
    result = run_scrapy(["crawl", spider, *args], db_path, list(cassettes), *settings)
    assert "Traceback" not in result.log, result.log[-4000:]
    # `scrapy crawl` exits 1 exactly when the run failed or finished only partially
    status = result.last_run["status"] if db_path.exists() else "failed"
    assert result.returncode == (1 if status in ("failed", "partial") else 0), (status, result.log[-4000:])
    return result


def copy_database(source_path: Path, path: Path) -> None:
    """A copy of a database as it is now (SQLite's backup API: WAL included)."""
    source, copy = sqlite3.connect(source_path), sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def snapshot(result: CrawlResult, path: Path) -> CrawlResult:
    """A copy of the crawl's database as it is now."""
    copy_database(result.db_path, path)
    return CrawlResult(result.returncode, result.log, path)


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., CrawlResult]:
    """``crawl("remotive", realdata("remotive"), "-a", "x=y")`` into a per-test database."""
    db_path = tmp_path / "jobs.db"

    def _crawl(
        spider: str, *cassettes: Path, args: tuple[str, ...] = (), settings: tuple[str, ...] = ()
    ) -> CrawlResult:
        return checked_crawl(db_path, spider, *cassettes, args=args, settings=settings)

    return _crawl

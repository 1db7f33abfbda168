"""The README's first command: `remotejobs demo` replays data/demo through every spider, offline."""

from __future__ import annotations

import shlex
import sqlite3
import sys

from tests import forkrun
from tests.conftest import ROOT
from tests.spiders.test_all_spiders import spider_names


def run_demo(db_path) -> forkrun.Completed:
    return forkrun.run([sys.executable, "-m", "crawler.cli", "demo", "--db", str(db_path)], cwd=ROOT, timeout=300)


def test_demo_runs_every_spider_cleanly_and_twice_adds_nothing(tmp_path):
    db_path = tmp_path / "demo.db"
    first = run_demo(db_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    assert "Postings per platform:" in first.stdout

    conn = sqlite3.connect(db_path)
    runs = conn.execute("SELECT spider, status, new FROM crawl_runs ORDER BY spider").fetchall()
    assert [r[0] for r in runs] == sorted(spider_names())
    assert all(status == "finished" for _, status, _ in runs), runs
    assert all(new > 0 for _, _, new in runs), runs  # every spider has demo data
    postings = conn.execute("SELECT count(*) FROM postings").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] >= 1  # the demo's broken listing
    conn.close()
    # the warning about that record is announced as expected, and explained after the crawl
    assert "One WARNING below is expected" in first.stdout
    assert "Rejected remoteok record 9000003: missing title (expected" in first.stdout
    assert "NOT expected" not in first.stdout
    # it ends with commands to try next, and they work on the demo database
    tried = first.stdout.split("Try next:")[1].strip().splitlines()
    commands = [shlex.split(line.split("  #")[0]) for line in tried]
    assert [c[1] for c in commands][:3] == ["search", "show", "salaries"]
    for command in commands[:3]:
        out = forkrun.run([sys.executable, "-m", "crawler.cli", *command[1:]], cwd=ROOT, timeout=120)
        assert out.returncode == 0 and out.stdout.strip(), (command, out.stderr)
        assert "No open listing matches" not in out.stdout and "No salary index rows" not in out.stdout

    second = run_demo(db_path)
    assert second.returncode == 0, second.stdout + second.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM postings").fetchone()[0] == postings
    latest = conn.execute("SELECT sum(new), sum(updated) FROM crawl_runs WHERE id > ?", (len(runs),)).fetchone()
    assert latest == (0, 0)
    conn.close()

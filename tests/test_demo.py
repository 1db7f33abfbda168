"""The README's first command: `remotejobs demo` replays data/demo through every spider, offline."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from tests.conftest import ROOT
from tests.spiders.test_all_spiders import spider_names


def run_demo(db_path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "demo", "--db", str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


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

    second = run_demo(db_path)
    assert second.returncode == 0, second.stdout + second.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM postings").fetchone()[0] == postings
    latest = conn.execute("SELECT sum(new), sum(updated) FROM crawl_runs WHERE id > ?", (len(runs),)).fetchone()
    assert latest == (0, 0)
    conn.close()

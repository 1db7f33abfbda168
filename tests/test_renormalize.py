"""`remotejobs renormalize` rebuilds normalised columns from the raw ones without re-crawling."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.items import NORMALIZED_FIELDS
from tests.conftest import ROOT, realdata

COLUMNS = sorted(NORMALIZED_FIELDS.keys() | {"posted_at"})


@pytest.mark.realdata
def test_renormalize_restores_what_the_crawl_computed(crawl):
    result = crawl("remotive", realdata("remotive"))
    select = f"SELECT id, {', '.join(COLUMNS)} FROM postings ORDER BY id"
    before = [dict(r) for r in result.query(select)]
    assert any(r["salary_norm_min"] for r in before) and any(r["countries"] for r in before)

    conn = __import__("sqlite3").connect(result.db_path)
    conn.execute(f"UPDATE postings SET {', '.join(f'{c} = NULL' for c in COLUMNS)}")
    conn.commit()
    conn.close()

    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "renormalize", "--db", str(result.db_path), "--source", "remotive"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"command=renormalize postings={len(before)} " in proc.stdout  # no terminal: a key=value summary
    assert [dict(r) for r in result.query(select)] == before


def test_missing_database_is_a_clear_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "renormalize", "--db", str(tmp_path / "none.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "no database at" in proc.stderr and "Traceback" not in proc.stderr

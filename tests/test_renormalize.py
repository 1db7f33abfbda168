"""`remotejobs renormalize` rebuilds normalised columns from the raw ones without re-crawling."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.cli.main import main
from crawler.items import NORMALIZED_FIELDS
from db.postings import PostingStore
from db.schema import open_db
from listings.build import dedupe_postings
from pipelines.after_crawl import platform_facts
from pipelines.normalization import NORMALIZER_INPUTS, normalize_item
from tests.conftest import realdata
from tests.spiders.responses import replayed

COLUMNS = sorted(NORMALIZED_FIELDS.keys() | {"posted_at"})


def rows(db_path, select: str) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(select)]
    finally:
        conn.close()


@pytest.mark.realdata
@pytest.mark.parametrize("processes", ["0", "2"], ids=["in-process", "two-workers"])
def test_renormalize_restores_what_the_crawl_computed(tmp_path, capsys, processes):
    # The crawl's postings (spider, validate and normalise pipelines in-process), written by the store.
    db_path = tmp_path / "jobs.db"
    db = open_db(db_path)
    store = PostingStore(db)
    store.write_batch(
        store.start_run("remotive"), [dict(p) for p in replayed("remotive", realdata("remotive")).postings], []
    )
    db.close()
    select = f"SELECT id, {', '.join(COLUMNS)} FROM postings ORDER BY id"
    before = rows(db_path, select)
    assert any(r["salary_norm_min"] for r in before) and any(r["countries"] for r in before)

    conn = sqlite3.connect(db_path)
    conn.execute(f"UPDATE postings SET {', '.join(f'{c} = NULL' for c in COLUMNS)}")
    conn.commit()
    conn.close()

    command = ["renormalize", "--db", str(db_path), "--processes", processes]
    assert main([*command, "--source", "remotive"]) == 0, capsys.readouterr().err
    assert f"command=renormalize postings={len(before)} changed={len(before)} " in capsys.readouterr().out
    assert rows(db_path, select) == before
    # nothing changed since: every posting is read and recomputed, none is written
    assert main(command) == 0
    assert f"command=renormalize postings={len(before)} changed=0 " in capsys.readouterr().out
    assert rows(db_path, select) == before


@pytest.mark.realdata
def test_renormalize_writes_only_the_columns_that_changed(tmp_path, capsys):
    # Rows with different columns out of date get exactly those back; dedupe keys are marked
    # stale only where a column they are built from changed (not for a salary band's currency).
    db_path = tmp_path / "jobs.db"
    db = open_db(db_path)
    store = PostingStore(db)
    postings = [dict(p) for p in replayed("remotive", realdata("remotive")).postings]
    store.write_batch(store.start_run("remotive"), postings, [])
    dedupe_postings(db, "WHERE listing_id IS NULL", facts=platform_facts())  # stores every posting's keys
    db.close()
    select = f"SELECT id, {', '.join(COLUMNS)} FROM postings ORDER BY id"
    before = rows(db_path, select)
    priced = [r["id"] for r in before if r["salary_norm_currency"]]
    placed = [r["id"] for r in before if r["countries"] and r["id"] not in priced[:5]]
    assert len(priced) >= 5 and len(placed) >= 5
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM posting_keys WHERE version IS NULL").fetchone()[0] == 0
    edits = {
        "salary_norm_currency = 'XXX'": priced[:5],  # not a dedupe key input
        "countries = '[]', title_clean = 'x'": placed[:5],
    }
    for assignment, ids in edits.items():
        conn.executemany(f"UPDATE posting_fields SET {assignment} WHERE id = ?", [(i,) for i in ids])
    conn.commit()
    conn.close()

    assert main(["renormalize", "--db", str(db_path), "--processes", "2"]) == 0, capsys.readouterr().err
    assert f"command=renormalize postings={len(before)} changed=10 " in capsys.readouterr().out
    assert rows(db_path, select) == before
    stale = {r["posting_id"] for r in rows(db_path, "SELECT posting_id FROM posting_keys WHERE version IS NULL")}
    assert stale == set(placed[:5])


def test_missing_database_is_a_clear_error(tmp_path, capsys):
    assert main(["renormalize", "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert "no database at" in err and "Traceback" not in err


class ReadRecorder(dict):
    """A posting's fields that notes every field read from it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


@pytest.mark.realdata
@pytest.mark.parametrize("spider", ["remotive", "ashby", "remoteok"])
def test_renormalize_reads_back_every_field_the_normalisers_read(spider):
    """renormalize reads only NORMALIZER_INPUTS back from the database: normalising real postings
    (normalised fields cleared) reads nothing else, and reads each of them from some posting."""
    postings = replayed(spider, realdata(spider)).postings
    assert len(postings) > 20
    read: set[str] = set()
    for posting in postings:
        # as renormalize hands them over: posted_at is recomputed from posted_at_raw
        fields = ReadRecorder({k: v for k, v in dict(posting).items() if k not in {*NORMALIZED_FIELDS, "posted_at"}})
        normalize_item(fields, lambda kind: None)
        read |= fields.read
    assert read == set(NORMALIZER_INPUTS)

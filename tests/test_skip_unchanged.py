"""Re-runs skip unchanged work (issue 16): a posting whose spider output is unchanged is only
marked seen, and the database after a re-run is the same with and without the skip.

Every real cassette is replayed in-process once (spider only); its output then goes through the
project's real pipelines (skip -> validate -> normalise -> store, after-crawl steps included) into
one database; a copy of it is re-run with ``SKIP_UNCHANGED`` on, another with it off, and the
two must hold the same rows.
"""

from __future__ import annotations

import copy
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.items import JobPosting
from db.postings import PostingStore, spider_hash
from db.schema import open_db
from tests.conftest import copy_database, realdata
from tests.spiders.responses import SpiderRun, finished, replay_spider, spider_class
from tests.test_normalized_crawl import CASSETTES

#: Times that come from the data; every other ``*_at`` column records when a run did something
#: (each run has its own clock), as does ``boards.first_seen``; ``stats_json`` holds a run's raw stats.
DATA_TIMES = {"posted_at", "scraped_at"}


def volatile(column: str) -> bool:
    return (column.endswith("_at") and column not in DATA_TIMES) or column in {"stats_json", "first_seen"}


def run_pipelines(db_path: Path, replay: SpiderRun, *, skip: bool) -> dict[str, Any]:
    """One crawl of the replayed spider output through every item pipeline into ``db_path``."""
    settings = {"JOBS_DB": str(db_path), "SKIP_UNCHANGED": skip, "MIN_INTERVAL_ENABLED": False}  # re-runs at once
    crawler = get_crawler(spider_class(replay.spider.name), settings)
    crawler.spider = replay.spider
    assert crawler.stats is not None
    crawler.stats.open_spider()
    configured = get_project_settings().getdict("ITEM_PIPELINES")
    stages = [load_object(path).from_crawler(crawler) for path, _ in sorted(configured.items(), key=lambda kv: kv[1])]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    for item in copy.deepcopy([*replay.postings, *replay.rejects]):
        for stage in stages:
            item = finished(stage.process_item(item))
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()
    for stage in stages:
        if hasattr(stage, "spider_closed"):
            stage.spider_closed(replay.spider, "finished")
    return crawler.stats.get_stats()


def dump(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (volatile time columns left out), in a stable order."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not name.startswith("postings_fts_")  # FTS5 shadow tables: checked through postings_fts itself
        ]
        out = {}
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])") if not volatile(row[1])]
            select = ", ".join(f"[{c}]" for c in columns) if columns else "rowid"
            out[table] = sorted(conn.execute(f"SELECT {select} FROM [{table}]").fetchall(), key=repr)
        return out
    finally:
        conn.close()


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", sorted(CASSETTES))
def test_rerun_with_skip_stores_the_same(cassette, tmp_path):
    spider, args = CASSETTES[cassette]
    folder = realdata(cassette)
    spider_args = dict(a.format(cassette=folder).split("=", 1) for a in args)
    replay = replay_spider(spider, folder, pipelines=False, **spider_args)
    postings = len({(p["source"], str(p["source_id"])) for p in replay.postings})
    assert postings, "the cassette yielded no posting"

    with_skip, without = tmp_path / "skip.db", tmp_path / "noskip.db"
    first = run_pipelines(with_skip, replay, skip=True)
    assert first.get("jobs/skipped_unchanged", 0) == 0  # a first run: nothing to skip
    copy_database(with_skip, without)  # both re-runs start from this one first run

    again = run_pipelines(with_skip, replay, skip=True)
    run_pipelines(without, replay, skip=False)
    stored = sqlite3.connect(with_skip).execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    assert again.get("jobs/skipped_unchanged", 0) == stored  # every stored posting skipped on the re-run
    assert again.get("jobs/unchanged", 0) == stored
    assert dump(with_skip) == dump(without)


def test_a_changed_posting_is_not_skipped(tmp_path):
    replay = replay_spider("ashby", realdata("ashby"), pipelines=False, boards="docker")
    assert replay.postings
    db_path = tmp_path / "jobs.db"
    run_pipelines(db_path, replay, skip=True)
    edited = dataclasses.replace(replay, postings=copy.deepcopy(replay.postings))
    first: JobPosting = edited.postings[0]
    first["raw"] = {**first["raw"], "title": "Edited upstream"}  # a change the posting's columns do not show
    first["title"] = "Staff " + str(first["title"])
    stats = run_pipelines(db_path, edited, skip=True)
    assert stats["jobs/skipped_unchanged"] == len(replay.postings) - 1
    assert stats["jobs/updated"] == 1
    store = PostingStore(open_db(db_path))
    row = store.db.execute(
        "SELECT title, spider_hash FROM postings WHERE source_id = ?", [first["source_id"]]
    ).fetchone()
    assert row[0] == first["title"]
    assert row[1] == spider_hash(dict(first))  # the new output's hash, so the next run skips it
    store.db.close()


def _skip_pipeline(db_path: Path) -> Any:
    from pipelines.skip_unchanged import SkipUnchangedPipeline

    crawler = get_crawler(spider_class("ashby"), {"JOBS_DB": str(db_path)})
    assert crawler.stats is not None
    crawler.stats.open_spider()
    pipeline = SkipUnchangedPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def test_a_posting_without_a_stored_hash_is_hashed_where_it_is_prepared(tmp_path):
    """Nothing stored to compare with (a first crawl): the skip pipeline leaves the hash to the
    prepare step (a worker process in a crawl), which takes it from the spider's output before
    validating; a re-run then finds every one of those hashes unchanged."""
    replay = replay_spider("ashby", realdata("ashby"), pipelines=False, boards="docker")
    db_path = tmp_path / "jobs.db"
    open_db(db_path).close()
    skip = _skip_pipeline(db_path)
    first = skip.process_item(copy.deepcopy(replay.postings[0]))
    assert isinstance(first, JobPosting) and first.get("spider_hash") is None
    skip.close_spider()

    run_pipelines(db_path, replay, skip=True)
    conn = sqlite3.connect(db_path)
    stored = dict(conn.execute("SELECT source_id, spider_hash FROM postings").fetchall())
    conn.close()
    assert stored == {str(p["source_id"]): spider_hash(dict(p)) for p in replay.postings}

    skip = _skip_pipeline(db_path)
    again = skip.process_item(copy.deepcopy(replay.postings[0]))
    assert not isinstance(again, JobPosting) and again["spider_hash"] == stored[str(replay.postings[0]["source_id"])]
    skip.close_spider()

"""Validate → normalise in worker processes (pipelines/prepare.py): the same stored values in the
same order as in the crawl process, worker logs and stats in the crawl's, a dead worker costs nothing."""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import logging
import os
import signal
import sqlite3

import pytest
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

import pipelines.prepare as prepare_module
from crawler.items import RAW_TEXT, JobPosting, RejectedRecord, raw_text_of
from db.postings import posting_row
from pipelines.prepare import PREPARED_ROW, PreparePipeline, prepare, prepare_processes, store_is_next
from spiders.remotive import RemotiveSpider
from tests.conftest import checked_crawl, realdata
from tests.spiders.responses import replay_spider
from tests.test_bad_input import cassette_from
from tests.test_skip_unchanged import dump

PROCESSES = [
    pytest.param("auto", 4, 3, id="auto-leaves-one-core-to-the-crawl"),
    pytest.param("auto", 16, 4, id="auto-at-most-four"),
    pytest.param("auto", 1, 0, id="auto-one-core-prepares-in-process"),
    pytest.param(None, 2, 1, id="unset-is-auto"),
    pytest.param("0", 8, 0, id="zero-prepares-in-process"),
    pytest.param(3, 2, 3, id="a-number-is-taken-as-it-is"),
]


@pytest.mark.parametrize(("setting", "cpus", "expected"), PROCESSES)
def test_prepare_processes(setting, cpus, expected) -> None:
    assert prepare_processes(setting, cpus=cpus) == expected


@pytest.mark.parametrize("setting", ["many", "-1"])
def test_prepare_processes_refuses_nonsense(setting) -> None:
    with pytest.raises(ValueError, match="PREPARE_PROCESSES"):
        prepare_processes(setting, cpus=4)


def _url_broken(body: bytes) -> bytes:
    """Remotive's real body with its first job's URL made unusable: validation rejects it."""
    data = json.loads(body)
    data["jobs"][0]["url"] = "not a link"
    return json.dumps(data).encode()


@pytest.mark.realdata
def test_worker_processes_store_what_the_crawl_process_stores(tmp_path) -> None:
    """Real postings (HTML to sanitise, mojibake, salaries, places) and one reject, crawled with
    the work in this process and in two workers: the same rows, ids (spider order) included."""
    broken = cassette_from("remotive", tmp_path, _url_broken)
    results, runs = {}, {}
    for processes in ("0", "2"):
        db = tmp_path / f"prepare-{processes}.db"
        for spider, cassette in (("remotive", broken), ("remoteok", realdata("remoteok"))):
            result = checked_crawl(
                db, spider, cassette, settings=(f"PREPARE_PROCESSES={processes}", "MIN_INTERVAL_ENABLED=False")
            )
            results[processes, spider], runs[processes, spider] = result, result.last_run
        with sqlite3.connect(db) as conn:  # each crawl has its own clock
            conn.execute("UPDATE postings SET scraped_at = NULL")
            conn.execute("UPDATE rejects SET raw_json = json_remove(raw_json, '$.scraped_at')")
    assert "Preparing postings in 2 worker process(es)" in results["2", "remotive"].log
    assert "Preparing postings in" not in results["0", "remotive"].log
    for processes in ("0", "2"):  # the worker's warning, logged and counted by the crawl
        log = results[processes, "remotive"].log
        assert "rejecting remotive posting" in log and "url is not an http(s) URL: 'not a link'" in log
        run = runs[processes, "remotive"]
        stats = json.loads(run["stats_json"])
        assert stats["jobs/rejected_invalid"] == run["rejected"] == 1
        assert (stats.get("prepare/worker_cpu_seconds", 0) > 0) == (processes == "2")
    in_process, in_workers = dump(tmp_path / "prepare-0.db"), dump(tmp_path / "prepare-2.db")
    assert len(in_process["posting_fields"]) > 100 and len(in_process["posting_texts"]) > 100
    assert in_workers == in_process


def _pipeline(processes: int, *, store_next: bool = False) -> PreparePipeline:
    """The pipeline of a Remotive crawl; ``store_next``: the project's item pipelines (the store
    right after this one), so its workers build the store's rows."""
    settings: dict[str, object] = {"PREPARE_PROCESSES": processes}
    if store_next:
        settings["ITEM_PIPELINES"] = _with_pipelines()["ITEM_PIPELINES"]
    crawler = get_crawler(RemotiveSpider, settings)
    crawler.spider = RemotiveSpider.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return PreparePipeline.from_crawler(crawler)


@pytest.mark.realdata
def test_a_killed_worker_costs_no_posting(caplog) -> None:
    """Workers killed under the pipeline: every posting is still prepared, in order, as in-process."""
    postings = replay_spider("remotive", realdata("remotive"), pipelines=False).postings[:40]
    expected = [prepare(copy.deepcopy(p), "remotive", lambda stat: None) for p in postings]
    pipeline = _pipeline(2)

    async def crawl() -> list[object]:
        pipeline.start_pool()
        assert pipeline.pool is not None
        first = await asyncio.gather(*(pipeline.process_item(copy.deepcopy(p)) for p in postings[:20]))
        for pid in list(pipeline.pool._processes):  # the workers, to kill them
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        rest = await asyncio.gather(*(pipeline.process_item(copy.deepcopy(p)) for p in postings[20:]))
        return [*first, *rest]

    with caplog.at_level(logging.WARNING, logger="pipelines.prepare"):
        got = asyncio.run(crawl())
    assert "prepare worker lost" in caplog.text
    assert pipeline.pool is None  # the rest of the crawl prepares in-process
    assert [dict(item) for item in got] == [dict(item) for item in expected]
    assert all(isinstance(item, JobPosting) for item in got)


def test_a_reject_comes_back_from_a_worker_as_a_reject() -> None:
    pipeline = _pipeline(1)
    posting = JobPosting(source="remotive", source_id="1", url="nowhere", title="Engineer", raw={"id": 1})

    async def crawl() -> object:
        pipeline.start_pool()
        try:
            return await pipeline.process_item(posting)
        finally:
            pipeline.close_spider()

    got = asyncio.run(crawl())
    assert isinstance(got, RejectedRecord)
    assert got["reason"] == "url is not an http(s) URL: 'nowhere'" and got["raw"] == {"id": 1}
    assert pipeline.crawler.stats is not None
    assert pipeline.crawler.stats.get_value("jobs/rejected_invalid") == 1


def _with_pipelines(**changes: int | None) -> Settings:
    settings = get_project_settings().copy()
    settings.set("ITEM_PIPELINES", {**settings.getdict("ITEM_PIPELINES"), **changes})
    return settings


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, True, id="the-project-order"),
        pytest.param({"pipelines.verdict.RunCounts": 500}, False, id="a-pipeline-in-between"),
        pytest.param({"pipelines.store.StorePipeline": None}, False, id="no-store"),
        pytest.param({"pipelines.store.StorePipeline": 90}, False, id="store-before-prepare"),
    ],
)
def test_workers_build_rows_only_for_a_store_right_after_them(changes, expected) -> None:
    assert store_is_next(_with_pipelines(**changes)) is expected


@pytest.mark.realdata
def test_a_worker_hands_the_store_the_rows_it_would_build() -> None:
    """Real postings prepared in a worker come back with the columns the store would have built
    from them (raw record's JSON, content hash, spider hash); what the store then writes is
    checked by the crawl-level equality test above (two workers vs in-process)."""
    postings = replay_spider("remotive", realdata("remotive"), pipelines=False).postings[:30]
    expected = [prepare(copy.deepcopy(p), "remotive", lambda stat: None) for p in postings]
    pipeline = _pipeline(1, store_next=True)
    assert pipeline.rows

    async def crawl() -> list[object]:
        pipeline.start_pool()
        try:
            return await asyncio.gather(*(pipeline.process_item(copy.deepcopy(p)) for p in postings))
        finally:
            pipeline.close_spider()

    got = asyncio.run(crawl())
    rows = [getattr(item, PREPARED_ROW) for item in got]
    assert rows == [posting_row(dict(item)) for item in expected]
    assert all(row["spider_hash"] and row["raw_json"] and row["content_hash"] for row in rows)
    assert [dict(item) for item in got] == [dict(item) for item in expected]


@pytest.mark.realdata
@pytest.mark.parametrize("behind", [False, True], ids=["workers-keep-up", "workers-behind"])
def test_the_hash_and_the_row_go_to_the_side_with_time(monkeypatch, behind) -> None:
    """With the workers behind (every one with batches waiting) this process takes new postings'
    spider hashes and leaves the rows to the store; else the workers do both. The same postings
    come back either way."""
    monkeypatch.setattr(prepare_module, "BEHIND", 0 if behind else 10**6)
    postings = replay_spider("remotive", realdata("remotive"), pipelines=False).postings[:30]
    expected = [prepare(copy.deepcopy(p), "remotive", lambda stat: None) for p in postings]
    pipeline = _pipeline(1, store_next=True)
    sent: list[tuple[bool, list[object]]] = []

    async def crawl() -> list[object]:
        pipeline.start_pool()
        assert pipeline.pool is not None
        original = pipeline.pool.submit

        def recorded(fn, items, spider_name, rows):
            sent.append((rows, [item.get("spider_hash") for item in items]))
            return original(fn, items, spider_name, rows)

        pipeline.pool.submit = recorded  # type: ignore[method-assign]
        try:
            return await asyncio.gather(*(pipeline.process_item(copy.deepcopy(p)) for p in postings))
        finally:
            pipeline.close_spider()

    got = asyncio.run(crawl())
    assert [dict(item) for item in got] == [dict(item) for item in expected]
    assert sent and all(rows is not behind for rows, _ in sent)
    assert all((digest is not None) is behind for _, digests in sent for digest in digests)
    assert all(hasattr(item, PREPARED_ROW) is not behind for item in got)
    # a row the store builds starts from the spider's JSON text of the raw record, put back here
    assert all((raw_text_of(item) == json.dumps(item["raw"])) is behind for item in got)


@pytest.mark.realdata
def test_a_posting_travels_back_from_a_worker_without_its_raw_record() -> None:
    """Its raw record is many small objects to unpickle: the worker leaves it out and the crawl
    process puts back its own (test_the_hash_and_the_row_go_to_the_side_with_time checks that
    the postings handed on have it)."""
    postings = replay_spider("remotive", realdata("remotive"), pipelines=False).postings[:20]
    expected = [prepare(copy.deepcopy(p), "remotive", lambda stat: None) for p in postings]
    results, _counts, _records, _seconds, without_raw = prepare_module.prepare_batch(
        copy.deepcopy(postings), "remotive", rows=True
    )
    assert without_raw == list(range(len(postings)))
    assert all(result["raw"] is None and getattr(result, RAW_TEXT, None) is None for result in results)
    assert [getattr(result, PREPARED_ROW) for result in results] == [posting_row(dict(p)) for p in expected]
    assert [{**dict(result), "raw": p["raw"]} for result, p in zip(results, expected, strict=True)] == [
        dict(p) for p in expected
    ]


def test_a_crawl_collects_young_objects_less_often_and_gives_the_thresholds_back() -> None:
    """Two crawls side by side (crawlall): the crawl thresholds hold until the last one stops."""
    before = gc.get_threshold()
    assert before != prepare_module.CRAWL_GC_THRESHOLDS
    try:
        prepare_module._freeze_heap()
        prepare_module._freeze_heap()
        assert gc.get_threshold() == prepare_module.CRAWL_GC_THRESHOLDS
        prepare_module._thaw_heap()
        assert gc.get_threshold() == prepare_module.CRAWL_GC_THRESHOLDS
        prepare_module._thaw_heap()
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()

"""Spider callbacks on recorded bodies, in-process: responses built from cassette files, no engine.

Field checks (named records, counts, rejects) run a spider this way: ``replay_spider("remotive",
realdata("remotive"))`` starts the spider, answers each request from the cassette (read and
matched by the replay middleware's own ``crawler.middlewares.Cassette``), calls the request's
callback (or its errback for a non-2xx answer, as Scrapy's HttpErrorMiddleware does), follows
the requests the callbacks yield, and passes the items through the project's item pipelines that
come before the store. What the engine adds on top -- the store, crawl_runs, the CLI -- stays
covered by one end-to-end replay per spider (tests/spiders/replaycheck.py).

This is what city-scrapers' ``file_response`` does, extended to whole crawls: a cassette of
hundreds of requests runs in milliseconds instead of a 3-second ``scrapy crawl`` subprocess.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.http import Request, Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import SpiderLoader
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.items import JobPosting, RejectedRecord
from crawler.middlewares import Cassette, Exchange
from db.postings import content_hash, posting_row
from pipelines.store import run_status


def recorded_response(recording: Exchange, request: Request) -> Response:
    """The response a replay serves: Scrapy picks Text/Html/Xml/JSON class from headers, URL and body."""
    body = recording.body_path.read_bytes()
    headers = Headers(recording.headers)
    cls = responsetypes.from_args(headers=headers, url=recording.url, body=body)
    return cls(url=request.url, status=recording.status, headers=headers, body=body, request=request)


def file_response(folder: Path, url: str | None = None, *, meta: dict[str, Any] | None = None) -> Response:
    """The recorded response to ``GET url`` (default: the cassette's only recording), with ``meta``."""
    cassette = Cassette.load([folder])
    if url is None:
        ((only,),) = cassette.exchanges.values()
        url = only.url
    request = Request(url, meta=meta or {})
    recording = cassette.find(request)
    assert recording is not None, f"{url} is not recorded in {folder}"
    return recorded_response(recording, request)


@cache
def spider_class(name: str) -> type[Spider]:
    return SpiderLoader.from_settings(get_project_settings()).load(name)  # type: ignore[no-any-return]


@cache
def finished(output: Any) -> Any:
    """A pipeline's result; an ``async`` one (the prepare pipeline) driven to its end at once, as
    it needs nothing from an event loop when no worker pool runs (an event loop per item is slow)."""
    if not inspect.iscoroutine(output):
        return output
    try:
        output.send(None)
    except StopIteration as done:
        return done.value
    output.close()
    raise AssertionError("an item pipeline waited on something outside a crawl")


def item_pipelines() -> tuple[type[Any], ...]:
    """The project's item pipelines in order, up to (not including) the store, which needs a database."""
    configured = get_project_settings().getdict("ITEM_PIPELINES")
    classes = [load_object(path) for path, _ in sorted(configured.items(), key=lambda kv: kv[1])]
    before_store = [cls for cls in classes if not cls.__name__.endswith("StorePipeline")]
    assert len(before_store) == len(classes) - 1, "expected exactly one store pipeline in ITEM_PIPELINES"
    return tuple(before_store)


@dataclass
class SpiderRun:
    """What an in-process replay produced: items after the pipelines, requests, stats."""

    spider: Any
    stats: dict[str, Any]
    postings: list[JobPosting] = field(default_factory=list)
    rejects: list[RejectedRecord] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)  # every request sent, in order
    missing: list[Request] = field(default_factory=list)  # requests the cassette has no recording for
    failed: list[Request] = field(default_factory=list)  # requests answered with a non-2xx status

    @property
    def rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Postings as the store writes them (column values), one per (source, source_id), the last winning."""
        return {(row["source"], row["source_id"]): row for row in map(posting_row, map(dict, self.postings))}

    def posting(self, source_id: str) -> dict[str, Any]:
        """The column values the store would write for this posting (JSON lists, 0/1 booleans)."""
        row = self.rows.get((self.spider.name, source_id))
        assert row is not None, f"no posting {self.spider.name}/{source_id}"
        return row

    def reject_rows(self) -> list[dict[str, Any]]:
        """Rejects as the store writes them: reason, source_id as text, the raw record as JSON."""
        return [
            {
                "source": r.get("source"),
                "source_id": None if r.get("source_id") is None else str(r.get("source_id")),
                "url": r.get("url"),
                "reason": r.get("reason"),
                "raw_json": json.dumps(r.get("raw"), ensure_ascii=False, default=str),
            }
            for r in self.rejects
        ]

    def content_hashes(self) -> dict[tuple[str, str], str]:
        """What the store compares to tell a changed posting from an unchanged one."""
        return {key: content_hash(dict(posting)) for key, posting in self.by_key().items()}

    def by_key(self) -> dict[tuple[str, str], JobPosting]:
        return {(str(p["source"]), str(p["source_id"])): p for p in self.postings}

    @property
    def hits(self) -> int:
        """Requests answered from the cassette (the replay middleware's ``replay/hit``)."""
        return len(self.requests) - len(self.missing)

    @property
    def request_errors(self) -> int:
        return int(self.stats.get("jobs/request_errors", 0))

    @property
    def bad_responses(self) -> int:
        return int(self.stats.get("jobs/bad_response", 0))

    @property
    def status(self) -> str:
        """The crawl_runs status the store would give this crawl (a first run: every posting new)."""
        return run_status("finished", self.request_errors, self.bad_responses, len(self.rows))


def _results(output: Any) -> list[Any]:
    """A callback's output as a list, whether it returned None, an iterable or an async generator."""
    if output is None:
        return []
    if inspect.isasyncgen(output):

        async def collect() -> list[Any]:
            return [x async for x in output]

        return asyncio.run(collect())
    return list(output)


def replay_spider(
    name: str,
    *cassettes: Path,
    settings: dict[str, Any] | None = None,
    pipelines: bool = True,
    **spider_args: Any,
) -> SpiderRun:
    """Run spider ``name`` against the cassettes in-process, as ``scrapy crawl name -a k=v`` would.

    ``REPLAY_DIR`` is set as for a replayed crawl (a spider may read its boards/ folder from it).
    Duplicate requests are dropped by the crawler's own request fingerprinter, as the scheduler does.
    """
    # SKIP_UNCHANGED off: no earlier run's database is read (mapping is what these runs check)
    crawler = get_crawler(
        spider_class(name),
        {"REPLAY_DIR": os.pathsep.join(map(str, cassettes)), "SKIP_UNCHANGED": False, **(settings or {})},
    )
    spider = crawler.spidercls.from_crawler(crawler, **spider_args)
    crawler.spider = spider
    assert crawler.stats is not None
    crawler.stats.open_spider()
    stages = [cls.from_crawler(crawler) for cls in item_pipelines()] if pipelines else []
    cassette = Cassette.load(list(cassettes))
    run = SpiderRun(spider=spider, stats={})

    async def start_requests() -> list[Any]:
        return [request async for request in spider.start()]

    queue: deque[Request] = deque()
    seen: set[bytes] = set()

    def take(outputs: Iterable[Any]) -> None:
        for output in outputs:
            if isinstance(output, Request):
                key = crawler.request_fingerprinter.fingerprint(output)
                if output.dont_filter or key not in seen:
                    seen.add(key)
                    queue.append(output)
                continue
            for stage in stages:
                output = finished(stage.process_item(output))
            if isinstance(output, JobPosting):
                run.postings.append(output)
            elif isinstance(output, RejectedRecord):
                run.rejects.append(output)
            else:
                raise AssertionError(f"{name} yielded {output!r}")

    take(asyncio.run(start_requests()))
    while queue:
        request = queue.popleft()
        run.requests.append(request)
        recording = cassette.find(request)
        if recording is None:  # the replay middleware's answer to an unrecorded request
            run.missing.append(request)
            response = Response(url=request.url, status=404, request=request)
        else:
            response = recorded_response(recording, request)
        if 200 <= response.status < 300:
            callback = request.callback or spider.parse
            take(_results(callback(response, **request.cb_kwargs)))
        else:  # HttpErrorMiddleware: the errback gets an HttpError failure carrying the request
            run.failed.append(request)
            failure = Failure(HttpError(response, "Ignoring non-200 response"))
            failure.request = request  # type: ignore[attr-defined]
            if request.errback is not None:
                take(_results(request.errback(failure)))
    run.stats = crawler.stats.get_stats()
    return run


@cache
def _replayed(name: str, cassettes: tuple[Path, ...], spider_args: tuple[tuple[str, Any], ...]) -> SpiderRun:
    return replay_spider(name, *cassettes, **dict(spider_args))


def replayed(name: str, *cassettes: Path, **spider_args: Any) -> SpiderRun:
    """``replay_spider`` once per test process for the same spider, cassettes and arguments:
    tests that only read a replay's postings share it (they must not modify it)."""
    return _replayed(name, cassettes, tuple(sorted(spider_args.items())))

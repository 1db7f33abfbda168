"""``remotejobs enqueue`` and ``remotejobs drain``: the two ends of distributed mode.

``enqueue`` feeds the shared board queue that crawl workers (``scrapy crawl <spider>`` with
``REDIS_URL`` set) claim from; ``drain`` is the one writer: it moves the items the workers
queued into SQLite through the same validate -> normalise -> store path as a single-machine
crawl, one crawl_runs row per worker run, then runs the after-crawl steps.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlite_utils

from crawler.cli.common import CliError, add_db_argument, project_settings
from crawler.distributed import ITEMS_KEY, PREFIX, BoardQueue, connect, heartbeat_key
from crawler.items import JobPosting, RejectedRecord
from crawler.scope import CrawlScope
from db.posting_tables import FIELDS_TABLE
from db.postings import PostingStore
from db.schema import open_db
from db.util import utc_now
from pipelines.after_crawl import platform_facts, run_after_crawl
from pipelines.normalization import NormalizePipeline
from pipelines.validate import ValidatePipeline
from pipelines.verdict import run_status
from spiders.base import read_list_file

logger = logging.getLogger(__name__)

#: the writer's map from a worker's run key to its crawl_runs id (survives drain restarts)
RUNS_KEY = f"{PREFIX}:drain:runs"
COUNT_FIELDS = ("new", "updated", "unchanged", "rejected")


def redis_url(args: argparse.Namespace) -> str:
    url = args.redis_url or project_settings().get("REDIS_URL")
    if not url:
        raise CliError("no Redis: set REDIS_URL or pass --redis-url")
    return str(url)


def register(subparsers: Any) -> None:
    enqueue = subparsers.add_parser(
        "enqueue",
        help="distributed mode: queue boards (ATS slugs) or page URLs for the crawl workers",
        description="Pushes targets onto the spider's shared Redis queue; workers started with "
        "REDIS_URL claim them one at a time. See docs/distributed.md.",
    )
    enqueue.add_argument("kind", choices=["boards", "urls"], help="ATS board slugs or JSON-LD page URLs")
    enqueue.add_argument("spider", help="spider name (greenhouse, ashby, jsonld...)")
    enqueue.add_argument("targets", nargs="*", help="board slugs or URLs")
    enqueue.add_argument("--from-file", metavar="PATH", help="one target per line (# comments allowed)")
    enqueue.add_argument("--all-default", action="store_true", help="the spider's list in data/boards/")
    enqueue.add_argument("--redis-url", default=None, help="default: the REDIS_URL setting")
    enqueue.set_defaults(func=run_enqueue)

    drain = subparsers.add_parser(
        "drain",
        help="distributed mode: write the workers' queued items into SQLite (the one writer)",
        description="Pops queued items through validate -> normalise -> store, one crawl_runs row per "
        "worker run; when the queue is empty, runs the after-crawl steps. See docs/distributed.md.",
    )
    add_db_argument(drain)
    drain.add_argument("--redis-url", default=None, help="default: the REDIS_URL setting")
    drain.add_argument("--batch", type=int, default=500, help="messages per SQLite transaction")
    drain.add_argument(
        "--follow", type=float, default=0, metavar="SECONDS",
        help="keep draining until the queue stayed empty this long (workers still running)",
    )  # fmt: skip
    drain.set_defaults(func=run_drain)


def run_enqueue(args: argparse.Namespace) -> int:
    targets = list(args.targets)
    if args.from_file:
        targets += read_list_file(args.from_file)
    if args.all_default:
        path = Path("data/boards") / f"{args.spider}.txt"
        if not path.is_file():
            raise CliError(f"no default list {path}")
        targets += read_list_file(path)
    if not targets:
        raise CliError("nothing to enqueue: give targets, --from-file or --all-default")
    queue = BoardQueue(connect(redis_url(args)), args.spider)
    length = queue.enqueue(targets)
    print(f"{len(set(targets))} {args.kind} queued for {args.spider} ({length} waiting)")
    return 0


class _Stats:
    """The slice of Scrapy's stats collector the pipelines use."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value


class Writer:
    """Validate -> normalise -> store for queued messages, grouped per worker run."""

    def __init__(self, db: sqlite_utils.Database, client: Any, settings: Any) -> None:
        self.store = PostingStore(db)
        self.client = client
        self.settings = settings
        self.stats = _Stats()
        # the same pipeline classes as a crawl, on a stand-in for the crawler they read stats from
        crawler: Any = SimpleNamespace(spider=None, stats=self.stats, settings=settings)
        self.validate = ValidatePipeline(crawler)
        self.normalize = NormalizePipeline(crawler)
        #: spiders whose runs ended in this drain: their after-crawl steps are due
        self.ended: dict[str, list[int]] = {}

    def run_id(self, run_key: str, spider: str, at: str | None = None) -> int:
        known = self.client.hget(RUNS_KEY, run_key)
        if known:
            return int(known)
        # not PostingStore.start_run: that marks the spider's other running runs interrupted,
        # and in distributed mode several runs of one spider are open at once
        with self.store.db.atomic():
            row = {"spider": spider, "started_at": at or utc_now(), "status": "running", "items_scraped": 0}
            row.update(dict.fromkeys(COUNT_FIELDS, 0), request_errors=0, bad_responses=0)
            run_id = int(self.store.db.table("crawl_runs").insert(row).last_pk)
        self.client.hset(RUNS_KEY, run_key, run_id)
        self.client.sadd(f"{PREFIX}:{spider}:round_runs", run_id)
        return run_id

    def write(self, messages: list[dict[str, Any]]) -> None:
        batches: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        ends = []
        for message in messages:
            kind = message.get("kind")
            if kind == "run-start":
                self.run_id(message["run"], message["spider"], message.get("at"))
            elif kind == "run-end":
                ends.append(message)
            elif kind == "item":
                item = self.item_of(message)
                spider = str(item.get("source") or "unknown")
                postings, rejects = batches.setdefault(self.run_id(message["run"], spider), ([], []))
                (postings if isinstance(item, JobPosting) else rejects).append(dict(item))
        for run_id, (postings, rejects) in batches.items():
            counts = self.store.write_batch(run_id, postings, rejects)
            with self.store.db.atomic():
                self.store.db.execute(
                    "UPDATE crawl_runs SET " + ", ".join(f"{k} = {k} + ?" for k in COUNT_FIELDS) + " WHERE id = ?",
                    [*(counts[k] for k in COUNT_FIELDS), run_id],
                )
        for message in ends:  # after the batch: a run's items precede its end marker
            self.end_run(message)

    def item_of(self, message: dict[str, Any]) -> JobPosting | RejectedRecord:
        data = message["data"]
        item: Any = JobPosting(**data) if message.get("type") == "JobPosting" else RejectedRecord(**data)
        item = self.validate.process_item(item)
        return self.normalize.process_item(item)  # type: ignore[no-any-return]

    def end_run(self, message: dict[str, Any]) -> None:
        spider = message["spider"]
        run_id = self.run_id(message["run"], spider)
        stats = message.get("stats") or {}
        spider_exceptions = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))
        request_errors = int(stats.get("jobs/request_errors", 0)) + spider_exceptions
        bad_responses = int(stats.get("jobs/bad_response", 0))
        row = self.store.db.execute("SELECT new, updated, unchanged FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
        items = sum(row)
        claimed = message.get("claimed_boards") or []
        records = message.get("board_records") or {}
        failed, gone = set(message.get("failed_boards") or ()), set(message.get("gone_boards") or ())
        scope = CrawlScope(
            spider,
            boards=tuple(claimed),
            answered=tuple(b for b in claimed if records.get(b) and b not in failed),
            gone=tuple(b for b in claimed if b in gone),
        )
        self.store.finish_run(
            run_id,
            finished_at=message.get("at") or utc_now(),
            status=run_status(message.get("reason"), request_errors, bad_responses, items),
            finish_reason=message.get("reason"),
            request_errors=request_errors,
            bad_responses=bad_responses,
            items_scraped=items,
            stats_json=json.dumps(stats, default=str, sort_keys=True),
            scope=scope.to_json(),
        )
        # the round's per-board outcomes, unioned over its workers (a board's pages may be
        # parsed by any worker: the request queue is shared)
        key = f"{PREFIX}:{spider}:outcomes"
        for board, count in records.items():
            if count:
                self.client.hset(key, board, "answered")
        for board in failed:
            self.client.hset(key, board, "failed")
        for board in gone:
            self.client.hsetnx(key, board, "gone")
        self.ended.setdefault(spider, []).append(run_id)

    def round_scope(self, spider: str) -> CrawlScope:
        """What the round covered. It closes postings only when every queued board was crawled
        cleanly: nothing queued or claimed, each board acked, each answered with records or 404."""
        queue = BoardQueue(self.client, spider)
        boards = tuple(sorted(self.client.smembers(queue.round_key)))
        outcomes = self.client.hgetall(f"{PREFIX}:{spider}:outcomes")
        done = self.client.hgetall(queue.done_key)
        clean = (
            queue.idle()
            and bool(boards)
            and all(done.get(b) and outcomes.get(b) in ("answered", "gone") for b in boards)
        )
        if not clean:
            return CrawlScope(spider, boards=boards)  # answered and gone empty: closes nothing
        return CrawlScope(
            spider,
            boards=boards,
            answered=tuple(b for b in boards if outcomes[b] == "answered"),
            gone=tuple(b for b in boards if outcomes[b] == "gone"),
        )

    def mark_lost_runs(self) -> None:
        """Runs whose worker stopped without a run-end marker (killed): failed, never clean."""
        for run_key, run_id in self.client.hgetall(RUNS_KEY).items():
            if self.client.exists(heartbeat_key(run_key)):
                continue
            row = self.store.db.execute("SELECT status FROM crawl_runs WHERE id = ?", [int(run_id)]).fetchone()
            if row and row[0] == "running":
                self.store.finish_run(int(run_id), finished_at=utc_now(), status="failed", finish_reason="worker lost")

    def after_crawl(self) -> None:
        self.mark_lost_runs()
        facts = platform_facts(self.settings)
        for spider, run_ids in self.ended.items():
            scope = self.round_scope(spider)
            last_run = max(run_ids)
            # listings and lifecycle take a run's postings as those whose last run it is: the
            # round's postings were seen by several worker runs, the last one stands for them
            round_runs = [int(r) for r in self.client.smembers(f"{PREFIX}:{spider}:round_runs")]
            marks = ", ".join("?" * len(round_runs)) or "NULL"
            with self.store.db.atomic():
                self.store.db.execute(
                    f"UPDATE {FIELDS_TABLE} SET last_run_id = ? WHERE source = ? AND last_run_id IN ({marks})",
                    [last_run, spider, *round_runs],
                )
            status = self.store.db.execute("SELECT status FROM crawl_runs WHERE id = ?", [last_run]).fetchone()[0]
            logger.info("after-crawl for %s (run %d): %s", spider, last_run, scope.describe())
            run_after_crawl(
                self.store.db, run_id=last_run, scope=scope, status=status, facts=facts, settings=self.settings
            )
        self.ended.clear()


def run_drain(args: argparse.Namespace) -> int:
    client = connect(redis_url(args))
    db = open_db(args.db)
    writer = Writer(db, client, project_settings())
    moved = 0
    idle_since = time.monotonic()
    while True:
        # read, write, then trim: a drain killed mid-batch re-reads it (upserts make that harmless)
        raw = client.lrange(ITEMS_KEY, 0, args.batch - 1)
        if raw:
            writer.write([json.loads(m) for m in raw])
            client.ltrim(ITEMS_KEY, len(raw), -1)
            moved += len(raw)
            idle_since = time.monotonic()
            continue
        if time.monotonic() - idle_since >= args.follow:
            break
        time.sleep(0.5)  # a CLI loop waiting for workers, not a spider
    writer.after_crawl()
    db.close()
    print(f"drained {moved} messages into {args.db}")
    return 0

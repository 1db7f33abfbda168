"""Distributed mode: the Redis keys and queues several crawl workers and one writer share.

Off unless the ``REDIS_URL`` setting is set (see docs/distributed.md). Requests and their
duplicate filter live in Redis through scrapy-redis (enabled by
:class:`crawler.addons.Distributed`); this module adds what scrapy-redis does not have:

- a **reliable board queue**: ``remotejobs enqueue boards`` pushes board slugs (or page URLs)
  to ``remotejobs:<spider>:boards``; a worker claims one at a time, atomically moving it into the
  hash ``remotejobs:<spider>:claimed`` (board -> worker), and acks it once the board's last
  response was parsed. scrapy-redis pops a request from Redis before downloading it, so a
  worker killed mid-request loses it; its boards stay claimed by a worker whose heartbeat
  (``remotejobs:worker:<id>``, a key with a short TTL) has expired, and the next worker to
  start puts them back on the queue (:meth:`BoardQueue.requeue_abandoned`).
- the **item queue** ``remotejobs:items``: workers push serialised items and run-start/run-end
  markers; ``remotejobs drain`` is the only process writing SQLite.

``redis`` is imported lazily: single-machine crawls never need it.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

PREFIX = "remotejobs"
ITEMS_KEY = f"{PREFIX}:items"
#: seconds a worker's heartbeat lives without being refreshed
HEARTBEAT_TTL = 15

# Pop a board and record its claimant in one step, so a crash between the two cannot lose it.
_CLAIM = """
local board = redis.call('LPOP', KEYS[1])
if board then redis.call('HSET', KEYS[2], board, ARGV[1]) end
return board
"""


@dataclass
class BoardDone:
    """Yielded after a board's last parsed page, in distributed mode only: the worker's item
    pipeline acks the board when it reaches this marker, after the board's items were pushed
    (Scrapy may run a callback ahead of its items' pipelines, so acking in the callback could
    ack a board whose items a killed worker never pushed)."""

    board: str


def connect(url: str) -> Any:
    import redis  # optional dependency: only distributed mode needs it

    return redis.Redis.from_url(url, decode_responses=True)


@cache
def worker_id() -> str:
    """This process's identity in Redis: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def heartbeat_key(worker: str) -> str:
    return f"{PREFIX}:worker:{worker}"


def beat(client: Any, worker: str, ttl: int = HEARTBEAT_TTL) -> None:
    client.set(heartbeat_key(worker), "1", ex=ttl)


class BoardQueue:
    """The boards (ATS slugs or page URLs) of one spider still to crawl, and who holds which."""

    def __init__(self, client: Any, spider: str) -> None:
        self.client = client
        self.spider = spider
        self.queue_key = f"{PREFIX}:{spider}:boards"
        self.claimed_key = f"{PREFIX}:{spider}:claimed"
        #: every board queued in the current round (what a clean round covered)
        self.round_key = f"{PREFIX}:{spider}:round"
        #: boards acked in the current round, with how many times (more than once: crawled twice)
        self.done_key = f"{PREFIX}:{spider}:done"
        self._claim = client.register_script(_CLAIM)

    def idle(self) -> bool:
        """Nothing queued and nothing claimed: the previous round is over."""
        return not self.client.llen(self.queue_key) and not self.client.hlen(self.claimed_key)

    def enqueue(self, boards: Iterable[str]) -> int:
        """Queue boards; the first push after a finished round starts a new round."""
        boards = [b for b in dict.fromkeys(boards) if b]
        if not boards:
            return 0
        if self.idle():
            # a new round: forget the last round's boards and seen requests (the dupefilter
            # would otherwise skip every follow-up page that was crawled yesterday)
            self.client.delete(
                self.round_key, self.done_key, f"{PREFIX}:{self.spider}:outcomes",
                f"{PREFIX}:{self.spider}:round_runs", f"{self.spider}:dupefilter",
            )  # fmt: skip
        self.client.sadd(self.round_key, *boards)
        return int(self.client.rpush(self.queue_key, *boards))

    def claims(self, worker: str) -> Iterator[str]:
        """Claim boards one at a time until the queue is empty."""
        while True:
            board = self._claim(keys=[self.queue_key, self.claimed_key], args=[worker])
            if board is None:
                return
            yield str(board)

    def ack(self, board: str) -> None:
        if self.client.hdel(self.claimed_key, board):
            self.client.hincrby(self.done_key, board, 1)

    def requeue_abandoned(self) -> list[str]:
        """Put back the boards claimed by workers whose heartbeat has expired."""
        requeued = []
        for board, worker in self.client.hgetall(self.claimed_key).items():
            if self.client.exists(heartbeat_key(worker)):
                continue
            # HDEL first: if another worker requeues the same board concurrently, only one wins
            if self.client.hdel(self.claimed_key, board):
                self.client.lpush(self.queue_key, board)
                requeued.append(board)
        return requeued

    def status(self) -> dict[str, Any]:
        return {
            "queued": int(self.client.llen(self.queue_key)),
            "claimed": int(self.client.hlen(self.claimed_key)),
            "round": int(self.client.scard(self.round_key)),
            "done": int(self.client.hlen(self.done_key)),
        }


def push_message(client: Any, message: dict[str, Any]) -> None:
    client.rpush(ITEMS_KEY, json.dumps(message, ensure_ascii=False, default=str, sort_keys=True))

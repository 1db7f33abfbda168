"""Posting writes: postings, rejects and crawl runs in SQLite (sqlite-utils).

- ``postings`` holds one row per platform posting, unique on ``(source, source_id)``.
  A posting seen again with the same content only moves ``last_seen_at``; changed
  content rewrites the row and its ``content_hash``.
- Writes are batched (``STORE_BATCH_SIZE``); each batch is one transaction, so a
  killed crawl leaves whole batches or nothing, never half a posting. A run row
  left ``running`` by a killed crawl is marked ``failed`` by the next run.
- ``database is locked`` (another writer, e.g. a concurrent crawl) is retried with
  exponential backoff (tenacity) before giving up.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from crawler.items import ALL_FIELDS, PLATFORM_FIELDS
from db.schema import BOOL_COLUMNS, JSON_COLUMNS
from db.util import chunks, retry_when_locked, utc_now

logger = logging.getLogger(__name__)

#: Fields that do not describe the posting itself, so they stay out of the content hash (the
#: board is where the crawl found it: written on every sighting, never an "update").
UNHASHED_FIELDS = {"scraped_at", "raw", "posted_at", "board"}
HASHED_FIELDS = sorted(set(PLATFORM_FIELDS) - UNHASHED_FIELDS)


def content_hash(item: dict[str, Any]) -> str:
    payload = json.dumps({k: item.get(k) for k in HASHED_FIELDS}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def posting_row(item: dict[str, Any]) -> dict[str, Any]:
    """Map an item to column values (JSON for lists, 0/1 for booleans)."""
    row: dict[str, Any] = {}
    for name in ALL_FIELDS:
        value = item.get(name)
        if name == "raw":
            row["raw_json"] = json.dumps(value, ensure_ascii=False, default=str) if value is not None else None
        elif name in JSON_COLUMNS:
            row[name] = json.dumps(value, ensure_ascii=False) if value is not None else None
        elif name in BOOL_COLUMNS:
            row[name] = None if value is None else int(bool(value))
        else:
            row[name] = value
    row["content_hash"] = content_hash(item)
    return row


class PostingStore:
    """The write side of the database, independent of Scrapy (used by tests and tools)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- crawl runs ------------------------------------------------------------------
    @retry_when_locked
    def start_run(self, spider: str, started_at: str | None = None) -> int:
        with self.db.atomic():
            stale = self.db.execute(
                "UPDATE crawl_runs SET status = 'failed', finish_reason = 'interrupted', "
                "finished_at = COALESCE(finished_at, ?) WHERE spider = ? AND status = 'running'",
                [utc_now(), spider],
            ).rowcount
            run_id = (
                self.db.table("crawl_runs")
                .insert(
                    {
                        "spider": spider,
                        "started_at": started_at or utc_now(),
                        "status": "running",
                        "new": 0,
                        "updated": 0,
                        "unchanged": 0,
                        "rejected": 0,
                        "request_errors": 0,
                        "bad_responses": 0,
                        "items_scraped": 0,
                    }
                )
                .last_pk
            )
        if stale:
            logger.warning("%d earlier %s run(s) never finished: marked failed (interrupted)", stale, spider)
        assert run_id is not None
        return int(run_id)

    @retry_when_locked
    def finish_run(self, run_id: int, **values: Any) -> None:
        with self.db.atomic():
            self.db.table("crawl_runs").update(run_id, values)

    # -- postings ----------------------------------------------------------------------
    @retry_when_locked
    def write_batch(
        self,
        run_id: int,
        postings: Sequence[dict[str, Any]],
        rejects: Sequence[dict[str, Any]],
        seen_at: str | None = None,
    ) -> dict[str, int]:
        """Upsert postings and insert rejects in one transaction; return new/updated/unchanged."""
        seen_at = seen_at or utc_now()
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        rows = [posting_row(p) for p in postings]
        with self.db.atomic():
            existing = self._existing(rows)
            inserts, updates, touches = [], [], []
            for row in rows:
                key = (row["source"], row["source_id"])
                found = existing.get(key)
                if found is None:
                    row.update(first_seen_at=seen_at, last_seen_at=seen_at, first_run_id=run_id, last_run_id=run_id)
                    inserts.append(row)
                    existing[key] = (-1, row["content_hash"])  # a repeat inside this batch is unchanged
                    counts["new"] += 1
                elif found[1] != row["content_hash"]:
                    row.update(last_seen_at=seen_at, last_run_id=run_id, closed_at=None)
                    updates.append((found[0], row))
                    counts["updated"] += 1
                else:
                    touches.append((found[0], row["board"]))
                    counts["unchanged"] += 1
            if inserts:
                self.db.table("postings").insert_all(inserts, batch_size=200)
            for posting_id, row in updates:
                if posting_id == -1:  # changed twice within one batch: update by key
                    self._update_by_key(row)
                else:
                    self.db.table("postings").update(posting_id, row)
            self._touch([t for t in touches if t[0] != -1], seen_at, run_id)
            if rejects:
                self.db.table("rejects").insert_all(
                    [
                        {
                            "run_id": run_id,
                            "source": r.get("source"),
                            "source_id": None if r.get("source_id") is None else str(r.get("source_id")),
                            "url": r.get("url"),
                            "reason": r.get("reason"),
                            "raw_json": json.dumps(r.get("raw"), ensure_ascii=False, default=str),
                            "rejected_at": seen_at,
                        }
                        for r in rejects
                    ]
                )
                counts["rejected"] = len(rejects)
        return counts

    def _existing(self, rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, str]]:
        by_source: dict[str, list[str]] = {}
        for row in rows:
            by_source.setdefault(row["source"], []).append(row["source_id"])
        found: dict[tuple[str, str], tuple[int, str]] = {}
        for source, ids in by_source.items():
            for chunk in chunks(ids):
                marks = ",".join("?" * len(chunk))
                for pk, source_id, digest in self.db.execute(
                    f"SELECT id, source_id, content_hash FROM postings WHERE source = ? AND source_id IN ({marks})",
                    [source, *chunk],
                ):
                    found[(source, source_id)] = (pk, digest)
        return found

    def _update_by_key(self, row: dict[str, Any]) -> None:
        data = {k: v for k, v in row.items() if k not in {"first_seen_at", "first_run_id"}}
        assignments = ", ".join(f"[{k}] = ?" for k in data)
        self.db.execute(
            f"UPDATE postings SET {assignments} WHERE source = ? AND source_id = ?",
            [*data.values(), row["source"], row["source_id"]],
        )

    def _touch(self, touches: list[tuple[int, str | None]], seen_at: str, run_id: int) -> None:
        by_board: dict[str | None, list[int]] = {}
        for posting_id, board in touches:
            by_board.setdefault(board, []).append(posting_id)
        for board, ids in by_board.items():
            for chunk in chunks(ids):
                marks = ",".join("?" * len(chunk))
                self.db.execute(
                    "UPDATE postings SET last_seen_at = ?, last_run_id = ?, closed_at = NULL, "
                    f"board = COALESCE(?, board) WHERE id IN ({marks})",
                    [seen_at, run_id, board, *chunk],
                )

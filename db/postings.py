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
import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import jsonify_if_needed

from crawler.items import ALL_FIELDS, PLATFORM_FIELDS
from db.posting_tables import FIELDS_TABLE, TEXT_COLUMNS, TEXTS_TABLE
from db.schema import BOOL_COLUMNS, JSON_COLUMNS, schema_version
from db.search import indexed_per_batch
from db.util import chunks, read_only_rows, retry_when_locked, utc_now

logger = logging.getLogger(__name__)

#: Fields that do not describe the posting itself, so they stay out of the content hash (the
#: board is where the crawl found it: written on every sighting, never an "update").
UNHASHED_FIELDS = {"scraped_at", "raw", "posted_at", "board"}
HASHED_FIELDS = sorted(set(PLATFORM_FIELDS) - UNHASHED_FIELDS)


#: Values SQLite stores as they are (anything else goes through sqlite-utils' conversion).
_PLAIN_TYPES = frozenset({str, int, float, type(None), bytes})


def content_hash(item: Mapping[str, Any]) -> str:
    payload = json.dumps({k: item.get(k) for k in HASHED_FIELDS}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


#: Spider-output fields that differ between two crawls of the same record (or, for the board, are
#: written on every sighting anyway), so they stay out of the spider hash.
SPIDER_UNHASHED_FIELDS = {"scraped_at", "board", "spider_hash"}


def spider_hash(item: Mapping[str, Any], raw_text: str | None = None) -> str:
    """Digest of a posting exactly as the spider yielded it (raw record included), taken before
    validation: the same digest on a re-run means validating, normalising and comparing it again
    would only find it unchanged. ``raw_text``: ``json.dumps(item["raw"])`` when the spider kept
    it (:func:`crawler.items.raw_text_of`), spliced in instead of serialising the record again."""
    # keys unsorted: the same body parses to the same key order, and a reordered record only
    # costs one full pass (sorting every nested record costs more on every posting)
    pairs = [(k, v) for k, v in sorted(item.items()) if k not in SPIDER_UNHASHED_FIELDS]
    if raw_text is None or item.get("raw") is None:
        payload = json.dumps(pairs, default=str)
    else:  # the same text: the pairs before "raw", raw's pair, the pairs after it
        before = json.dumps([pair for pair in pairs if pair[0] < "raw"], default=str)[1:-1]
        after = json.dumps([pair for pair in pairs if pair[0] > "raw"], default=str)[1:-1]
        payload = "[" + ", ".join(part for part in (before, f'["raw", {raw_text}]', after) if part) + "]"
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


#: In ``json.dumps`` output: an escaped backslash, or the ``\uXXXX`` escape of a character that
#: ``ensure_ascii=False`` writes as it is (U+007F and above; control characters stay escaped).
_WRITTEN_AS_IS = re.compile(r"\\(?:\\|u(00[89a-f][0-9a-f]|007f|0[1-9a-f][0-9a-f]{2}|[1-9a-f][0-9a-f]{3}))")
#: A high surrogate's escape: with the low one after it, one character or two lone surrogates.
_HIGH_SURROGATE = re.compile(r"\\ud[89ab]")


def _written_as_is(match: re.Match[str]) -> str:
    code = match.group(1)
    return chr(int(code, 16)) if code else match.group()


def json_text_of_ascii(ascii_json: str) -> str | None:
    """``json.dumps(value, ensure_ascii=False)`` from ``json.dumps(value)``: the escapes of
    non-ASCII characters written as the characters (a third of the cost of serialising again).
    None where the ASCII text cannot tell (a surrogate pair's escapes)."""
    if "\\u" not in ascii_json:
        return ascii_json
    if _HIGH_SURROGATE.search(ascii_json):
        return None
    return _WRITTEN_AS_IS.sub(_written_as_is, ascii_json)


def raw_json(raw: Any, raw_text: str | None = None) -> str:
    """The stored ``raw_json``: ``json.dumps(raw, ensure_ascii=False)``, from the spider's
    ``json.dumps(raw)`` (``raw_text``) where it can be."""
    text = json_text_of_ascii(raw_text) if raw_text is not None else None
    return text if text is not None else json.dumps(raw, ensure_ascii=False, default=str)


#: ``json.dumps(value, ensure_ascii=False)`` without building an encoder on every call.
json_text = json.JSONEncoder(ensure_ascii=False).encode


def column_value(name: str, value: Any) -> Any:
    """An item field's value as its column stores it (JSON for lists, 0/1 for booleans); not
    for ``raw`` (stored as ``raw_json``)."""
    if name in JSON_COLUMNS:
        return json_text(value) if value is not None else None
    if name in BOOL_COLUMNS:
        return None if value is None else int(bool(value))
    return value


def posting_row(item: Mapping[str, Any], raw_text: str | None = None) -> dict[str, Any]:
    """Map an item to column values (JSON for lists, 0/1 for booleans); ``raw_text`` as for
    :func:`spider_hash`."""
    row: dict[str, Any] = {}
    for name in ALL_FIELDS:
        value = item.get(name)
        if name == "raw":
            row["raw_json"] = raw_json(value, raw_text) if value is not None else None
        else:
            row[name] = column_value(name, value)
    row["content_hash"] = content_hash(item)
    if item.get("spider_hash") is not None:  # set by the pipelines; direct writers may leave it out
        row["spider_hash"] = item["spider_hash"]
    return row


def stored_response_digests(db_path: str | Path, source: str) -> dict[str, tuple[str, int, list[str]]]:
    """url -> (body digest, records, posting ids) of one spider's kept listing responses, read-only;
    {} when the database or the table does not exist yet."""
    rows = read_only_rows(
        db_path, "SELECT url, digest, records, source_ids FROM response_digests WHERE source = ?", [source]
    )
    return {url: (digest, int(records or 0), json.loads(ids)) for url, digest, records, ids in rows}


class PostingStore:
    """The write side of the database, independent of Scrapy (used by tests and tools)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._split = True  # set per batch from the schema version

    @property
    def _fields(self) -> str:
        """The table holding postings' hot fields (``postings`` itself before schema 14)."""
        return FIELDS_TABLE if self._split else "postings"

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
    def write_batch(
        self,
        run_id: int,
        postings: Sequence[dict[str, Any]],
        rejects: Sequence[dict[str, Any]],
        seen_at: str | None = None,
        seen: Sequence[dict[str, Any]] = (),
    ) -> dict[str, int]:
        """Upsert postings, mark ``seen`` ones (stored and unchanged: source, source_id, board,
        spider_hash) seen, and insert rejects in one transaction; return new/updated/unchanged."""
        return self.write_rows(run_id, [posting_row(p) for p in postings], rejects, seen_at, seen)

    @retry_when_locked
    def write_rows(
        self,
        run_id: int,
        posting_rows: Sequence[dict[str, Any]],
        rejects: Sequence[dict[str, Any]],
        seen_at: str | None = None,
        seen: Sequence[dict[str, Any]] = (),
    ) -> dict[str, int]:
        """:meth:`write_batch` with the postings already mapped to columns by :func:`posting_row`
        (a crawl's worker processes do that; the rows are not changed)."""
        seen_at = seen_at or utc_now()
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        rows = [dict(row) for row in posting_rows]  # written into below; a retry starts afresh
        with self.db.atomic():
            # a tool may write to a database not yet migrated (as the migration tests do)
            version = schema_version(self.db)
            content_run = version >= 13  # postings.content_run_id
            self._split = version >= 14  # posting_fields + posting_texts
            existing = self._existing(rows)
            inserts, updates, touches = [], [], []
            for row in rows:
                key = (row["source"], row["source_id"])
                found = existing.get(key)
                if found is None:
                    row.update(
                        first_seen_at=seen_at,
                        last_seen_at=seen_at,
                        first_run_id=run_id,
                        last_run_id=run_id,
                    )
                    if content_run:
                        row["content_run_id"] = run_id
                    inserts.append(row)
                    existing[key] = (-1, row["content_hash"])  # a repeat inside this batch is unchanged
                    counts["new"] += 1
                elif found[1] != row["content_hash"]:
                    row.update(last_seen_at=seen_at, last_run_id=run_id, closed_at=None)
                    if content_run:
                        row["content_run_id"] = run_id
                    updates.append((found[0], row))
                    counts["updated"] += 1
                else:
                    touches.append((found[0], row["board"], row.get("spider_hash")))
                    counts["unchanged"] += 1
            with indexed_per_batch(self.db) if version >= 11 else nullcontext():  # search_sync
                if inserts:
                    self._insert(inserts)
                for posting_id, row in updates:
                    if posting_id == -1:  # changed twice within one batch: update by key
                        self._update_by_key(row)
                    else:
                        self._update(posting_id, row)
            self._touch([t for t in touches if t[0] != -1], seen_at, run_id)
            if seen:
                self._touch_by_key(seen, seen_at, run_id)
                counts["unchanged"] += len(seen)
            if rejects:
                self.db.table("rejects").insert_all(
                    [
                        {
                            "run_id": run_id,
                            "source": r.get("source"),
                            "source_id": None if r.get("source_id") is None else str(r.get("source_id")),
                            "url": r.get("url"),
                            "reason": r.get("reason"),
                            "raw_json": raw_json(r.get("raw")),
                            "rejected_at": seen_at,
                        }
                        for r in rejects
                    ]
                )
                counts["rejected"] = len(rejects)
        return counts

    @retry_when_locked
    def keep_digests(self, digests: Sequence[dict[str, Any]], run_id: int) -> None:
        """Keep a listing response's digest only when every posting it yielded is stored (a
        posting rejected by validation is not: then its body is parsed again next time)."""
        with self.db.atomic():
            self._keep_digests(digests, run_id)

    def _keep_digests(self, digests: Sequence[dict[str, Any]], run_id: int) -> None:
        for digest in digests:
            ids = [str(i) for i in digest["source_ids"]]
            stored = self._existing({"source": digest["source"], "source_id": i} for i in ids)
            if len(stored) == len(set(ids)):
                self.db.execute(
                    "INSERT OR REPLACE INTO response_digests (source, url, digest, board, records, source_ids, run_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [digest["source"], digest["url"], digest["digest"], digest.get("board"), digest.get("records"),
                     json.dumps(ids), run_id],
                )  # fmt: skip
            else:
                self.db.execute(
                    "DELETE FROM response_digests WHERE source = ? AND url = ?", [digest["source"], digest["url"]]
                )

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        """New postings: one prepared INSERT per set of columns, values as sqlite-utils would
        store them (lists, dicts and dates converted by its own ``jsonify_if_needed`` where any
        occur; plain values, nearly always, go as they are: converting each costs more than the
        insert). From schema 14 the texts go to ``posting_texts`` under the ids SQLite would
        have given (the next ones after the largest; this is inside the batch's write lock)."""
        if self._split:
            next_id = self.db.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {FIELDS_TABLE}").fetchone()[0]
            texts = []
            for posting_id, row in enumerate(rows, start=next_id):
                texts.append((posting_id, *(row.pop(c, None) for c in TEXT_COLUMNS)))
                row["id"] = posting_id
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_columns.setdefault(tuple(row), []).append(row)
        for columns, group in by_columns.items():
            names = ", ".join(f"[{name}]" for name in columns)
            marks = ", ".join("?" * len(columns))
            values = [tuple(row.values()) for row in group]
            if not all(type(value) in _PLAIN_TYPES for row in values for value in row):
                values = [tuple(map(jsonify_if_needed, row)) for row in values]
            self.db.conn.executemany(f"INSERT INTO {self._fields} ({names}) VALUES ({marks})", values)
        if self._split:
            self.db.conn.executemany(
                f"INSERT INTO {TEXTS_TABLE} (posting_id, {', '.join(TEXT_COLUMNS)}) VALUES (?, ?, ?, ?)", texts
            )

    def _update(self, posting_id: int, row: dict[str, Any]) -> None:
        """A posting whose content changed: its fields, and its texts (schema 14) beside them."""
        data = {k: v for k, v in row.items() if not (self._split and k in TEXT_COLUMNS)}
        values = [jsonify_if_needed(v) for v in data.values()]
        self.db.execute(
            f"UPDATE {self._fields} SET {', '.join(f'[{k}] = ?' for k in data)} WHERE id = ?", [*values, posting_id]
        )
        if self._split:
            self._write_texts(posting_id, row)

    def _write_texts(self, posting_id: int, row: dict[str, Any]) -> None:
        texts = [c for c in TEXT_COLUMNS if c in row]
        if texts:
            self.db.execute(
                f"INSERT INTO {TEXTS_TABLE} (posting_id, {', '.join(texts)}) VALUES (?{', ?' * len(texts)}) "
                f"ON CONFLICT (posting_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in texts)}",
                [posting_id, *(row[c] for c in texts)],
            )

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
        if self._split:
            data = {k: v for k, v in data.items() if k not in TEXT_COLUMNS}
        assignments = ", ".join(f"[{k}] = ?" for k in data)
        self.db.execute(
            f"UPDATE {self._fields} SET {assignments} WHERE source = ? AND source_id = ?",
            [*data.values(), row["source"], row["source_id"]],
        )
        if self._split:
            found = self.db.execute(
                f"SELECT id FROM {FIELDS_TABLE} WHERE source = ? AND source_id = ?", [row["source"], row["source_id"]]
            ).fetchone()
            self._write_texts(found[0], row)

    def _touch(self, touches: list[tuple[int, str | None, str | None]], seen_at: str, run_id: int) -> None:
        with_hash = [t for t in touches if t[2] is not None]
        if with_hash:  # (an empty executemany still prepares its statement: old schemas lack the column)
            self.db.conn.executemany(
                f"UPDATE {self._fields} SET last_seen_at = ?, last_run_id = ?, closed_at = NULL, "
                "board = COALESCE(?, board), spider_hash = ? WHERE id = ?",
                [(seen_at, run_id, board, digest, posting_id) for posting_id, board, digest in with_hash],
            )
        self.db.conn.executemany(  # written without a spider hash (tools, tests): the stored one stays
            f"UPDATE {self._fields} SET last_seen_at = ?, last_run_id = ?, closed_at = NULL, "
            "board = COALESCE(?, board) WHERE id = ?",
            [(seen_at, run_id, board, posting_id) for posting_id, board, digest in touches if digest is None],
        )

    def _touch_by_key(self, seen: Sequence[dict[str, Any]], seen_at: str, run_id: int) -> None:
        self.db.conn.executemany(
            f"UPDATE {self._fields} SET last_seen_at = ?, last_run_id = ?, closed_at = NULL, "
            "board = COALESCE(?, board), spider_hash = COALESCE(?, spider_hash) WHERE source = ? AND source_id = ?",
            [(seen_at, run_id, s.get("board"), s.get("spider_hash"), s["source"], s["source_id"]) for s in seen],
        )

    def spider_hashes(self, source: str, board: str | None) -> dict[str, str]:
        """source_id -> stored spider hash of one board's (or a board-less feed's) postings."""
        rows = self.db.execute(
            "SELECT source_id, spider_hash FROM postings WHERE source = ? AND board IS ? AND spider_hash IS NOT NULL",
            [source, board],
        )
        return dict(rows.fetchall())

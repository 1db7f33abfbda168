"""``remotejobs renormalize``: re-run the normalisers over stored raw values, no re-crawl.

After a normaliser or reference-table change (new FX rates, a new title rule),
this recomputes every normalised column of ``postings`` from the raw columns
kept beside them, in batches of 1,000, and writes only the values that changed,
one transaction per batch. The normalising runs in worker processes (``--processes``, default
one per usable core, at most 4), forked once this process has built the normalisers' tables;
each reads its own batches, results are written in order by this process.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from crawler.cli.common import CliError, add_db_argument, add_json_argument
from crawler.cli.progress import ProgressReport
from crawler.items import NORMALIZED_FIELDS
from db.posting_tables import FIELDS_TABLE
from db.postings import json_text
from db.schema import BOOL_COLUMNS, JSON_COLUMNS, open_db
from db.util import read_only
from pipelines.normalization import NORMALIZER_INPUTS, normalize_item, warm_up

BATCH = 1000
#: Read back for each posting: what the normalisers read, nothing else (no HTML, no raw record).
INPUTS = list(NORMALIZER_INPUTS)
_JSON_INPUTS, _BOOL_INPUTS = JSON_COLUMNS & set(INPUTS), BOOL_COLUMNS & set(INPUTS)
NORMALISED = sorted(NORMALIZED_FIELDS.keys() | {"posted_at"})
_JSON_POSITIONS = tuple(i for i, c in enumerate(NORMALISED) if c in JSON_COLUMNS)
_BOOL_POSITIONS = tuple(i for i, c in enumerate(NORMALISED) if c in BOOL_COLUMNS)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "renormalize",
        help="recompute normalised fields (salary, location, title, dates) from the stored raw values",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_argument(parser)
    parser.add_argument("--source", action="append", help="only postings of this platform (repeatable)")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="worker processes that normalise (default: one per usable core, at most 4; 0: this process)",
    )
    add_json_argument(parser, "the summary as one JSON object")
    parser.set_defaults(func=run)


#: One changed row: the positions in ``NORMALISED`` of the columns whose values changed, and
#: their new values followed by the posting's id.
Change = tuple[tuple[int, ...], list[Any]]
_INPUT_COUNT = len(INPUTS)


def renormalised(rows: Iterable[Sequence[Any]]) -> tuple[list[Change], Counter[str]]:
    """The changed rows of a batch and the values no normaliser could read; runs in a worker
    process. A row is (id, *INPUTS, *NORMALISED as stored)."""
    misses: Counter[str] = Counter()
    changes: list[Change] = []
    for row in rows:
        # a plain dict of the fields the normalisers read: what a crawl hands them, without
        # the cost of a scrapy Item (a third of the time outside the normalisers)
        fields = {k: v for k, v in zip(INPUTS, row[1 : 1 + _INPUT_COUNT], strict=True) if v is not None}
        for key in _JSON_INPUTS & fields.keys():
            fields[key] = json.loads(fields[key])
        for key in _BOOL_INPUTS & fields.keys():
            fields[key] = bool(fields[key])
        fields.pop("posted_at", None)  # recomputed from posted_at_raw
        normalize_item(fields, lambda kind: misses.update([kind]))
        values = list(map(fields.get, NORMALISED))
        for i in _JSON_POSITIONS:  # the store's own encoding (db.postings.column_value)
            if values[i] is not None:
                values[i] = json_text(values[i])
        for i in _BOOL_POSITIONS:
            if values[i] is not None:
                values[i] = int(bool(values[i]))
        stored = row[1 + _INPUT_COUNT :]
        changed = tuple(i for i, (new, old) in enumerate(zip(values, stored, strict=True)) if new != old)
        if changed:
            changes.append((changed, [*(values[i] for i in changed), row[0]]))
    return changes, misses


_READERS: dict[str, sqlite3.Connection] = {}


def renormalised_batch(db_path: str, sql: str, params: list[Any]) -> tuple[list[Change], Counter[str]]:
    """:func:`renormalised` over one batch that this (worker) process reads itself: handing the
    rows over from the main process cost more than reading them (descriptions are kilobytes)."""
    if db_path not in _READERS:  # one read-only connection per worker (WAL: reads beside the writes)
        _READERS[db_path] = read_only(db_path)
    return renormalised(_READERS[db_path].execute(sql, params))


@functools.cache
def update_sql(changed: tuple[int, ...]) -> str:
    """The UPDATE of one set of changed columns: setting only those keeps triggers on the others
    (dedupe keys marked stale, posting_keys' dates copied) from running for nothing, and costs
    the writing process a third of setting every normalised column (measured: 0.14-0.25 s vs
    0.48 s of CPU for 11,811 rows whose title_clean changed)."""
    return f"UPDATE {FIELDS_TABLE} SET {', '.join(f'[{NORMALISED[i]}] = ?' for i in changed)} WHERE id = ?"


class _Here(Executor):
    """The batches normalised in this process (``--processes 0``, or one usable core)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


def _executor(processes: int | None) -> Executor:
    usable = len(os.sched_getaffinity(0))
    count = min(4, usable) if processes is None else processes
    if count <= 0 or (processes is None and usable < 2):
        return _Here()
    warm_up()  # forked: every worker starts with the tables built once, here
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))


def _write(
    db: Any,
    batch: tuple[int, Future[tuple[list[Change], Counter[str]]]],
    misses: Counter[str],
    processed: int,
    updated: int,
) -> tuple[int, int]:
    size, work = batch
    changes, batch_misses = work.result()
    misses.update(batch_misses)
    by_columns: dict[tuple[int, ...], list[list[Any]]] = {}
    for changed, params in changes:
        by_columns.setdefault(changed, []).append(params)
    if changes:
        with db.atomic():
            for changed, rows in by_columns.items():
                db.conn.executemany(update_sql(changed), rows)
    return processed + size, updated + len(changes)


def run(args: argparse.Namespace) -> int:

    if not Path(args.db).is_file():
        raise CliError(f"no database at {args.db} (run a crawl first, or pass --db)")
    db = open_db(args.db)
    where, params = "", []
    if args.source:
        where = f"WHERE source IN ({','.join('?' * len(args.source))})"
        params = list(args.source)
    misses: Counter[str] = Counter()
    select = ", ".join([*(f"[{f}]" for f in INPUTS), *(f"[{c}] AS [stored_{c}]" for c in NORMALISED)])
    # (the fields table: a count over the postings view reads each posting's texts row)
    total = db.execute(f"SELECT count(*) FROM {FIELDS_TABLE} {where}", params).fetchone()[0]

    def batches() -> Iterator[tuple[int, int, int]]:
        """(after id, last id, postings) of each batch: only ids are read here."""
        last_id = 0
        while True:
            ids = [
                row[0]
                for row in db.execute(
                    f"SELECT id FROM postings {where + ' AND' if where else 'WHERE'} id > ? ORDER BY id LIMIT {BATCH}",
                    [*params, last_id],
                )
            ]
            if not ids:
                return
            yield last_id, ids[-1], len(ids)
            last_id = ids[-1]

    batch_sql = (
        f"SELECT id, {select} FROM postings {where + ' AND' if where else 'WHERE'} id > ? AND id <= ? ORDER BY id"
    )
    processed = updated = 0
    with ProgressReport("renormalize") as report, _executor(args.processes) as pool:
        # a few batches in flight: the workers read and normalise while this process writes
        pending: list[tuple[int, Future[tuple[list[Change], Counter[str]]]]] = []
        for after, last, size in batches():
            pending.append((size, pool.submit(renormalised_batch, str(args.db), batch_sql, [*params, after, last])))
            if len(pending) <= 3:
                continue
            processed, updated = _write(db, pending.pop(0), misses, processed, updated)
            report.update("renormalising", processed, total)
        while pending:
            processed, updated = _write(db, pending.pop(0), misses, processed, updated)
            report.update("renormalising", processed, total)
    db.close()
    lines = [f"renormalised {processed} postings in {report.seconds:.1f}s, {updated} changed"]
    lines += [f"  unparsed {kind}: {count}" for kind, count in sorted(misses.items())]
    report.summary(
        "\n".join(lines),
        {"postings": processed, "changed": updated, **{f"unparsed_{kind}": n for kind, n in sorted(misses.items())}},
        as_json=args.json,
    )
    return 0

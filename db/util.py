"""Small SQL helpers shared by every layer above: UTC timestamps, chunked ``IN (...)`` lists,
and writing through a database another process is writing too (locked-database retries)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

T = TypeVar("T")

#: Values per ``IN (...)``: under SQLite's bound-variable limit on every build.
CHUNK = 400


def utc_now() -> str:
    """Now, in UTC ISO 8601 to the second: how every time in the database is stored."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``size``, for ``IN (...)`` lists."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(values: Sequence[Any]) -> str:
    """``?,?,?``: one placeholder per value of an ``IN (...)`` list."""
    return ",".join("?" * len(values))


def read_only(db_path: str | Path) -> sqlite3.Connection:
    """A read-only connection to an existing database (WAL: reads beside another process's writes)."""
    return sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def read_only_rows(db_path: str | Path, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows of one query on a read-only connection; [] when the database does not exist or is
    older than the table asked for (a spider reads this before any crawl wrote the file)."""
    path = Path(db_path)
    if not path.is_file():
        return []
    try:
        conn = read_only(path)
    except sqlite3.Error:
        return []
    try:
        return conn.execute(sql, list(params)).fetchall()
    except sqlite3.Error:  # an older database without the table
        return []
    finally:
        conn.close()


def is_locked(exc: BaseException) -> bool:
    """``database is locked`` / ``busy``: another process holds the write lock."""
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc).lower() for w in ("locked", "busy"))


#: Retry a whole transaction when another writer holds the database (``busy_timeout`` waits inside
#: one statement; a read transaction that must become a write one fails at once instead, so the
#: transaction is started again). Exponential backoff, at most ~25 s over 8 attempts.
retry_when_locked = retry(
    retry=retry_if_exception(is_locked),
    wait=wait_exponential(multiplier=0.2, max=5),
    stop=stop_after_attempt(8),
    reraise=True,
)


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """``BEGIN IMMEDIATE``: take the write lock first (waiting ``busy_timeout``), so a transaction
    that reads before it writes cannot fail half-way because another process wrote meanwhile.
    ``db.atomic()`` blocks inside become savepoints."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")

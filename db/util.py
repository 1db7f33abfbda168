"""Small SQL helpers shared by every layer above: UTC timestamps and chunked ``IN (...)`` lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

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

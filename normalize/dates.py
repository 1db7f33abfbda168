"""Date normaliser (placeholder until the rules land)."""

from __future__ import annotations

from datetime import datetime


def parse_date(text: str, *, now: datetime) -> str | None:
    return None

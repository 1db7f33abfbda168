"""Location normaliser (placeholder until the rules land)."""

from __future__ import annotations

from typing import Any


def parse(text: str) -> dict[str, Any]:
    return {"workplace": None, "worldwide": False, "countries": [], "regions": [], "timezones": None}

"""Title normaliser (placeholder until the rules land)."""

from __future__ import annotations

from typing import Any


def parse(text: str) -> dict[str, Any]:
    return {"title": text.strip() or None, "seniority": None, "category": None, "role": None}

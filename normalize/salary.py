"""Salary normaliser (placeholder until the rules land)."""

from __future__ import annotations

from typing import Any


def parse(text: str) -> dict[str, Any]:
    return {"min": None, "max": None, "currency": None, "period": None, "estimate": False}

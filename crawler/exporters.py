"""Feed exporters (``scrapy crawl SPIDER -O out.csv``) that write cells as ``remotejobs export`` does.

Scrapy's CSV exporter writes a list as ``a,b`` and a dict (``raw``) as its Python repr, and
booleans as ``True``/``False``; the database and ``remotejobs export`` hold lists and records
as JSON text and booleans as 0/1. The same encoding here keeps a feed and an export comparable
(and a feed's ``raw`` parseable).
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.exporters import CsvItemExporter


def cell(value: Any) -> Any:
    """One CSV cell: JSON text for lists and mappings, 0/1 for booleans, other values unchanged."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


class JsonCellCsvItemExporter(CsvItemExporter):
    """CSV whose list, mapping and boolean cells are encoded like the jobs database's columns."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        serializer = field.get("serializer", cell) if hasattr(field, "get") else cell
        return serializer(value)

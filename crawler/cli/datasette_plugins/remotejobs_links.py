"""Datasette plugin loaded by ``remotejobs datasette``: id columns become links.

The schema has no FOREIGN KEY clauses (SQLite cannot add them without rewriting each table,
and the store opens the database with ``PRAGMA foreign_keys = ON``, so declaring them would
also change what writes are allowed). Datasette only links real foreign keys, so this renders
the same links: a posting's listing and crawl runs, a listing's canonical posting and its
postings, a match's postings.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

#: column -> the table its value is the id of
ID_COLUMNS = {
    "listing_id": "listings",
    "canonical_posting_id": "postings",
    "posting_id": "postings",
    "matched_posting_id": "postings",
    "first_run_id": "crawl_runs",
    "last_run_id": "crawl_runs",
    "run_id": "crawl_runs",
}


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    target = ID_COLUMNS.get(column)
    if target == "postings":  # a view (schema 14): no row pages, its rows filtered by id instead
        url = datasette.urls.table(database, target) + f"?id={value}"
        return Markup(f'<a href="{escape(url)}">{value}</a>')
    if target is not None:
        url = datasette.urls.row(database, target, str(value))
        return Markup(f'<a href="{escape(url)}">{value}</a>')
    if table in {"listings", "open_listings"} and column == "postings_count" and row is not None:
        listing_id = row["id"]
        url = datasette.urls.table(database, "postings") + f"?listing_id={int(listing_id)}"
        return Markup(f'<a href="{escape(url)}" title="the postings of this listing">{value}</a>')
    return None

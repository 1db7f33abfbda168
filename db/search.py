"""Full-text search: an FTS5 index ``postings_fts`` over postings' title, company, tags and
description text (porter stemming), kept in sync by triggers; user words to a safe FTS5 query.

The store's batches index their new postings with one ``INSERT … SELECT`` at the end of the
batch (:func:`indexed_per_batch`) instead of one trigger run per row (a third of a crawl's
write time): while ``search_sync.deferred_after`` holds a rowid, the triggers leave rows above
it alone. That value is set and cleared inside the batch's own transaction, so no other
connection ever sees it, and every other writer keeps the triggers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

logger = logging.getLogger(__name__)

FTS_COLUMNS = ("title", "company", "tags", "description_text")
#: A search trigger indexes the row with this posting id unless a store batch defers it to the
#: batch's end (``search_sync``, :func:`indexed_per_batch`).
INDEXED_NOW = "(SELECT deferred_after FROM search_sync) IS NULL OR {id} <= (SELECT deferred_after FROM search_sync)"


def enable_search(db: sqlite_utils.Database) -> None:
    """FTS5 over postings (porter stemming), kept in sync by triggers."""
    db.table("postings").enable_fts(list(FTS_COLUMNS), tokenize="porter", create_triggers=True, replace=True)
    # sqlite-utils' update trigger fires on every UPDATE; the store touches last_seen_at
    # on every crawl, so re-index only when an indexed column is written.
    cols = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    old = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
    new = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
    db.execute('DROP TRIGGER IF EXISTS "postings_au"')
    db.execute(
        f'CREATE TRIGGER "postings_au" AFTER UPDATE OF {cols} ON "postings" BEGIN\n'
        f'  INSERT INTO "postings_fts" ("postings_fts", rowid, {cols})\n'
        f"    VALUES('delete', old.rowid, {old});\n"
        f'  INSERT INTO "postings_fts" (rowid, {cols}) VALUES (new.rowid, {new});\n'
        "END"
    )


def defer_new_rows_to_batches(db: sqlite_utils.Database) -> None:
    """Migration 11: ``search_sync`` and the three triggers that honour it."""
    db.execute("CREATE TABLE IF NOT EXISTS search_sync (deferred_after INTEGER)")
    if not db.execute("SELECT count(*) FROM search_sync").fetchone()[0]:
        db.execute("INSERT INTO search_sync (deferred_after) VALUES (NULL)")
    cols = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    old = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
    new = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
    add = f'INSERT INTO "postings_fts" (rowid, {cols}) VALUES (new.rowid, {new});'
    remove = f'INSERT INTO "postings_fts" ("postings_fts", rowid, {cols}) VALUES(\'delete\', old.rowid, {old});'
    triggers = {
        "postings_ai": ('AFTER INSERT ON "postings"', "new", add),
        "postings_ad": ('AFTER DELETE ON "postings"', "old", remove),
        "postings_au": (f'AFTER UPDATE OF {cols} ON "postings"', "old", f"{remove}\n  {add}"),
    }
    for name, (event, row, body) in triggers.items():
        db.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        db.execute(f'CREATE TRIGGER "{name}" {event} WHEN {INDEXED_NOW.format(id=f"{row}.rowid")} BEGIN\n  {body}\nEND')


@contextmanager
def indexed_per_batch(db: sqlite_utils.Database) -> Iterator[None]:
    """Inside a write transaction: postings inserted in the block are indexed once, at its end
    (the database must be at schema 11: ``search_sync``)."""
    last = db.execute("SELECT coalesce(max(id), 0) FROM postings").fetchone()[0]
    db.execute("UPDATE search_sync SET deferred_after = ?", [last])
    try:
        yield
    finally:  # rows written in the block are indexed as they are now, even when it failed
        cols = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
        db.execute("UPDATE search_sync SET deferred_after = NULL")
        db.execute(f'INSERT INTO "postings_fts" (rowid, {cols}) SELECT id, {cols} FROM postings WHERE id > ?', [last])


def fts_query(text: str) -> str:
    """User words -> an FTS5 query matching all of them (each quoted; no syntax errors)."""
    terms = [t.replace('"', "") for t in text.split()]
    return " ".join(f'"{t}"' for t in terms if t)

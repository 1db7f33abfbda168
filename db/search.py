"""Full-text search: an FTS5 index ``postings_fts`` over postings' title, company, tags and
description text (porter stemming), kept in sync by triggers; user words to a safe FTS5 query.
"""

from __future__ import annotations

import logging

import sqlite_utils

logger = logging.getLogger(__name__)

FTS_COLUMNS = ("title", "company", "tags", "description_text")


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


def fts_query(text: str) -> str:
    """User words -> an FTS5 query matching all of them (each quoted; no syntax errors)."""
    terms = [t.replace('"', "") for t in text.split()]
    return " ".join(f'"{t}"' for t in terms if t)

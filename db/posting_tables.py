"""Schema 14: a posting's hot fields apart from its cold texts, ``postings`` a view over both.

A stored posting is ~25 KB, nearly all of it the raw record and the description (HTML and
text). SQLite rewrites a whole record, overflow pages included, for any change to one of its
columns, so marking a posting seen again, closing it, placing it in a listing or renormalising
it rewrote those 25 KB each time. Now:

- ``posting_fields``: every column of a posting but the three texts (~1 KB a row); the store,
  renormalize, dedupe and the lifecycle write here;
- ``posting_texts``: ``raw_json``, ``description_html``, ``description_text``, keyed by
  ``posting_id``; written only when a posting's content is new or changed;
- ``postings``: a view joining the two, every column in its old order, so analysts' queries,
  the analyst views and full-text search read what they read before. SQLite drops the join
  from a query that reads no text column (the join is on ``posting_texts``' primary key).
  Writes to the view (tools, a hand-made fix) go through INSTEAD OF triggers.

Triggers keep the rest true, as before: the full-text index (``postings_fts``, now with the
view as its content table), ``posting_keys`` (synced and stale-marked), and deletes.
"""

from __future__ import annotations

import sqlite_utils

from db.listings_schema import KEY_SOURCE_FIELDS, posting_keys_stale_trigger, posting_keys_sync_trigger
from db.search import FTS_COLUMNS, INDEXED_NOW

FIELDS_TABLE = "posting_fields"
TEXTS_TABLE = "posting_texts"
#: The cold columns, in ``posting_texts``.
TEXT_COLUMNS = ("raw_json", "description_html", "description_text")

#: A row is indexed by a trigger unless a store batch defers it to the batch's end (search_sync).
_INDEXED_NOW = f"({INDEXED_NOW})"


def _quoted(columns: list[str] | tuple[str, ...], prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{c}"' for c in columns)


def v14_split_postings(db: sqlite_utils.Database) -> None:
    """Move ``postings`` into ``posting_fields`` + ``posting_texts`` and make ``postings`` a view."""
    info = db.execute('PRAGMA table_info("postings")').fetchall()
    columns = [(row[1], row[2]) for row in info]  # (name, declared type), in the table's order
    names = [name for name, _kind in columns]
    hot = [(name, kind) for name, kind in columns if name not in TEXT_COLUMNS]
    hot_names = [name for name, _kind in hot]
    indexes = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'postings' AND sql IS NOT NULL"
        )
    ]
    views = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()

    for name, _sql in views:  # recreated below, after ``postings`` is a view
        db.execute(f'DROP VIEW "{name}"')
    definition = ", ".join(
        f'"{name}" INTEGER PRIMARY KEY' if name == "id" else f'"{name}" {kind}'.rstrip() for name, kind in hot
    )
    db.execute(f'CREATE TABLE "{FIELDS_TABLE}" ({definition})')
    db.execute(f'INSERT INTO "{FIELDS_TABLE}" ({_quoted(hot_names)}) SELECT {_quoted(hot_names)} FROM postings')
    db.execute(
        f'CREATE TABLE "{TEXTS_TABLE}" ("posting_id" INTEGER PRIMARY KEY, '
        + ", ".join(f'"{c}" TEXT' for c in TEXT_COLUMNS)
        + ")"
    )
    db.execute(
        f'INSERT INTO "{TEXTS_TABLE}" ("posting_id", {_quoted(TEXT_COLUMNS)}) SELECT id, {_quoted(TEXT_COLUMNS)} '
        "FROM postings"
    )
    db.execute('DROP TABLE IF EXISTS "postings_fts"')
    db.execute("DROP TABLE postings")  # its indexes and triggers go with it
    for sql in indexes:
        db.execute(sql.replace('ON "postings"', f'ON "{FIELDS_TABLE}"', 1))

    selected = ", ".join(f't."{n}"' if n in TEXT_COLUMNS else f'f."{n}"' for n in names)
    db.execute(
        f'CREATE VIEW postings AS SELECT {selected} FROM "{FIELDS_TABLE}" f '
        f'LEFT JOIN "{TEXTS_TABLE}" t ON t.posting_id = f.id'
    )
    for _name, sql in views:
        db.execute(sql)
    _search_index(db)
    _triggers(db, hot_names)


def _search_index(db: sqlite_utils.Database) -> None:
    """``postings_fts`` over the view (its rowid is the posting id), filled from it once."""
    db.execute(
        f"CREATE VIRTUAL TABLE \"postings_fts\" USING FTS5 ({_quoted(FTS_COLUMNS)}, tokenize='porter', "
        'content="postings", content_rowid="id")'
    )
    if db.execute(f'SELECT count(*) FROM "{FIELDS_TABLE}"').fetchone()[0]:  # (a new database: nothing to index)
        db.execute("""INSERT INTO "postings_fts" ("postings_fts") VALUES ('rebuild')""")


def _triggers(db: sqlite_utils.Database, hot_names: list[str]) -> None:
    cols = _quoted(FTS_COLUMNS)
    hot_fts = [c for c in FTS_COLUMNS if c not in TEXT_COLUMNS]
    text_fts = [c for c in FTS_COLUMNS if c in TEXT_COLUMNS]

    def fts_values(hot_from: str, text_from: str) -> str:
        return ", ".join(f'{hot_from if c in hot_fts else text_from}."{c}"' for c in FTS_COLUMNS)

    def changed(columns: list[str]) -> str:
        return " OR ".join(f'old."{c}" IS NOT new."{c}"' for c in columns)

    statements = [
        # the index: a posting is indexed when its texts row arrives (writers insert fields first)
        f'CREATE TRIGGER "posting_texts_ai" AFTER INSERT ON "{TEXTS_TABLE}" '
        f"WHEN {_INDEXED_NOW.format(id='new.posting_id')} BEGIN\n"
        f'  INSERT INTO "postings_fts" (rowid, {cols}) SELECT f.id, {fts_values("f", "new")} '
        f'FROM "{FIELDS_TABLE}" f WHERE f.id = new.posting_id;\nEND',
        f'CREATE TRIGGER "posting_fields_au_search" AFTER UPDATE OF {_quoted(hot_fts)} ON "{FIELDS_TABLE}" '
        f"WHEN ({changed(hot_fts)}) AND {_INDEXED_NOW.format(id='old.id')} BEGIN\n"
        f'  INSERT INTO "postings_fts" ("postings_fts", rowid, {cols}) SELECT \'delete\', old.id, '
        f'{fts_values("old", "t")} FROM (SELECT 1) LEFT JOIN "{TEXTS_TABLE}" t ON t.posting_id = old.id;\n'
        f'  INSERT INTO "postings_fts" (rowid, {cols}) SELECT new.id, {fts_values("new", "t")} '
        f'FROM (SELECT 1) LEFT JOIN "{TEXTS_TABLE}" t ON t.posting_id = new.id;\nEND',
        f'CREATE TRIGGER "posting_texts_au_search" AFTER UPDATE OF {_quoted(text_fts)} ON "{TEXTS_TABLE}" '
        f"WHEN ({changed(text_fts)}) AND {_INDEXED_NOW.format(id='old.posting_id')} BEGIN\n"
        f'  INSERT INTO "postings_fts" ("postings_fts", rowid, {cols}) SELECT \'delete\', old.posting_id, '
        f'{fts_values("f", "old")} FROM "{FIELDS_TABLE}" f WHERE f.id = old.posting_id;\n'
        f'  INSERT INTO "postings_fts" (rowid, {cols}) SELECT new.posting_id, {fts_values("f", "new")} '
        f'FROM "{FIELDS_TABLE}" f WHERE f.id = new.posting_id;\nEND',
        # a deleted posting takes its texts, index entry, keys and refs along
        f'CREATE TRIGGER "posting_fields_ad" AFTER DELETE ON "{FIELDS_TABLE}" BEGIN\n'
        f'  INSERT INTO "postings_fts" ("postings_fts", rowid, {cols}) SELECT \'delete\', old.id, '
        f'{fts_values("old", "t")} FROM "{TEXTS_TABLE}" t WHERE t.posting_id = old.id '
        f"AND {_INDEXED_NOW.format(id='old.id')};\n"
        f'  DELETE FROM "{TEXTS_TABLE}" WHERE posting_id = old.id;\n'
        "  DELETE FROM posting_keys WHERE posting_id = old.id;\n"
        "  DELETE FROM posting_refs WHERE posting_id = old.id;\nEND",
    ]
    # posting_keys: stale when a key source column changes, lifecycle times and listing copied
    hot_sources = [c for c in KEY_SOURCE_FIELDS if c not in TEXT_COLUMNS]
    text_sources = [c for c in KEY_SOURCE_FIELDS if c in TEXT_COLUMNS]
    statements += [
        posting_keys_stale_trigger("posting_keys_stale", FIELDS_TABLE, hot_sources),
        posting_keys_stale_trigger("posting_keys_stale_texts", TEXTS_TABLE, text_sources, id_column="posting_id"),
        posting_keys_sync_trigger(FIELDS_TABLE),
    ]
    # writes to the view (tools, a fix by hand): fields first, then texts (which indexes them)
    hot_no_id = [c for c in hot_names if c != "id"]
    statements += [
        "CREATE TRIGGER postings_insert INSTEAD OF INSERT ON postings BEGIN\n"
        f'  INSERT INTO "{FIELDS_TABLE}" ("id", {_quoted(hot_no_id)}) '
        f'VALUES (new."id", {_quoted(hot_no_id, "new.")});\n'
        f'  INSERT INTO "{TEXTS_TABLE}" ("posting_id", {_quoted(TEXT_COLUMNS)}) '
        f"VALUES (last_insert_rowid(), {_quoted(TEXT_COLUMNS, 'new.')});\nEND",
        "CREATE TRIGGER postings_update INSTEAD OF UPDATE ON postings BEGIN\n"
        f'  UPDATE "{FIELDS_TABLE}" SET ' + ", ".join(f'"{c}" = new."{c}"' for c in hot_names) + " WHERE id = old.id;\n"
        f'  INSERT OR IGNORE INTO "{TEXTS_TABLE}" ("posting_id") VALUES (new.id);\n'
        f'  UPDATE "{TEXTS_TABLE}" SET '
        + ", ".join(f'"{c}" = new."{c}"' for c in TEXT_COLUMNS)
        + " WHERE posting_id = new.id;\nEND",
        f'CREATE TRIGGER postings_delete INSTEAD OF DELETE ON postings BEGIN DELETE FROM "{FIELDS_TABLE}" '
        "WHERE id = old.id; END",
    ]
    for statement in statements:
        db.execute(statement)

"""ATS boards found in stored postings: the ``boards`` table, the address patterns, the scan.

Every posting links somewhere: its URL, its apply URL, the links in its description. When
such a link is an applicant-tracking-system board (``jobs.lever.co/<board>``,
``<board>.bamboohr.com``...), that board is a list of jobs we can crawl. The patterns live in
ONE table, ``data/ats_patterns.csv`` (columns: ``ats`` = the spider that crawls the board,
``regex`` with named groups, ``board`` = how the groups make the spider's board argument,
``not_boards`` = path words or host names that look like a board and are not). A CSV rather
than attributes on the spider classes because this module sits below the spiders (it must not
import Scrapy or the spider loader) and because adding a pattern is then data, reviewed and
tested row by row (tests/test_board_discovery.py).

:func:`find_boards` is the pure scan; :func:`discover_boards` runs it over stored postings and
inserts what it finds (``INSERT OR IGNORE``: the first posting that named a board stays its
``found_in_posting``). ATS spiders read :func:`active_boards` read-only at start; the after-crawl
step :func:`record_board_health` turns three consecutive 404 runs into ``inactive``.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlite_utils

from db.util import CHUNK, chunks, marks, read_only, read_only_rows, utc_now

PATTERNS_CSV = Path(__file__).resolve().parents[1] / "data" / "ats_patterns.csv"

#: A board that answered 404 this many crawls in a row becomes ``inactive``.
INACTIVE_AFTER_404S = 3
STATUSES = ("active", "inactive", "disabled")
#: Posting columns that carry links.
LINK_COLUMNS = ("url", "apply_url", "description_html")
#: One board a posting links to: (ats, board, posting id).
Found = tuple[str, str, int]
#: Sites shorten long link texts ("https://jobs.lever.co/acm...", Hacker News does); the href has it whole.
TRUNCATED = re.compile(r"[\w.%-]*(?:\.\.\.|\u2026)")


def v7_boards(db: sqlite_utils.Database) -> None:
    """Schema: ``boards``, one row per ATS board found in a posting or added by hand."""
    db.execute(
        """CREATE TABLE boards (
            ats TEXT NOT NULL,
            board TEXT NOT NULL COLLATE NOCASE,
            first_seen TEXT NOT NULL,
            found_in_posting INTEGER,
            status TEXT NOT NULL DEFAULT 'active',
            reason TEXT,
            consecutive_404s INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (ats, board)
        )"""
    )
    db.execute("CREATE INDEX boards_status ON boards (ats, status)")


@dataclass(frozen=True)
class BoardPattern:
    ats: str
    regex: re.Pattern[str]
    board: str  # a str.format template over the regex's named groups
    not_boards: frozenset[str]
    needle: str  # lower-case text in every match: most texts lack it, and the regex need not run

    def boards_in(self, text: str, lowered: str | None = None) -> Iterator[str]:
        """The boards named in ``text`` (``lowered``: ``text.lower()``, when the caller has it)."""
        if self.needle not in (text.lower() if lowered is None else lowered):
            return
        for match in self.regex.finditer(text):
            if TRUNCATED.match(text, match.end()):  # display text cut short ("jobs.lever.co/acm..."): not a board
                continue
            groups = {k: v for k, v in match.groupdict().items() if v is not None}
            if any(value.lower() in self.not_boards for value in groups.values()):
                continue
            yield self.board.format(**groups)


@cache
def load_patterns(path: Path = PATTERNS_CSV) -> tuple[BoardPattern, ...]:
    """The pattern table, compiled once (case-insensitive: hosts and paths are written either way)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    return tuple(
        BoardPattern(
            ats=row["ats"].strip(),
            regex=re.compile(row["regex"].strip(), re.IGNORECASE),
            board=row["board"].strip(),
            not_boards=frozenset(word.lower() for word in row["not_boards"].split()),
            needle=row["needle"].strip().lower(),
        )
        for row in rows
    )


def find_boards(texts: Iterable[str | None], patterns: Sequence[BoardPattern] | None = None) -> list[tuple[str, str]]:
    """Every (ats, board) whose address occurs in the texts, in order of first appearance.

    Texts are HTML-unescaped first: descriptions write ``https:&#x2F;&#x2F;jobs.lever.co``.
    Host-based boards are lower-cased (DNS names); path boards keep their case, and two
    spellings of one board count once.
    """
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for text in texts:
        if not text:
            continue
        plain = html.unescape(text)
        lowered = plain.lower()
        for pattern in patterns or load_patterns():
            if pattern.needle not in lowered:  # (most patterns, most texts: skipped before a generator is made)
                continue
            for board in pattern.boards_in(plain, lowered):
                found.setdefault((pattern.ats, board.lower()), (pattern.ats, board))
    return list(found.values())


def patterns_fingerprint(path: Path = PATTERNS_CSV) -> str:
    """Digest of the pattern table: a changed table means every posting must be read again."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def run_selection(db: sqlite_utils.Database, source: str, run_id: int) -> tuple[str, list[Any], bool]:
    """The postings board discovery reads after a run of ``source``: (SQL after ``FROM
    postings``, its parameters, whether the pattern table changed since this spider's postings
    were last read -- then every posting the run saw, and the caller records the new table with
    :func:`record_patterns` -- else only those whose content the run wrote: new or changed, or
    stored before content_run_id existed)."""
    known = db.execute("SELECT patterns FROM board_discovery WHERE source = ?", [source]).fetchone()
    if known is not None and known[0] == patterns_fingerprint():
        where = "WHERE source = ? AND last_run_id = ? AND (content_run_id = ? OR content_run_id IS NULL)"
        return where, [source, run_id, run_id], False
    return "WHERE source = ? AND last_run_id = ?", [source, run_id], True


def record_patterns(db: sqlite_utils.Database, source: str) -> None:
    """This spider's postings have been read with the current pattern table."""
    db.execute(
        "INSERT OR REPLACE INTO board_discovery (source, patterns) VALUES (?, ?)", [source, patterns_fingerprint()]
    )


def discover_boards_of_run(db: sqlite_utils.Database, source: str, run_id: int) -> int:
    """Boards linked from the postings a run of ``source`` saw (:func:`run_selection`); returns
    how many were new."""
    where, params, patterns_changed = run_selection(db, source, run_id)
    new = discover_boards(db, where, params)
    if patterns_changed:
        record_patterns(db, source)
    return new


def scan_boards(conn: sqlite3.Connection, where: str = "", params: Sequence[Any] = ()) -> Iterator[list[Found]]:
    """The boards the postings selected by ``where`` link to, a page of postings at a time:
    (ats, board, posting id), in posting id order."""
    columns = ", ".join(LINK_COLUMNS)
    ids = [int(r[0]) for r in conn.execute(f"SELECT id FROM postings {where} ORDER BY id", list(params))]
    # a page of descriptions at a time: a first crawl's are hundreds of MB together
    for part in chunks(ids):
        rows = conn.execute(f"SELECT id, {columns} FROM postings WHERE id IN ({marks(part)}) ORDER BY id", list(part))
        yield [(ats, board, posting_id) for posting_id, *texts in rows for ats, board in find_boards(texts)]


def discover_boards(db: sqlite_utils.Database, where: str = "", params: Sequence[Any] = ()) -> int:
    """Scan the postings selected by ``where`` (SQL after ``FROM postings``, with parameters) and
    store the boards they link to; returns how many boards were new."""
    return _store_finds(db, scan_boards(db.conn, where, params))


def _store_finds(db: sqlite_utils.Database, pages: Iterable[Sequence[Found]]) -> int:
    """Store a scan's finds in order (``INSERT OR IGNORE``: the first posting that named a board
    stays its ``found_in_posting``); returns how many boards were new."""
    now = utc_now()
    before = db.execute("SELECT count(*) FROM boards").fetchone()[0]
    for found in pages:
        db.conn.executemany(
            "INSERT OR IGNORE INTO boards (ats, board, first_seen, found_in_posting) VALUES (?, ?, ?, ?)",
            [(ats, board, now, posting_id) for ats, board, posting_id in found],
        )
    return int(db.execute("SELECT count(*) FROM boards").fetchone()[0]) - int(before)


def scan_to_file(db_path: str, where: str, params: Sequence[Any], out: str) -> None:
    """:func:`scan_boards` on a read-only connection, its finds written in order to a new SQLite
    file ``out`` (table ``found``): run in another process while the crawl process places
    postings into listings, then added with :func:`add_scanned`."""
    source = read_only(db_path)
    target = sqlite3.connect(out, isolation_level=None)
    try:
        target.execute("CREATE TABLE found (ats TEXT, board TEXT, posting_id INTEGER)")
        target.execute("BEGIN")
        for found in scan_boards(source, where, params):
            target.executemany("INSERT INTO found (ats, board, posting_id) VALUES (?, ?, ?)", found)
        target.execute("COMMIT")
    finally:
        source.close()
        target.close()


def add_scanned(db: sqlite_utils.Database, scanned: str) -> int:
    """The boards :func:`scan_to_file` found, stored as :func:`discover_boards` stores its own
    (in the scan's order: the first posting that named a board stays its ``found_in_posting``);
    returns how many boards were new. Read a page at a time (memory stays flat)."""
    finds = read_only(scanned)
    try:
        rows = finds.execute("SELECT ats, board, posting_id FROM found ORDER BY rowid")
        return _store_finds(db, iter(lambda: rows.fetchmany(CHUNK), []))
    finally:
        finds.close()


def active_boards(db_path: str | Path, ats: str) -> list[str]:
    """The active boards of one ATS, read-only; [] when the database or the table does not exist."""
    rows = read_only_rows(
        db_path, "SELECT board FROM boards WHERE ats = ? AND status = 'active' ORDER BY first_seen, board", [ats]
    )
    return [str(row[0]) for row in rows]


def add_board(db: sqlite_utils.Database, ats: str, board: str, reason: str = "added by hand") -> bool:
    """Add (or re-activate) a board by hand; True when it was new."""
    existing = db.execute("SELECT status FROM boards WHERE ats = ? AND board = ?", [ats, board]).fetchone()
    if existing is None:
        db.execute(
            "INSERT INTO boards (ats, board, first_seen, status, reason) VALUES (?, ?, ?, 'active', ?)",
            [ats, board, utc_now(), reason],
        )
        return True
    set_status(db, ats, board, "active", reason)
    return False


def set_status(db: sqlite_utils.Database, ats: str, board: str, status: str, reason: str | None) -> bool:
    """Change one board's status (``disabled`` by an operator is never undone by a crawl)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    cursor = db.execute(
        "UPDATE boards SET status = ?, reason = ?, consecutive_404s = 0 WHERE ats = ? AND board = ?",
        [status, reason, ats, board],
    )
    return bool(cursor.rowcount)


def record_board_health(
    db: sqlite_utils.Database, ats: str, not_found: Iterable[str], crawled_all_active: bool
) -> list[str]:
    """After a crawl of ``ats``: count a 404 for every board that answered one, mark a board
    ``inactive`` at :data:`INACTIVE_AFTER_404S` in a row, and (when the crawl covered every
    active board) reset the count of the boards that answered. Returns the boards made inactive."""
    missing = sorted(set(not_found))
    for part in chunks(missing):
        db.execute(
            f"UPDATE boards SET consecutive_404s = consecutive_404s + 1 WHERE ats = ? AND board IN ({marks(part)})",
            [ats, *part],
        )
    if crawled_all_active:  # every active board was asked: those that answered start again from 0
        answered = "AND board NOT IN (SELECT value FROM json_each(?))"
        db.execute(
            f"UPDATE boards SET consecutive_404s = 0 WHERE ats = ? AND status = 'active' {answered}",
            [ats, json.dumps(missing)],
        )
    reason = f"answered 404 in {INACTIVE_AFTER_404S} consecutive crawls (last {utc_now()})"
    gone = [
        str(row[0])
        for row in db.execute(
            "SELECT board FROM boards WHERE ats = ? AND status = 'active' AND consecutive_404s >= ?",
            [ats, INACTIVE_AFTER_404S],
        ).fetchall()
    ]
    for board in gone:
        db.execute(
            "UPDATE boards SET status = 'inactive', reason = ? WHERE ats = ? AND board = ?", [reason, ats, board]
        )
    return gone


def board_counts(db: sqlite_utils.Database) -> list[Mapping[str, Any]]:
    """Per ATS: boards by status."""
    rows = db.execute(
        "SELECT ats, sum(status = 'active'), sum(status = 'inactive'), sum(status = 'disabled'), count(*) "
        "FROM boards GROUP BY ats ORDER BY ats"
    ).fetchall()
    keys = ("ats", "active", "inactive", "disabled", "total")
    return [dict(zip(keys, row, strict=True)) for row in rows]

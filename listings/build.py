"""Listings in SQLite: keys stored in ``posting_keys``, postings placed by the matcher,
``listings`` rows materialised from their postings, full rebuilds.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from crawler.scope import PlatformFacts
from db.posting_tables import FIELDS_TABLE
from db.util import chunks, utc_now
from listings.keys import DEFAULT_DESC_THRESHOLD, DEFAULT_WINDOW_DAYS
from listings.matcher import (
    KEY_COLUMNS,
    KEY_TABLE_COLUMNS,
    Candidate,
    Decision,
    Matcher,
    Override,
    candidate_from_keys,
    candidate_from_row,
    key_row,
    key_source_sql,
    key_version,
    process_order,
)

logger = logging.getLogger(__name__)

#: ``progress(phase, done, total)``: how a long rebuild reports; no UI here, the CLI draws it.
Progress = Callable[[str, int, int], None]
#: Placing postings reports every this many postings.
PROGRESS_EVERY = 2000


def _load_overrides(db: sqlite_utils.Database) -> dict[int, Override]:
    overrides: dict[int, Override] = {}
    for pid, listing_id, action, reason, target in db.execute(
        "SELECT o.posting_id, o.listing_id, o.action, o.reason, "
        "COALESCE(o.target_posting_id, l.canonical_posting_id) "
        "FROM listing_overrides o LEFT JOIN listings l ON l.id = o.listing_id ORDER BY o.id"
    ):
        overrides[int(pid)] = Override(str(action or ("merge" if listing_id else "split")), target, listing_id, reason)
    return overrides


def _describer(db: sqlite_utils.Database) -> Callable[[int], str | None]:
    def describe(posting_id: int) -> str | None:
        row = db.execute(
            "SELECT COALESCE(description_text, description_html) FROM postings WHERE id = ?", [posting_id]
        ).fetchone()
        return row[0] if row else None

    return describe


def _computed_rows(
    db: sqlite_utils.Database, facts: PlatformFacts, where: str = "", params: Sequence[Any] = ()
) -> Iterator[tuple[Candidate, tuple[Any, ...]]]:
    """Candidates computed from full ``postings`` rows, with their ``posting_keys`` row."""
    columns, column_params = key_source_sql(facts)
    cursor = db.conn.execute(f"SELECT {columns} FROM postings {where}", [*column_params, *params])
    while rows := cursor.fetchmany(2000):
        for row in rows:
            c = candidate_from_row(row, facts)
            yield c, key_row(c, row, facts)


def _computed_by_id(
    db: sqlite_utils.Database, ids: Sequence[int], facts: PlatformFacts
) -> Iterator[tuple[Candidate, tuple[Any, ...]]]:
    for chunk in chunks(sorted(ids)):
        yield from _computed_rows(db, facts, f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)


def _key_candidates(
    db: sqlite_utils.Database, facts: PlatformFacts, where: str = "", params: Sequence[Any] = ()
) -> Iterator[Candidate]:
    """Candidates read from ``posting_keys`` (current ``key_version`` only)."""
    cursor = db.conn.execute(
        f"SELECT {KEY_COLUMNS} FROM posting_keys WHERE version = ? {where}", [key_version(facts), *params]
    )
    while rows := cursor.fetchmany(5000):
        for row in rows:
            yield candidate_from_keys(row, facts)


def _stale_ids(db: sqlite_utils.Database, facts: PlatformFacts) -> list[int]:
    """Postings without a current ``posting_keys`` row (new, edited, or keys of older rules)."""
    current = db.execute("SELECT COUNT(*) FROM posting_keys WHERE version = ?", [key_version(facts)]).fetchone()[0]
    # (counted on the fields table: a count over the postings view reads each posting's texts row)
    if current == db.execute(f"SELECT COUNT(*) FROM {FIELDS_TABLE}").fetchone()[0]:
        return []  # a key row exists only for an existing posting (a trigger deletes it with the posting)
    return [
        int(r[0])
        for r in db.execute(
            "SELECT id FROM postings WHERE id NOT IN (SELECT posting_id FROM posting_keys WHERE version = ?)",
            [key_version(facts)],
        )
    ]


def _write_keys(db: sqlite_utils.Database, rows: Iterable[tuple[Any, ...]]) -> None:
    marks = ",".join("?" * len(KEY_TABLE_COLUMNS.split(",")))
    db.conn.executemany(f"INSERT OR REPLACE INTO posting_keys ({KEY_TABLE_COLUMNS}) VALUES ({marks})", rows)


def _write_refs(db: sqlite_utils.Database, candidates: Sequence[Candidate]) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO posting_refs (posting_id, ref_key) VALUES (?, ?)",
        ((c.id, ref) for c in candidates for ref in c.refs),
    )


class IdSet:
    """A compact set of posting ids (one byte per id up to the largest)."""

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, posting_id: int) -> None:
        if posting_id >= len(self.bits):
            self.bits.extend(bytes(max(posting_id + 1 - len(self.bits), len(self.bits))))
        self.bits[posting_id] = 1

    def __contains__(self, posting_id: object) -> bool:
        return isinstance(posting_id, int) and 0 <= posting_id < len(self.bits) and self.bits[posting_id] == 1


def refresh_keys(
    db: sqlite_utils.Database,
    facts: PlatformFacts,
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> IdSet:
    """(Re)compute ``posting_keys`` rows (and refs) of ``ids`` -- default: every posting without a
    current row -- keeping their listing; returns the ids. In chunks, so memory stays flat.
    Used by ``rebuild``, for stale rows of listings being built, and by the v4 migration."""
    todo = _stale_ids(db, facts) if ids is None else list(ids)
    done = IdSet()
    finished = 0
    for chunk in chunks(todo, 5000):
        computed = list(_computed_by_id(db, chunk, facts))
        _delete_refs_of(db, [c.id for c, _ in computed])
        _write_refs(db, [c for c, _ in computed])
        _write_keys(db, (row for _, row in computed))
        for c, _ in computed:
            done.add(c.id)
        finished += len(chunk)
        if progress is not None:
            progress("keys", finished, len(todo))
    return done


def _delete_refs_of(db: sqlite_utils.Database, ids: Sequence[int]) -> None:
    db.conn.executemany("DELETE FROM posting_refs WHERE posting_id = ?", ((i,) for i in ids))


def _write_decisions(
    db: sqlite_utils.Database,
    placed: Sequence[tuple[Candidate, Decision]],
    decided_at: str,
    fresh: Container[int],
    *,
    all_matches: bool = False,
) -> None:
    """Store placements and decisions. ``postings`` rows get the keys of ``fresh`` postings (whose
    ``posting_keys`` rows were just written) and a changed ``listing_id``; the other (wide) rows
    are not rewritten. A trigger copies ``listing_id`` into ``posting_keys``.
    """
    db.conn.executemany(
        f"UPDATE {FIELDS_TABLE} SET listing_id = ?, dedupe_ats_key = ?, dedupe_ats_group = ?, dedupe_apply_key = ?, "
        "dedupe_title_key = ?, dedupe_sig = ?, company_norm = COALESCE(?, company_norm) WHERE id = ?",
        (
            (d.listing_id, c.ats_key, c.ats_group, c.apply_key, c.title_key, c.signature(), c.company_norm, c.id)
            for c, d in sorted(((c, d) for c, d in placed if c.id in fresh), key=lambda cd: cd[0].id)
        ),
    )
    db.conn.executemany(
        f"UPDATE {FIELDS_TABLE} SET listing_id = ? WHERE id = ?",
        sorted((d.listing_id, c.id) for c, d in placed if c.id not in fresh and d.listing_id != c.prev_listing_id),
    )
    if all_matches:
        return
    db.conn.executemany("DELETE FROM listing_matches WHERE posting_id = ?", ((d.posting_id,) for _, d in placed))
    db.conn.executemany(_INSERT_MATCH, sorted(_match_row(d, decided_at) for _, d in placed))


_INSERT_MATCH = (
    "INSERT INTO listing_matches (posting_id, listing_id, rule, score, decided_at, detail, "
    "matched_posting_id, repost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _match_row(d: Decision, decided_at: str) -> tuple[Any, ...]:
    detail = json.dumps(d.detail, separators=(",", ":")) if d.detail else None
    return (d.posting_id, d.listing_id, d.rule, d.score, decided_at, detail, d.matched_posting_id, int(d.repost))


def _sync_matches(db: sqlite_utils.Database, placed: Sequence[tuple[Candidate, Decision]], decided_at: str) -> set[int]:
    """Rebuild: make ``listing_matches`` hold exactly ``placed``'s decisions, rewriting only the
    ones that differ (an unchanged decision keeps its ``decided_at``). Returns the listings whose
    decisions changed (before and after)."""
    decisions = sorted((d for _, d in placed), key=lambda d: d.posting_id)
    stored = db.conn.execute(
        "SELECT posting_id, listing_id, rule, score, detail, matched_posting_id, repost, id FROM listing_matches "
        "ORDER BY posting_id, id"
    )
    stale_rows: list[tuple[int]] = []
    new_rows: list[tuple[Any, ...]] = []
    affected: set[int] = set()
    old = stored.fetchone()
    for d in decisions:
        row = _match_row(d, decided_at)
        same = False
        while old is not None and old[0] <= d.posting_id:
            if old[0] == d.posting_id and not same and old[1:7] == (*row[1:4], *row[5:8]):
                same = True  # the first stored row of the posting is this decision
            else:
                stale_rows.append((old[7],))
                if old[1] is not None:
                    affected.add(int(old[1]))
            old = stored.fetchone()
        if not same:
            new_rows.append(row)
            affected.add(d.listing_id)
    while old is not None:  # decisions of postings no longer there
        stale_rows.append((old[7],))
        if old[1] is not None:
            affected.add(int(old[1]))
        old = stored.fetchone()
    if len(new_rows) > len(decisions) // 4:  # most changed: one bulk rewrite is faster
        db.execute("DELETE FROM listing_matches")
        with _indexes_dropped(db, "listing_matches"):
            db.conn.executemany(_INSERT_MATCH, (_match_row(d, decided_at) for d in decisions))
    else:
        db.conn.executemany("DELETE FROM listing_matches WHERE id = ?", stale_rows)
        db.conn.executemany(_INSERT_MATCH, new_rows)
    return affected


def _drifted_listings(db: sqlite_utils.Database) -> set[int]:
    """Listings whose stored row disagrees with their postings' count and lifecycle times, is
    missing, or has no posting left (the after-run hook keeps these current; this catches the rest)."""
    drifted = {
        int(r[0])
        for r in db.execute(
            "SELECT g.listing_id FROM (SELECT listing_id, COUNT(*) AS n, MIN(first_seen_at) AS f, "
            "MAX(last_seen_at) AS l, CASE WHEN SUM(closed_at IS NULL) > 0 THEN NULL ELSE MAX(closed_at) END AS c "
            "FROM posting_keys NOT INDEXED WHERE listing_id IS NOT NULL GROUP BY listing_id) g "
            "LEFT JOIN listings l ON l.id = g.listing_id WHERE l.id IS NULL OR l.postings_count IS NOT g.n "
            "OR l.first_seen_at IS NOT g.f OR l.last_seen_at IS NOT g.l OR l.closed_at IS NOT g.c"
        )
    }
    drifted.update(
        int(r[0])
        for r in db.execute(
            "SELECT id FROM listings WHERE id NOT IN (SELECT listing_id FROM posting_keys WHERE listing_id IS NOT NULL)"
        )
    )
    return drifted


@contextlib.contextmanager
def _indexes_dropped(db: sqlite_utils.Database, table: str) -> Iterator[None]:
    """Drop ``table``'s indexes while it is refilled in bulk, then recreate them as they were
    (one sort per index instead of a b-tree insert per row). Inside the caller's transaction."""
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table]
    ).fetchall()
    for name, _sql in indexes:
        db.execute(f"DROP INDEX [{name}]")
    yield
    for _name, sql in indexes:
        db.execute(sql)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Cyclic GC off while millions of long-lived objects are built (it would rescan them all,
    again and again); nothing built here forms cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: Sort key of a listing's postings as its canonical record, as text (smallest first): rank
#: (``key_source_sql``'s rank, plus one for a posting date) descending, then earliest seen, then id.
_ORDER_KEY = (
    "printf('%03d', 999 - k.rank - (k.posted_at IS NOT NULL)) || COALESCE(k.first_seen_at, '') "
    "|| printf('%012d', k.posting_id)"
)


def materialise_listings(
    db: sqlite_utils.Database, facts: PlatformFacts, listing_ids: Iterable[int] | None = None
) -> int:
    """(Re)write ``listings`` rows from their postings; all of them when ``listing_ids`` is None.

    Built from the narrow ``posting_keys`` rows alone (rank, times, canonical fields, apply URLs)
    in one pass grouped by listing: the multi-kilobyte ``postings`` rows are not read.
    """
    db.execute("DROP TABLE IF EXISTS temp.dedupe_scope")
    if listing_ids is None:
        db.execute("DELETE FROM listings")
        scope = "k.listing_id IS NOT NULL"
        bulk: contextlib.AbstractContextManager[None] = _indexes_dropped(db, "listings")
    else:
        db.execute("CREATE TEMP TABLE dedupe_scope (id INTEGER PRIMARY KEY)")
        db.conn.executemany("INSERT OR IGNORE INTO temp.dedupe_scope VALUES (?)", ((i,) for i in listing_ids))
        stale = [
            int(r[0])
            for r in db.execute(
                "SELECT posting_id FROM posting_keys WHERE listing_id IN (SELECT id FROM temp.dedupe_scope) "
                "AND version IS NOT ?",
                [key_version(facts)],
            )
        ]
        if stale:
            refresh_keys(db, facts, stale)
        db.execute("DELETE FROM listings WHERE id IN (SELECT id FROM temp.dedupe_scope)")
        scope = "k.listing_id IN (SELECT id FROM temp.dedupe_scope)"
        bulk = contextlib.nullcontext()
    db.execute("DROP TABLE IF EXISTS temp.dedupe_agg")
    # per listing: canonical posting, salary posting (the best ranked with a salary), lifecycle, apply URLs
    db.execute(
        f"CREATE TEMP TABLE dedupe_agg AS SELECT k.listing_id AS listing_id, "
        f"CAST(substr(MIN({_ORDER_KEY}), -12) AS INTEGER) AS canonical, "
        f"CAST(substr(MIN(CASE WHEN k.has_salary THEN {_ORDER_KEY} END), -12) AS INTEGER) AS sal, "
        f"COUNT(*) AS n, MIN(k.first_seen_at) AS first_seen_at, MAX(k.last_seen_at) AS last_seen_at, "
        f"CASE WHEN SUM(k.closed_at IS NULL) > 0 THEN NULL ELSE MAX(k.closed_at) END AS closed_at, "
        f"json_group_array(json_object('source', k.source, 'url', k.apply_at)) AS apply_urls "
        f"FROM posting_keys k {'NOT INDEXED ' if listing_ids is None else ''}WHERE {scope} GROUP BY k.listing_id"
    )
    union = (
        "(SELECT json_group_array(value) FROM (SELECT DISTINCT j.value FROM posting_keys q, json_each(q.{0}) j "
        "WHERE q.listing_id = a.listing_id ORDER BY 1))"
    )
    with bulk:
        db.execute(
            "INSERT INTO listings (id, title, company, company_norm, category, role, seniority, workplace, worldwide, "
            "countries, regions, salary_usd_min, salary_usd_max, salary_estimate, salary_source, canonical_posting_id, "
            "first_seen_at, last_seen_at, closed_at, times_reposted, postings_count, apply_urls) "
            "SELECT a.listing_id, p.title, p.company, p.company_norm, p.category, p.role, p.seniority, p.workplace, "
            f"p.worldwide, CASE WHEN a.n > 1 THEN {union.format('countries')} ELSE p.countries END, "
            f"CASE WHEN a.n > 1 THEN {union.format('regions')} ELSE p.regions END, "
            "s.salary_usd_min, s.salary_usd_max, s.salary_estimate, s.salary_source, a.canonical, "
            "a.first_seen_at, a.last_seen_at, a.closed_at, "
            "COALESCE((SELECT SUM(repost) FROM listing_matches m WHERE m.listing_id = a.listing_id), 0), "
            "a.n, a.apply_urls "
            "FROM dedupe_agg a JOIN posting_keys p ON p.posting_id = a.canonical "
            "LEFT JOIN posting_keys s ON s.posting_id = a.sal"
        )
    count = int(db.execute("SELECT COUNT(*) FROM dedupe_agg").fetchone()[0])
    for table in ("dedupe_agg", "dedupe_scope"):
        db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return count


@dataclass
class DedupeResult:
    postings: int = 0
    listings: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    reposts: int = 0

    def add(self, decision: Decision) -> None:
        self.postings += 1
        self.rules[decision.rule] = self.rules.get(decision.rule, 0) + 1
        self.reposts += int(decision.repost)


def rebuild(
    db: sqlite_utils.Database,
    *,
    facts: PlatformFacts,
    window_days: float = DEFAULT_WINDOW_DAYS,
    desc_threshold: float = DEFAULT_DESC_THRESHOLD,
    now: str | None = None,
    recompute_keys: bool = False,
    progress: Progress | None = None,
) -> DedupeResult:
    """Recompute every listing from postings (after a rule change), keeping listing ids where possible.

    Keys come from ``posting_keys``; only postings without a current row (new, edited since,
    or computed under older rules -- ``key_version``) are read in full, or all of them with
    ``recompute_keys``. Every posting is placed again; what is written is what changed: wide
    ``postings`` rows whose listing changed, decisions that differ, and the listings touched by
    either, by a recomputed posting, or whose stored row disagrees with its postings.
    ``progress(phase, done, total)``, if given, is called as work advances (phases ``keys``,
    ``placing``, ``writing``), so a caller can show counts and an ETA.
    """
    decided_at = now or utc_now()
    result = DedupeResult()
    cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute("PRAGMA cache_size = -65536")  # 64 MB of pages
    try:
        with db.atomic(), _no_gc():
            db.execute(
                "UPDATE listing_overrides SET target_posting_id = (SELECT canonical_posting_id FROM listings l "
                "WHERE l.id = listing_overrides.listing_id) WHERE target_posting_id IS NULL AND listing_id IS NOT NULL"
            )
            overrides = _load_overrides(db)
            if recompute_keys:
                db.execute("UPDATE posting_keys SET version = NULL")
            fresh = refresh_keys(db, facts, progress=progress)
            candidates = list(_key_candidates(db, facts))
            candidates.sort(key=process_order)
            matcher = Matcher(window_days=window_days, desc_threshold=desc_threshold, description=_describer(db),
                              overrides=overrides)  # fmt: skip
            matcher.next_id = 1 + max((c.old_listing_id or 0 for c in candidates), default=0)
            placed = []
            for done, c in enumerate(candidates, 1):
                decision = matcher.place(c)
                placed.append((c, decision))
                result.add(decision)
                if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(candidates)):
                    progress("placing", done, len(candidates))
            if progress is not None:
                progress("writing", 0, 1)
            del candidates
            _apply_merge_overrides(matcher, placed)
            del matcher
            _write_decisions(db, placed, decided_at, fresh, all_matches=True)
            affected = _sync_matches(db, placed, decided_at)
            affected.update(d.listing_id for c, d in placed if c.id in fresh)
            affected.update(c.prev_listing_id for c, _ in placed if c.id in fresh and c.prev_listing_id is not None)
            del placed
            affected |= _drifted_listings(db)
            total = int(db.execute("SELECT COUNT(*) FROM listings").fetchone()[0])
            if len(affected) > total // 4:
                result.listings = materialise_listings(db, facts)
            else:  # the other listings' postings, decisions and times are unchanged
                materialise_listings(db, facts, affected)
                result.listings = int(db.execute("SELECT COUNT(*) FROM listings").fetchone()[0])
            if progress is not None:
                progress("writing", 1, 1)
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache_size)}")
    return result


def _apply_merge_overrides(matcher: Matcher, placed: list[tuple[Candidate, Decision]]) -> None:
    """A merge override whose target was placed after the posting: move it now."""
    if not matcher.overrides:
        return
    for c, decision in placed:
        override = matcher.overrides.get(c.id)
        if override is None or override.action != "merge" or decision.rule == "override_merge":
            continue
        target = matcher.by_id.get(override.target_posting_id) if override.target_posting_id else None
        if target is not None and target.listing_id is not None:
            c.listing_id = decision.listing_id = target.listing_id
            decision.rule, decision.score, decision.matched_posting_id = "override_merge", 1.0, target.id
            decision.detail = {"reason": override.reason}


def fill_placeholder_keys(db: sqlite_utils.Database, facts: PlatformFacts) -> int:
    """Compute the ``posting_keys`` rows the v4 migration left as placeholders (postings placed
    before the table existed); cheap when there are none (a partial index finds them)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'posting_keys_unfilled'").fetchone():
        return 0  # a database that reached v4 before placeholders existed has every row filled
    ids = [
        int(r[0])
        for r in db.execute("SELECT posting_id FROM posting_keys INDEXED BY posting_keys_unfilled WHERE source IS NULL")
    ]
    if ids:
        refresh_keys(db, facts, ids)
    return len(ids)


def dedupe_postings(
    db: sqlite_utils.Database,
    where: str,
    params: Sequence[Any] = (),
    *,
    facts: PlatformFacts,
    window_days: float = DEFAULT_WINDOW_DAYS,
    desc_threshold: float = DEFAULT_DESC_THRESHOLD,
    now: str | None = None,
    force: bool = False,
) -> DedupeResult:
    """Place the postings selected by ``where`` (new or changed ones) into listings, incrementally.

    A selected posting that is placed and has current keys is unchanged and skipped. Only the
    blocks the others can match are loaded (from ``posting_keys``): postings sharing their
    company, ATS ids, requisitions, apply URLs or mentioned ATS ids.
    """
    decided_at = now or utc_now()
    result = DedupeResult()
    with db.atomic(), _no_gc():
        fill_placeholder_keys(db, facts)
        ids = [int(r[0]) for r in db.execute(f"SELECT id FROM postings {where}", list(params))]
        if not force:
            current: set[int] = set()
            for chunk in chunks(ids):
                current.update(
                    int(r[0])
                    for r in db.execute(
                        f"SELECT posting_id FROM posting_keys WHERE posting_id IN ({','.join('?' * len(chunk))}) "
                        "AND version = ? AND listing_id IS NOT NULL",
                        [*chunk, key_version(facts)],
                    )
                )
            ids = [i for i in ids if i not in current]
        selected: list[Candidate] = []
        rows: list[tuple[Any, ...]] = []
        for c, row in _computed_by_id(db, ids, facts):
            rows.append(row)
            if force or c.old_listing_id is None or c.signature() != c.stored_sig:
                selected.append(c)  # else: same keys as when it was placed, only its key row is refreshed
        _write_keys(db, rows)
        del rows  # written: placement needs only the candidates (a first crawl's are all of them)
        _delete_refs_of(db, [c.id for c in selected])
        _write_refs(db, selected)
        if not selected:
            return result
        selected_ids = {c.id for c in selected}
        overrides = _load_overrides(db)
        next_id = int(db.execute("SELECT COALESCE(MAX(listing_id), 0) FROM postings").fetchone()[0]) + 1
        next_id = max(next_id, int(db.execute("SELECT COALESCE(MAX(id), 0) FROM listings").fetchone()[0]) + 1)
        matcher = Matcher(window_days=window_days, desc_threshold=desc_threshold, description=_describer(db),
                          next_listing_id=next_id, overrides=overrides)  # fmt: skip
        taken = {int(r[0]) for r in db.execute("SELECT DISTINCT listing_id FROM postings WHERE listing_id IS NOT NULL")}
        for c in _context(db, selected, selected_ids, facts):
            c.listing_id = c.old_listing_id
            matcher.add(c)
        matcher.reserved_ids |= taken
        affected: set[int] = {c.old_listing_id for c in selected if c.old_listing_id is not None}
        placed = []
        for c in sorted(selected, key=process_order):
            keep = c.old_listing_id
            c.old_listing_id = None  # a re-matched posting does not keep its listing id by default
            decision = matcher.place(c)
            if decision.rule == "new" and keep is not None and not _others_in(db, keep, selected_ids):
                # it was alone in its listing: keep the id stable
                matcher.reserved_ids.discard(decision.listing_id)
                c.listing_id = decision.listing_id = keep
            placed.append((c, decision))
            affected.add(decision.listing_id)
            result.add(decision)
        _apply_merge_overrides(matcher, placed)
        affected |= {d.listing_id for _, d in placed}
        _write_decisions(db, placed, decided_at, selected_ids)
        result.listings = materialise_listings(db, facts, affected)
    return result


def _others_in(db: sqlite_utils.Database, listing_id: int, excluded: set[int]) -> bool:
    return any(
        int(r[0]) not in excluded for r in db.execute("SELECT id FROM postings WHERE listing_id = ?", [listing_id])
    )


def _context(
    db: sqlite_utils.Database, selected: Sequence[Candidate], selected_ids: set[int], facts: PlatformFacts
) -> Iterator[Candidate]:
    """Already placed postings that share a blocking key with the selected ones (from ``posting_keys``;
    a posting whose keys are not current is recomputed from its row)."""
    companies = sorted({c.company_norm for c in selected if c.company_norm})
    keys = sorted({k for c in selected for k in (c.ats_key, *c.refs) if k})
    groups = sorted({c.ats_group for c in selected if c.ats_group})
    applies = sorted({c.apply_key for c in selected if c.apply_key})
    found: set[int] = set(selected_ids)
    ids: list[int] = []
    queries: list[tuple[str, Sequence[str]]] = [
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND company_norm IN ({})", companies),
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND ats_key IN ({})", keys),
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND ats_group IN ({})", groups),
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND apply_key IN ({})", applies),
        ("SELECT posting_id FROM posting_refs WHERE ref_key IN ({})", keys),
    ]
    for sql, values in queries:
        for key_chunk in chunks(values):
            for (pid,) in db.execute(sql.format(",".join("?" * len(key_chunk))), list(key_chunk)):
                if pid not in found:
                    found.add(pid)
                    ids.append(int(pid))
    current: set[int] = set()
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        for c in _key_candidates(db, facts, f"AND listing_id IS NOT NULL AND posting_id IN ({marks})", chunk):
            current.add(c.id)
            yield c
    stale = [i for i in ids if i not in current]
    if stale:
        fresh = [(c, row) for c, row in _computed_by_id(db, stale, facts) if c.old_listing_id is not None]
        _write_keys(db, (row for _, row in fresh))
        yield from (c for c, _ in fresh)

"""Schema version 2: listings, match decisions, overrides, lifecycle bookkeeping.

Kept apart from :mod:`pipelines.dedupe` so that :mod:`pipelines.schema` can import it
without an import cycle. Tables and columns (other modules build on these names):

- ``listings``: one row per real-world job (canonical fields, lifecycle, apply sources).
- ``postings``: ``listing_id`` plus the matching keys the deduper computed
  (``dedupe_title_key``, ``dedupe_ats_key``, ``dedupe_ats_group``, ``dedupe_apply_key``,
  ``dedupe_sig``), so incremental runs look candidates up by index.
- ``posting_refs``: ATS job ids a posting only *mentions* (a Hacker News comment linking
  three Greenhouse jobs); such a posting joins at most one of them.
- ``listing_matches``: every decision (posting, listing, rule, score, decided_at, detail).
- ``listing_overrides``: analyst decisions the matcher respects.
- ``posting_events``: closed / reopened events per posting and crawl run.
- ``crawl_runs``: ``closed_postings``, ``reopened_postings``, ``lifecycle_note``, ``lifecycle_clean``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils


def v2_listings(db: sqlite_utils.Database) -> None:
    db.table("listings").create(
        {
            "id": int,
            "title": str,
            "company": str,
            "company_norm": str,
            "category": str,
            "role": str,
            "seniority": str,
            "workplace": str,
            "worldwide": int,
            "countries": str,  # JSON list
            "regions": str,  # JSON list
            "salary_usd_min": float,
            "salary_usd_max": float,
            "salary_estimate": int,
            "salary_source": str,
            "canonical_posting_id": int,
            "first_seen_at": str,
            "last_seen_at": str,
            "closed_at": str,  # NULL = open
            "times_reposted": int,
            "postings_count": int,
            "apply_urls": str,  # JSON list of {"source", "url"}
        },
        pk="id",
    )
    db.table("listings").create_index(["company_norm"])
    db.table("listings").create_index(["closed_at"])
    for column in ("listing_id", "dedupe_ats_key", "dedupe_ats_group", "dedupe_apply_key"):
        db.table("postings").add_column(column, int if column == "listing_id" else str)
    db.table("postings").add_column("dedupe_title_key", str)
    db.table("postings").add_column("dedupe_sig", str)
    db.table("postings").create_index(["listing_id"])
    db.table("postings").create_index(["dedupe_ats_key"])
    db.table("postings").create_index(["dedupe_ats_group"])
    db.table("postings").create_index(["dedupe_apply_key"])
    db.table("postings").create_index(["company_norm", "dedupe_title_key"])
    db.table("postings").create_index(["source", "last_run_id"])
    db.table("posting_refs").create({"posting_id": int, "ref_key": str}, pk=("posting_id", "ref_key"))
    db.table("posting_refs").create_index(["ref_key"])
    db.table("listing_matches").create(
        {
            "id": int,
            "posting_id": int,
            "listing_id": int,
            "rule": str,
            "score": float,
            "decided_at": str,
            "detail": str,
            "matched_posting_id": int,
            "repost": int,
        },
        pk="id",
    )
    db.table("listing_matches").create_index(["posting_id"])
    db.table("listing_matches").create_index(["listing_id"])
    db.table("listing_overrides").create(
        {
            "id": int,
            "posting_id": int,
            "listing_id": int,  # NULL with action 'split': the posting stands alone
            "action": str,  # 'merge' (join listing_id's listing) or 'split'
            "reason": str,
            "created_at": str,
            "target_posting_id": int,  # 'merge' with another posting (survives a rebuild)
        },
        pk="id",
    )
    db.table("listing_overrides").create_index(["posting_id"])
    db.table("posting_events").create({"id": int, "posting_id": int, "run_id": int, "event": str, "at": str}, pk="id")
    db.table("posting_events").create_index(["posting_id"])
    db.table("posting_events").create_index(["run_id"])
    for column, kind in (
        ("closed_postings", int),
        ("reopened_postings", int),
        ("lifecycle_note", str),
        ("lifecycle_clean", int),
    ):
        db.table("crawl_runs").add_column(column, kind)


#: ``postings`` columns the stored dedupe keys are computed from: an update of any of them
#: marks the posting's ``posting_keys`` row stale (``version`` NULL), so it is recomputed.
KEY_SOURCE_FIELDS = (
    "source", "source_id", "url", "apply_url", "company", "title", "title_clean", "role", "seniority", "category",
    "workplace", "location_raw", "countries", "regions", "worldwide", "salary_usd_min", "salary_usd_max",
    "raw_json", "description_html", "description_text", "salary_estimate", "salary_source",
)  # fmt: skip
#: ``postings`` columns copied as they are into ``posting_keys`` on every update.
KEY_SYNCED_FIELDS = ("posted_at", "first_seen_at", "last_seen_at", "closed_at", "listing_id")


def posting_keys_stale_trigger(name: str, table: str, columns: Sequence[str], id_column: str = "id") -> str:
    """A trigger marking a posting's ``posting_keys`` row stale when one of ``columns`` of
    ``table`` (postings, or from schema 14 either of its halves) is updated."""
    return (
        f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"BEGIN UPDATE posting_keys SET version = NULL WHERE posting_id = NEW.{id_column}; END"
    )


def posting_keys_sync_trigger(table: str) -> str:
    """A trigger copying lifecycle times and ``listing_id`` into ``posting_keys`` on every update."""
    return (
        f"CREATE TRIGGER posting_keys_sync AFTER UPDATE OF {', '.join(KEY_SYNCED_FIELDS)} ON {table} "
        f"BEGIN UPDATE posting_keys SET {', '.join(f'{c} = NEW.{c}' for c in KEY_SYNCED_FIELDS)} "
        "WHERE posting_id = NEW.id; END"
    )


def v4_posting_keys(db: sqlite_utils.Database) -> None:
    """Schema version 4: ``posting_keys``, the narrow copy of what dedupe reads per posting.

    A rebuild reads ~150 bytes per posting from it instead of the multi-kilobyte ``postings``
    rows, and listings are built from it. Triggers keep it true to ``postings``: lifecycle
    times and ``listing_id`` are copied on every update, an edit of a key source column marks
    the row stale, a deleted posting takes its row (and its refs) along. Rows of postings
    placed before this version are filled in by the next dedupe.
    """
    db.table("posting_keys").create(
        {
            "posting_id": int,
            "listing_id": int,
            "version": str,
            "source": str,
            "company_norm": str,
            "title_key": str,
            "near_key": str,
            "core_key": str,
            "ats_key": str,
            "ats_group": str,
            "apply_key": str,
            "refs": str,
            "place": str,
            "posted_at": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "closed_at": str,
            "rank": int,
            "has_salary": int,
            "apply_at": str,
            "countries": str,
            "regions": str,
            "title": str,
            "company": str,
            "category": str,
            "role": str,
            "seniority": str,
            "workplace": str,
            "worldwide": int,
            "salary_usd_min": float,
            "salary_usd_max": float,
            "salary_estimate": int,
            "salary_source": str,
        },
        pk="posting_id",
    )
    for column in ("listing_id", "company_norm", "ats_key", "ats_group", "apply_key"):
        db.table("posting_keys").create_index([column])
    db.execute(posting_keys_stale_trigger("posting_keys_stale", "postings", KEY_SOURCE_FIELDS))
    db.execute(posting_keys_sync_trigger("postings"))
    db.execute(
        "CREATE TRIGGER posting_keys_delete AFTER DELETE ON postings BEGIN "
        "DELETE FROM posting_keys WHERE posting_id = OLD.id; DELETE FROM posting_refs WHERE posting_id = OLD.id; END"
    )
    # Keys of postings placed before this version are computed by the listings layer, not here
    # (db sits below it): placeholder rows, found through a partial index, are filled by the
    # next dedupe (listings.build.fill_placeholder_keys).
    db.execute("CREATE INDEX posting_keys_unfilled ON posting_keys (posting_id) WHERE source IS NULL")
    db.execute(
        "INSERT INTO posting_keys (posting_id, listing_id) SELECT id, listing_id FROM postings "
        "WHERE listing_id IS NOT NULL"
    )

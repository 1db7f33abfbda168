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

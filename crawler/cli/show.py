"""``remotejobs show ID``: one listing with every posting behind it, where to apply, and why
its postings were grouped together (``listing_matches``)."""

from __future__ import annotations

import argparse
import contextlib
import json
from typing import Any

import sqlite_utils

from crawler.cli.analytics import _decode, _rows, open_database, salary_range, where
from crawler.cli.common import CliError, add_db_argument, add_json_argument, print_json, text_table
from db.views import listing_sources_sql, listing_url_sql

#: Posting fields shown as "as published" beside their normalised counterparts.
RAW_FIELDS = ("title", "company", "location_raw", "salary_raw", "posted_at_raw", "employment_type", "tags")
NORMALISED_FIELDS = (
    "title_clean", "seniority", "category", "role", "title_rule", "workplace", "worldwide", "countries", "regions",
    "salary_usd_min", "salary_usd_max", "salary_source", "salary_estimate", "salary_unparsed_reason", "posted_at",
)  # fmt: skip
POSTING_JSON = ("tags", "countries", "regions", "title_rule")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "show",
        help="one listing: every posting, apply links, normalised and raw fields, why they were matched",
        description="Prints listing ID (the id column of `remotejobs search`): its normalised fields, where "
        "to apply, and each posting behind it (platform, URL, the values as published beside the normalised "
        "ones) with the de-duplication rule that placed it in this listing. --raw adds each posting's raw "
        "platform record.",
    )
    add_db_argument(parser)
    parser.add_argument("listing_id", type=int, metavar="ID", help="listing id")
    parser.add_argument("--raw", action="store_true", help="also print each posting's raw platform record")
    add_json_argument(parser)
    parser.set_defaults(func=run)


def load_listing(db: sqlite_utils.Database, listing_id: int, with_raw: bool) -> dict[str, Any]:
    found = _rows(
        db,
        f"SELECT l.*, {listing_sources_sql('l')} AS sources, {listing_url_sql('l')} AS url "
        "FROM listings l WHERE l.id = ?",
        [listing_id],
    )
    if not found:
        raise CliError(f"no listing {listing_id} (ids are the first column of `remotejobs search`)")
    listing = _decode(found[0])
    raw = ", p.raw_json" if with_raw else ""
    postings = _rows(
        db,
        "SELECT p.id, p.source, p.source_id, p.url, p.apply_url, "
        + ", ".join(f"p.[{f}]" for f in dict.fromkeys((*RAW_FIELDS, *NORMALISED_FIELDS)))
        + f", p.first_seen_at, p.last_seen_at, p.closed_at{raw}, "
        "m.rule AS match_rule, m.score AS match_score, m.detail AS match_detail, "
        "m.matched_posting_id, m.repost, m.decided_at AS matched_at "
        "FROM postings p LEFT JOIN listing_matches m ON m.posting_id = p.id AND m.listing_id = p.listing_id "
        "WHERE p.listing_id = ? ORDER BY p.id = ? DESC, p.first_seen_at, p.id",
        [listing_id, listing.get("canonical_posting_id")],
    )
    for posting in postings:
        for name in (*POSTING_JSON, "match_detail", "raw_json"):
            value = posting.get(name)
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    posting[name] = json.loads(value)
    listing["postings"] = postings
    return listing


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(listing: dict[str, Any]) -> str:
    lines = [
        f"Listing {listing['id']}: {listing['title']} — {listing['company']}",
        "",
        text_table(
            ["field", "value"],
            [
                ["status", "closed " + listing["closed_at"] if listing.get("closed_at") else "open"],
                ["category / role", f"{listing.get('category') or ''} / {listing.get('role') or ''}"],
                ["seniority", listing.get("seniority")],
                ["workplace", listing.get("workplace")],
                ["open to", where(listing)],
                [
                    "salary (USD/yr)",
                    salary_range(listing["salary_usd_min"], listing["salary_usd_max"], listing["salary_estimate"]),
                ],
                ["first / last seen", f"{listing['first_seen_at']} / {listing['last_seen_at']}"],
                ["times reposted", listing.get("times_reposted")],
                ["platforms", listing.get("sources")],
                ["url", listing.get("url")],
            ],
        ),
        "",
        "Apply:",
    ]
    for link in listing.get("apply_urls") or []:
        if isinstance(link, dict):
            lines.append(f"  {link.get('source', '')}: {link.get('url', '')}")
        else:
            lines.append(f"  {link}")
    for posting in listing["postings"]:
        canonical = " (canonical)" if posting["id"] == listing.get("canonical_posting_id") else ""
        lines += ["", f"Posting {posting['id']} on {posting['source']}{canonical}: {posting['url']}"]
        if posting.get("apply_url") and posting["apply_url"] != posting["url"]:
            lines.append(f"  apply: {posting['apply_url']}")
        reason = posting.get("match_rule") or "(no decision recorded)"
        if posting.get("match_score") is not None:
            reason += f", score {posting['match_score']:.2f}"
        if posting.get("matched_posting_id"):
            reason += f", matched posting {posting['matched_posting_id']}"
        if posting.get("repost"):
            reason += ", a repost"
        lines.append(f"  matched by: {reason}")
        if posting.get("match_detail"):
            lines.append(f"  detail: {_text(posting['match_detail'])}")
        lines.append(
            "  "
            + text_table(
                ["as published", "", "normalised", ""],
                _side_by_side(posting),
            ).replace("\n", "\n  ")
        )
        if "raw_json" in posting:
            lines.append("  raw record: " + _text(posting["raw_json"]))
    return "\n".join(lines)


def _side_by_side(posting: dict[str, Any]) -> list[list[str]]:
    left = [[name, _text(posting.get(name))[:60]] for name in RAW_FIELDS]
    right = [[name, _text(posting.get(name))[:60]] for name in NORMALISED_FIELDS]
    rows = []
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ["", ""]
        b = right[i] if i < len(right) else ["", ""]
        rows.append([*a, *b])
    return rows


def run(args: argparse.Namespace) -> int:
    db = open_database(args.db)
    try:
        listing = load_listing(db, args.listing_id, args.raw)
    finally:
        db.close()
    if args.json:
        print_json(listing)
    else:
        print(render(listing))
    return 0

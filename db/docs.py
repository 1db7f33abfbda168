"""Database documentation from one source: docs/schema.md and data/datasette.yml.

Table descriptions live here; posting columns come from crawler.items. ``python -m db.docs``
rewrites both files; a test fails when they drift or a column is undocumented.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.items import ALL_FIELDS
from db.posting_tables import TEXT_COLUMNS
from db.schema import open_db
from db.search import FTS_COLUMNS
from db.views import search_hits_sql

logger = logging.getLogger(__name__)

POSTING_BOOKKEEPING: dict[str, str] = {
    "id": "Row id (primary key).",
    "raw_json": "The platform's record as JSON (field `raw` of the item).",
    "content_hash": "SHA-256 of the platform fields; a change means the posting was edited.",
    "spider_hash": "Digest of the spider's output before validation; the same on a re-run means unchanged.",
    "content_run_id": "crawl_runs.id of the run that last wrote the content (NULL: stored before schema 13).",
    "first_seen_at": "When a crawl first stored this posting (UTC ISO 8601).",
    "last_seen_at": "When a crawl last saw this posting (UTC ISO 8601).",
    "closed_at": "When the posting disappeared from its platform (NULL = open).",
    "first_run_id": "crawl_runs.id of the run that first stored it.",
    "last_run_id": "crawl_runs.id of the run that last saw it.",
    "listing_id": "listings.id of the real-world job this posting belongs to (set by dedupe).",
    "dedupe_ats_key": "Dedupe key: the ATS job id found in the posting's URL, apply URL or own id.",
    "dedupe_ats_group": "Dedupe key: the ATS requisition (one job posted in several locations).",
    "dedupe_apply_key": "Dedupe key: the canonical apply URL (tracking parameters stripped).",
    "dedupe_title_key": "Dedupe key: the normalised title matched with company_norm.",
    "dedupe_sig": "Signature of the dedupe inputs; a change makes the matcher re-place the posting.",
}

LISTING_COLUMNS: dict[str, str] = {
    "id": "Row id (primary key).",
    "title": "Display title of the canonical posting.",
    "company": "Hiring organisation as published on the canonical posting.",
    "company_norm": "Company name normalised for matching.",
    "category": "Job category (software-engineering, data-ai, ... other).",
    "role": "Function without seniority, lower case ('backend engineer').",
    "seniority": "intern/junior/mid/senior/lead/staff/principal/manager/director/vp/executive or NULL.",
    "workplace": "remote / hybrid / onsite, or NULL when not stated.",
    "worldwide": "1 when open to anywhere in the world.",
    "countries": "JSON list of ISO 3166-1 alpha-2 codes the job is open to/located in.",
    "regions": "JSON list of regions (eu, europe, emea, north-america, ...).",
    "salary_usd_min": "Annualised minimum salary in USD.",
    "salary_usd_max": "Annualised maximum salary in USD.",
    "salary_estimate": "1 when the salary is a site's estimate, not the employer's.",
    "salary_source": "structured / text / description: where the salary came from.",
    "canonical_posting_id": "postings.id whose fields the listing carries (employer ATS first).",
    "first_seen_at": "First time any of its postings was seen (UTC ISO 8601).",
    "last_seen_at": "Last time any of its postings was seen (UTC ISO 8601).",
    "closed_at": "When its last open posting closed (NULL = open).",
    "times_reposted": "How many times the job was posted again after closing or elsewhere later.",
    "postings_count": "Number of postings (platforms, reposts) behind the listing.",
    "apply_urls": 'JSON list of {"source", "url"}: every place to apply.',
}

OPEN_LISTING_COLUMNS: dict[str, str] = {
    **{k: v for k, v in LISTING_COLUMNS.items() if k not in {"company_norm", "canonical_posting_id", "closed_at"}},
    "sources": "Platforms carrying the listing, comma-separated.",
    "url": "URL of the canonical posting.",
}

TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "postings": (
        "One row per platform posting, unique on (source, source_id): raw and normalised fields side by "
        "side. Field meanings follow schema.org JobPosting (crawler/items.py). A view over posting_fields "
        "and posting_texts (read it, and write it, as one table).",
        {},  # filled from crawler.items below
    ),
    "posting_fields": (
        "Every column of postings but its texts (raw_json, description_html, description_text): the rows "
        "crawls, dedupe and renormalize update, ~1 KB each. Query postings instead.",
        {},  # filled from crawler.items below
    ),
    "posting_texts": (
        "The texts of postings (raw record, description HTML and text), one row per posting, written only "
        "when its content is new or changed. Query postings instead.",
        {},  # filled from crawler.items below
    ),
    "listings": (
        "One row per real-world job (de-duplicated across platforms and reposts); open while any of "
        "its postings is open.",
        LISTING_COLUMNS,
    ),
    "crawl_runs": (
        "One row per crawl of one spider, with its outcome and counts.",
        {
            "id": "Run id (primary key).",
            "spider": "Spider name.",
            "started_at": "Start time (UTC ISO 8601).",
            "finished_at": "End time (UTC ISO 8601).",
            "status": "running / finished (clean) / partial (finished with errors, or an after-crawl step failed) "
            "/ failed / skipped.",
            "finish_reason": "Scrapy's close reason (finished, shutdown, ...).",
            "new": "Postings stored for the first time.",
            "updated": "Postings whose content changed.",
            "unchanged": "Postings seen again unchanged.",
            "rejected": "Records sent to rejects.",
            "request_errors": "Failed requests and callback exceptions.",
            "bad_responses": "Responses that could not be parsed (truncated/invalid body).",
            "items_scraped": "Postings stored or seen in this run.",
            "stats_json": "Scrapy's crawl stats as JSON.",
            "closed_postings": "Postings this run closed (not seen in a clean crawl).",
            "reopened_postings": "Closed postings this run saw again.",
            "lifecycle_note": "What the lifecycle step did, or why it closed nothing (failed run, too few items, "
            "a filtered run, no board answered).",
            "lifecycle_clean": "1 when the run was clean enough to close unseen postings.",
            "verdict": "Health of the source in this run: ok, empty (no records), changed (no record list, or "
            "most records rejected), blocked (401/403/429, challenge or login page), partial, failed, skipped "
            "(started before the platform's minimum interval). See docs/operations.md.",
            "verdict_reason": "Why, in words (counts of failed requests, unreadable bodies, blocked answers...).",
            "scope": "What the run covered, as the spider says (JSON): whole_platform, or the boards/URLs crawled "
            "with those that answered with records and those gone (404), and any filters (category, query) "
            "that narrowed it. Lifecycle closes only inside it.",
        },
    ),
    "rejects": (
        "Records that could not become postings, with the reason; never lost.",
        {
            "id": "Row id (primary key).",
            "run_id": "crawl_runs.id of the run.",
            "source": "Spider name.",
            "source_id": "Platform id when known.",
            "url": "Response or record URL.",
            "reason": "Why it was rejected.",
            "raw_json": "The raw record (JSON) or a text snippet.",
            "rejected_at": "When (UTC ISO 8601).",
        },
    ),
    "listing_matches": (
        "Every dedupe decision: which listing a posting joined, by which rule, with what score.",
        {
            "id": "Row id (primary key).",
            "posting_id": "postings.id placed.",
            "listing_id": "listings.id it joined (or started).",
            "rule": "The rule that fired: override_split/override_merge, ats_id, ats_requisition, "
            "ats_id_mentioned, apply_url, company_title, company_near_title+description, or new.",
            "score": "Confidence of the rule (1.0 = identity).",
            "decided_at": "When (UTC ISO 8601).",
            "detail": "JSON with the matched key or similarity.",
            "matched_posting_id": "postings.id it was matched to, if any.",
            "repost": "1 when the match is a repost (same platform, or the match had closed).",
        },
    ),
    "listing_overrides": (
        "Analyst decisions the matcher respects: merge a posting into a listing, or split it out.",
        {
            "id": "Row id (primary key).",
            "posting_id": "postings.id concerned.",
            "listing_id": "'merge': the listing to join; NULL with 'split'.",
            "action": "merge or split.",
            "reason": "Why (free text).",
            "created_at": "When (UTC ISO 8601).",
            "target_posting_id": "'merge' with this posting's listing (survives a rebuild).",
        },
    ),
    "posting_refs": (
        "ATS job ids a posting only mentions (e.g. a Hacker News comment linking several jobs).",
        {"posting_id": "postings.id.", "ref_key": "The mentioned ATS job key."},
    ),
    "posting_keys": (
        "Dedupe's narrow copy of each posting: its matching keys and what listings are built from "
        "(listings/build.py). Triggers copy lifecycle times and listing_id from postings and mark a row "
        "stale when a key source column changes; `remotejobs dedupe --rebuild` recomputes stale rows.",
        {
            "posting_id": "postings.id (primary key).",
            "listing_id": "postings.listing_id (copied by a trigger).",
            "version": "Key rules version the row was computed with; NULL = stale (the posting was edited).",
            "source": "postings.source.",
            "company_norm": "Company key (normalize.company).",
            "title_key": "Normalised title (gender, remote and punctuation markers removed).",
            "near_key": "role|seniority block of the near-title rule.",
            "core_key": "Title core block of the near-title rule (title before ' - ', ',' ...).",
            "ats_key": "The ATS job this posting is ('greenhouse:4012345').",
            "ats_group": "ATS requisition and title (one job in several locations).",
            "apply_key": "Canonical apply URL (tracking parameters stripped).",
            "refs": "ATS job keys the description only mentions (space-separated).",
            "place": "Location reduced for compatibility: JSON [places, countries, worldwide].",
            "posted_at": "postings.posted_at (copied by a trigger).",
            "first_seen_at": "postings.first_seen_at (copied by a trigger).",
            "last_seen_at": "postings.last_seen_at (copied by a trigger).",
            "closed_at": "postings.closed_at (copied by a trigger).",
            "rank": "Canonical-record rank: 100 for the employer's own ATS plus completeness points.",
            "has_salary": "1 when the posting has a USD salary.",
            "apply_at": "The 'apply at' URL of listings.apply_urls (apply URL, else posting URL).",
            "countries": "postings.countries (for the listing's union).",
            "regions": "postings.regions (for the listing's union).",
            **{
                column: f"postings.{column} (the listing's when this posting is canonical)."
                for column in ("company", "category", "role", "seniority", "workplace", "worldwide")
            },
            "title": "COALESCE(postings.title_clean, postings.title) (the listing's title when canonical).",
            **{
                column: f"postings.{column} (the listing's salary when this posting ranks first of those with one)."
                for column in ("salary_usd_min", "salary_usd_max", "salary_estimate", "salary_source")
            },
        },
    ),
    "posting_events": (
        "Lifecycle events per posting: closed / reopened, with the crawl run.",
        {
            "id": "Row id (primary key).",
            "posting_id": "postings.id.",
            "run_id": "crawl_runs.id that caused it.",
            "event": "closed or reopened.",
            "at": "When (UTC ISO 8601).",
        },
    ),
    "salary_index": (
        "Salary benchmarks (analytics/salary_index.py; method in docs/analysts.md). Population: open, "
        "de-duplicated listings with an employer-stated salary (never a site estimate) in a currency the ECB table "
        "converts, workplace remote (hybrid too with SALARY_INDEX_INCLUDE_HYBRID), full-time or unspecified "
        "employment, posted within SALARY_INDEX_WINDOW_DAYS (180) of computed_at, stated per year or month, top of "
        "the range at most 4x its bottom, annual USD ends within 10,000..1,000,000; hourly rates only in scope "
        "hourly-rate-category (USD per hour, never annualised). Listings with the same employer, role, seniority "
        "and stated range are one job, contributing the midpoint of its range once. Regional bands are in the "
        "region's currency (data/salary/regions.yaml), converted from each job's stated currency at the ECB rate "
        "of its FX date; *_usd beside them. Percentiles by linear interpolation (numpy 'linear'). Every cell is "
        "stored; percentiles only where published = 1 (n >= SALARY_INDEX_MIN_N and employers >= "
        "SALARY_INDEX_MIN_EMPLOYERS). Rebuilt after every crawl (once after the last spider of a crawlall).",
        {
            "scope": "category, role, role-seniority, role-seniority-region, category-region or hourly-rate-category.",
            "key": "Stable id of the cell: 'software-engineering', 'software engineer', 'software engineer|lead', "
            "'software engineer|lead|us', 'software-engineering|eu'.",
            "category": "Category (role cells: the category most of their jobs are in).",
            "role": "Role (role scopes).",
            "seniority": "Seniority (role-seniority scopes).",
            "region": "Benchmark region id (regional scopes): us, canada, uk, eu, other-europe, latin-america, apac, "
            "middle-east-africa, worldwide.",
            "currency": "Currency of p25/median/p75: the region's benchmark currency; USD without a region.",
            "period": "year (annual salaries) or hour (scope hourly-rate-category).",
            "n": "Jobs behind the cell (clones counted once).",
            "employers": "Distinct employers behind the cell.",
            "p25": "25th percentile in currency (NULL unless published).",
            "median": "Median in currency (NULL unless published).",
            "p75": "75th percentile in currency (NULL unless published).",
            "p25_usd": "25th percentile of the jobs' USD figures (NULL unless published).",
            "median_usd": "Median of the jobs' USD figures (NULL unless published).",
            "p75_usd": "75th percentile of the jobs' USD figures (NULL unless published).",
            "published": "1 when n >= min_n and employers >= min_employers.",
            "min_n": "SALARY_INDEX_MIN_N in force when the index was computed.",
            "min_employers": "SALARY_INDEX_MIN_EMPLOYERS in force when the index was computed.",
            "computed_at": "When the index was computed (UTC ISO 8601); the posting window ends here.",
        },
    ),
    "salary_index_history": (
        "One snapshot of the published salary_index cells per UTC day (a re-run the same day replaces "
        "that day), so trends can be drawn.",
        {
            "date": "UTC day of the computation (YYYY-MM-DD).",
            "scope": "salary_index.scope.",
            "key": "salary_index.key.",
            "currency": "Currency of p25/median/p75.",
            "n": "Jobs behind the cell that day.",
            "employers": "Distinct employers that day.",
            "p25": "25th percentile in currency.",
            "median": "Median in currency.",
            "p75": "75th percentile in currency.",
        },
    ),
    "ref_countries": (
        "Reference: ISO 3166-1 countries (for the open-to-country view).",
        {"code": "ISO 3166-1 alpha-2 code.", "name": "Country name."},
    ),
    "ref_region_countries": (
        "Reference: which countries each region contains (data/places/regions.yaml).",
        {"region": "Region (eu, europe, emea, ...).", "country": "ISO 3166-1 alpha-2 code."},
    ),
    "boards": (
        "ATS boards (one company's job board on an applicant-tracking system) found in stored postings' "
        "links or added by hand; ATS spiders crawl the active ones besides data/boards/<spider>.txt.",
        {
            "ats": "The spider that crawls the board (greenhouse, lever, workday, ...).",
            "board": "The spider's board argument: a slug, or host/site for Workday (unique per ats, any case).",
            "first_seen": "When the board was first found or added (UTC ISO 8601).",
            "found_in_posting": "postings.id whose URL, apply URL or description linked to it (NULL: added by hand).",
            "status": "active (crawled) / inactive (404 in 3 crawls in a row) / disabled (by an operator).",
            "reason": "Why the status is what it is (added by hand, the 404s, an operator's note).",
            "consecutive_404s": "Crawls in a row in which the board answered 404.",
        },
    ),
    "search_sync": (
        "Bookkeeping of the search index (one row): set only inside a store batch's own transaction.",
        {
            "deferred_after": "NULL, except inside a store batch: postings above this rowid are indexed "
            "in postings_fts at the batch's end, not by the insert trigger.",
        },
    ),
    "board_discovery": (
        "Per spider, the ATS pattern table (data/ats_patterns.csv) its postings were last read with: "
        "while it is the same, board discovery reads only the postings a run wrote.",
        {"source": "Spider name.", "patterns": "Digest of data/ats_patterns.csv."},
    ),
    "response_digests": (
        "Listing responses whose postings are all stored (one row per spider and URL): a re-run that "
        "gets the same body back skips parsing it and only marks those postings seen.",
        {
            "source": "Spider name.",
            "url": "The listing response's URL.",
            "digest": "blake2b digest of its body.",
            "board": "The board it is of (NULL for a whole-platform feed).",
            "records": "Records the body held.",
            "source_ids": "JSON list of the ids of the postings it yielded.",
            "run_id": "crawl_runs.id of the run that stored it.",
        },
    ),
    "open_listings": ("View: open listings with their sources and canonical URL.", OPEN_LISTING_COLUMNS),
    "listings_open_to_country": (
        "View: one row per (country, open listing open to it): worldwide, the country itself, or a "
        "region containing it. Query it with WHERE country = 'DE'.",
        {
            "country": "ISO 3166-1 alpha-2 code of the candidate's country.",
            "open_via": "worldwide / country / region: why the listing is open to that country.",
            **OPEN_LISTING_COLUMNS,
        },
    ),
    "listings_with_salary": (
        "View: listings (open or closed) with a USD salary, and the figure the salary index uses.",
        {
            **{
                k: LISTING_COLUMNS[k]
                for k in (
                    "id",
                    "title",
                    "company",
                    "category",
                    "role",
                    "seniority",
                    "salary_usd_min",
                    "salary_usd_max",
                    "salary_source",
                    "salary_estimate",
                    "workplace",
                    "worldwide",
                    "countries",
                    "regions",
                    "first_seen_at",
                    "last_seen_at",
                    "closed_at",
                )
            },
            "salary_usd_mid": "Midpoint of the range (or the known end): the salary index's figure.",
            "employer_stated": "1 when the salary is the employer's (not an estimate).",
            "is_open": "1 while the listing is open.",
        },
    ),
}


def table_docs() -> dict[str, tuple[str, dict[str, str]]]:

    docs = dict(TABLE_DOCS)
    posting_cols = {"id": POSTING_BOOKKEEPING["id"]}
    posting_cols.update({k: v for k, v in ALL_FIELDS.items() if k != "raw"})
    posting_cols.update({k: v for k, v in POSTING_BOOKKEEPING.items() if k != "id"})
    docs["postings"] = (TABLE_DOCS["postings"][0], posting_cols)
    docs["posting_fields"] = (
        TABLE_DOCS["posting_fields"][0],
        {k: v for k, v in posting_cols.items() if k not in TEXT_COLUMNS},
    )
    texts = {"posting_id": "postings.id of the posting these texts belong to."}
    texts.update({k: v for k, v in posting_cols.items() if k in TEXT_COLUMNS})
    docs["posting_texts"] = (TABLE_DOCS["posting_texts"][0], texts)
    return docs


#: Tables SQLite or sqlite-utils create for FTS; Datasette hides them too.
FTS_SHADOW = ("postings_fts", "postings_fts_data", "postings_fts_idx", "postings_fts_docsize", "postings_fts_config")


def schema_objects(db: sqlite_utils.Database) -> dict[str, list[tuple[str, str]]]:
    """Table or view name -> [(column, declared type)], FTS tables excluded."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, _kind in db.execute(
        "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
        "ORDER BY type, name"
    ):
        if name in FTS_SHADOW:
            continue
        out[name] = [(str(r[1]), str(r[2] or "")) for r in db.execute(f"PRAGMA table_info([{name}])")]
    return out


def undocumented(db: sqlite_utils.Database) -> list[str]:
    """'table.column' for every column in the database without a description."""
    docs = table_docs()
    missing = []
    for name, columns in schema_objects(db).items():
        described = docs.get(name, ("", {}))[1]
        missing += [f"{name}.{col}" for col, _type in columns if col not in described]
        if name not in docs:
            missing.append(name)
    return missing


def schema_markdown(db: sqlite_utils.Database) -> str:
    docs = table_docs()
    objects = schema_objects(db)
    lines = [
        "# Database schema",
        "",
        "<!-- Generated by `python -m db.docs` from crawler/items.py and",
        "     db/docs.py; tests/test_analytics_docs.py fails when it drifts. -->",
        "",
        "The jobs database (`data/jobs.db`, or `$JOBS_DB`) is SQLite. The schema version is",
        "`PRAGMA user_version`; opening the database with the crawler or `remotejobs` migrates it.",
        "JSON columns hold JSON text: query them with `json_each()` / `json_extract()`. Booleans",
        "are 0/1. Times are UTC ISO 8601 strings, so they sort and compare as text.",
        "",
        "Full-text search: `postings_fts` (FTS5, porter stemming) indexes postings' "
        + ", ".join(f"`{c}`" for c in FTS_COLUMNS)
        + ", kept in sync by triggers. Example:",
        "",
        "```sql",
        "SELECT p.id, p.title, p.company FROM postings_fts",
        "JOIN postings p ON p.id = postings_fts.rowid",
        "WHERE postings_fts MATCH 'python AND (backend OR django)' ORDER BY postings_fts.rank LIMIT 20;",
        "```",
        "",
    ]
    tables = [n for n in objects if n in docs] + sorted(n for n in objects if n not in docs)
    order = list(docs)
    tables.sort(key=lambda n: order.index(n) if n in order else len(order))
    for name in tables:
        description, columns = docs.get(name, ("(undocumented)", {}))
        lines += [f"## `{name}`", "", description, "", "| column | type | description |", "|---|---|---|"]
        for col, kind in objects[name]:
            text = columns.get(col, "(undocumented)").replace("|", "\\|")
            lines.append(f"| `{col}` | {kind or '—'} | {text} |")
        lines.append("")
    return "\n".join(lines)


#: An empty search box matches nothing instead of failing on an empty FTS5 query.
CANNED_SEARCH_HITS = search_hits_sql("coalesce(nullif(:q, ''), '\"\"')")

CANNED_QUERIES: dict[str, dict[str, Any]] = {
    "salary_index": {
        "title": "Salary index",
        "description": "Published salary benchmarks (P25/median/P75 in the cell's currency, USD median beside) of "
        "remote, open, de-duplicated jobs with an employer-stated salary. scope: category (default), role, "
        "role-seniority, role-seniority-region, category-region or hourly-rate-category.",
        "sql": "SELECT scope, key, currency, n, employers, CAST(round(p25) AS INTEGER) AS p25,\n"
        "  CAST(round(median) AS INTEGER) AS median, CAST(round(p75) AS INTEGER) AS p75,\n"
        "  CAST(round(median_usd) AS INTEGER) AS median_usd, computed_at\n"
        "FROM salary_index\n"
        "WHERE scope = coalesce(nullif(:scope, ''), 'category') AND published = 1\n"
        "ORDER BY n DESC, key",
    },
    "search": {
        "title": "Search open listings",
        "description": 'Full-text search (FTS5 syntax: words, "a phrase", OR, prefix*) over title, '
        "company, tags and description of every posting of an open listing.",
        "sql": "SELECT o.id, o.title, o.company, o.category, o.seniority,\n"
        "  CAST(o.salary_usd_min AS INTEGER) AS salary_usd_min, CAST(o.salary_usd_max AS INTEGER) AS salary_usd_max,\n"
        "  o.worldwide, o.countries, o.regions, o.sources, o.url\n"
        "FROM open_listings o\n"
        f"JOIN ({CANNED_SEARCH_HITS}) h ON h.lid = o.id\n"
        "ORDER BY h.rank\n"
        "LIMIT 200",
    },
    "remote_from_my_country": {
        "title": "Remote from my country",
        "description": "Open remote listings someone in this country can take (ISO code such as DE): "
        "worldwide, the country itself, or a region containing it.",
        "sql": "SELECT open_via, id, title, company, category, seniority,\n"
        "  CAST(salary_usd_min AS INTEGER) AS salary_usd_min, CAST(salary_usd_max AS INTEGER) AS salary_usd_max,\n"
        "  worldwide, countries, regions, sources, url\n"
        "FROM listings_open_to_country\n"
        "WHERE country = upper(trim(:country)) AND (workplace IS NULL OR workplace = 'remote')\n"
        "ORDER BY last_seen_at DESC, id DESC\n"
        "LIMIT 500",
    },
}

#: Where the analyst questions live; each ``## N. Question`` section's SQL becomes a canned query.
ANALYSTS_MD = Path(__file__).resolve().parents[1] / "docs" / "analysts.md"
_QUESTION = re.compile(r"^## (?:(\d+)\.|Bonus:)\s*(.+?)\n(.*?)```sql\n(.*?)```", re.S | re.M)


def analyst_queries(text: str) -> dict[str, dict[str, Any]]:
    """docs/analysts.md's questions as Datasette canned queries, named ``qN_words`` in order."""
    queries: dict[str, dict[str, Any]] = {}
    for number, title, prose, sql in _QUESTION.findall(text):
        words = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_").split("_")
        name = f"q{number or 'bonus'}_" + "_".join(words[:6])
        description = " ".join(prose.split()) or title
        queries[name] = {"title": f"{number + '. ' if number else ''}{title}", "description": description,
                         "sql": sql.strip().rstrip(";")}  # fmt: skip
    return queries


#: Tables only the code reads (keys and refs kept for the matcher; postings' two halves, read
#: through the postings view): hidden in Datasette.
INTERNAL_TABLES = ("posting_keys", "posting_refs", "posting_fields", "posting_texts")
#: Datasette lists every column description above a table's rows (pages of them on postings);
#: the descriptions stay on the column headers' menus and in docs/schema.md.
HIDE_COLUMN_LIST_CSS = "data:text/css,dl.column-descriptions%7Bdisplay:none%7D"

DATASETTE_TABLE_EXTRAS: dict[str, dict[str, Any]] = {
    "postings": {
        "facets": ["source", "category", "seniority", "workplace"],
        "sort_desc": "last_seen_at",
        "fts_table": "postings_fts",  # a view: Datasette's table search needs to be told its index
        "fts_pk": "id",
    },
    "listings": {
        "facets": ["category", "seniority", "workplace", {"array": "countries"}, {"array": "regions"}],
        "sort_desc": "last_seen_at",
    },
    "open_listings": {"facets": ["category", "seniority", "sources"]},
    "listings_with_salary": {"facets": ["category", "employer_stated", "is_open"]},
    "salary_index": {"facets": ["scope", "published", "region", "currency"], "sort_desc": "n"},
    "salary_index_history": {"facets": ["scope"], "sort_desc": "date"},
    "crawl_runs": {"facets": ["spider", "status"], "sort_desc": "started_at"},
    "rejects": {"facets": ["source", "reason"]},
}


def datasette_metadata(db: sqlite_utils.Database, database_name: str = "jobs") -> dict[str, Any]:
    docs = table_docs()
    tables: dict[str, Any] = {}
    present = schema_objects(db)
    for name in docs:
        if name not in present:
            continue
        description, columns = docs[name]
        entry: dict[str, Any] = {"description": description}
        entry.update(DATASETTE_TABLE_EXTRAS.get(name, {}))
        entry["columns"] = dict(columns)
        if name in INTERNAL_TABLES:
            entry["hidden"] = True
        tables[name] = entry
    for name in INTERNAL_TABLES:
        tables.setdefault(name, {"hidden": True})
    queries = dict(CANNED_QUERIES)
    if ANALYSTS_MD.is_file():
        queries.update(analyst_queries(ANALYSTS_MD.read_text(encoding="utf-8")))
    return {
        "title": "remotejobs",
        "description": "Remote job listings from many platforms, de-duplicated, with a salary index. "
        "Column docs: docs/schema.md; example questions: docs/analysts.md (each is a canned query below).",
        "extra_css_urls": [HIDE_COLUMN_LIST_CSS],
        "databases": {
            database_name: {
                "description": "Postings (one per platform posting), listings (one per real job), crawl runs.",
                "tables": tables,
                "queries": queries,
            }
        },
    }


def metadata_for(metadata: dict[str, Any], database_name: str) -> dict[str, Any]:
    """``metadata`` (as in data/datasette.yml) keyed to the database Datasette calls ``database_name``
    (the file name without its extension), so descriptions and canned queries apply to any file."""
    out = dict(metadata)
    databases = dict(out.get("databases") or {})
    if databases:
        body = next(iter(databases.values()))
        out["databases"] = {database_name: body}
    return out


def datasette_yaml(db: sqlite_utils.Database) -> str:
    import yaml

    header = (
        "# Datasette metadata: `remotejobs datasette --db PATH` serves any database file with it (keyed\n"
        "# to that file's name); plain `datasette data/jobs.db -m data/datasette.yml` works for jobs.db only.\n"
        "# Generated by `python -m db.docs` (db/docs.py); do not edit.\n"
    )
    body = yaml.safe_dump(datasette_metadata(db), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def write_docs(root: Any = None) -> list[str]:
    """Rewrite docs/schema.md and data/datasette.yml from a freshly migrated database."""
    base = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    db = open_db(":memory:")
    try:
        outputs = {
            base / "docs" / "schema.md": schema_markdown(db),
            base / "data" / "datasette.yml": datasette_yaml(db),
        }
    finally:
        db.close()
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [str(p) for p in outputs]


if __name__ == "__main__":  # python -m db.docs
    for written in write_docs():
        print("wrote", written)

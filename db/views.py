"""Analyst views (``open_listings``, ``listings_open_to_country``, ``listings_with_salary``): the
SQL for open listings written once, used by the views, the CLI and Datasette.
"""

from __future__ import annotations

import logging

import sqlite_utils

logger = logging.getLogger(__name__)

_VALID = "CASE WHEN json_valid({0}) THEN {0} ELSE '[]' END"


def listing_sources_sql(listing: str = "l") -> str:
    """The platforms carrying a listing, comma-separated (``listing``: the listings alias)."""
    return (
        "(SELECT group_concat(source, ', ') FROM (SELECT DISTINCT p.source FROM postings p "
        f"WHERE p.listing_id = {listing}.id ORDER BY p.source))"
    )


def listing_url_sql(listing: str = "l") -> str:
    """The URL of a listing's canonical posting."""
    return f"(SELECT p.url FROM postings p WHERE p.id = {listing}.canonical_posting_id)"


def search_hits_sql(query: str = ":q") -> str:
    """Listings whose postings match an FTS5 query (``lid``, best ``rank``); ``query`` is an SQL
    expression, normally a bound parameter."""
    return (
        "SELECT p.listing_id AS lid, min(postings_fts.rank) AS rank FROM postings_fts "
        f"JOIN postings p ON p.id = postings_fts.rowid WHERE postings_fts MATCH {query} "
        "AND p.listing_id IS NOT NULL GROUP BY p.listing_id"
    )


VIEWS: dict[str, str] = {
    "open_listings": f"""
SELECT
  l.id, l.title, l.company, l.category, l.role, l.seniority, l.workplace, l.worldwide,
  l.countries, l.regions, l.salary_usd_min, l.salary_usd_max, l.salary_estimate, l.salary_source,
  l.first_seen_at, l.last_seen_at, l.times_reposted, l.postings_count,
  {listing_sources_sql("l")} AS sources,
  {listing_url_sql("l")} AS url,
  l.apply_urls
FROM listings l
WHERE l.closed_at IS NULL""",
    # One branch per way of being open to a country, joined to open_listings once per pair: the
    # earlier countries x listings cross join with correlated json_each took 2.5 s unfiltered on
    # the real-cassette database, this 0.07 s, same rows (db/schema.py migration 5).
    "listings_open_to_country": f"""
SELECT p.country, p.open_via, o.*
FROM (
  SELECT c.code AS country, l.id AS lid, 'worldwide' AS open_via
  FROM listings l JOIN ref_countries c
  WHERE l.closed_at IS NULL AND l.worldwide = 1
  UNION ALL
  SELECT DISTINCT c.code, l.id, 'country'
  FROM listings l, json_each({_VALID.format("l.countries")}) j JOIN ref_countries c ON c.code = j.value
  WHERE l.closed_at IS NULL AND COALESCE(l.worldwide, 0) != 1
  UNION ALL
  SELECT DISTINCT rc.country, l.id, 'region'
  FROM listings l, json_each({_VALID.format("l.regions")}) j
  JOIN ref_region_countries rc ON rc.region = j.value
  JOIN ref_countries c ON c.code = rc.country
  WHERE l.closed_at IS NULL AND COALESCE(l.worldwide, 0) != 1
    AND NOT EXISTS (SELECT 1 FROM json_each({_VALID.format("l.countries")}) k WHERE k.value = rc.country)
) p
JOIN open_listings o ON o.id = p.lid""",
    "listings_with_salary": """
SELECT
  l.id, l.title, l.company, l.category, l.role, l.seniority,
  l.salary_usd_min, l.salary_usd_max,
  CASE
    WHEN l.salary_usd_min IS NOT NULL AND l.salary_usd_max IS NOT NULL
      THEN (l.salary_usd_min + l.salary_usd_max) / 2.0
    ELSE COALESCE(l.salary_usd_min, l.salary_usd_max)
  END AS salary_usd_mid,
  l.salary_source, COALESCE(l.salary_estimate, 0) AS salary_estimate,
  CASE WHEN COALESCE(l.salary_estimate, 0) = 0 THEN 1 ELSE 0 END AS employer_stated,
  CASE WHEN l.closed_at IS NULL THEN 1 ELSE 0 END AS is_open,
  l.workplace, l.worldwide, l.countries, l.regions, l.first_seen_at, l.last_seen_at, l.closed_at
FROM listings l
WHERE l.salary_usd_min IS NOT NULL OR l.salary_usd_max IS NOT NULL""",
}


def create_views(db: sqlite_utils.Database) -> None:
    for name in VIEWS:
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
    for name, sql in VIEWS.items():
        db.execute(f"CREATE VIEW [{name}] AS {sql.strip()}")

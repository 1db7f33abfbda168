"""Reference places in the database: ``ref_countries`` and ``ref_region_countries``, filled from
the location normaliser's reference data (regions -> ISO countries).
"""

from __future__ import annotations

import logging

import sqlite_utils

from normalize import location

logger = logging.getLogger(__name__)

#: Spec regions (shared/spec/normalize.md), used when the location normaliser is absent.
SPEC_REGIONS = (
    "africa", "americas", "apac", "asia", "emea", "eu", "europe", "latin-america",
    "middle-east", "north-america", "oceania",
)  # fmt: skip
WORLDWIDE = "worldwide"


def spec_regions() -> tuple[str, ...]:

    regions = getattr(location, "REGIONS", None)
    return tuple(regions) if regions else SPEC_REGIONS


def region_members() -> dict[str, frozenset[str]]:
    """Region -> ISO alpha-2 countries, from the location normaliser's reference data."""

    lookup = getattr(location, "region_countries", None)
    if lookup is None:
        logger.warning("normalize.location.region_countries is missing: regions match no country")
        return {region: frozenset() for region in spec_regions()}
    return {
        region: frozenset(c for c in lookup(region) if isinstance(c, str) and len(c) == 2 and c.isupper())
        for region in spec_regions()
    }


def refresh_places(db: sqlite_utils.Database) -> None:
    """(Re)fill ``ref_countries`` and ``ref_region_countries`` from the reference data."""
    import pycountry

    members = region_members()
    countries = {c.alpha_2: c.name for c in pycountry.countries}
    countries.setdefault("XK", "Kosovo")
    for codes in members.values():
        for code in codes:
            countries.setdefault(code, code)
    with db.atomic():
        db.execute("DELETE FROM ref_countries")
        db.execute("DELETE FROM ref_region_countries")
        db.table("ref_countries").insert_all({"code": k, "name": v} for k, v in sorted(countries.items()))
        db.table("ref_region_countries").insert_all(
            {"region": region, "country": code} for region, codes in sorted(members.items()) for code in sorted(codes)
        )

"""Reference places in the database: ``ref_countries`` and ``ref_region_countries``, filled from
the location normaliser's reference data (regions -> ISO countries).
"""

from __future__ import annotations

from functools import cache

import sqlite_utils

from normalize import location, places


def region_members() -> dict[str, frozenset[str]]:
    """Spec region -> ISO alpha-2 countries: the table the location normaliser reads
    (``normalize.places.region_members``, from data/places/regions.yaml), without building the
    normaliser's phrase and town tables (~0.5 s, which a re-run that normalises nothing skips)."""
    members = places.region_members()
    return {
        region: frozenset(c for c in members.get(region, ()) if len(c) == 2 and c.isupper())
        for region in location.REGIONS
    }


@cache
def reference_places() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """``(code, name)`` of every country and ``(region, country)`` of every region, sorted; built
    once per process (pycountry and regions.yaml do not change while it runs)."""
    import pycountry

    members = region_members()
    countries = {c.alpha_2: c.name for c in pycountry.countries}
    countries.setdefault("XK", "Kosovo")
    for codes in members.values():
        for code in codes:
            countries.setdefault(code, code)
    regions = tuple((region, code) for region, codes in sorted(members.items()) for code in sorted(codes))
    return tuple(sorted(countries.items())), regions


def refresh_places(db: sqlite_utils.Database) -> None:
    """(Re)fill ``ref_countries`` and ``ref_region_countries`` from the reference data; tables that
    already hold exactly that are left as they are (this runs after every crawl: no rewrite)."""
    countries, regions = reference_places()
    stored = (
        tuple(map(tuple, db.execute("SELECT code, name FROM ref_countries ORDER BY code"))),
        tuple(map(tuple, db.execute("SELECT region, country FROM ref_region_countries ORDER BY region, country"))),
    )
    if stored == (countries, regions):
        return
    with db.atomic():
        db.execute("DELETE FROM ref_countries")
        db.execute("DELETE FROM ref_region_countries")
        db.table("ref_countries").insert_all({"code": code, "name": name} for code, name in countries)
        db.table("ref_region_countries").insert_all({"region": region, "country": code} for region, code in regions)

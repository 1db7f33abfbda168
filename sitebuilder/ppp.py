"""PPP factors for the salary guide: the World Bank file in data/ppp/ and the candidate cities in data/site/.

Nothing here is a typed figure: factors are read from the committed World Bank CSV (latest year with a value
per country), cities from ``data/site/cities.yaml``. Factors are national (see data/ppp/README.md).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
import yaml

from normalize import YAML_LOADER

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PPP_DIR = DATA_DIR / "ppp"
CITIES_FILE = DATA_DIR / "site" / "cities.yaml"
GUIDE_CITIES = 24


@dataclass(frozen=True)
class PPPFactor:
    iso3: str
    country_name: str
    value: float  # local currency units per international dollar
    year: int


@dataclass(frozen=True)
class PPPSource:
    file: str
    indicator: str
    indicator_name: str
    publisher: str
    licence: str
    licence_url: str
    indicator_url: str
    repo: str
    path: str
    commit: str

    def as_json(self) -> dict[str, Any]:
        return {
            "file": f"data/ppp/{self.file}",
            "indicator": self.indicator,
            "indicator_name": self.indicator_name,
            "publisher": self.publisher,
            "licence": self.licence,
            "licence_url": self.licence_url,
            "indicator_url": self.indicator_url,
            "copied_from": {"repo": self.repo, "path": self.path, "commit": self.commit},
        }


@dataclass(frozen=True)
class GuideCity:
    city: str
    country: str  # ISO alpha-2
    country_name: str
    currency: str
    ppp: float
    ppp_year: int

    def as_json(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "country": self.country,
            "country_name": self.country_name,
            "currency": self.currency,
            "ppp_factor": self.ppp,
            "ppp_year": self.ppp_year,
            "ppp_scope": "national",
        }


def load_ppp(folder: Path = PPP_DIR) -> tuple[dict[str, PPPFactor], PPPSource]:
    """ISO alpha-3 -> latest factor, and the file's provenance (data/ppp/source.yaml)."""
    meta = yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))
    copied = meta["copied_from"]
    source = PPPSource(
        meta["file"], meta["indicator"], meta["indicator_name"], meta["publisher"], meta["licence"],
        meta["licence_url"], meta["indicator_url"], copied["repo"], copied["path"], copied["commit"],
    )  # fmt: skip
    factors: dict[str, PPPFactor] = {}
    with (folder / source.file).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        years = [(i, int(h)) for i, h in enumerate(header) if h.strip().isdigit()]
        for row in reader:
            if len(row) < len(header) or row[3] != source.indicator:
                continue
            latest = next(((year, row[i]) for i, year in reversed(years) if row[i].strip()), None)
            if latest:
                factors[row[1]] = PPPFactor(row[1], row[0], float(latest[1]), latest[0])
    return factors, source


def pick_cities(
    factors: dict[str, PPPFactor], open_to: Counter[str], path: Path = CITIES_FILE, limit: int = GUIDE_CITIES
) -> list[GuideCity]:
    """The ``limit`` candidate cities whose countries most listings are open to (file order breaks ties)."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    candidates: list[GuideCity] = []
    for entry in raw.get("cities", []):
        country = pycountry.countries.get(alpha_2=str(entry["country"]))
        factor = factors.get(country.alpha_3) if country else None
        if country is None or factor is None:
            continue
        name = getattr(country, "common_name", None) or country.name
        candidates.append(
            GuideCity(str(entry["city"]), country.alpha_2, name, str(entry["currency"]), factor.value, factor.year)
        )
    order = {id(c): i for i, c in enumerate(candidates)}
    ranked = sorted(candidates, key=lambda c: (-open_to.get(c.country, 0), order[id(c)]))
    return ranked[:limit]

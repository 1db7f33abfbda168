"""Listing filters shared by ``remotejobs search`` (and anything else that selects open listings).

Every filter value is checked against the vocabulary it can take -- the normalisers' reference
tables in ``data/`` and the values present in the database -- so ``--category software`` is an
error that lists the valid categories instead of an empty result.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from crawler.cli.common import CliError

DATA = Path(__file__).resolve().parents[2] / "data"
WORKPLACES = ("remote", "hybrid", "onsite")
#: Characters the FTS tokenizer drops, so a word carrying them ("c++", "c#", ".net") must also
#: appear literally: "c++" alone would otherwise match every posting with a lone "c" token.
SYMBOL_WORD = re.compile(r"\w*[+#.]\w*[+#]*|\w*[+#]+")


@cache
def _title_tables() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(categories, roles, seniority ranks) named by the title rules in data/titles."""
    roles = yaml.safe_load((DATA / "titles" / "roles.yaml").read_text(encoding="utf-8"))
    seniority = yaml.safe_load((DATA / "titles" / "seniority.yaml").read_text(encoding="utf-8"))
    rules = [rule for rule in roles.get("rules", []) if isinstance(rule, dict)]
    return (
        frozenset(str(r["category"]) for r in rules if r.get("category")),
        frozenset(str(r["role"]) for r in rules if r.get("role")),
        tuple(str(rank) for rank in seniority.get("ranks", [])),
    )


def vocabulary(db: sqlite_utils.Database, name: str) -> list[str]:
    """Every value the filter ``name`` can take: the reference tables plus what the database holds."""
    categories, roles, ranks = _title_tables()
    known: set[str] = {
        "category": set(categories),
        "role": set(roles),
        "seniority": set(ranks),
        "workplace": set(WORKPLACES),
        "region": set(),
    }[name]
    if name == "region":
        known |= {str(r[0]) for r in db.execute("SELECT DISTINCT region FROM ref_region_countries")}
    else:
        known |= {str(r[0]) for r in db.execute(f"SELECT DISTINCT [{name}] FROM listings WHERE [{name}] IS NOT NULL")}
    if name == "seniority":  # rank order reads better than alphabetical
        return [r for r in ranks if r in known] + sorted(known - set(ranks))
    return sorted(known)


def checked_values(db: sqlite_utils.Database, name: str, given: Sequence[str] | None) -> list[str]:
    """The comma-separated, repeatable values of ``--name``, lower-cased, each known; else CliError."""
    values = [v.strip().lower() for item in given or [] for v in item.split(",") if v.strip()]
    if not values:
        return []
    known = vocabulary(db, name)
    unknown = [v for v in values if v not in known]
    if unknown:
        flag = f"--{name}"
        if len(known) <= 40:
            hint = "valid values: " + ", ".join(known)
        else:
            close = sorted({k for v in unknown for k in known if v in k} | set(_close(unknown, known)))
            hint = ("did you mean: " + ", ".join(close[:15]) + "; ") if close else ""
            hint += f"{len(known)} values, list them with `remotejobs search --list-values {name}`"
        raise CliError(
            f"{flag}: unknown value{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; {hint}"
        )
    return values


def _close(unknown: Sequence[str], known: Sequence[str]) -> list[str]:
    return [k for v in unknown for k in difflib.get_close_matches(v, known, n=5, cutoff=0.7)]


def parse_since(text: str, now: datetime, flag: str = "--since") -> str:
    """'7d' / '12h' / '2w' / '30m' (minutes) / an ISO date -> ISO UTC timestamp lower bound."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount),
                 "w": timedelta(weeks=amount)}[unit]  # fmt: skip
        return (now - delta).replace(microsecond=0).isoformat()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CliError(f"{flag}: expected an age like 7d, 12h, 2w or a date like 2026-11-01, got {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def symbol_words(text: str) -> list[str]:
    """Words of a search the FTS index cannot tell apart by themselves (``c++``, ``c#``, ``.net``)."""
    return [w.lower() for w in text.split() if SYMBOL_WORD.fullmatch(w.lower()) and re.search(r"[+#.]", w)]


def like_literal(word: str) -> str:
    """A LIKE pattern finding ``word`` anywhere (``\\`` escapes LIKE's own wildcards)."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def regions_within(db: sqlite_utils.Database, wanted: Sequence[str]) -> list[str]:
    """``wanted`` plus every region whose countries all lie inside them (``europe`` brings ``eu``)."""
    if not wanted:
        return []
    members: dict[str, set[str]] = {}
    for region, country in db.execute("SELECT region, country FROM ref_region_countries"):
        members.setdefault(str(region), set()).add(str(country))
    covered = set().union(*(members.get(w, set()) for w in wanted))
    inside = {r for r, countries in members.items() if countries and countries <= covered}
    return sorted(set(wanted) | inside)


def filter_clauses(
    args: argparse.Namespace, db: sqlite_utils.Database, now: datetime, alias: str = "o"
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on an open-listings row ``alias`` (and their parameters) for the filter options."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for name in ("category", "role", "seniority", "workplace"):
        values = checked_values(db, name, getattr(args, name, None))
        if values:
            marks = ", ".join(f":{name}{i}" for i in range(len(values)))
            clauses.append(f"{alias}.{name} IN ({marks})")
            params.update({f"{name}{i}": v for i, v in enumerate(values)})
    regions = regions_within(db, checked_values(db, "region", getattr(args, "region", None)))
    if regions:
        marks = ", ".join(f":region{i}" for i in range(len(regions)))
        valid = f"CASE WHEN json_valid({alias}.regions) THEN {alias}.regions ELSE '[]' END"
        clauses.append(f"EXISTS (SELECT 1 FROM json_each({valid}) j WHERE j.value IN ({marks}))")
        params.update({f"region{i}": v for i, v in enumerate(regions)})
    companies = [c.strip() for item in getattr(args, "company", None) or [] for c in item.split(",") if c.strip()]
    if companies:
        parts = []
        for i, company in enumerate(companies):
            parts.append(f"{alias}.company LIKE :company{i} ESCAPE '\\'")
            params[f"company{i}"] = like_literal(company)
        clauses.append("(" + " OR ".join(parts) + ")")
    if getattr(args, "since", None):
        params["posted_since"] = parse_since(args.since, now)
        # the posting date as the platform gave it; first seen where a platform gives none
        clauses.append(
            f"EXISTS (SELECT 1 FROM postings p WHERE p.listing_id = {alias}.id "
            "AND COALESCE(p.posted_at, p.first_seen_at) >= :posted_since)"
        )
    if getattr(args, "seen_since", None):
        params["seen_since"] = parse_since(args.seen_since, now, "--seen-since")
        clauses.append(f"{alias}.first_seen_at >= :seen_since")
    return clauses, params

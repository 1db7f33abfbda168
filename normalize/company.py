"""Company-name normalisation for matching ("Acme, Inc." == "acme.com" == "ACME").

The result is a matching key, not a display name: lower-case ASCII letters and
digits only. Steps, in order:

1. accents folded (NFKD), lower-cased, parenthesised asides dropped
   ("Acme (YC W21)", "Acme (formerly Foo)");
2. a bare domain or URL becomes its registrable label ("acme.com", "https://www.acme.co.uk/" -> "acme");
3. "&" reads "and", a leading "The" goes, punctuation becomes spaces;
4. trailing legal suffixes (``data/companies/legal_suffixes.csv``: Inc, GmbH & Co. KG, Ltd, S.A. ...)
   are removed repeatedly, then trailing generic descriptors (``descriptors.csv``: Software,
   Technologies, Labs, Careers ...) -- always keeping at least one word;
5. known renames and aliases (``aliases.csv``) map to one key;
6. spaces are dropped, so "Work Bench" == "Workbench".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "companies"

_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\d?\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?::\d+)?(?:/\S*)?$")
#: Second-level labels under a country TLD ("acme.co.uk", "acme.com.au").
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "ltd", "plc"}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _read_column(name: str) -> list[str]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return [row[0].strip() for row in csv.reader(handle) if row and row[0].strip()][1:]


@cache
def legal_suffixes() -> tuple[tuple[str, ...], ...]:
    """Legal-form suffixes as word tuples, longest first."""
    words = {tuple(_NON_WORD.sub(" ", s.lower()).split()) for s in _read_column("legal_suffixes.csv")}
    return tuple(sorted((w for w in words if w), key=len, reverse=True))


@cache
def descriptors() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_column("descriptors.csv"))


@cache
def aliases() -> dict[str, str]:
    with (DATA_DIR / "aliases.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {" ".join(_NON_WORD.sub(" ", r["alias"].lower()).split()): r["company_norm"].strip() for r in rows}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


def _domain_label(text: str) -> str | None:
    match = _URL.match(text)
    if not match:
        return None
    labels = match.group(1).split(".")[:-1]  # drop the TLD
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    return labels[-1] if labels else None


def _strip_suffixes(words: list[str]) -> list[str]:
    changed = True
    while changed and len(words) > 1:
        changed = False
        for suffix in legal_suffixes():
            n = len(suffix)
            if len(words) > n and tuple(words[-n:]) == suffix:
                words = words[:-n]
                changed = True
                break
    generic = descriptors()
    while len(words) > 1 and words[-1] in generic:
        words = words[:-1]
    return words


@cache
def normalize_company(name: str | None) -> str | None:
    """Matching key for a company name; None when there is no name."""
    if not name:
        return None
    text = _fold(name)
    text = _PARENS.sub(" ", text).strip() or text
    domain = _domain_label(text.rstrip("/"))
    if domain:
        text = domain
    text = text.replace("&", " and ").replace("+", " and ")
    words = _NON_WORD.sub(" ", text).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    words = _strip_suffixes(words)
    spaced = " ".join(words)
    spaced = aliases().get(spaced, spaced)
    return spaced.replace(" ", "") or None

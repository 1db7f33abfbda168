"""Company-name normalisation for matching ("Acme, Inc." == "acme.com" == "ACME")."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

LEGAL_SUFFIXES = (
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "ltd",
    "limited",
    "gmbh",
    "ag",
    "se",
    "sa",
    "sas",
    "sarl",
    "bv",
    "b v",
    "nv",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "pty",
    "pty ltd",
    "oy",
    "ab",
    "as",
    "aps",
    "srl",
    "spa",
    "kg",
    "ug",
    "gmbh co kg",
    "lp",
    "llp",
    "pte",
    "pvt",
    "private limited",
)
_SUFFIX_RE = re.compile(
    r"(?:\s+(?:" + "|".join(sorted(map(re.escape, LEGAL_SUFFIXES), key=len, reverse=True)) + r"))+$"
)
_DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+)\.(?:[a-z]{2,}\.?)+/?$")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@cache
def normalise_company(name: str | None) -> str | None:
    """Lower-case, accents and punctuation folded, legal suffix and domain TLD dropped."""
    if not name:
        return None
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().strip()
    domain = _DOMAIN_RE.match(text)
    if domain:
        text = domain.group(1)
    text = text.replace("&", " and ")
    text = _NON_WORD.sub(" ", text).strip()
    text = _SUFFIX_RE.sub("", text).strip()
    return text.replace(" ", "") or None

"""Listing keys: pure functions from one posting's fields to the keys dedupe blocks on.

ATS job ids in URLs and text (URL shapes and which platforms are employers' own ATS come
from the spiders, as :class:`crawler.scope.PlatformFacts`), canonical apply URLs (tracking parameters stripped), title
keys, places, time windows, title similarity and description MinHash. No database here:
:mod:`listings.matcher` combines the keys, :mod:`listings.build` reads and writes SQLite.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from w3lib.url import url_query_cleaner

from crawler.scope import PlatformFacts
from normalize.places import country_words

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 60
DEFAULT_DESC_THRESHOLD = 0.7
MINHASH_PERM = 64
MINHASH_MAX_SHINGLES = 1500
#: At most this many of a block's most recent postings are compared with a new one, so a
#: company posting the same title thousands of times cannot make matching quadratic.
BLOCK_SCAN_LIMIT = 200

_HREF = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)

#: Query parameters that only track where a click came from.
TRACKING_PARAMS = frozenset(
    {
        "gclid", "fbclid", "msclkid", "dclid", "yclid", "mc_cid", "mc_eid", "igshid", "si",
        "ref", "referer", "referrer", "source", "src", "source_id", "gh_src", "lever-source",
        "lever-origin", "lever-via", "trk", "trackingid", "refid", "_hsenc", "_hsmi", "via",
        "campaign", "medium", "utm", "ga", "_ga", "_gl", "jobboard", "board", "rx_source",
        "rx_medium", "rx_campaign", "ccuid", "jobpipeline", "feed", "channel", "from",
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "utm_name",
        "utm_reader", "utm_referrer", "utm_social", "utm_brand", "pk_source", "pk_medium", "pk_campaign",
        "mtm_source", "mtm_medium", "mtm_campaign", "hsa_acc", "hsa_cam", "hsa_grp", "hsa_ad", "hsa_src",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "rx_")
#: Apply URL paths too generic to identify one job ("/careers", "/").
_GENERIC_PATHS = frozenset({"", "careers", "jobs", "career", "join", "join-us", "apply", "work-with-us", "hiring"})

_GENDER = re.compile(
    r"\(\s*(?:[mwfdxhi*]|div|gn|nb)(?:\s*[/|,*]\s*(?:[mwfdxhi*]|div|gn|nb)){1,3}\s*\)"
    r"|\(\s*(?:all genders?|gn|d|w/m/d|m/w/d|f/m/d)\s*\)|\b[mwf]/[mwf]/[dx]\b",
    re.IGNORECASE,
)
_REMOTE_MARK = re.compile(r"\(\s*(?:fully\s+)?remote[^)]*\)|\b(?:100\s*%\s*)?remote\b|\bhybrid\b|\bon-?site\b")
_PARENS = re.compile(r"\([^()]*\)")
_NON_WORD = re.compile(r"[^a-z0-9+#]+")
_WORD = re.compile(r"[a-z0-9]+")

#: Words that carry no place in a location string.
_LOCATION_STOPWORDS = frozenset(
    {
        "remote", "hybrid", "onsite", "on", "site", "office", "in", "or", "and", "the", "of", "only",
        "anywhere", "worldwide", "global", "globally", "world", "fully", "full", "time", "based",
        "flexible", "within", "from", "friendly", "home", "work", "wfh", "area", "metro", "region",
        "timezone", "timezones", "tz", "utc", "gmt", "cet", "est", "pst", "hq", "headquarters",
        "multiple", "locations", "location", "various", "europe", "eu", "emea", "apac", "americas",
        "latam", "north", "south", "america", "asia", "africa", "oceania", "middle", "east", "us",
        "usa", "uk", "n", "a", "na", "ok", "partial", "part", "days", "week", "per", "x",
    }
)  # fmt: skip
_WORLDWIDE_WORDS = frozenset({"anywhere", "worldwide", "global", "globally"})


# -- keys (pure) ---------------------------------------------------------------------
def ats_keys_in_url(url: str | None, facts: PlatformFacts) -> list[str]:
    """ATS job ids named by a URL, as ``"<ats>:<id>"`` keys (usually zero or one); the URL
    shapes come from the spiders (``facts.job_urls``)."""
    if not url:
        return []
    text = html.unescape(url).lower() if "&" in url else url.lower()
    if not any(hint in text for hint in facts.url_hints):
        return []
    keys: list[str] = []
    for ats, pattern in facts.compiled_job_urls:
        for match in pattern.finditer(text):
            key = f"{ats}:{match.group(1)}"
            if key not in keys:
                keys.append(key)
    return keys


def ats_keys_in_text(text: str | None, facts: PlatformFacts) -> list[str]:
    """ATS job ids linked anywhere in a description (HTML or text), in order of appearance."""
    if not text:
        return []
    keys: list[str] = []
    for url in _HREF.findall(html.unescape(text) if "&" in text else text):
        for key in ats_keys_in_url(url, facts):
            if key not in keys:
                keys.append(key)
    return keys


def own_ats_key(
    source: str | None, source_id: str | None, url: str | None, apply_url: str | None, facts: PlatformFacts
) -> str | None:
    """The ATS job this posting *is* (not merely mentions)."""
    for candidate in (url, apply_url):
        keys = ats_keys_in_url(candidate, facts)
        if keys:
            return keys[0]
    if source in facts.own_ats and source_id:
        return f"{source}:{str(source_id).lower()}"
    return None


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


_TRACKING_LIST = sorted(TRACKING_PARAMS)


def canonical_url(url: str | None) -> str | None:
    """URL with tracking parameters (w3lib ``url_query_cleaner`` plus ``utm_*``-style prefixes),
    fragment, scheme, ``www.`` and trailing slash removed; remaining parameters sorted."""
    if not url:
        return None
    text = url.strip()
    if "&" in text:
        text = html.unescape(text)
    if not text.lower().startswith(("http://", "https://")):
        return None
    try:
        if "?" in text:
            text = url_query_cleaner(text, _TRACKING_LIST, remove=True, unique=False, keep_fragments=False)
        parts = urlsplit(text)
    except ValueError:
        return None
    query = ""
    if parts.query:
        pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
        query = urlencode(sorted(pairs))
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return host + path + (f"?{query}" if query else "")


def apply_key(url: str | None) -> str | None:
    """A canonical apply URL specific enough to identify one job (not "/careers", not mailto)."""
    canonical = canonical_url(url)
    if canonical is None:
        return None
    _host, _, rest = canonical.partition("/")
    path, _, query = rest.partition("?")
    segments = [s for s in path.split("/") if s]
    if not query and (not segments or (len(segments) == 1 and segments[0].lower() in _GENERIC_PATHS)):
        return None
    return canonical


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", html.unescape(text)).encode("ascii", "ignore").decode().lower()


@lru_cache(maxsize=262_144)
def title_key(title: str | None) -> str | None:
    """Matching key of a title: markers for gender, remote and work mode removed, punctuation folded."""
    if not title:
        return None
    text = _GENDER.sub(" ", _fold(title))
    text = _REMOTE_MARK.sub(" ", text)
    text = text.replace("&", " and ")
    key = " ".join(_NON_WORD.sub(" ", text).split())
    return key or None


@lru_cache(maxsize=262_144)
def title_core_from(title: str | None) -> str | None:
    """A coarser title key: parenthesised parts and anything after ' - ', ' | ', ',' dropped."""
    if not title:
        return None
    text = _GENDER.sub(" ", _fold(title))
    text = _PARENS.sub(" ", text)
    text = re.split(r"\s[-|/:]\s|,", text, maxsplit=1)[0]
    return title_key(text)


@dataclass(frozen=True, slots=True)
class Place:
    """What a posting says about where the job is, reduced for compatibility checks."""

    places: frozenset[str] = frozenset()  # city/subdivision words
    countries: frozenset[str] = frozenset()
    worldwide: bool = False

    @property
    def known(self) -> bool:
        return bool(self.places or self.countries or self.worldwide)


def place_of(location_raw: str | None, countries: Iterable[str] | None = None, worldwide: bool | None = None) -> Place:
    """Place words and countries of a posting (normalised ``countries`` win over our own lookup)."""
    return _place(location_raw, tuple(sorted(c.upper() for c in countries or () if c)), bool(worldwide))


@lru_cache(maxsize=262_144)
def _place(location_raw: str | None, countries: tuple[str, ...], worldwide: bool) -> Place:
    found = set(countries)
    words: list[str] = _WORD.findall(_fold(location_raw)) if location_raw else []
    names = country_words()  # the location normaliser's vocabulary (data/places)
    own_countries: set[str] = set()
    skip: set[int] = set()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            if any(j in skip for j in range(i, i + size)):
                continue
            code = names.get(" ".join(words[i : i + size]))
            if code and (size > 1 or len(words[i]) > 2 or words[i] in {"us", "uk"}):
                own_countries.add(code)
                skip.update(range(i, i + size))
    places = frozenset(
        w
        for i, w in enumerate(words)
        if i not in skip and w not in _LOCATION_STOPWORDS and not w.isdigit() and len(w) > 1
    )
    is_worldwide = bool(worldwide) or any(w in _WORLDWIDE_WORDS for w in words)
    return Place(places, frozenset(found or own_countries), is_worldwide)


def compatible_places(a: Place, b: Place) -> bool:
    """Could two location statements describe the same job?

    Worldwide or unstated on either side: yes. Both name cities: they must share one.
    Otherwise both name countries: they must share one.
    """
    if a.worldwide or b.worldwide or not a.known or not b.known:
        return True
    if a.places and b.places:
        return bool(a.places & b.places)
    if a.countries and b.countries:
        return bool(a.countries & b.countries)
    return True


@lru_cache(maxsize=65_536)
def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def within_window(a: tuple[datetime, datetime], b: tuple[datetime, datetime], window: timedelta) -> bool:
    """Do two activity intervals [start, end] come within ``window`` of each other?"""
    return a[0] <= b[1] + window and b[0] <= a[1] + window


def similar_titles(a: str | None, b: str | None, threshold: float = 0.75) -> bool:
    """Near titles: one's words contain the other's, or word-set Jaccard >= ``threshold``.

    "Sr Software Engineer" ~ "Sr Software Engineer, AI Team"; not "Private Equity Conference
    Volunteer" ~ "Private Equity Event Volunteer" (a different word is a different job).
    """
    if not a or not b:
        return False
    x, y = set(a.split()), set(b.split())
    if x <= y or y <= x:
        return True
    return len(x & y) / len(x | y) >= threshold


def shingles(text: str, size: int = 3) -> set[str]:
    words = _WORD.findall(_fold(re.sub(r"<[^>]+>", " ", text)))
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@cache
def _minhash_template() -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=MINHASH_PERM, seed=7)


def minhash(text: str | None) -> Any:
    """datasketch MinHash of a description's word 3-shingles (crc32-hashed, first shingles only)."""
    if not text:
        return None
    from datasketch import MinHash

    template = _minhash_template()
    mh = MinHash(
        num_perm=MINHASH_PERM, seed=7, hashfunc=zlib.crc32, permutations=template.permutations, scheme=template.scheme
    )
    mh.update_batch([s.encode() for s in list(shingles(text))[:MINHASH_MAX_SHINGLES]])
    return mh


def minhash_similarity(a: str | None, b: str | None) -> float | None:
    """Estimated Jaccard similarity of two descriptions' word 3-shingles (datasketch MinHash)."""
    ha, hb = minhash(a), minhash(b)
    if ha is None or hb is None:
        return None
    return float(ha.jaccard(hb))

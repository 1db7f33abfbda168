"""Cross-platform dedupe: one real-world job, one listing.

Each posting is placed in a listing by the first rule that fires, in this order
(every decision is stored in ``listing_matches`` with its rule, score and detail):

1. ``override_split`` / ``override_merge``: an analyst's decision in ``listing_overrides``.
2. ``ats_id``: the same applicant-tracking-system job id (Greenhouse, Lever, Ashby,
   Workable, SmartRecruiters) in the posting's URL, apply URL or own id.
3. ``ats_requisition``: the same ATS requisition (Greenhouse ``internal_job_id``) and the
   same title: one job the employer posts in several locations.
4. ``ats_id_mentioned``: the posting's description links an ATS job (a Hacker News
   comment naming three jobs joins the first one found, never all of them), or an
   earlier posting links this ATS job.
5. ``apply_url``: the same specific apply URL after tracking parameters are stripped.
6. ``company_title``: the same normalised company and title, a compatible location and
   a time overlap within ``DEDUPE_WINDOW_DAYS``.
7. ``company_near_title+description``: same company, same role/seniority (or the same
   title core) and description MinHash similarity of at least ``DEDUPE_DESC_THRESHOLD``
   -- description similarity never merges on its own.

Blocking: candidates are only looked up by exact keys (ATS id, requisition, apply
URL, company + title, company + role), so the cost grows linearly with postings.
Two postings with different ids on the employer's own ATS are never merged by the
content rules (the employer says they are two jobs).

A content match (6, 7) to a posting of the same platform, or to a posting that was
already closed when this one appeared, is a *repost* (``listing_matches.repost``).
"""

from __future__ import annotations

import contextlib
import gc
import html
import json
import logging
import re
import sys
import unicodedata
import zlib
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlite_utils
from w3lib.url import url_query_cleaner

from normalize.company import normalize_company

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 60
DEFAULT_DESC_THRESHOLD = 0.7
MINHASH_PERM = 64
MINHASH_MAX_SHINGLES = 1500
#: At most this many of a block's most recent postings are compared with a new one, so a
#: company posting the same title thousands of times cannot make matching quadratic.
BLOCK_SCAN_LIMIT = 200

#: Platforms that are employers' own applicant tracking systems.
ATS_SOURCES = frozenset({"greenhouse", "lever", "ashby", "workable", "smartrecruiters"})

_ID = r"(\d{4,})"
_UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
#: (ats, pattern over a lower-cased URL); group 1 is the job id.
ATS_URL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (ats, re.compile(pattern))
    for ats, pattern in (
        ("greenhouse", r"greenhouse\.io/(?:v1/boards/)?[\w.-]+/jobs/" + _ID),
        ("greenhouse", r"greenhouse\.io/embed/job_app\?(?:[^#]*&)?token=" + _ID),
        ("greenhouse", r"[?&]gh_jid=" + _ID),
        ("lever", r"lever\.co/(?:v0/postings/)?[\w.-]+/" + _UUID),
        ("ashby", r"ashbyhq\.com/(?:[^/?#]+/)+" + _UUID),
        ("ashby", r"[?&]ashby_jid=" + _UUID),
        ("workable", r"workable\.com/(?:[\w.-]+/)?j/([0-9a-z]{8,12})\b"),
        ("workable", r"jobs\.workable\.com/view/([0-9a-z-]{8,40})\b"),
        ("smartrecruiters", r"smartrecruiters\.com/(?:v1/companies/)?[\w.-]+/(?:postings/)?(\d{9,})"),
    )
)
_HREF = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_ATS_HINTS = ("greenhouse", "gh_jid", "lever.co", "ashby", "workable", "smartrecruiters")

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
def ats_keys_in_url(url: str | None) -> list[str]:
    """ATS job ids named by a URL, as ``"<ats>:<id>"`` keys (usually zero or one)."""
    if not url:
        return []
    text = html.unescape(url).lower() if "&" in url else url.lower()
    if not any(hint in text for hint in _ATS_HINTS):
        return []
    keys: list[str] = []
    for ats, pattern in ATS_URL_PATTERNS:
        for match in pattern.finditer(text):
            key = f"{ats}:{match.group(1)}"
            if key not in keys:
                keys.append(key)
    return keys


def ats_keys_in_text(text: str | None) -> list[str]:
    """ATS job ids linked anywhere in a description (HTML or text), in order of appearance."""
    if not text:
        return []
    keys: list[str] = []
    for url in _HREF.findall(html.unescape(text) if "&" in text else text):
        for key in ats_keys_in_url(url):
            if key not in keys:
                keys.append(key)
    return keys


def own_ats_key(source: str | None, source_id: str | None, url: str | None, apply_url: str | None) -> str | None:
    """The ATS job this posting *is* (not merely mentions)."""
    for candidate in (url, apply_url):
        keys = ats_keys_in_url(candidate)
        if keys:
            return keys[0]
    if source in ATS_SOURCES and source_id:
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


@cache
def _country_words() -> dict[str, str]:
    """Country names (one to three words, lower case) -> ISO alpha-2, from pycountry."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names[" ".join(_WORD.findall(_fold(value)))] = country.alpha_2
    names.update({"usa": "US", "us": "US", "uk": "GB", "england": "GB", "scotland": "GB", "britain": "GB",
                  "holland": "NL", "south korea": "KR", "russia": "RU", "czechia": "CZ", "vietnam": "VN",
                  "turkey": "TR", "united states": "US", "deutschland": "DE", "espana": "ES"})  # fmt: skip
    return names


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
    names = _country_words()
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


# -- postings as the matcher sees them -------------------------------------------------
@dataclass(slots=True)
class Candidate:
    """A posting reduced to what matching needs."""

    id: int
    source: str
    company_norm: str | None
    title_key: str | None
    near_key: str | None
    core_key: str | None
    ats_key: str | None
    ats_group: str | None
    apply_key: str | None
    refs: tuple[str, ...]
    place: Place
    start: float  # active from (epoch seconds): posted_at or first seen, whichever is earlier
    end: float  # ... to last seen
    closed_at: float | None
    employer_ats: bool
    old_listing_id: int | None = None
    listing_id: int | None = None
    stored_sig: str | None = None
    #: the listing id stored before this run (``old_listing_id`` may be cleared to re-match)
    prev_listing_id: int | None = None

    def signature(self) -> str:
        return json.dumps(
            [self.company_norm, self.title_key, self.near_key, self.ats_key, self.ats_group, self.apply_key,
             list(self.refs), sorted(self.place.places), sorted(self.place.countries), self.place.worldwide],
            separators=(",", ":"),
        )  # fmt: skip


#: Columns read from (wide) ``postings`` rows to compute a posting's keys.
CANDIDATE_COLUMNS = (
    "id, source, source_id, url, apply_url, company, title, title_clean, role, seniority, location_raw, "
    "countries, worldwide, posted_at, first_seen_at, last_seen_at, closed_at, listing_id, dedupe_sig, "
    "CASE WHEN source = 'greenhouse' THEN json_extract(raw_json, '$.internal_job_id') END AS requisition, "
    "CASE WHEN source NOT IN ('greenhouse', 'lever', 'ashby', 'workable', 'smartrecruiters') "
    "AND (instr(description_html, 'greenhouse') OR instr(description_html, 'lever.co') "
    "OR instr(description_html, 'ashbyhq') OR instr(description_html, 'workable') "
    "OR instr(description_html, 'smartrecruiters')) THEN description_html END AS ats_text"
)
#: Rank of a posting as its listing's canonical record (higher first): the employer's own ATS,
#: then completeness (clean title, category, role, seniority, workplace, countries, salary
#: counted twice, company, a real description). ``posted_at`` adds one when listings are built.
RANK_SQL = (
    "100 * (source IN ('greenhouse', 'lever', 'ashby', 'workable', 'smartrecruiters')) "
    "+ (title_clean IS NOT NULL) + (category IS NOT NULL) + (role IS NOT NULL) + (seniority IS NOT NULL) "
    "+ (workplace IS NOT NULL) + (countries IS NOT NULL AND countries != '[]') "
    "+ 2 * (salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL) + (company IS NOT NULL) "
    "+ (length(COALESCE(description_text, '')) > 200)"
)
#: ``CANDIDATE_COLUMNS`` plus what listings are built from (stored in ``posting_keys``).
KEY_SOURCE_COLUMNS = (
    f"{CANDIDATE_COLUMNS}, {RANK_SQL} AS rank, "
    "(salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL) AS has_salary, "
    "COALESCE(apply_url, url) AS apply_at, regions, category, workplace, salary_usd_min, salary_usd_max, "
    "salary_estimate, salary_source"
)
#: ``posting_keys`` columns in insert order.
KEY_TABLE_COLUMNS = (
    "posting_id, listing_id, version, source, company_norm, title_key, near_key, core_key, ats_key, ats_group, "
    "apply_key, refs, place, posted_at, first_seen_at, last_seen_at, closed_at, rank, has_salary, apply_at, "
    "countries, regions, title, company, category, role, seniority, workplace, worldwide, salary_usd_min, "
    "salary_usd_max, salary_estimate, salary_source"
)
#: ``posting_keys`` columns a :class:`Candidate` is read from.
KEY_COLUMNS = (
    "posting_id, listing_id, source, company_norm, title_key, near_key, core_key, ats_key, ats_group, apply_key, "
    "refs, place, posted_at, first_seen_at, last_seen_at, closed_at"
)
#: Bump when a key function changes meaning (title_key, place_of, own_ats_key, apply_key, the
#: rank...): every stored key row is then recomputed by the next ``--rebuild``.
KEY_RULES_VERSION = "1"


@cache
def key_version() -> str:
    """Version of the stored keys: the rules version and the company-normalisation tables."""
    from normalize.company import DATA_DIR

    digest = zlib.crc32(KEY_RULES_VERSION.encode())
    for path in sorted(DATA_DIR.glob("*.csv")):
        digest = zlib.crc32(path.read_bytes(), digest)
    return f"{KEY_RULES_VERSION}-{digest:08x}"


@lru_cache(maxsize=65_536)
def _json_list(text: str | None) -> tuple[str, ...] | None:
    if not text or text == "[]":
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return tuple(str(v) for v in value) if isinstance(value, list) else None


@lru_cache(maxsize=262_144)
def epoch(value: str | None) -> float | None:
    """``parse_time`` as epoch seconds (what the matcher compares)."""
    parsed = parse_time(value)
    return parsed.timestamp() if parsed is not None else None


@lru_cache(maxsize=262_144)
def _interval(posted_at: str | None, first_seen: str | None, last_seen: str | None) -> tuple[float, float]:
    """Activity interval of a posting: from posted (or first seen, if earlier) to last seen."""
    seen, posted, last = epoch(first_seen), epoch(posted_at), epoch(last_seen)
    start = min((t for t in (posted, seen) if t is not None), default=last or 0.0)
    return start, max(start, last or seen or start)


def _intern(text: str | None) -> str | None:
    return sys.intern(text) if text else None


def candidate_from_row(row: Sequence[Any]) -> Candidate:
    """A :class:`Candidate` computed from a ``postings`` row read with ``CANDIDATE_COLUMNS``."""
    (pid, source, source_id, url, apply_url_, company, title, title_clean, role, seniority, location_raw,
     countries, worldwide, posted_at, first_seen, last_seen, closed_at, listing_id, stored_sig, requisition,
     ats_text) = row[:21]  # fmt: skip
    key = title_key(title_clean or title)
    start, end = _interval(posted_at, first_seen, last_seen)
    ats = own_ats_key(source, source_id, url, apply_url_)
    refs = tuple(k for k in ats_keys_in_text(ats_text) if k != ats) if ats_text else ()
    listing = int(listing_id) if listing_id is not None else None
    return Candidate(
        id=int(pid),
        source=sys.intern(str(source)),
        company_norm=_intern(normalize_company(company)),
        title_key=_intern(key),
        near_key=_intern(f"{role}|{seniority or ''}") if role else None,
        core_key=_intern(title_core_from(title_clean or title)),
        ats_key=ats,
        # an employer reuses a requisition for several postings: same requisition *and* title
        ats_group=f"{source}-req:{requisition}|{key}" if requisition not in (None, "") and key else None,
        apply_key=apply_key(apply_url_) or (apply_key(url) if source in ATS_SOURCES else None),
        refs=refs,
        place=place_of(location_raw, _json_list(countries), bool(worldwide)),
        start=start,
        end=end,
        closed_at=epoch(closed_at),
        employer_ats=source in ATS_SOURCES,
        old_listing_id=listing,
        stored_sig=stored_sig,
        prev_listing_id=listing,
    )


@lru_cache(maxsize=65_536)
def _place_text(place: Place) -> str:
    return json.dumps([sorted(place.places), sorted(place.countries), int(place.worldwide)], separators=(",", ":"))


@lru_cache(maxsize=65_536)
def _place_from_text(text: str | None) -> Place:
    if not text:
        return Place()
    places, countries, worldwide = json.loads(text)
    return Place(frozenset(places), frozenset(countries), bool(worldwide))


def key_row(c: Candidate, row: Sequence[Any]) -> tuple[Any, ...]:
    """The ``posting_keys`` row (``KEY_TABLE_COLUMNS``) of a posting read with ``KEY_SOURCE_COLUMNS``."""
    (_pid, _source, _source_id, _url, _apply_url, company, title, title_clean, role, seniority, _location_raw,
     countries, worldwide, posted_at, first_seen, last_seen, closed_at, _listing_id, _sig, _requisition, _ats_text,
     rank, has_salary, apply_at, regions, category, workplace, salary_min, salary_max, salary_estimate,
     salary_source) = row  # fmt: skip
    return (
        c.id, c.listing_id if c.listing_id is not None else c.prev_listing_id, key_version(), c.source,
        c.company_norm, c.title_key, c.near_key, c.core_key, c.ats_key, c.ats_group, c.apply_key,
        " ".join(c.refs) or None, _place_text(c.place), posted_at, first_seen, last_seen, closed_at,
        int(rank or 0), int(has_salary or 0), apply_at, countries, regions, title_clean or title, company, category,
        role, seniority, workplace, worldwide, salary_min, salary_max, salary_estimate, salary_source,
    )  # fmt: skip


def candidate_from_keys(row: Sequence[Any]) -> Candidate:
    """A :class:`Candidate` read back from ``posting_keys`` (``KEY_COLUMNS``): no key is recomputed."""
    (pid, listing_id, source, company_norm, tkey, near, core, ats, group, apply, refs, place, posted_at,
     first_seen, last_seen, closed_at) = row  # fmt: skip
    start, end = _interval(posted_at, first_seen, last_seen)
    return Candidate(
        id=pid,
        source=sys.intern(source),
        company_norm=_intern(company_norm),
        title_key=_intern(tkey),
        near_key=_intern(near),
        core_key=_intern(core),
        ats_key=ats,
        ats_group=group,
        apply_key=apply,
        refs=tuple(refs.split()) if refs else (),
        place=_place_from_text(place),
        start=start,
        end=end,
        closed_at=epoch(closed_at) if closed_at else None,
        employer_ats=source in ATS_SOURCES,
        old_listing_id=listing_id,
        prev_listing_id=listing_id,
    )


def process_order(c: Candidate) -> tuple[int, float, int]:
    """Employers' own ATS postings first (they anchor listings), then oldest first."""
    return (0 if c.employer_ats else 1, c.start, c.id)


@dataclass(slots=True)
class Decision:
    posting_id: int
    listing_id: int
    rule: str
    score: float
    matched_posting_id: int | None = None
    repost: bool = False
    detail: dict[str, Any] | None = None


@dataclass(slots=True)
class Override:
    action: str  # 'split' | 'merge'
    target_posting_id: int | None
    listing_id: int | None
    reason: str | None


class Matcher:
    """Assigns postings to listings using exact-key blocks (no all-pairs comparison)."""

    def __init__(
        self,
        *,
        window_days: float = DEFAULT_WINDOW_DAYS,
        desc_threshold: float = DEFAULT_DESC_THRESHOLD,
        description: Callable[[int], str | None] | None = None,
        next_listing_id: int = 1,
        overrides: dict[int, Override] | None = None,
    ) -> None:
        self.window = timedelta(days=window_days)
        self._window_s = self.window.total_seconds()
        self.desc_threshold = desc_threshold
        self.description = description
        self.next_id = next_listing_id
        self.overrides = overrides or {}
        self.by_ats: dict[str, Candidate] = {}
        self.by_group: dict[str, int] = {}
        self.by_apply: dict[str, int] = {}
        self.by_ref: dict[str, list[Candidate]] = {}
        self.by_title: dict[tuple[str, str], list[Candidate]] = {}
        self.by_near: dict[tuple[str, str], list[Candidate]] = {}
        self.listing_ats: dict[int, set[str]] = {}  # listing -> own ATS keys of its postings
        #: postings that are an override's merge target (the only ones looked up by id)
        self.by_id: dict[int, Candidate] = {}
        self.targets = {o.target_posting_id for o in self.overrides.values() if o.target_posting_id is not None}
        self.reserved_ids: set[int] = set()
        self._minhash_cache: dict[int, Any] = {}

    # -- index ---------------------------------------------------------------------------
    def add(self, c: Candidate) -> None:
        """Index an already placed posting (``c.listing_id`` set)."""
        listing = c.listing_id
        assert listing is not None
        if self.overrides:
            if c.id in self.targets:
                self.by_id[c.id] = c
            if c.id in self.overrides and self.overrides[c.id].action == "split":
                return  # a split posting is nobody's match
        ats = c.ats_key
        if ats:
            if ats not in self.by_ats:
                self.by_ats[ats] = c
            own = self.listing_ats.get(listing)
            if own is None:
                self.listing_ats[listing] = {ats}
            else:
                own.add(ats)
        if c.ats_group and c.ats_group not in self.by_group:
            self.by_group[c.ats_group] = listing
        if c.apply_key and c.apply_key not in self.by_apply:
            self.by_apply[c.apply_key] = listing
        for ref in c.refs:
            self.by_ref.setdefault(ref, []).append(c)
        company = c.company_norm
        if company:
            for index, key in (
                (self.by_title, c.title_key),
                (self.by_near, c.near_key),
                (self.by_near, c.core_key if c.core_key != c.near_key else None),
            ):
                if key:
                    block = index.get((company, key))
                    if block is None:
                        index[(company, key)] = [c]
                    else:
                        block.append(c)

    def new_listing_id(self, preferred: int | None = None) -> int:
        if preferred is not None and preferred not in self.reserved_ids:
            self.reserved_ids.add(preferred)
            return preferred
        while self.next_id in self.reserved_ids:
            self.next_id += 1
        self.reserved_ids.add(self.next_id)
        return self.next_id

    # -- rules ---------------------------------------------------------------------------
    def _conflicts(self, c: Candidate, listing: int) -> bool:
        """Would joining ``listing`` merge two different jobs of the employer's own ATS?"""
        if not c.ats_key:
            return False
        ats = c.ats_key.split(":", 1)[0]
        return any(k != c.ats_key and k.split(":", 1)[0] == ats for k in self.listing_ats.get(listing, ()))

    def _compatible(self, c: Candidate, other: Candidate) -> bool:
        """Compatible places and activity within the window (``within_window`` on epoch seconds)."""
        window = self._window_s
        return (
            c.start <= other.end + window
            and other.start <= c.end + window
            and (c.place is other.place or compatible_places(c.place, other.place))
        )

    def _repost(self, c: Candidate, other: Candidate) -> bool:
        return other.source == c.source or (other.closed_at is not None and other.closed_at <= c.start)

    def _minhash(self, posting_id: int) -> Any:
        if posting_id not in self._minhash_cache and self.description is not None:
            self._minhash_cache[posting_id] = minhash(self.description(posting_id))
        return self._minhash_cache.get(posting_id)

    def decide(self, c: Candidate) -> Decision:
        override = self.overrides.get(c.id) if self.overrides else None
        if override is not None:
            if override.action == "split":
                return Decision(c.id, self.new_listing_id(), "override_split", 1.0, detail={"reason": override.reason})
            target = self.by_id.get(override.target_posting_id) if override.target_posting_id else None
            if target is not None and target.listing_id is not None:
                return Decision(
                    c.id, target.listing_id, "override_merge", 1.0, target.id, detail={"reason": override.reason}
                )
        if c.ats_key and c.ats_key in self.by_ats:
            other = self.by_ats[c.ats_key]
            assert other.listing_id is not None
            return Decision(c.id, other.listing_id, "ats_id", 1.0, other.id, detail={"key": c.ats_key})
        if c.ats_group and c.ats_group in self.by_group:
            listing = self.by_group[c.ats_group]
            return Decision(c.id, listing, "ats_requisition", 1.0, detail={"key": c.ats_group})
        if c.ats_key:
            for other in self.by_ref.get(c.ats_key, ()):
                if other.listing_id is not None and not self._conflicts(c, other.listing_id):
                    return Decision(
                        c.id, other.listing_id, "ats_id_mentioned", 0.95, other.id, detail={"key": c.ats_key}
                    )
        for ref in c.refs:
            mentioned = self.by_ats.get(ref)
            if mentioned is not None and mentioned.listing_id is not None:
                detail = {"key": ref, "mentioned": list(c.refs)}
                return Decision(c.id, mentioned.listing_id, "ats_id_mentioned", 0.95, mentioned.id, detail=detail)
        if c.apply_key and c.apply_key in self.by_apply:
            listing = self.by_apply[c.apply_key]
            if not self._conflicts(c, listing):
                return Decision(c.id, listing, "apply_url", 0.95, detail={"key": c.apply_key})
        if c.company_norm and c.title_key:
            block = self.by_title.get((c.company_norm, c.title_key))
            best = self._best(c, block) if block else None
            if best is not None:
                assert best.listing_id is not None
                return Decision(
                    c.id, best.listing_id, "company_title", 0.9, best.id, self._repost(c, best),
                    {"company": c.company_norm, "title": c.title_key},
                )  # fmt: skip
        if (
            c.company_norm
            and self.description is not None
            and ((c.company_norm, c.near_key) in self.by_near or (c.company_norm, c.core_key) in self.by_near)
        ):
            decision = self._near(c)
            if decision is not None:
                return decision
        return Decision(c.id, self.new_listing_id(c.old_listing_id), "new", 1.0)

    def _best(self, c: Candidate, candidates: Sequence[Candidate]) -> Candidate | None:
        best: Candidate | None = None
        if not candidates:
            return None
        for other in reversed(candidates[-BLOCK_SCAN_LIMIT:] if len(candidates) > BLOCK_SCAN_LIMIT else candidates):
            if other.listing_id is None or other.id == c.id or not self._compatible(c, other):
                continue
            if self._conflicts(c, other.listing_id):
                continue
            if best is None or abs(other.start - c.start) < abs(best.start - c.start):
                best = other
        return best

    def _near(self, c: Candidate) -> Decision | None:
        assert c.company_norm is not None
        seen: set[int] = set()
        for near in (c.near_key, c.core_key):
            if not near:
                continue
            block = self.by_near.get((c.company_norm, near))
            if not block:
                continue
            for other in reversed(block[-BLOCK_SCAN_LIMIT:] if len(block) > BLOCK_SCAN_LIMIT else block):
                if other.id in seen or other.listing_id is None or other.id == c.id:
                    continue
                seen.add(other.id)
                if other.title_key == c.title_key or not self._compatible(c, other):
                    continue  # same title was already judged by the company_title rule
                if self._conflicts(c, other.listing_id):
                    continue
                if not similar_titles(c.title_key, other.title_key):
                    continue
                mine, theirs = self._minhash(c.id), self._minhash(other.id)
                score = float(mine.jaccard(theirs)) if mine is not None and theirs is not None else None
                if score is not None and score >= self.desc_threshold:
                    return Decision(
                        c.id, other.listing_id, "company_near_title+description", round(score, 3), other.id,
                        self._repost(c, other),
                        {"company": c.company_norm, "block": near, "description_similarity": round(score, 3)},
                    )  # fmt: skip
        return None

    def place(self, c: Candidate) -> Decision:
        decision = self.decide(c)
        c.listing_id = decision.listing_id
        self.add(c)
        return decision


# -- database side -------------------------------------------------------------------------
def _settings_value(settings: Any, name: str, default: float) -> float:
    if settings is None:
        try:
            from scrapy.utils.project import get_project_settings

            settings = get_project_settings()
        except Exception:  # outside a Scrapy project
            return default
    try:
        return float(settings.getfloat(name, default))
    except (TypeError, ValueError, AttributeError):
        return default


def _load_overrides(db: sqlite_utils.Database) -> dict[int, Override]:
    overrides: dict[int, Override] = {}
    for pid, listing_id, action, reason, target in db.execute(
        "SELECT o.posting_id, o.listing_id, o.action, o.reason, "
        "COALESCE(o.target_posting_id, l.canonical_posting_id) "
        "FROM listing_overrides o LEFT JOIN listings l ON l.id = o.listing_id ORDER BY o.id"
    ):
        overrides[int(pid)] = Override(str(action or ("merge" if listing_id else "split")), target, listing_id, reason)
    return overrides


def _describer(db: sqlite_utils.Database) -> Callable[[int], str | None]:
    def describe(posting_id: int) -> str | None:
        row = db.execute(
            "SELECT COALESCE(description_text, description_html) FROM postings WHERE id = ?", [posting_id]
        ).fetchone()
        return row[0] if row else None

    return describe


CHUNK = 400  # ids per "IN (...)": under SQLite's variable limit


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _computed_rows(
    db: sqlite_utils.Database, where: str = "", params: Sequence[Any] = ()
) -> Iterator[tuple[Candidate, tuple[Any, ...]]]:
    """Candidates computed from full ``postings`` rows, with their ``posting_keys`` row."""
    cursor = db.conn.execute(f"SELECT {KEY_SOURCE_COLUMNS} FROM postings {where}", list(params))
    while rows := cursor.fetchmany(2000):
        for row in rows:
            c = candidate_from_row(row)
            yield c, key_row(c, row)


def _computed_by_id(db: sqlite_utils.Database, ids: Sequence[int]) -> Iterator[tuple[Candidate, tuple[Any, ...]]]:
    for chunk in _chunks(sorted(ids)):
        yield from _computed_rows(db, f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)


def _key_candidates(db: sqlite_utils.Database, where: str = "", params: Sequence[Any] = ()) -> Iterator[Candidate]:
    """Candidates read from ``posting_keys`` (current ``key_version`` only)."""
    cursor = db.conn.execute(
        f"SELECT {KEY_COLUMNS} FROM posting_keys WHERE version = ? {where}", [key_version(), *params]
    )
    while rows := cursor.fetchmany(5000):
        for row in rows:
            yield candidate_from_keys(row)


def _stale_ids(db: sqlite_utils.Database) -> list[int]:
    """Postings without a current ``posting_keys`` row (new, edited, or keys of older rules)."""
    current = db.execute("SELECT COUNT(*) FROM posting_keys WHERE version = ?", [key_version()]).fetchone()[0]
    if current == db.execute("SELECT COUNT(*) FROM postings").fetchone()[0]:
        return []  # a key row exists only for an existing posting (a trigger deletes it with the posting)
    return [
        int(r[0])
        for r in db.execute(
            "SELECT id FROM postings WHERE id NOT IN (SELECT posting_id FROM posting_keys WHERE version = ?)",
            [key_version()],
        )
    ]


def _write_keys(db: sqlite_utils.Database, rows: Iterable[tuple[Any, ...]]) -> None:
    marks = ",".join("?" * len(KEY_TABLE_COLUMNS.split(",")))
    db.conn.executemany(f"INSERT OR REPLACE INTO posting_keys ({KEY_TABLE_COLUMNS}) VALUES ({marks})", rows)


def _write_refs(db: sqlite_utils.Database, candidates: Sequence[Candidate]) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO posting_refs (posting_id, ref_key) VALUES (?, ?)",
        ((c.id, ref) for c in candidates for ref in c.refs),
    )


class IdSet:
    """A compact set of posting ids (one byte per id up to the largest)."""

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, posting_id: int) -> None:
        if posting_id >= len(self.bits):
            self.bits.extend(bytes(max(posting_id + 1 - len(self.bits), len(self.bits))))
        self.bits[posting_id] = 1

    def __contains__(self, posting_id: object) -> bool:
        return isinstance(posting_id, int) and 0 <= posting_id < len(self.bits) and self.bits[posting_id] == 1


def refresh_keys(db: sqlite_utils.Database, ids: Sequence[int] | None = None) -> IdSet:
    """(Re)compute ``posting_keys`` rows (and refs) of ``ids`` -- default: every posting without a
    current row -- keeping their listing; returns the ids. In chunks, so memory stays flat.
    Used by ``rebuild``, for stale rows of listings being built, and by the v4 migration."""
    todo = _stale_ids(db) if ids is None else list(ids)
    done = IdSet()
    for chunk in _chunks(todo, 5000):
        computed = list(_computed_by_id(db, chunk))
        _delete_refs_of(db, [c.id for c, _ in computed])
        _write_refs(db, [c for c, _ in computed])
        _write_keys(db, (row for _, row in computed))
        for c, _ in computed:
            done.add(c.id)
    return done


def _delete_refs_of(db: sqlite_utils.Database, ids: Sequence[int]) -> None:
    db.conn.executemany("DELETE FROM posting_refs WHERE posting_id = ?", ((i,) for i in ids))


def _write_decisions(
    db: sqlite_utils.Database,
    placed: Sequence[tuple[Candidate, Decision]],
    decided_at: str,
    fresh: Container[int],
    *,
    all_matches: bool = False,
) -> None:
    """Store placements and decisions. ``postings`` rows get the keys of ``fresh`` postings (whose
    ``posting_keys`` rows were just written) and a changed ``listing_id``; the other (wide) rows
    are not rewritten. A trigger copies ``listing_id`` into ``posting_keys``.
    """
    db.conn.executemany(
        "UPDATE postings SET listing_id = ?, dedupe_ats_key = ?, dedupe_ats_group = ?, dedupe_apply_key = ?, "
        "dedupe_title_key = ?, dedupe_sig = ?, company_norm = COALESCE(?, company_norm) WHERE id = ?",
        (
            (d.listing_id, c.ats_key, c.ats_group, c.apply_key, c.title_key, c.signature(), c.company_norm, c.id)
            for c, d in sorted(((c, d) for c, d in placed if c.id in fresh), key=lambda cd: cd[0].id)
        ),
    )
    db.conn.executemany(
        "UPDATE postings SET listing_id = ? WHERE id = ?",
        sorted((d.listing_id, c.id) for c, d in placed if c.id not in fresh and d.listing_id != c.prev_listing_id),
    )
    if all_matches:
        return
    db.conn.executemany("DELETE FROM listing_matches WHERE posting_id = ?", ((d.posting_id,) for _, d in placed))
    db.conn.executemany(_INSERT_MATCH, sorted(_match_row(d, decided_at) for _, d in placed))


_INSERT_MATCH = (
    "INSERT INTO listing_matches (posting_id, listing_id, rule, score, decided_at, detail, "
    "matched_posting_id, repost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _match_row(d: Decision, decided_at: str) -> tuple[Any, ...]:
    detail = json.dumps(d.detail, separators=(",", ":")) if d.detail else None
    return (d.posting_id, d.listing_id, d.rule, d.score, decided_at, detail, d.matched_posting_id, int(d.repost))


def _sync_matches(db: sqlite_utils.Database, placed: Sequence[tuple[Candidate, Decision]], decided_at: str) -> set[int]:
    """Rebuild: make ``listing_matches`` hold exactly ``placed``'s decisions, rewriting only the
    ones that differ (an unchanged decision keeps its ``decided_at``). Returns the listings whose
    decisions changed (before and after)."""
    decisions = sorted((d for _, d in placed), key=lambda d: d.posting_id)
    stored = db.conn.execute(
        "SELECT posting_id, listing_id, rule, score, detail, matched_posting_id, repost, id FROM listing_matches "
        "ORDER BY posting_id, id"
    )
    stale_rows: list[tuple[int]] = []
    new_rows: list[tuple[Any, ...]] = []
    affected: set[int] = set()
    old = stored.fetchone()
    for d in decisions:
        row = _match_row(d, decided_at)
        same = False
        while old is not None and old[0] <= d.posting_id:
            if old[0] == d.posting_id and not same and old[1:7] == (*row[1:4], *row[5:8]):
                same = True  # the first stored row of the posting is this decision
            else:
                stale_rows.append((old[7],))
                if old[1] is not None:
                    affected.add(int(old[1]))
            old = stored.fetchone()
        if not same:
            new_rows.append(row)
            affected.add(d.listing_id)
    while old is not None:  # decisions of postings no longer there
        stale_rows.append((old[7],))
        if old[1] is not None:
            affected.add(int(old[1]))
        old = stored.fetchone()
    if len(new_rows) > len(decisions) // 4:  # most changed: one bulk rewrite is faster
        db.execute("DELETE FROM listing_matches")
        with _indexes_dropped(db, "listing_matches"):
            db.conn.executemany(_INSERT_MATCH, (_match_row(d, decided_at) for d in decisions))
    else:
        db.conn.executemany("DELETE FROM listing_matches WHERE id = ?", stale_rows)
        db.conn.executemany(_INSERT_MATCH, new_rows)
    return affected


def _drifted_listings(db: sqlite_utils.Database) -> set[int]:
    """Listings whose stored row disagrees with their postings' count and lifecycle times, is
    missing, or has no posting left (the after-run hook keeps these current; this catches the rest)."""
    drifted = {
        int(r[0])
        for r in db.execute(
            "SELECT g.listing_id FROM (SELECT listing_id, COUNT(*) AS n, MIN(first_seen_at) AS f, "
            "MAX(last_seen_at) AS l, CASE WHEN SUM(closed_at IS NULL) > 0 THEN NULL ELSE MAX(closed_at) END AS c "
            "FROM posting_keys NOT INDEXED WHERE listing_id IS NOT NULL GROUP BY listing_id) g "
            "LEFT JOIN listings l ON l.id = g.listing_id WHERE l.id IS NULL OR l.postings_count IS NOT g.n "
            "OR l.first_seen_at IS NOT g.f OR l.last_seen_at IS NOT g.l OR l.closed_at IS NOT g.c"
        )
    }
    drifted.update(
        int(r[0])
        for r in db.execute(
            "SELECT id FROM listings WHERE id NOT IN (SELECT listing_id FROM posting_keys WHERE listing_id IS NOT NULL)"
        )
    )
    return drifted


@contextlib.contextmanager
def _indexes_dropped(db: sqlite_utils.Database, table: str) -> Iterator[None]:
    """Drop ``table``'s indexes while it is refilled in bulk, then recreate them as they were
    (one sort per index instead of a b-tree insert per row). Inside the caller's transaction."""
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table]
    ).fetchall()
    for name, _sql in indexes:
        db.execute(f"DROP INDEX [{name}]")
    yield
    for _name, sql in indexes:
        db.execute(sql)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Cyclic GC off while millions of long-lived objects are built (it would rescan them all,
    again and again); nothing built here forms cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: Sort key of a listing's postings as its canonical record, as text (smallest first): rank
#: (``RANK_SQL``, plus one for a posting date) descending, then earliest seen, then id.
_ORDER_KEY = (
    "printf('%03d', 999 - k.rank - (k.posted_at IS NOT NULL)) || COALESCE(k.first_seen_at, '') "
    "|| printf('%012d', k.posting_id)"
)


def materialise_listings(db: sqlite_utils.Database, listing_ids: Iterable[int] | None = None) -> int:
    """(Re)write ``listings`` rows from their postings; all of them when ``listing_ids`` is None.

    Built from the narrow ``posting_keys`` rows alone (rank, times, canonical fields, apply URLs)
    in one pass grouped by listing: the multi-kilobyte ``postings`` rows are not read.
    """
    db.execute("DROP TABLE IF EXISTS temp.dedupe_scope")
    if listing_ids is None:
        db.execute("DELETE FROM listings")
        scope = "k.listing_id IS NOT NULL"
        bulk: contextlib.AbstractContextManager[None] = _indexes_dropped(db, "listings")
    else:
        db.execute("CREATE TEMP TABLE dedupe_scope (id INTEGER PRIMARY KEY)")
        db.conn.executemany("INSERT OR IGNORE INTO temp.dedupe_scope VALUES (?)", ((i,) for i in listing_ids))
        stale = [
            int(r[0])
            for r in db.execute(
                "SELECT posting_id FROM posting_keys WHERE listing_id IN (SELECT id FROM temp.dedupe_scope) "
                "AND version IS NOT ?",
                [key_version()],
            )
        ]
        if stale:
            refresh_keys(db, stale)
        db.execute("DELETE FROM listings WHERE id IN (SELECT id FROM temp.dedupe_scope)")
        scope = "k.listing_id IN (SELECT id FROM temp.dedupe_scope)"
        bulk = contextlib.nullcontext()
    db.execute("DROP TABLE IF EXISTS temp.dedupe_agg")
    # per listing: canonical posting, salary posting (the best ranked with a salary), lifecycle, apply URLs
    db.execute(
        f"CREATE TEMP TABLE dedupe_agg AS SELECT k.listing_id AS listing_id, "
        f"CAST(substr(MIN({_ORDER_KEY}), -12) AS INTEGER) AS canonical, "
        f"CAST(substr(MIN(CASE WHEN k.has_salary THEN {_ORDER_KEY} END), -12) AS INTEGER) AS sal, "
        f"COUNT(*) AS n, MIN(k.first_seen_at) AS first_seen_at, MAX(k.last_seen_at) AS last_seen_at, "
        f"CASE WHEN SUM(k.closed_at IS NULL) > 0 THEN NULL ELSE MAX(k.closed_at) END AS closed_at, "
        f"json_group_array(json_object('source', k.source, 'url', k.apply_at)) AS apply_urls "
        f"FROM posting_keys k {'NOT INDEXED ' if listing_ids is None else ''}WHERE {scope} GROUP BY k.listing_id"
    )
    union = (
        "(SELECT json_group_array(value) FROM (SELECT DISTINCT j.value FROM posting_keys q, json_each(q.{0}) j "
        "WHERE q.listing_id = a.listing_id ORDER BY 1))"
    )
    with bulk:
        db.execute(
            "INSERT INTO listings (id, title, company, company_norm, category, role, seniority, workplace, worldwide, "
            "countries, regions, salary_usd_min, salary_usd_max, salary_estimate, salary_source, canonical_posting_id, "
            "first_seen_at, last_seen_at, closed_at, times_reposted, postings_count, apply_urls) "
            "SELECT a.listing_id, p.title, p.company, p.company_norm, p.category, p.role, p.seniority, p.workplace, "
            f"p.worldwide, CASE WHEN a.n > 1 THEN {union.format('countries')} ELSE p.countries END, "
            f"CASE WHEN a.n > 1 THEN {union.format('regions')} ELSE p.regions END, "
            "s.salary_usd_min, s.salary_usd_max, s.salary_estimate, s.salary_source, a.canonical, "
            "a.first_seen_at, a.last_seen_at, a.closed_at, "
            "COALESCE((SELECT SUM(repost) FROM listing_matches m WHERE m.listing_id = a.listing_id), 0), "
            "a.n, a.apply_urls "
            "FROM dedupe_agg a JOIN posting_keys p ON p.posting_id = a.canonical "
            "LEFT JOIN posting_keys s ON s.posting_id = a.sal"
        )
    count = int(db.execute("SELECT COUNT(*) FROM dedupe_agg").fetchone()[0])
    for table in ("dedupe_agg", "dedupe_scope"):
        db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return count


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class DedupeResult:
    postings: int = 0
    listings: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    reposts: int = 0

    def add(self, decision: Decision) -> None:
        self.postings += 1
        self.rules[decision.rule] = self.rules.get(decision.rule, 0) + 1
        self.reposts += int(decision.repost)


def rebuild(
    db: sqlite_utils.Database,
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
    desc_threshold: float = DEFAULT_DESC_THRESHOLD,
    now: str | None = None,
    recompute_keys: bool = False,
) -> DedupeResult:
    """Recompute every listing from postings (after a rule change), keeping listing ids where possible.

    Keys come from ``posting_keys``; only postings without a current row (new, edited since,
    or computed under older rules -- ``key_version``) are read in full, or all of them with
    ``recompute_keys``. Every posting is placed again; what is written is what changed: wide
    ``postings`` rows whose listing changed, decisions that differ, and the listings touched by
    either, by a recomputed posting, or whose stored row disagrees with its postings.
    """
    decided_at = now or utc_now()
    result = DedupeResult()
    cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute("PRAGMA cache_size = -65536")  # 64 MB of pages
    try:
        with db.atomic(), _no_gc():
            db.execute(
                "UPDATE listing_overrides SET target_posting_id = (SELECT canonical_posting_id FROM listings l "
                "WHERE l.id = listing_overrides.listing_id) WHERE target_posting_id IS NULL AND listing_id IS NOT NULL"
            )
            overrides = _load_overrides(db)
            if recompute_keys:
                db.execute("UPDATE posting_keys SET version = NULL")
            fresh = refresh_keys(db)
            candidates = list(_key_candidates(db))
            candidates.sort(key=process_order)
            matcher = Matcher(window_days=window_days, desc_threshold=desc_threshold, description=_describer(db),
                              overrides=overrides)  # fmt: skip
            matcher.next_id = 1 + max((c.old_listing_id or 0 for c in candidates), default=0)
            placed = []
            for c in candidates:
                decision = matcher.place(c)
                placed.append((c, decision))
                result.add(decision)
            del candidates
            _apply_merge_overrides(matcher, placed)
            del matcher
            _write_decisions(db, placed, decided_at, fresh, all_matches=True)
            affected = _sync_matches(db, placed, decided_at)
            affected.update(d.listing_id for c, d in placed if c.id in fresh)
            affected.update(c.prev_listing_id for c, _ in placed if c.id in fresh and c.prev_listing_id is not None)
            del placed
            affected |= _drifted_listings(db)
            total = int(db.execute("SELECT COUNT(*) FROM listings").fetchone()[0])
            if len(affected) > total // 4:
                result.listings = materialise_listings(db)
            else:  # the other listings' postings, decisions and times are unchanged
                materialise_listings(db, affected)
                result.listings = int(db.execute("SELECT COUNT(*) FROM listings").fetchone()[0])
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache_size)}")
    return result


def _apply_merge_overrides(matcher: Matcher, placed: list[tuple[Candidate, Decision]]) -> None:
    """A merge override whose target was placed after the posting: move it now."""
    if not matcher.overrides:
        return
    for c, decision in placed:
        override = matcher.overrides.get(c.id)
        if override is None or override.action != "merge" or decision.rule == "override_merge":
            continue
        target = matcher.by_id.get(override.target_posting_id) if override.target_posting_id else None
        if target is not None and target.listing_id is not None:
            c.listing_id = decision.listing_id = target.listing_id
            decision.rule, decision.score, decision.matched_posting_id = "override_merge", 1.0, target.id
            decision.detail = {"reason": override.reason}


def dedupe_postings(
    db: sqlite_utils.Database,
    where: str,
    params: Sequence[Any] = (),
    *,
    window_days: float = DEFAULT_WINDOW_DAYS,
    desc_threshold: float = DEFAULT_DESC_THRESHOLD,
    now: str | None = None,
    force: bool = False,
) -> DedupeResult:
    """Place the postings selected by ``where`` (new or changed ones) into listings, incrementally.

    A selected posting that is placed and has current keys is unchanged and skipped. Only the
    blocks the others can match are loaded (from ``posting_keys``): postings sharing their
    company, ATS ids, requisitions, apply URLs or mentioned ATS ids.
    """
    decided_at = now or utc_now()
    result = DedupeResult()
    with db.atomic(), _no_gc():
        ids = [int(r[0]) for r in db.execute(f"SELECT id FROM postings {where}", list(params))]
        if not force:
            current: set[int] = set()
            for chunk in _chunks(ids):
                current.update(
                    int(r[0])
                    for r in db.execute(
                        f"SELECT posting_id FROM posting_keys WHERE posting_id IN ({','.join('?' * len(chunk))}) "
                        "AND version = ? AND listing_id IS NOT NULL",
                        [*chunk, key_version()],
                    )
                )
            ids = [i for i in ids if i not in current]
        selected: list[Candidate] = []
        rows: list[tuple[Any, ...]] = []
        for c, row in _computed_by_id(db, ids):
            rows.append(row)
            if force or c.old_listing_id is None or c.signature() != c.stored_sig:
                selected.append(c)  # else: same keys as when it was placed, only its key row is refreshed
        _write_keys(db, rows)
        _delete_refs_of(db, [c.id for c in selected])
        _write_refs(db, selected)
        if not selected:
            return result
        selected_ids = {c.id for c in selected}
        overrides = _load_overrides(db)
        next_id = int(db.execute("SELECT COALESCE(MAX(listing_id), 0) FROM postings").fetchone()[0]) + 1
        next_id = max(next_id, int(db.execute("SELECT COALESCE(MAX(id), 0) FROM listings").fetchone()[0]) + 1)
        matcher = Matcher(window_days=window_days, desc_threshold=desc_threshold, description=_describer(db),
                          next_listing_id=next_id, overrides=overrides)  # fmt: skip
        taken = {int(r[0]) for r in db.execute("SELECT DISTINCT listing_id FROM postings WHERE listing_id IS NOT NULL")}
        for c in _context(db, selected, selected_ids):
            c.listing_id = c.old_listing_id
            matcher.add(c)
        matcher.reserved_ids |= taken
        affected: set[int] = {c.old_listing_id for c in selected if c.old_listing_id is not None}
        placed = []
        for c in sorted(selected, key=process_order):
            keep = c.old_listing_id
            c.old_listing_id = None  # a re-matched posting does not keep its listing id by default
            decision = matcher.place(c)
            if decision.rule == "new" and keep is not None and not _others_in(db, keep, selected_ids):
                # it was alone in its listing: keep the id stable
                matcher.reserved_ids.discard(decision.listing_id)
                c.listing_id = decision.listing_id = keep
            placed.append((c, decision))
            affected.add(decision.listing_id)
            result.add(decision)
        _apply_merge_overrides(matcher, placed)
        affected |= {d.listing_id for _, d in placed}
        _write_decisions(db, placed, decided_at, selected_ids)
        result.listings = materialise_listings(db, affected)
    return result


def _others_in(db: sqlite_utils.Database, listing_id: int, excluded: set[int]) -> bool:
    return any(
        int(r[0]) not in excluded for r in db.execute("SELECT id FROM postings WHERE listing_id = ?", [listing_id])
    )


def _context(db: sqlite_utils.Database, selected: Sequence[Candidate], selected_ids: set[int]) -> Iterator[Candidate]:
    """Already placed postings that share a blocking key with the selected ones (from ``posting_keys``;
    a posting whose keys are not current is recomputed from its row)."""
    companies = sorted({c.company_norm for c in selected if c.company_norm})
    keys = sorted({k for c in selected for k in (c.ats_key, *c.refs) if k})
    groups = sorted({c.ats_group for c in selected if c.ats_group})
    applies = sorted({c.apply_key for c in selected if c.apply_key})
    found: set[int] = set(selected_ids)
    ids: list[int] = []
    queries: list[tuple[str, Sequence[str]]] = [
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND company_norm IN ({})", companies),
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND ats_key IN ({})", keys),
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND ats_group IN ({})", groups),
        ("SELECT posting_id FROM posting_keys WHERE listing_id IS NOT NULL AND apply_key IN ({})", applies),
        ("SELECT posting_id FROM posting_refs WHERE ref_key IN ({})", keys),
    ]
    for sql, values in queries:
        for chunk in _chunks(values):
            for (pid,) in db.execute(sql.format(",".join("?" * len(chunk))), list(chunk)):
                if pid not in found:
                    found.add(pid)
                    ids.append(int(pid))
    current: set[int] = set()
    for chunk in _chunks(ids):
        for c in _key_candidates(db, f"AND listing_id IS NOT NULL AND posting_id IN ({','.join('?' * len(chunk))})",
                                 chunk):  # fmt: skip
            current.add(c.id)
            yield c
    stale = [i for i in ids if i not in current]
    if stale:
        fresh = [(c, row) for c, row in _computed_by_id(db, stale) if c.old_listing_id is not None]
        _write_keys(db, (row for _, row in fresh))
        yield from (c for c, _ in fresh)


def after_run(db: sqlite_utils.Database, *, run_id: int, spider: str, status: str, settings: Any = None) -> None:
    """``STORE_AFTER_RUN`` hook: place this run's new/changed postings, then apply the lifecycle."""
    from pipelines.lifecycle import apply_lifecycle

    window = _settings_value(settings, "DEDUPE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
    threshold = _settings_value(settings, "DEDUPE_DESC_THRESHOLD", DEFAULT_DESC_THRESHOLD)
    # (source, last_run_id) is indexed: no scan of the whole postings table per crawl
    result = dedupe_postings(
        db, "WHERE source = ? AND last_run_id = ?", [spider, run_id], window_days=window, desc_threshold=threshold
    )
    logger.info("dedupe after run %d: %d postings placed, %s", run_id, result.postings, result.rules)
    apply_lifecycle(
        db,
        run_id=run_id,
        spider=spider,
        status=status,
        max_error_rate=_settings_value(settings, "LIFECYCLE_MAX_ERROR_RATE", 0.05),
        min_item_ratio=_settings_value(settings, "LIFECYCLE_MIN_ITEM_RATIO", 0.5),
    )

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

import html
import json
import logging
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlite_utils
from w3lib.url import url_query_cleaner

from normalize.company import normalise_company

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
    start: datetime
    end: datetime
    closed_at: datetime | None
    employer_ats: bool
    old_listing_id: int | None = None
    listing_id: int | None = None
    stored_sig: str | None = None

    def signature(self) -> str:
        return json.dumps(
            [self.company_norm, self.title_key, self.near_key, self.ats_key, self.ats_group, self.apply_key,
             list(self.refs), sorted(self.place.places), sorted(self.place.countries), self.place.worldwide],
            separators=(",", ":"),
        )  # fmt: skip


#: Columns read from ``postings`` to build a :class:`Candidate`.
CANDIDATE_COLUMNS = (
    "id, source, source_id, url, apply_url, company, title, title_clean, role, seniority, location_raw, "
    "countries, worldwide, posted_at, first_seen_at, last_seen_at, closed_at, listing_id, dedupe_sig, "
    "CASE WHEN source = 'greenhouse' THEN json_extract(raw_json, '$.internal_job_id') END AS requisition, "
    "CASE WHEN source NOT IN ('greenhouse', 'lever', 'ashby', 'workable', 'smartrecruiters') "
    "AND (instr(description_html, 'greenhouse') OR instr(description_html, 'lever.co') "
    "OR instr(description_html, 'ashbyhq') OR instr(description_html, 'workable') "
    "OR instr(description_html, 'smartrecruiters')) THEN description_html END AS ats_text"
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=65_536)
def _json_list(text: str | None) -> tuple[str, ...] | None:
    if not text or text == "[]":
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return tuple(str(v) for v in value) if isinstance(value, list) else None


def candidate_from_row(row: Sequence[Any]) -> Candidate:
    (pid, source, source_id, url, apply_url_, company, title, title_clean, role, seniority, location_raw,
     countries, worldwide, posted_at, first_seen, last_seen, closed_at, listing_id, stored_sig, requisition,
     ats_text) = row  # fmt: skip
    key = title_key(title_clean or title)
    company_norm = normalise_company(company)
    seen, posted, last = parse_time(first_seen), parse_time(posted_at), parse_time(last_seen)
    start = min((t for t in (posted, seen) if t is not None), default=last or _EPOCH)
    end = max(start, last or seen or start)
    country_list = _json_list(countries)
    ats = own_ats_key(source, source_id, url, apply_url_)
    refs = tuple(k for k in ats_keys_in_text(ats_text) if k != ats) if ats_text else ()
    return Candidate(
        id=int(pid),
        source=str(source),
        company_norm=company_norm,
        title_key=key,
        near_key=f"{role}|{seniority or ''}" if role else None,
        core_key=title_core_from(title_clean or title),
        ats_key=ats,
        # an employer reuses a requisition for several postings: same requisition *and* title
        ats_group=f"{source}-req:{requisition}|{key}" if requisition not in (None, "") and key else None,
        apply_key=apply_key(apply_url_) or (apply_key(url) if source in ATS_SOURCES else None),
        refs=refs,
        place=place_of(location_raw, country_list, bool(worldwide)),
        start=start,
        end=end,
        closed_at=parse_time(closed_at),
        employer_ats=source in ATS_SOURCES,
        old_listing_id=int(listing_id) if listing_id is not None else None,
        stored_sig=stored_sig,
    )


def process_order(c: Candidate) -> tuple[int, datetime, int]:
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
    detail: dict[str, Any] = field(default_factory=dict)


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
        self.by_id: dict[int, Candidate] = {}
        self.reserved_ids: set[int] = set()
        self._minhash_cache: dict[int, Any] = {}

    # -- index ---------------------------------------------------------------------------
    def add(self, c: Candidate) -> None:
        """Index an already placed posting (``c.listing_id`` set)."""
        assert c.listing_id is not None
        listing = c.listing_id
        self.by_id[c.id] = c
        if c.id in self.overrides and self.overrides[c.id].action == "split":
            return  # a split posting is nobody's match
        if c.ats_key:
            self.by_ats.setdefault(c.ats_key, c)
            self.listing_ats.setdefault(listing, set()).add(c.ats_key)
        if c.ats_group:
            self.by_group.setdefault(c.ats_group, listing)
        if c.apply_key:
            self.by_apply.setdefault(c.apply_key, listing)
        for ref in c.refs:
            self.by_ref.setdefault(ref, []).append(c)
        if c.company_norm:
            if c.title_key:
                self.by_title.setdefault((c.company_norm, c.title_key), []).append(c)
            for near in {c.near_key, c.core_key} - {None}:
                self.by_near.setdefault((c.company_norm, str(near)), []).append(c)

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
        return compatible_places(c.place, other.place) and within_window(
            (c.start, c.end), (other.start, other.end), self.window
        )

    def _repost(self, c: Candidate, other: Candidate) -> bool:
        return other.source == c.source or (other.closed_at is not None and other.closed_at <= c.start)

    def _minhash(self, posting_id: int) -> Any:
        if posting_id not in self._minhash_cache and self.description is not None:
            self._minhash_cache[posting_id] = minhash(self.description(posting_id))
        return self._minhash_cache.get(posting_id)

    def decide(self, c: Candidate) -> Decision:
        override = self.overrides.get(c.id)
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
            best = self._best(c, self.by_title.get((c.company_norm, c.title_key), ()))
            if best is not None:
                assert best.listing_id is not None
                return Decision(
                    c.id, best.listing_id, "company_title", 0.9, best.id, self._repost(c, best),
                    {"company": c.company_norm, "title": c.title_key},
                )  # fmt: skip
        if c.company_norm and self.description is not None:
            decision = self._near(c)
            if decision is not None:
                return decision
        return Decision(c.id, self.new_listing_id(c.old_listing_id), "new", 1.0)

    def _best(self, c: Candidate, candidates: Sequence[Candidate]) -> Candidate | None:
        best: Candidate | None = None
        for other in reversed(candidates[-BLOCK_SCAN_LIMIT:]):
            if other.listing_id is None or other.id == c.id or not self._compatible(c, other):
                continue
            if self._conflicts(c, other.listing_id):
                continue
            if best is None or abs((other.start - c.start).total_seconds()) < abs(
                (best.start - c.start).total_seconds()
            ):
                best = other
        return best

    def _near(self, c: Candidate) -> Decision | None:
        assert c.company_norm is not None
        seen: set[int] = set()
        for near in (c.near_key, c.core_key):
            if not near:
                continue
            block = self.by_near.get((c.company_norm, near), [])
            for other in reversed(block[-BLOCK_SCAN_LIMIT:]):
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


def _iter_candidates(db: sqlite_utils.Database, where: str = "", params: Sequence[Any] = ()) -> Iterator[Candidate]:
    cursor = db.conn.execute(f"SELECT {CANDIDATE_COLUMNS} FROM postings {where}", list(params))
    while True:
        rows = cursor.fetchmany(5000)
        if not rows:
            return
        for row in rows:
            yield candidate_from_row(row)


def _write_decisions(db: sqlite_utils.Database, placed: Sequence[tuple[Candidate, Decision]], decided_at: str) -> None:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS dedupe_assign (id INTEGER PRIMARY KEY, listing_id INT, "
               "ats TEXT, grp TEXT, apply TEXT, tkey TEXT, sig TEXT, company_norm TEXT)")  # fmt: skip
    db.execute("DELETE FROM temp.dedupe_assign")
    db.conn.executemany(
        "INSERT INTO temp.dedupe_assign VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (c.id, d.listing_id, c.ats_key, c.ats_group, c.apply_key, c.title_key, c.signature(), c.company_norm)
            for c, d in placed
        ),
    )
    db.execute(
        "UPDATE postings SET listing_id = a.listing_id, dedupe_ats_key = a.ats, dedupe_ats_group = a.grp, "
        "dedupe_apply_key = a.apply, dedupe_title_key = a.tkey, dedupe_sig = a.sig, "
        "company_norm = COALESCE(a.company_norm, postings.company_norm) "
        "FROM temp.dedupe_assign a WHERE postings.id = a.id "
        # rewrite a (wide) posting row only when something changed: a repeated rebuild writes little
        "AND (postings.listing_id IS NOT a.listing_id OR postings.dedupe_sig IS NOT a.sig "
        "OR postings.company_norm IS NOT COALESCE(a.company_norm, postings.company_norm))"
    )
    db.execute("DELETE FROM posting_refs WHERE posting_id IN (SELECT id FROM temp.dedupe_assign)")
    db.conn.executemany(
        "INSERT OR IGNORE INTO posting_refs (posting_id, ref_key) VALUES (?, ?)",
        ((c.id, ref) for c, _ in placed for ref in c.refs),
    )
    db.execute("DELETE FROM listing_matches WHERE posting_id IN (SELECT id FROM temp.dedupe_assign)")
    db.conn.executemany(
        "INSERT INTO listing_matches (posting_id, listing_id, rule, score, decided_at, detail, "
        "matched_posting_id, repost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (d.posting_id, d.listing_id, d.rule, d.score, decided_at,
             json.dumps(d.detail, separators=(",", ":")) if d.detail else None, d.matched_posting_id, int(d.repost))
            for _, d in placed
        ),
    )  # fmt: skip


#: Rank of a posting as its listing's canonical record: employer's ATS, then completeness.
_RANK = (
    "(source IN ('greenhouse', 'lever', 'ashby', 'workable', 'smartrecruiters')) DESC, "
    "((title_clean IS NOT NULL) + (category IS NOT NULL) + (role IS NOT NULL) + (seniority IS NOT NULL) "
    "+ (workplace IS NOT NULL) + (countries IS NOT NULL AND countries != '[]') "
    "+ 2 * (salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL) + (company IS NOT NULL) "
    "+ (posted_at IS NOT NULL) + (length(COALESCE(description_text, '')) > 200)) DESC, "
    "first_seen_at, id"
)


def materialise_listings(db: sqlite_utils.Database, listing_ids: Iterable[int] | None = None) -> int:
    """(Re)write ``listings`` rows from their postings; all of them when ``listing_ids`` is None."""
    db.execute("DROP TABLE IF EXISTS temp.dedupe_scope")
    if listing_ids is None:
        db.execute("DELETE FROM listings")
        scope = "listing_id IS NOT NULL"
    else:
        db.execute("CREATE TEMP TABLE dedupe_scope (id INTEGER PRIMARY KEY)")
        db.conn.executemany("INSERT OR IGNORE INTO temp.dedupe_scope VALUES (?)", ((i,) for i in listing_ids))
        db.execute("DELETE FROM listings WHERE id IN (SELECT id FROM temp.dedupe_scope)")
        scope = "listing_id IN (SELECT id FROM temp.dedupe_scope)"
    db.execute("DROP TABLE IF EXISTS temp.dedupe_ranked")
    db.execute(
        f"CREATE TEMP TABLE dedupe_ranked AS SELECT id, listing_id, "
        f"ROW_NUMBER() OVER (PARTITION BY listing_id ORDER BY {_RANK}) AS rnk, "
        f"CASE WHEN salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL THEN "
        f"ROW_NUMBER() OVER (PARTITION BY listing_id, (salary_usd_min IS NULL AND salary_usd_max IS NULL) "
        f"ORDER BY {_RANK}) END AS salary_rnk, "
        f"COUNT(*) OVER (PARTITION BY listing_id) AS n "
        f"FROM postings WHERE {scope}"
    )
    db.execute("CREATE INDEX temp.dedupe_ranked_l ON dedupe_ranked (listing_id, rnk)")
    db.execute("DROP TABLE IF EXISTS temp.dedupe_union")
    db.execute(
        "CREATE TEMP TABLE dedupe_union AS SELECT listing_id, "
        "(SELECT json_group_array(value) FROM (SELECT DISTINCT j.value FROM postings q, json_each(q.countries) j "
        " WHERE q.listing_id = r.listing_id ORDER BY 1)) AS countries, "
        "(SELECT json_group_array(value) FROM (SELECT DISTINCT j.value FROM postings q, json_each(q.regions) j "
        " WHERE q.listing_id = r.listing_id ORDER BY 1)) AS regions "
        "FROM dedupe_ranked r WHERE rnk = 1 AND n > 1"
    )
    db.execute(
        "INSERT INTO listings (id, title, company, company_norm, category, role, seniority, workplace, worldwide, "
        "countries, regions, salary_usd_min, salary_usd_max, salary_estimate, salary_source, canonical_posting_id, "
        "first_seen_at, last_seen_at, closed_at, times_reposted, postings_count, apply_urls) "
        "SELECT r.listing_id, COALESCE(p.title_clean, p.title), p.company, p.company_norm, p.category, p.role, "
        "p.seniority, p.workplace, p.worldwide, COALESCE(u.countries, p.countries), COALESCE(u.regions, p.regions), "
        "s.salary_usd_min, s.salary_usd_max, s.salary_estimate, s.salary_source, p.id, "
        "a.first_seen_at, a.last_seen_at, a.closed_at, COALESCE(m.reposts, 0), r.n, a.apply_urls "
        "FROM dedupe_ranked r JOIN postings p ON p.id = r.id "
        "JOIN (SELECT q.listing_id, MIN(q.first_seen_at) AS first_seen_at, MAX(q.last_seen_at) AS last_seen_at, "
        "      CASE WHEN SUM(q.closed_at IS NULL) > 0 THEN NULL ELSE MAX(q.closed_at) END AS closed_at, "
        "      json_group_array(json_object('source', q.source, 'url', COALESCE(q.apply_url, q.url))) AS apply_urls "
        "      FROM dedupe_ranked rr JOIN postings q ON q.id = rr.id GROUP BY q.listing_id) a "
        "  ON a.listing_id = r.listing_id "
        "LEFT JOIN dedupe_union u ON u.listing_id = r.listing_id "
        "LEFT JOIN (SELECT rr.listing_id, x.salary_usd_min, x.salary_usd_max, x.salary_estimate, x.salary_source "
        "      FROM dedupe_ranked rr JOIN postings x ON x.id = rr.id WHERE rr.salary_rnk = 1) s "
        "  ON s.listing_id = r.listing_id "
        "LEFT JOIN (SELECT listing_id, SUM(repost) AS reposts FROM listing_matches GROUP BY listing_id) m "
        "  ON m.listing_id = r.listing_id "
        "WHERE r.rnk = 1"
    )
    count = int(db.execute("SELECT COUNT(*) FROM dedupe_ranked WHERE rnk = 1").fetchone()[0])
    for table in ("dedupe_ranked", "dedupe_union", "dedupe_scope"):
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
) -> DedupeResult:
    """Recompute every listing from postings (after a rule change), keeping listing ids where possible."""
    decided_at = now or utc_now()
    result = DedupeResult()
    with db.atomic():
        db.execute(
            "UPDATE listing_overrides SET target_posting_id = (SELECT canonical_posting_id FROM listings l "
            "WHERE l.id = listing_overrides.listing_id) WHERE target_posting_id IS NULL AND listing_id IS NOT NULL"
        )
        overrides = _load_overrides(db)
        candidates = sorted(_iter_candidates(db), key=process_order)
        matcher = Matcher(window_days=window_days, desc_threshold=desc_threshold, description=_describer(db),
                          overrides=overrides)  # fmt: skip
        matcher.next_id = 1 + max((c.old_listing_id or 0 for c in candidates), default=0)
        placed = []
        for c in candidates:
            decision = matcher.place(c)
            placed.append((c, decision))
            result.add(decision)
        _apply_merge_overrides(matcher, placed)
        db.execute("DELETE FROM listing_matches")
        db.execute("DELETE FROM posting_refs")
        _write_decisions(db, placed, decided_at)
        result.listings = materialise_listings(db)
    return result


def _apply_merge_overrides(matcher: Matcher, placed: list[tuple[Candidate, Decision]]) -> None:
    """A merge override whose target was placed after the posting: move it now."""
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

    Only the blocks the selected postings can match are loaded: postings sharing their
    company, ATS ids, requisitions, apply URLs or mentioned ATS ids.
    """
    decided_at = now or utc_now()
    result = DedupeResult()
    with db.atomic():
        selected = [
            c for c in _iter_candidates(db, where, params)
            if force or c.old_listing_id is None or c.signature() != c.stored_sig
        ]  # fmt: skip
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
        _write_decisions(db, placed, decided_at)
        result.listings = materialise_listings(db, affected)
    return result


def _others_in(db: sqlite_utils.Database, listing_id: int, excluded: set[int]) -> bool:
    return any(
        int(r[0]) not in excluded for r in db.execute("SELECT id FROM postings WHERE listing_id = ?", [listing_id])
    )


def _context(db: sqlite_utils.Database, selected: Sequence[Candidate], selected_ids: set[int]) -> Iterator[Candidate]:
    """Already placed postings that share a blocking key with the selected ones."""
    companies = sorted({c.company_norm for c in selected if c.company_norm})
    keys = sorted({k for c in selected for k in (c.ats_key, *c.refs) if k})
    groups = sorted({c.ats_group for c in selected if c.ats_group})
    applies = sorted({c.apply_key for c in selected if c.apply_key})
    found: set[int] = set()
    queries: list[tuple[str, list[str]]] = [
        ("company_norm", companies),
        ("dedupe_ats_key", keys),
        ("dedupe_ats_group", groups),
        ("dedupe_apply_key", applies),
    ]
    for column, values in queries:
        for start in range(0, len(values), 400):
            chunk = values[start : start + 400]
            marks = ",".join("?" * len(chunk))
            for c in _iter_candidates(db, f"WHERE listing_id IS NOT NULL AND {column} IN ({marks})", chunk):
                if c.id not in found and c.id not in selected_ids:
                    found.add(c.id)
                    yield c
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        marks = ",".join("?" * len(chunk))
        ids = [int(r[0]) for r in db.execute(f"SELECT posting_id FROM posting_refs WHERE ref_key IN ({marks})", chunk)]
        ids = [i for i in ids if i not in found and i not in selected_ids]
        if ids:
            found.update(ids)
            yield from _iter_candidates(db, f"WHERE listing_id IS NOT NULL AND id IN ({','.join('?' * len(ids))})", ids)


def after_run(db: sqlite_utils.Database, *, run_id: int, spider: str, status: str, settings: Any = None) -> None:
    """``STORE_AFTER_RUN`` hook: place this run's new/changed postings, then apply the lifecycle."""
    from pipelines.lifecycle import apply_lifecycle

    window = _settings_value(settings, "DEDUPE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
    threshold = _settings_value(settings, "DEDUPE_DESC_THRESHOLD", DEFAULT_DESC_THRESHOLD)
    result = dedupe_postings(db, "WHERE last_run_id = ?", [run_id], window_days=window, desc_threshold=threshold)
    logger.info("dedupe after run %d: %d postings placed, %s", run_id, result.postings, result.rules)
    apply_lifecycle(
        db,
        run_id=run_id,
        spider=spider,
        status=status,
        max_error_rate=_settings_value(settings, "LIFECYCLE_MAX_ERROR_RATE", 0.05),
        min_item_ratio=_settings_value(settings, "LIFECYCLE_MIN_ITEM_RATIO", 0.5),
    )

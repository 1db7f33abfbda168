"""Location normaliser: workplace, worldwide, ISO countries, regions, time-zone window.

Rules follow ``../shared/spec/normalize.md`` (location). All tables live in
``data/places/`` and are loaded once:

* ``countries.yaml``  extra country names/aliases (pycountry supplies the ISO names)
* ``states.csv``      US states and Canadian provinces (name, 2-letter code)
* ``subdivisions.csv`` other states/regions that imply a country (Bavaria, Lazio, ...)
* ``cities.csv``      curated cities matched anywhere in the text (+ aliases)
* ``geonames_towns.csv`` GeoNames towns, matched only when a whole segment names one
* ``regions.yaml``    region words, country groups (DACH) and region membership
* ``timezones.yaml``  time-zone abbreviations and named zones
* ``keywords.yaml``   workplace, worldwide, negation and filler words

The text is split into word tokens; the longest known phrase starting at each
token wins (phrases never cross punctuation other than spaces, hyphens and
dots). Two-letter capitals are read positionally: after a place ("Denver, CO",
"Toronto, CA", "Berlin, DE") as a state/province/country code, or as a whole
segment ("Remote (DE)"). ``parse`` also returns ``rules``: which rules fired.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from normalize import build_cache, places
from normalize.guard import Guarded, fold

DATA_DIR = places.DATA_DIR

REGIONS = (
    "africa",
    "americas",
    "apac",
    "asia",
    "emea",
    "eu",
    "europe",
    "latin-america",
    "middle-east",
    "north-america",
    "oceania",
)

MAX_TEXT = 3000
SOFT_GAP = re.compile(r"^[\s\-.'’]*$")
COMMA_GAP = re.compile(r"^\s*,?\s*$")
# Whole-segment boundaries: punctuation that separates list items.
HARD_GAP = re.compile(r"[,;/|()\[\]{}+&:→•·–—>]|\s-|-\s")
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
DIGIT_RE = re.compile(r"\d")
TAG_RE = re.compile(r"<[^>]{0,200}>")
URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|io|ai|eu|co|dev|app|net|org|de|so|xyz|tech|jobs)\b\S*",
    re.IGNORECASE,
)
CENTRAL_SOUTH = re.compile(r"\bcentral\s*(?:&|and|/|,)\s*south\s+america", re.IGNORECASE)
NORTH_SOUTH = re.compile(r"\bnorth\s*(?:&|and|/|,|to)\s*south\s+america", re.IGNORECASE)
DAYS_WEEK = re.compile(
    r"\b[1-4](?:\s*[-–]\s*[1-4])?\s*(?:x|days?|d)\s*(?:/|per|a|an|each|every)?\s*(?:week|wk)\b"
    r"|\b[1-4](?:\s*[-–]\s*[1-4])?\s*days?\s+(?:on[\s-]?site|in[\s-]office|in\s+the\s+office|remote|wfh)\b"
    r"|\b(?:on[\s-]?site|in[\s-]office)\W{0,3}[1-4](?:\s*[-–]\s*[1-4])?\s*(?:x|days?)\b",
    re.IGNORECASE,
)
UTC_OFFSET = re.compile(
    r"\b(?:UTC|GMT)\s*([+\-−–])\s*(\d{1,2})(?:[:.]?(\d{2}))?(?!\d)",
    re.IGNORECASE,
)
PREFERENCE = re.compile(r"\b(?:prefer\w*|ideally|a plus|bonus|nice to have)\b", re.IGNORECASE)
OFFSET_CONT = re.compile(r"\s*(?:to|-|–|/|and|through|~)\s*([+\-−])\s*(\d{1,2})\b(?!\s*(?:h|hours?)\b)")
PLUSMINUS = r"(?:±|\+\s*/\s*-|\+\s*-|-\s*/\s*\+|\+\s*or\s*-|plus\s+or\s+minus|plus/minus|within|within\s+\+/-)"
PM_AFTER = re.compile(r"\s*\)?\s*" + PLUSMINUS + r"\s*(\d{1,2}(?:\.5)?)\s*(?:h\b|hrs?\b|hours?\b)?", re.IGNORECASE)
PM_BEFORE = re.compile(
    PLUSMINUS + r"\s*(\d{1,2}(?:\.5)?)\s*(?:h|hrs?|hours?)?\s*(?:of|from|around|to|within)?\s*(?:the\s+)?(?:US\s+)?$",
    re.IGNORECASE,
)
US_ZONE_LIST = re.compile(
    r"\b(?:US|USA|U\.S\.?)\s*\(?\s*((?:east(?:ern)?|central|mountain|pacific|west(?:ern)?)"
    r"(?:\s*(?:/|,|&|and|or|to|-)\s*(?:east(?:ern)?|central|mountain|pacific|west(?:ern)?))+)",
    re.IGNORECASE,
)
ZONE_LIST_SUFFIX = re.compile(
    r"\b((?:east(?:ern)?|central|mountain|pacific)"
    r"(?:\s*(?:/|,|&|and|or|to|-)\s*(?:east(?:ern)?|central|mountain|pacific))+)\s*(?:time|hours|tz|zones?|timezones?)",
    re.IGNORECASE,
)
ZONE_WORD = {"east": -5, "eastern": -5, "central": -6, "mountain": -7, "pacific": -8, "west": -8, "western": -8}
NON_US_PREFIX = re.compile(r"\bnon[\s-]*(?:u\.?\s?s\.?a?\.?|usa|us)\b", re.IGNORECASE)


# Two-letter capitals never read as a country when they stand alone.
def _codes(words: str) -> frozenset[str]:
    return frozenset(words.split())


CODE_WORDS = _codes(
    "AI ML HR PR QA IT ID IN OR BI TV PM AM IO ME TO SO GO NO BY BE CV AS IS AD MS SA CO PT ET MT OK HI OH LA "
    "DO AT AN UP US UX CX VP HN AE GM DM PS VC FM AG SJ CI CD MD"
)
# US state codes that are ordinary words or country codes: read only after a place.
STATE_WORDS = _codes("IN OR ME HI OK OH ID DE GA AL AR CO IL MA PA SC NE MT LA MS MD VA AS")
# Word-like country codes accepted when they stand in a list of other country codes.
LIST_CODES = _codes("AT BE IN IT NO PT IS ME")
WHOLE_SEGMENT_PROVINCES = frozenset({"BC", "QC"})
PLACE_KINDS = frozenset({"city", "country", "state", "region", "group", "town"})
SOVEREIGN_PAIRS = frozenset({("HK", "CN"), ("MO", "CN"), ("PR", "US"), ("GU", "US"), ("VI", "US"), ("TW", "CN")})
SEPARATOR_WORDS = frozenset({"or", "and", "und", "ou", "o", "y", "et", "plus", "also", "with"})


def _key(text: str) -> str:
    """Match key: case-folded, accents removed, punctuation to spaces."""
    return places.place_key(text)


_token_key = functools.lru_cache(maxsize=200_000)(_key)


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # country state city region group ww wp neg tz
    value: Any
    upper: bool = False  # must be written in capitals
    cap: bool = False  # must start with a capital (unless the text has none)
    name: str = ""


@dataclass(slots=True)
class Match:
    kind: str
    value: Any
    start: int  # token index
    end: int  # token index (exclusive)
    text: str
    negated: bool = False
    dropped: bool = False
    alts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tables:
    phrases: Mapping[str, Entry]
    first: Mapping[str, int]  # first token key -> longest phrase length in tokens
    towns: Mapping[str, str]
    town_alts: Mapping[str, tuple[str, ...]]
    states: Mapping[str, str]  # US/CA 2-letter code -> country
    alpha2: frozenset[str]
    filler: frozenset[str]
    town_stop: frozenset[str]
    german_endings: tuple[str, ...]
    city_country: Mapping[str, str]
    members: Mapping[str, frozenset[str]]
    lowercase_ok: frozenset[str]  # city/country keys also read when written in lower case


PRIORITY = {
    "neutral": 10,
    "wp": 9,
    "ww": 8,
    "neg": 7,
    "tz": 6,
    "region": 5,
    "group": 5,
    "country": 4,
    "state": 3,
    "city": 2,
}


class _PhraseTable(dict[str, Entry]):
    """Phrase key -> entry; a later table wins only with ``override`` or a higher ``PRIORITY``."""

    def add(self, name: str, entry: Entry, *, override: bool = False) -> None:
        k = _key(name)
        if not k:
            return
        old = self.get(k)
        if old is not None and not override and PRIORITY[old.kind] >= PRIORITY[entry.kind]:
            return
        short = len(k.replace(" ", "")) <= 2 and k not in {"uk", "eu"}
        if short and entry.kind in {"country", "city", "state", "region", "group", "tz"}:
            entry = Entry(entry.kind, entry.value, True, entry.cap, entry.name or name)
        self[k] = entry


@functools.cache
def _tables() -> Tables:
    phrases = _PhraseTable()
    city_country = _add_cities_and_states(phrases)
    _add_countries(phrases)
    _add_regions_and_zones(phrases)
    kw = places.read_yaml("keywords.yaml")
    _add_keywords(phrases, kw)
    first: dict[str, int] = {}
    for k in phrases:
        parts = k.split(" ")
        first[parts[0]] = max(first.get(parts[0], 0), len(parts))
    towns, town_alts = _towns(frozenset(_key(str(w)) for w in kw["town_stopwords"]))
    return Tables(
        phrases=phrases,
        first=first,
        towns=towns,
        town_alts=town_alts,
        states={row["code"]: row["country"] for row in places.read_csv("states.csv")},
        alpha2=places.alpha2_codes(),
        filler=frozenset(_key(str(w)) for w in kw["filler"]),
        town_stop=frozenset(_key(str(w)) for w in kw["town_stopwords"]),
        german_endings=tuple(sorted({_key(str(w)) for w in kw["german_place_endings"]}, key=len, reverse=True)),
        city_country=city_country,
        members=places.region_members(),
        lowercase_ok=frozenset(
            k for k, e in phrases.items() if e.kind in ("city", "country") and isinstance(e.value, str) and len(k) >= 5
        )
        - {_key(str(w)) for w in kw.get("lowercase_excluded", [])},
    )


def _add_cities_and_states(phrases: _PhraseTable) -> dict[str, str]:
    """Curated cities, subdivisions and US/CA states; returns city key -> country."""
    city_country: dict[str, str] = {}
    for row in places.read_csv("cities.csv"):
        for n in [row["name"], *[a for a in (row.get("aliases") or "").split("|") if a]]:
            phrases.add(n, Entry("city", row["country"], cap=True, name=row["name"]))
            city_country[_key(n)] = row["country"]
    for row in places.read_csv("subdivisions.csv"):
        phrases.add(row["name"], Entry("state", row["country"], cap=True, name=row["name"]))
    for row in places.read_csv("states.csv"):
        for n in [row["name"], *[a for a in (row.get("aliases") or "").split("|") if a]]:
            phrases.add(n, Entry("state", row["country"], cap=True, name=row["name"]), override=True)
    return city_country


def _add_countries(phrases: _PhraseTable) -> None:
    import pycountry

    countries = places.read_yaml("countries.yaml")
    for cname, code in places.country_names():  # ISO names, then aliases (which win)
        if "," not in cname:  # "Korea, Republic of": phrases never cross a comma
            phrases.add(cname, Entry("country", code, cap=True, name=cname), override=True)
    for a3 in countries.get("alpha3_upper", []):
        c3 = pycountry.countries.get(alpha_3=str(a3))
        if c3 is not None and _key(str(a3)) not in phrases:
            phrases.add(str(a3), Entry("country", c3.alpha_2, upper=True, name=str(a3)))
    for n, code in countries.get("ambiguous_with_us_state", {}).items():
        phrases.add(str(n), Entry("country", ("ambiguous", code), cap=True, name=str(n)), override=True)


def _add_regions_and_zones(phrases: _PhraseTable) -> None:
    upper_regions = places.upper_only_region_words()
    for n, regions in places.region_words().items():
        phrases.add(n, Entry("region", regions, upper=_key(n) in upper_regions), override=True)
    for n, codes in places.country_groups().items():
        phrases.add(n, Entry("group", codes, name=n), override=True)
    tz = places.read_yaml("timezones.yaml")
    upper_tz = {_key(x) for x in tz.get("upper_only", [])}
    for n, off in tz["abbreviations"].items():
        if "_" in str(n):
            continue
        entry = Entry("tz", (float(off), float(off)), upper=_key(str(n)) in upper_tz, name=str(n).upper())
        phrases.add(str(n), entry, override=True)
    for n, (lo, hi) in tz["named"].items():
        phrases.add(str(n), Entry("tz", (float(lo), float(hi)), name=str(n)), override=True)


def _add_keywords(phrases: _PhraseTable, kw: Mapping[str, Any]) -> None:
    for wp, words in kw["workplace"].items():
        for w in words:
            phrases.add(str(w), Entry("wp", wp), override=True)
    for w in kw["worldwide"]:
        phrases.add(str(w), Entry("ww", False), override=True)
    for w in kw["worldwide_remote"]:
        phrases.add(str(w), Entry("ww", True), override=True)
    for w in kw.get("neutral", []):
        phrases.add(str(w), Entry("neutral", None), override=True)
    for w in kw["negation"]:
        phrases.add(str(w), Entry("neg", True), override=True)


def _towns(town_stop: frozenset[str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """GeoNames towns: key -> country (first row wins), and the other countries with that name."""
    inputs: list[Path | str] = [Path(__file__), *places.table_inputs(), repr(sorted(town_stop))]
    return build_cache.derived("location.towns", inputs, lambda: _read_towns(town_stop))


def _read_towns(town_stop: frozenset[str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    towns: dict[str, str] = {}
    town_alts: dict[str, tuple[str, ...]] = {}
    for row in places.read_csv("geonames_towns.csv"):
        tk = _key(row["name"])
        if tk not in towns and tk not in town_stop:
            towns[tk] = row["country"]
            if row.get("also"):
                town_alts[tk] = tuple(row["also"].split("|"))
    return towns, town_alts


# ---------------------------------------------------------------- text clean-up


def _clean(text: str) -> str:
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = TAG_RE.sub(" ", text)
    if "." in text:
        text = URL_RE.sub(" ", text)
    if "Ã" in text or "Â" in text:
        for enc in ("cp1252", "latin-1"):
            try:
                text = text.encode(enc).decode("utf-8")
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    text = text.replace("\\n", " ").replace("\\t", " ")
    if FLAG_RE.search(text):
        text = FLAG_RE.sub(_flag_name, text)
    if "/" in text:
        text = ASIA_PACIFIC.sub("Asia-Pacific", text)
    text = CENTRAL_SOUTH.sub(" Latin America ", text)
    text = NORTH_SOUTH.sub(" the Americas ", text)
    return text


FLAG_RE = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
ASIA_PACIFIC = re.compile(r"\bAsia\s*/\s*Pacific\b", re.IGNORECASE)


def _flag_name(m: re.Match[str]) -> str:
    """Flag emoji (two regional indicators) -> the country's name."""
    import pycountry

    code = "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in m.group(0))
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return " "
    name: str = getattr(country, "common_name", None) or country.name
    return f" {name.split(',')[0]} "


# ---------------------------------------------------------------- parse


def _empty() -> dict[str, Any]:
    return {"workplace": None, "worldwide": False, "countries": [], "regions": [], "timezones": None, "rules": []}


def parse(text: str) -> dict[str, Any]:
    """Parse one location string into the spec's fields plus ``rules``."""
    if not isinstance(text, str) or not text.strip():
        return _empty()
    try:
        result = _parse_cached(text)
    except Exception:  # never crash on odd input
        return _empty()
    return {
        "workplace": result[0],
        "worldwide": result[1],
        "countries": list(result[2]),
        "regions": list(result[3]),
        "timezones": list(result[4]) if result[4] is not None else None,
        "rules": list(result[5]),
    }


Parsed = tuple[str | None, bool, tuple[str, ...], tuple[str, ...], tuple[float, float] | None, tuple[str, ...]]
PLACE_MATCH_KINDS = frozenset({"country", "state", "city", "town", "region", "group"})


@dataclass(slots=True)
class _Text:
    """One cleaned location string split into word tokens, and what the scans found in it."""

    clean: str
    toks: list[tuple[int, int, str]]  # (start, end, word)
    keys: list[str]  # match key of each token
    gaps: list[str]  # text before each token; the last item is the text after the last token
    codes: list[bool]  # token is a two-letter capital code ("DE", "CO")
    hard: list[bool]  # list punctuation before the token
    has_upper: bool
    all_caps: bool
    owner: list[Match | None]  # the match that claimed each token
    matches: list[Match] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.toks)

    def is_cap(self, i: int) -> bool:
        w = self.toks[i][2]
        return w[:1].isupper() or w[:1].isdigit() or not self.has_upper

    def is_upper_code(self, i: int) -> bool:
        return self.codes[i]

    def hard_before(self, i: int) -> bool:
        """Token i starts a segment (string start, list punctuation or a separator word)."""
        if i == 0 or self.hard[i]:
            return True
        return self.keys[i - 1] in SEPARATOR_WORDS and not self.codes[i - 1]

    def hard_after(self, i: int) -> bool:
        if i == self.n - 1 or self.hard[i + 1]:
            return True
        return self.keys[i + 1] in SEPARATOR_WORDS and not self.codes[i + 1]

    def between(self, a: Match, b: Match) -> str:
        """The text between two matches."""
        return self.clean[self.toks[a.end - 1][1] : self.toks[b.start][0]]

    def claim(self, m: Match) -> None:
        for j in range(m.start, m.end):
            self.owner[j] = m
        self.matches.append(m)


def _tokenise(clean: str) -> _Text:
    toks = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(clean)]
    n = len(toks)
    gaps = [clean[toks[i - 1][1] : toks[i][0]] if i else clean[: toks[0][0]] for i in range(n)] if n else []
    gaps.append(clean[toks[-1][1] :] if n else clean)
    has_upper = clean != clean.lower()
    return _Text(
        clean=clean,
        toks=toks,
        keys=[_token_key(tok[2]) for tok in toks],
        gaps=gaps,
        codes=[len(w) == 2 and w.isalpha() and w.isascii() and w.isupper() for _s, _e, w in toks],
        hard=[g != " " and g != "" and HARD_GAP.search(g) is not None for g in gaps],
        has_upper=has_upper,
        all_caps=has_upper and clean == clean.upper(),
        owner=[None] * n,
    )


@functools.lru_cache(maxsize=65536)
def _parse_cached(text: str) -> Parsed:
    t = _tables()
    s = _tokenise(_clean(text))
    _scan_phrases(t, s)
    if None in s.owner:
        _scan_town_segments(t, s)
    _scan_codes(t, s)
    if not s.matches:
        _german_place_shape(t, s)
    s.matches.sort(key=lambda m: m.start)
    return _resolve(s)


def _positional_code(s: _Text, i: int) -> bool:
    """A capital two-letter code right after a place word ("Denver, CO"): left for the code scan."""
    prev = s.owner[i - 1] if i > 0 else None
    return (
        s.codes[i]
        and i > 0
        and COMMA_GAP.match(s.gaps[i]) is not None
        and s.toks[i - 1][2][:1].isupper()
        and (("," in s.gaps[i] and prev is None) or (prev is not None and prev.kind in ("city", "state")))
        and not (s.all_caps and "," not in s.gaps[i] and s.toks[i][2] in STATE_WORDS)
        and s.keys[i - 1] not in SEPARATOR_WORDS
    )


def _scan_phrases(t: Tables, s: _Text) -> None:
    """The longest known phrase starting at each token wins (phrases cross only soft gaps)."""
    i = 0
    while i < s.n:
        length = 0
        maxlen = t.first.get(s.keys[i], 0)
        if maxlen and not _positional_code(s, i):
            length = _phrase_at(t, s, i, maxlen)
        i += length or 1


def _phrase_at(t: Tables, s: _Text, i: int, maxlen: int) -> int:
    """Claim the longest table phrase starting at token i; its length in tokens, 0 if none."""
    span = 1
    while span < maxlen and i + span < s.n and SOFT_GAP.match(s.gaps[i + span]):
        span += 1
    for length in range(span, 0, -1):
        k = s.keys[i] if length == 1 else " ".join(s.keys[i : i + length])
        e = t.phrases.get(k)
        if e is None:
            continue
        if e.upper and not all(s.toks[j][2].isupper() for j in range(i, i + length)):
            continue
        if e.cap and not s.is_cap(i) and k not in t.lowercase_ok:
            continue
        s.claim(Match(e.kind, e.value, i, i + length, s.clean[s.toks[i][0] : s.toks[i + length - 1][1]]))
        return length
    return 0


def _scan_town_segments(t: Tables, s: _Text) -> None:
    """Whole segments that name a town (GeoNames) where nothing else matched."""
    seg_start = 0
    for i in range(1, s.n + 1):
        if i == s.n or s.hard[i] or (s.keys[i - 1] in SEPARATOR_WORDS and not s.codes[i - 1]):
            if None in s.owner[seg_start:i]:
                _town_segment(t, s, seg_start, i)
            seg_start = i


def _scan_codes(t: Tables, s: _Text) -> None:
    """Two-letter capitals: after a place ("Denver, CO"), as a whole segment ("(DE)"), or in a code list."""
    pending: list[int] = []
    for i in range(s.n):
        if not s.codes[i] or s.owner[i] is not None:
            continue
        m = _code_after_place(t, s, i)
        if m is not None:
            s.rules.append(f"code-after-place:{m.text}->{m.value}")
        elif s.hard_before(i) and s.hard_after(i):
            m = _code_segment(t, s, i)
            if m is None:
                if s.toks[i][2] in LIST_CODES:
                    pending.append(i)
                continue
            s.rules.append(f"code-segment:{m.text}")
        else:
            continue
        s.claim(m)
    _scan_code_lists(s, pending)


def _code_after_place(t: Tables, s: _Text, i: int) -> Match | None:
    code = s.toks[i][2]
    prev = s.owner[i - 1] if i > 0 else None
    prev_known = prev is not None and prev.kind in ("city", "state", "town")
    prev_place = (
        i > 0
        and COMMA_GAP.match(s.gaps[i]) is not None
        and s.toks[i - 1][2][:1].isupper()
        and s.keys[i - 1] not in SEPARATOR_WORDS
        and (prev is None or prev_known)
        # "Carrollton TX" needs a known place before it; "Gobii AI", "N26 SE" are not places
        and ("," in s.gaps[i] or prev_known)
        and not (s.all_caps and "," not in s.gaps[i] and code in STATE_WORDS)
    )
    if not prev_place:
        return None
    city_cc = prev.value if prev is not None and prev.kind in ("city", "town") else None
    cc = "GB" if code == "UK" else code
    is_country = code in t.alpha2 or code == "UK"
    if city_cc is not None and city_cc == cc and is_country:
        return Match("country", cc, i, i + 1, code)
    if code in t.states and (t.states[code] == "US" or city_cc == "CA" or not is_country):
        return Match("state", t.states[code], i, i + 1, code)
    if is_country and code not in CODE_WORDS:
        return Match("country", cc, i, i + 1, code)
    return None


def _code_segment(t: Tables, s: _Text, i: int) -> Match | None:
    code = s.toks[i][2]
    if code == "CA":
        return Match("country", ("ambiguous-ca", "CA"), i, i + 1, code)
    if code in WHOLE_SEGMENT_PROVINCES:
        return Match("state", "CA", i, i + 1, code)
    if code in t.states and t.states[code] == "US" and any(x.value == "US" for x in s.matches):
        return Match("state", "US", i, i + 1, code)
    if code in t.alpha2 and code not in CODE_WORDS:
        return Match("country", code, i, i + 1, code)
    if code in t.states and code not in STATE_WORDS and t.states[code] == "US":
        return Match("state", "US", i, i + 1, code)
    return None


def _scan_code_lists(s: _Text, pending: list[int]) -> None:
    """ "DE, AT, CH", "NL/BE", "ES/PT": word-like codes count inside a list of country codes."""
    zone_codes = {x.start: x for x in s.matches if x.kind == "tz" and x.text in LIST_CODES}
    for i in sorted(set(pending) | set(zone_codes)):
        near = [s.owner[j] for j in (i - 1, i + 1) if 0 <= j < s.n]
        if (
            s.hard_before(i)
            and s.hard_after(i)
            and any(o is not None and o.kind == "country" and len(o.text) == 2 for o in near)
        ):
            if i in zone_codes:
                s.matches.remove(zone_codes[i])
            s.claim(Match("country", s.toks[i][2], i, i + 1, s.toks[i][2]))
            s.rules.append(f"code-in-list:{s.toks[i][2]}")


def _german_place_shape(t: Tables, s: _Text) -> None:
    """One or two capitalised words shaped like a German place name ("Neustadt", "Bad-Xyzheim")."""
    toks, n = s.toks, s.n
    if not (1 <= n <= 2 and toks[0][2][:1].isupper() and not toks[0][2].isupper() and (n == 1 or s.gaps[1] == "-")):
        return
    word = s.keys[n - 1] if n > 1 else s.keys[0]
    umlaut = any(ch in "äöüßÄÖÜ" for ch in s.clean)
    if umlaut or (len(word) >= 5 and word.endswith(t.german_endings)):
        s.matches.append(Match("town", "DE", 0, n, s.clean.strip()))
        s.rules.append("german-place-shape")


def _town_segment(t: Tables, s: _Text, a: int, b: int) -> None:
    if a >= b:
        return
    if b - a >= 2 and _whole_town_segment(t, s, a, b):
        return
    # the residual: unmatched tokens of the segment, minus trailing capital codes and keyword matches
    if any(o is not None and o.kind in PLACE_KINDS for o in s.owner[a:b]):
        return
    found = _residual_town(t, s, [j for j in range(a, b) if s.owner[j] is None and not s.is_upper_code(j)])
    if found is not None:
        cand, k, cc = found
        text = s.clean[s.toks[cand[0]][0] : s.toks[cand[-1]][1]]
        s.claim(Match("town", cc, cand[0], cand[-1] + 1, text, alts=t.town_alts.get(k, ())))


def _whole_town_segment(t: Tables, s: _Text, a: int, b: int) -> bool:
    """A whole segment naming a town beats partial matches inside it ("West Jordan", "Sandy Springs")."""
    wk = " ".join(s.keys[a:b])
    whole = t.towns.get(wk)
    spans = [o for o in s.owner[a:b] if o is not None]
    if not (
        whole is not None
        and spans
        and all(m.kind in ("city", "country", "state") for m in spans)
        and not any(m.start == a and m.end == b for m in spans)
        and all(m.start >= a and m.end <= b for m in spans)
        and s.is_cap(a)
    ):
        return False
    for m in spans:
        if m in s.matches:
            s.matches.remove(m)
    s.claim(Match("town", whole, a, b, s.clean[s.toks[a][0] : s.toks[b - 1][1]], alts=t.town_alts.get(wk, ())))
    return True


def _residual_town(t: Tables, s: _Text, cand: list[int]) -> tuple[list[int], str, str] | None:
    """(tokens, key, country) when the unmatched tokens of a segment name a town, without fillers."""
    keys = s.keys
    while cand and keys[cand[0]] in t.filler:
        cand.pop(0)
    while cand and keys[cand[-1]] in t.filler:
        cand.pop()
    if not cand or len(cand) > 6:
        return None
    # must be one contiguous run
    if cand[-1] - cand[0] + 1 != len(cand):
        core = [j for j in cand if keys[j] not in t.filler]
        if not core or core[-1] - core[0] + 1 != len(core):
            return None
        cand = core
    if not s.is_cap(cand[0]):
        return None
    if all(s.toks[j][2].isupper() for j in cand) and sum(len(s.toks[j][2]) for j in cand) <= 4:
        return None  # acronyms ("CAN", "HIRE") are not town names
    k = " ".join(keys[j] for j in cand)
    cc = t.towns.get(k)
    if cc is None:
        k2 = _town_variant(k)
        if k2 is not None:
            cc = t.towns.get(k2)
            if cc is not None:
                k = k2
    if cc is not None:
        return cand, k, cc
    core = [j for j in cand if keys[j] not in t.filler]
    if not core or core == cand or core[-1] - core[0] + 1 != len(core) or not s.is_cap(core[0]):
        return None
    k = " ".join(keys[j] for j in core)
    cc = t.towns.get(k)
    return (core, k, cc) if cc is not None else None


GERMAN_QUALIFIER = re.compile(r" (?:am|an der|an den|im|in|bei|ob der|vor der|ob) .+$")


def _town_variant(k: str) -> str | None:
    """Other spellings of a town key: "st ingbert" -> "sankt ingbert", "mulheim an der ruhr" -> "mulheim"."""
    if k.startswith("st "):
        return "sankt " + k[3:] if len(k) > 3 else None
    m = GERMAN_QUALIFIER.search(k)
    if m and m.start() >= 3:
        return k[: m.start()]
    return None


# ---------------------------------------------------------------- resolve matches into fields


@dataclass(slots=True)
class _Fields:
    """The spec fields as they are collected from the matches."""

    countries: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    workplace: set[str] = field(default_factory=set)
    worldwide: bool = False
    tz_lo: float | None = None
    tz_hi: float | None = None

    def add_tz(self, lo: float, hi: float, why: str, rules: list[str]) -> None:
        self.tz_lo = lo if self.tz_lo is None else min(self.tz_lo, lo)
        self.tz_hi = hi if self.tz_hi is None else max(self.tz_hi, hi)
        rules.append(f"tz:{why}->[{_num(lo)},{_num(hi)}]")


def _resolve(s: _Text) -> Parsed:
    _mark_negations(s)
    _mark_qualified(s)
    us_evidence = any(
        not m.negated and not m.dropped and m.kind in ("city", "town", "state", "country") and m.value == "US"
        for m in s.matches
    )
    _pick_town_countries(s)
    _drop_territories(s)
    out = _Fields()
    for idx, m in enumerate(s.matches):
        if not (m.negated or m.dropped):
            _collect(s, idx, m, out, us_evidence)
    low = s.clean.lower()
    has_digit = DIGIT_RE.search(s.clean) is not None
    if ("utc" in low or "gmt" in low) and has_digit:
        _utc_offsets(s, out)
    if any(w in low for w in ("east", "central", "mountain", "pacific", "west")):
        _us_zone_lists(s, out)
    wp = _workplace(s, out.workplace, has_digit)
    if (
        "non" in low
        and NON_US_PREFIX.search(s.clean)
        and "US" in out.countries
        and not any(m.value == "US" and not m.negated for m in s.matches if m.kind in ("city", "town", "state"))
    ):
        out.countries.discard("US")
    tz = (out.tz_lo, out.tz_hi) if out.tz_lo is not None and out.tz_hi is not None else None
    return (
        wp,
        out.worldwide,
        tuple(sorted(out.countries)),
        tuple(sorted(r for r in out.regions if r in REGIONS)),
        tz,
        tuple(s.rules),
    )


def _mark_negations(s: _Text) -> None:
    """ "no US", "non-U.S.", "except the EU": the place right after a negation word is negated."""
    for idx, m in enumerate(s.matches):
        if m.kind != "neg":
            continue
        nxt = s.matches[idx + 1] if idx + 1 < len(s.matches) else None
        if (
            nxt is not None
            and nxt.kind in PLACE_MATCH_KINDS
            and nxt.start - m.end <= 2
            and not re.search(r"[,;()/|]", s.between(m, nxt))
        ):
            nxt.negated = True
            s.rules.append(f"negated:{nxt.text}")


def _mark_qualified(s: _Text) -> None:
    """A city followed by its state/province/country: the qualifier decides the country.

    "Paris, TX", "Perth, Scotland, UK", "Bayonne, Pyrenees-Atlantiques, France"; a country name
    qualified by a state is a town of that state ("Lebanon, Oregon", "Peru, Indiana").
    """
    matches, keys = s.matches, s.keys
    for idx, m in enumerate(matches):
        if m.kind not in ("city", "town", "country") or idx + 1 >= len(matches):
            continue
        nxt = matches[idx + 1]
        if nxt.kind not in ("state", "country") or nxt.negated:
            continue
        if m.kind == "country" and nxt.kind != "state":
            continue
        between = s.between(m, nxt)
        adjacent = nxt.start == m.end and COMMA_GAP.match(between) is not None
        chained = (
            nxt.start - m.end <= 4
            and re.fullmatch(r"[\w\s,.'’-]*", between) is not None
            and "," in between
            and not any(keys[j] in SEPARATOR_WORDS for j in range(m.end, nxt.start))
        )
        if (adjacent or chained) and nxt.value != m.value:
            m.dropped = True
            s.rules.append(f"qualified:{m.text}+{nxt.text}")


def _pick_town_countries(s: _Text) -> None:
    """A town name in several countries takes the one the rest of the text names."""
    context = {
        m.value
        for m in s.matches
        if m.kind in ("country", "state", "city") and isinstance(m.value, str) and not m.negated and not m.dropped
    }
    for m in s.matches:
        if m.kind == "town" and not m.dropped and m.value not in context:
            pick = next((c for c in m.alts if c in context), None)
            if pick is not None:
                s.rules.append(f"town-context:{m.text}->{pick}")
                m.value = pick


def _drop_territories(s: _Text) -> None:
    """ "Hong Kong, China", "Puerto Rico, USA": the territory's own code is kept, not the sovereign's."""
    for idx, m in enumerate(s.matches[1:], 1):
        prev = s.matches[idx - 1]
        if (
            m.kind == "country"
            and prev.kind == "country"
            and (prev.value, m.value) in SOVEREIGN_PAIRS
            and COMMA_GAP.match(s.between(prev, m))
        ):
            m.dropped = True
            s.rules.append(f"territory:{prev.text}, {m.text}")


def _collect(s: _Text, idx: int, m: Match, out: _Fields, us_evidence: bool) -> None:
    """Add what one (not negated, not dropped) match says to the fields."""
    rules = s.rules
    if m.kind == "country":
        v = m.value
        if isinstance(v, tuple):
            if v[0] == "ambiguous":  # Georgia
                before = s.matches[idx - 1] if idx else None
                after_us = before is not None and before.end == m.start and before.value == "US"
                v = "US" if after_us or us_evidence else v[1]
            else:  # bare "CA"
                v = "US" if us_evidence else "CA"
            rules.append(f"collision:{m.text}->{v}")
        out.countries.add(v)
        rules.append(f"country:{m.text}->{v}")
    elif m.kind in ("state", "city", "town"):
        out.countries.add(m.value)
        rules.append(f"{m.kind}:{m.text}->{m.value}")
    elif m.kind == "group":
        out.countries.update(m.value)
        rules.append(f"group:{m.text}")
    elif m.kind == "region":
        out.regions.update(m.value)
        rules.append(f"region:{m.text}")
    elif m.kind == "wp":
        out.workplace.add(m.value)
        rules.append(f"workplace:{m.text}->{m.value}")
    elif m.kind == "ww":
        _collect_worldwide(s, idx, m, out)
    elif m.kind == "tz":
        _collect_zone(s, m, out)


def _collect_worldwide(s: _Text, idx: int, m: Match, out: _Fields) -> None:
    """ "Worldwide" / "anywhere", unless a place qualifies it ("anywhere in the EU")."""
    nxt = s.matches[idx + 1] if idx + 1 < len(s.matches) else None
    if nxt is not None and nxt.kind in PLACE_MATCH_KINDS and not nxt.negated:
        between = s.between(m, nxt)
        after = s.clean[s.toks[nxt.end - 1][1] :].split(")", 1)[0]
        if PREFERENCE.search(after) is None and re.fullmatch(
            r"\s*(?:\(|-|:|,)?\s*(?:(?:in|within|from|across)\s+)?(?:the\s+)?", between
        ):
            s.rules.append(f"worldwide-qualified:{m.text}")
            if m.value:
                out.workplace.add("remote")
            return
    out.worldwide = True
    s.rules.append(f"worldwide:{m.text}")
    if m.value:
        out.workplace.add("remote")


def _collect_zone(s: _Text, m: Match, out: _Fields) -> None:
    """A time-zone word, widened by a "±N hours" next to it."""
    lo, hi = m.value
    start, end = s.toks[m.start][0], s.toks[m.end - 1][1]
    if m.text.upper() in ("UTC", "GMT") and UTC_OFFSET.match(s.clean, start):
        return  # "UTC+2" is read by _utc_offsets
    pm = PM_AFTER.match(s.clean, end) or PM_BEFORE.search(s.clean[max(0, start - 40) : start])
    if pm:
        w = float(pm.group(1))
        lo, hi = lo - w, hi + w
    out.add_tz(lo, hi, m.text, s.rules)
    if s.keys[m.start] in ("us", "usa") and s.toks[m.start][2].isupper():
        out.countries.add("US")
        s.rules.append(f"country:{s.toks[m.start][2]}->US")


def _utc_offsets(s: _Text, out: _Fields) -> None:
    """ "UTC+2", "GMT-5 to -3", "UTC +/- 3"."""
    clean = s.clean
    for om in UTC_OFFSET.finditer(clean):
        sign = -1.0 if om.group(1) in "-−–" else 1.0
        val = float(om.group(2)) + (float(om.group(3)) / 60 if om.group(3) else 0.0)
        pm_prefix = clean[max(0, om.start(1) - 3) : om.start(1) + 3]
        if re.search(r"\+\s*/?\s*-|±", pm_prefix):
            out.add_tz(-val, val, om.group(0).strip(), s.rules)
            continue
        out.add_tz(sign * val, sign * val, om.group(0).strip(), s.rules)
        more = OFFSET_CONT.match(clean, om.end())
        if more:  # "GMT+1 to +3"
            sign2 = -1.0 if more.group(1) in "-−–" else 1.0
            out.add_tz(sign2 * float(more.group(2)), sign2 * float(more.group(2)), more.group(0).strip(), s.rules)


def _us_zone_lists(s: _Text, out: _Fields) -> None:
    """ "US (Eastern/Central)", "Pacific to Eastern time"."""
    for um in [*US_ZONE_LIST.finditer(s.clean), *ZONE_LIST_SUFFIX.finditer(s.clean)]:
        offs = [ZONE_WORD[w.lower()] for w in re.findall(r"[A-Za-z]+", um.group(1)) if w.lower() in ZONE_WORD]
        if offs:
            out.add_tz(float(min(offs)), float(max(offs)), um.group(0).strip(), s.rules)


def _workplace(s: _Text, said: set[str], has_digit: bool) -> str | None:
    """Remote beats hybrid beats onsite; "N days a week in the office" makes onsite hybrid."""
    days = has_digit and DAYS_WEEK.search(s.clean) is not None
    if "remote" in said:
        wp: str | None = "remote"
    elif "hybrid" in said:
        wp = "hybrid"
    elif "onsite" in said:
        wp = "hybrid" if days else "onsite"
    elif days and re.search(r"office|on[\s-]?site", s.clean, re.IGNORECASE):
        wp = "hybrid"
    else:
        wp = None
    if wp is not None and wp not in said:
        s.rules.append(f"workplace:days-per-week->{wp}")
    return wp


def _num(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


# ---------------------------------------------------------------- regions / scope


def region_countries(region: str) -> frozenset[str]:
    """ISO alpha-2 codes in a spec region ("eu", "emea", ...); empty for unknown names."""
    return _tables().members.get(region.strip().lower(), frozenset())


def countries_in_scope(countries: Iterable[str], regions: Iterable[str], worldwide: bool) -> frozenset[str] | None:
    """Every country a posting is open to; None means "anywhere" (worldwide)."""
    if worldwide:
        return None
    out = {c.upper() for c in countries}
    for r in regions:
        out |= region_countries(r)
    return frozenset(out)


def open_to(country: str, countries: Iterable[str], regions: Iterable[str], worldwide: bool) -> bool:
    """Is a posting with these fields open to someone in ``country`` (ISO alpha-2)?"""
    scope = countries_in_scope(countries, regions, worldwide)
    return scope is None or country.upper() in scope


# ---------------------------------------------------------------- pipeline entry point

ANCHORED = re.compile(
    r"\b(?:(?:100\s*%|fully|completely|entirely|full[\s-]?time)\s+remote(?:ly)?"
    r"(?:\s+(?:role|position|job|opportunity|work|team))?"
    r"(?:\s+(?:with)?in\s+(?:the\s+)?[A-Z][\w &-]{1,40})?"
    r"|remote\s+(?:with)?in\s+(?:the\s+)?[A-Z][\w &-]{1,40}"
    r"|(?:must|should|need\s+to|required\s+to|candidates|applicants|people|physically)\s+(?:be\s+)?(?:who\s+are\s+)?"
    r"(?:located|based|living|reside|residing)\s+(?:anywhere\s+)?in\s+"
    r"(?:the\s+)?[A-Z][\w &-]{1,40}(?:(?:,\s*|,?\s+(?:or|and)\s+)(?:the\s+)?[A-Z][\w &-]{1,30}){0,4}"
    r"|(?:work|working)\s+from\s+anywhere(?:\s+in\s+the\s+world)?"
    r"|anywhere\s+in\s+the\s+world"
    r"|(?:hybrid|on[\s-]?site)\s+(?:role|position|working|work)\b)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Posting:
    """Location fields of one posting as they are filled from its sources."""

    workplace: str | None = None
    worldwide: bool = False
    countries: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    timezones: list[float] | None = None
    source: str | None = None
    rules: list[str] = field(default_factory=list)

    def take_places(self, got: Mapping[str, Any], source: str) -> None:
        self.countries.update(got["countries"])
        self.regions.update(got["regions"])
        self.worldwide = self.worldwide or got["worldwide"]
        self.source = source

    def wants_places(self) -> bool:
        """Nothing said yet, or only a region ("North America Only"): countries may still be named."""
        return self.source is None or (not self.countries and not self.worldwide)

    def take_more(self, got: Mapping[str, Any], source: str) -> bool:
        """Places of a later source: all of them when nothing was said, else only its countries."""
        if self.source is None:
            if got["countries"] or got["regions"] or got["worldwide"]:
                self.take_places(got, source)
                return True
            return False
        if not self.countries and not self.worldwide and got["countries"]:
            self.countries.update(got["countries"])
            return True
        return False


_NUM = r"(?:[1-4]|one|two|three|four)"
#: A hybrid schedule stated in a description ("4 days per week in our office", "hybrid work model").
HYBRID_STATEMENT = re.compile(
    rf"\b{_NUM}(?:\s*(?:-|to|or)\s*{_NUM})?\s*(?:days?|x)\s*(?:a|per|/|each|every)\s*week\b[^.\n]{{0,40}}?"
    r"\b(?:in|at|from|on)\s+(?:the|our|an?)?\s*(?:[\w-]+\s+){0,3}?(?:office|hq|headquarters|on[\s-]?site)"
    rf"|\b(?:in[\s-]office|on[\s-]?site|office)\s+presence\b[^.\n]{{0,60}}?\b{_NUM}\s*days?\s*(?:a|per|/|each)\s*week"
    rf"|\bpresence\s+in\s+(?:our|the)\b[^.\n]{{0,80}}?\boffice\b[^.\n]{{0,40}}?\b{_NUM}\s*days?\s*(?:a|per|/)\s*week"
    rf"|\b(?:in|at|from)\s+(?:the|our)\s+(?:[\w-]+\s+){{0,3}}?(?:office|hq|headquarters)\b[^.\n]{{0,30}}?"
    rf"\b{_NUM}\s*(?:days?|x)\s*(?:a|per|/|each)\s*week"
    r"|\bhybrid\s+(?:work(?:ing)?\s+)?(?:model|role|position|schedule|set[\s-]?up|arrangement)\b",
    re.IGNORECASE,
)
#: Work on site stated in a description ("This is an onsite role", "in-person only").
ONSITE_STATEMENT = re.compile(
    r"\b(?:role|position|job)\s+is\s+(?:an?\s+)?(?:fully\s+|100\s*%\s+)?(?:on[\s-]?site|in[\s-]office|in[\s-]person)\b"
    r"|\b(?:on[\s-]?site|in[\s-]office|in[\s-]person)\s+(?:role|position|only)\b"
    r"|\b(?:5|five)\s+days\s+(?:a|per)\s+week\s+in\s+(?:the|our)\s+office",
    re.IGNORECASE,
)
#: Remote work stated in a description ("This is primarily a remote role").
REMOTE_STATEMENT = re.compile(
    r"\b(?:is\s+(?:a\s+)?)(?:primarily\s+|fully\s+|100\s*%\s+)?(?:a\s+)?remote\s+(?:role|position|job)\b"
    r"|\b(?:role|position|job)\s+is\s+(?:fully\s+|100\s*%\s+|primarily\s+)?remote\b",
    re.IGNORECASE,
)
#: A "Location: ..." line of a description.
LOCATION_LINE = re.compile(
    r"(?:^[ \t*•-]*|(?<=[a-z]))(?:[Ww]ork\s+)?(?:[Ll]ocations?|LOCATIONS?)\s*:\s*(?P<where>[^\n|]{2,80})", re.MULTILINE
)
#: A short first line of a description that says where and how ("Hybrid or Remote - US").
LEAD_LINE = re.compile(
    r"\A(?:[^\n]*\n){0,2}?(?P<where>[^\n]{0,80}\b(?:remote|hybrid|on[\s-]?site)\b[^\n]{0,60})$",
    re.IGNORECASE | re.MULTILINE,
)
#: What follows a title's head segment (" - Remote, US", "(Berlin)", ", EMEA") may say where the job is.
TITLE_SEGMENT = re.compile(r"\s[-–—|]\s|,\s|\(|\)|:\s|\s[-–—](?=\w)")


#: The description statements, each run only on a text holding a word all its matches contain.
_HYBRID, _ONSITE, _REMOTE = Guarded(HYBRID_STATEMENT), Guarded(ONSITE_STATEMENT), Guarded(REMOTE_STATEMENT)
_ANCHORED, _LOCATION_LINE, _LEAD_LINE = Guarded(ANCHORED), Guarded(LOCATION_LINE), Guarded(LEAD_LINE)
#: In every LOCATION_LINE match its label word (the guard's words, "ocation" / "LOCATION") is
#: followed by an optional "s" and a colon; most descriptions say "location" only in prose, and
#: are then skipped without the scan (~270 us on a 4.5 KB description).
_LABEL_COLON = re.compile(r"[sS]?\s*:")


def _location_lines(head: str) -> list[re.Match[str]]:
    for word in _LOCATION_LINE.words or ():
        at = head.find(word)
        while at != -1:
            if _LABEL_COLON.match(head, at + len(word)):
                return list(_LOCATION_LINE.pattern.finditer(head))
            at = head.find(word, at + 1)
    return []


@functools.cache
def _platforms() -> tuple[frozenset[str], frozenset[str]]:
    """(remote-only boards, platforms whose remote flag is unreliable) from data/places/platforms.yaml."""
    table = places.read_yaml("platforms.yaml")
    return frozenset(table["remote_only"]), frozenset(table["remote_flag_unreliable"])


def normalize_posting_location(
    *,
    text: str | None,
    description: str | None = None,
    remote_flag: bool | None = None,
    source: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Pipeline entry: the location field, then the title, then statements of the description.

    Places come from the location text, else from the title's trailing segments ("- Remote, US"),
    else from anchored description statements ("must be based in the EU", "Location: Berlin").
    Workplace comes from the location text, else the title; a remote-only board (``source``) is
    then remote; else a description statement (hybrid schedule, onsite, remote role); else the
    platform's remote flag, unless that platform sets it for office roles too.

    Returns workplace, worldwide, countries, regions, timezone_min, timezone_max,
    location_source ("text" / "title" / "description" / None) and rules.
    """
    out = _Posting()
    remote_only, unreliable = _platforms()
    if text and text.strip():
        _from_text(out, text, "text")
    if title and (out.wants_places() or out.workplace is None):
        head = TITLE_SEGMENT.search(title)
        if head is not None and title[head.start() :].strip(" -–—|,():"):
            _from_text(out, title[head.start() :], "title", prefix="title:")
    if out.workplace is None and source in remote_only:
        out.workplace = "remote"
        out.rules.append("remote-board")
    if description and (out.wants_places() or out.workplace is None):
        _from_description(out, description)
    if out.workplace is None and remote_flag and source not in unreliable:
        out.workplace = "remote"
        out.rules.append("remote-flag")
    tz = out.timezones
    return {
        "workplace": out.workplace,
        "worldwide": out.worldwide,
        "countries": sorted(out.countries),
        "regions": sorted(out.regions),
        "timezone_min": tz[0] if tz else None,
        "timezone_max": tz[1] if tz else None,
        "location_source": out.source,
        "rules": out.rules,
    }


def _from_text(out: _Posting, text: str, source: str, prefix: str = "") -> None:
    got = parse(text)
    if source == "text" and (got["countries"] or got["regions"] or got["worldwide"] or got["timezones"]):
        out.take_places(got, source)
        out.timezones = got["timezones"]
    elif source != "text":
        out.take_more(got, source)
    out.workplace = out.workplace or got["workplace"]
    out.rules.extend(prefix + r for r in got["rules"])


def _from_description(out: _Posting, description: str) -> None:
    """Statements of the description: anchored places ("must be located in"), a "Location:" line, workplace."""
    head = description[:20000]
    folded = fold(head)
    if out.workplace is None:
        for kind, statement in (("hybrid", _HYBRID), ("onsite", _ONSITE)):
            found = statement.search(head, folded)
            if found:
                out.workplace = kind
                out.rules.append(f"description:workplace:{found.group(0)}->{kind}")
                break
    statements = [*_LEAD_LINE.finditer(head[:400]), *_ANCHORED.finditer(head, folded), *_location_lines(head)]
    for dm in statements:
        got = parse(dm.group("where") if dm.re is not ANCHORED else dm.group(0))
        out.take_more(got, "description")
        if out.workplace is None and got["workplace"]:
            out.workplace = got["workplace"]
        out.rules.extend(f"description:{r}" for r in got["rules"])
        if not out.wants_places() and out.workplace is not None:
            return
    if out.workplace is None:
        remote = _REMOTE.search(head, folded)
        if remote:
            out.workplace = "remote"
            out.rules.append(f"description:workplace:{remote.group(0)}->remote")

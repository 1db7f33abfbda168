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
from dataclasses import dataclass
from typing import Any

from normalize import places

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


@functools.cache
def _tables() -> Tables:
    import pycountry

    phrases: dict[str, Entry] = {}

    def add(name: str, entry: Entry, *, override: bool = False) -> None:
        k = _key(name)
        if not k:
            return
        old = phrases.get(k)
        if old is not None and not override and PRIORITY[old.kind] >= PRIORITY[entry.kind]:
            return
        short = len(k.replace(" ", "")) <= 2 and k not in {"uk", "eu"}
        if short and entry.kind in {"country", "city", "state", "region", "group", "tz"}:
            entry = Entry(entry.kind, entry.value, True, entry.cap, entry.name or name)
        phrases[k] = entry

    city_country: dict[str, str] = {}
    for row in places.read_csv("cities.csv"):
        names = [row["name"], *[a for a in (row.get("aliases") or "").split("|") if a]]
        for n in names:
            add(n, Entry("city", row["country"], cap=True, name=row["name"]))
            city_country[_key(n)] = row["country"]
    for row in places.read_csv("subdivisions.csv"):
        add(row["name"], Entry("state", row["country"], cap=True, name=row["name"]))
    states: dict[str, str] = {}
    for row in places.read_csv("states.csv"):
        states[row["code"]] = row["country"]
        for n in [row["name"], *[a for a in (row.get("aliases") or "").split("|") if a]]:
            add(n, Entry("state", row["country"], cap=True, name=row["name"]), override=True)
    countries = places.read_yaml("countries.yaml")
    for cname, code in places.country_names():  # ISO names, then aliases (which win)
        if "," not in cname:  # "Korea, Republic of": phrases never cross a comma
            add(cname, Entry("country", code, cap=True, name=cname), override=True)
    for a3 in countries.get("alpha3_upper", []):
        c3 = pycountry.countries.get(alpha_3=str(a3))
        if c3 is not None and _key(str(a3)) not in phrases:
            add(str(a3), Entry("country", c3.alpha_2, upper=True, name=str(a3)))
    for n, code in countries.get("ambiguous_with_us_state", {}).items():
        add(str(n), Entry("country", ("ambiguous", code), cap=True, name=str(n)), override=True)

    upper_regions = places.upper_only_region_words()
    for n, regions in places.region_words().items():
        add(n, Entry("region", regions, upper=_key(n) in upper_regions), override=True)
    for n, codes in places.country_groups().items():
        add(n, Entry("group", codes, name=n), override=True)

    tz = places.read_yaml("timezones.yaml")
    upper_tz = {_key(x) for x in tz.get("upper_only", [])}
    for n, off in tz["abbreviations"].items():
        if "_" in str(n):
            continue
        k = _key(str(n))
        add(str(n), Entry("tz", (float(off), float(off)), upper=k in upper_tz, name=str(n).upper()), override=True)
    for n, (lo, hi) in tz["named"].items():
        add(str(n), Entry("tz", (float(lo), float(hi)), name=str(n)), override=True)

    kw = places.read_yaml("keywords.yaml")
    for wp, words in kw["workplace"].items():
        for w in words:
            add(str(w), Entry("wp", wp), override=True)
    for w in kw["worldwide"]:
        add(str(w), Entry("ww", False), override=True)
    for w in kw["worldwide_remote"]:
        add(str(w), Entry("ww", True), override=True)
    for w in kw.get("neutral", []):
        add(str(w), Entry("neutral", None), override=True)
    for w in kw["negation"]:
        add(str(w), Entry("neg", True), override=True)

    first: dict[str, int] = {}
    for k in phrases:
        parts = k.split(" ")
        first[parts[0]] = max(first.get(parts[0], 0), len(parts))

    towns: dict[str, str] = {}
    town_alts: dict[str, tuple[str, ...]] = {}
    town_stop = {_key(str(w)) for w in kw["town_stopwords"]}
    for row in places.read_csv("geonames_towns.csv"):
        tk = _key(row["name"])
        if tk not in towns and tk not in town_stop:
            towns[tk] = row["country"]
            if row.get("also"):
                town_alts[tk] = tuple(row["also"].split("|"))

    return Tables(
        phrases=phrases,
        first=first,
        towns=towns,
        town_alts=town_alts,
        states=states,
        alpha2=places.alpha2_codes(),
        filler=frozenset(_key(str(w)) for w in kw["filler"]),
        town_stop=frozenset(_key(str(w)) for w in kw["town_stopwords"]),
        german_endings=tuple(sorted({_key(str(w)) for w in kw["german_place_endings"]}, key=len, reverse=True)),
        city_country=city_country,
        members=places.region_members(),
    )


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


@functools.lru_cache(maxsize=65536)
def _parse_cached(text: str) -> Parsed:
    t = _tables()
    clean = _clean(text)
    toks = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(clean)]
    n = len(toks)
    keys = [_token_key(tok[2]) for tok in toks]
    gaps = [clean[toks[i - 1][1] : toks[i][0]] if i else clean[: toks[0][0]] for i in range(n)] if n else []
    gaps.append(clean[toks[-1][1] :] if n else clean)
    lowered = clean.lower()
    has_upper = clean != lowered
    all_caps = has_upper and clean == clean.upper()
    rules: list[str] = []

    def is_cap(i: int) -> bool:
        w = toks[i][2]
        return w[:1].isupper() or w[:1].isdigit() or not has_upper

    codes = [len(w) == 2 and w.isalpha() and w.isascii() and w.isupper() for _s, _e, w in toks]
    hard = [g != " " and g != "" and HARD_GAP.search(g) is not None for g in gaps]

    def is_upper_code(i: int) -> bool:
        return codes[i]

    def hard_before(i: int) -> bool:
        """Token i starts a segment (string start, list punctuation or a separator word)."""
        if i == 0 or hard[i]:
            return True
        return keys[i - 1] in SEPARATOR_WORDS and not codes[i - 1]

    def hard_after(i: int) -> bool:
        if i == n - 1 or hard[i + 1]:
            return True
        return keys[i + 1] in SEPARATOR_WORDS and not codes[i + 1]

    matches: list[Match] = []
    owner: list[Match | None] = [None] * n

    # -- phrase scan
    i = 0
    while i < n:
        k0 = keys[i]
        maxlen = t.first.get(k0, 0)
        matched = False
        # a capital 2-letter code right after a place word is positional: leave it for the code pass
        positional = (
            codes[i]
            and i > 0
            and COMMA_GAP.match(gaps[i]) is not None
            and toks[i - 1][2][:1].isupper()
            and (
                ("," in gaps[i] and owner[i - 1] is None)
                or (owner[i - 1] is not None and owner[i - 1].kind in ("city", "state"))  # type: ignore[union-attr]
            )
            and not (all_caps and "," not in gaps[i] and toks[i][2] in STATE_WORDS)
            and keys[i - 1] not in SEPARATOR_WORDS
        )
        if maxlen and not positional:
            span = 1
            while span < maxlen and i + span < n and SOFT_GAP.match(gaps[i + span]):
                span += 1
            for length in range(span, 0, -1):
                k = k0 if length == 1 else " ".join(keys[i : i + length])
                e = t.phrases.get(k)
                if e is None:
                    continue
                if e.upper and not all(toks[j][2].isupper() for j in range(i, i + length)):
                    continue
                if e.cap and not is_cap(i):
                    continue
                m = Match(e.kind, e.value, i, i + length, clean[toks[i][0] : toks[i + length - 1][1]])
                matches.append(m)
                for j in range(i, i + length):
                    owner[j] = m
                i += length
                matched = True
                break
        if not matched:
            i += 1

    # -- whole segments that name a town (GeoNames) when nothing else matched there
    if None in owner:
        seg_start = 0
        for i in range(1, n + 1):
            if i == n or hard[i] or (keys[i - 1] in SEPARATOR_WORDS and not codes[i - 1]):
                if None in owner[seg_start:i]:
                    _town_segment(t, seg_start, i, toks, keys, owner, matches, is_cap, is_upper_code, clean)
                seg_start = i

    # -- two-letter capitals
    pending: list[int] = []
    for i in range(n):
        if not codes[i] or owner[i] is not None:
            continue
        code = toks[i][2]
        prev = owner[i - 1] if i > 0 else None
        prev_known = prev is not None and prev.kind in ("city", "state", "town")
        prev_place = (
            i > 0
            and COMMA_GAP.match(gaps[i]) is not None
            and toks[i - 1][2][:1].isupper()
            and keys[i - 1] not in SEPARATOR_WORDS
            and (prev is None or prev_known)
            # "Carrollton TX" needs a known place before it; "Gobii AI", "N26 SE" are not places
            and ("," in gaps[i] or prev_known)
            and not (all_caps and "," not in gaps[i] and code in STATE_WORDS)
        )
        if prev_place:
            city_cc = prev.value if prev is not None and prev.kind in ("city", "town") else None
            cc = "GB" if code == "UK" else code
            is_country = code in t.alpha2 or code == "UK"
            if city_cc is not None and city_cc == cc and is_country:
                m = Match("country", cc, i, i + 1, code)
            elif code in t.states and (t.states[code] == "US" or city_cc == "CA" or not is_country):
                m = Match("state", t.states[code], i, i + 1, code)
            elif is_country and code not in CODE_WORDS:
                m = Match("country", cc, i, i + 1, code)
            else:
                continue
            rules.append(f"code-after-place:{code}->{m.value}")
        elif hard_before(i) and hard_after(i):
            us_seen = any(x.value == "US" for x in matches)
            if code == "CA":
                m = Match("country", ("ambiguous-ca", "CA"), i, i + 1, code)
            elif code in WHOLE_SEGMENT_PROVINCES:
                m = Match("state", "CA", i, i + 1, code)
            elif us_seen and code in t.states and t.states[code] == "US":
                m = Match("state", "US", i, i + 1, code)
            elif code in t.alpha2 and code not in CODE_WORDS:
                m = Match("country", code, i, i + 1, code)
            elif code in t.states and code not in STATE_WORDS and t.states[code] == "US":
                m = Match("state", "US", i, i + 1, code)
            else:
                if code in LIST_CODES:
                    pending.append(i)
                continue
            rules.append(f"code-segment:{code}")
        else:
            continue
        owner[i] = m
        matches.append(m)
    # "DE, AT, CH", "NL/BE", "ES/PT": word-like codes count inside a list of country codes
    zone_codes = {x.start: x for x in matches if x.kind == "tz" and x.text in LIST_CODES}
    for i in sorted(set(pending) | set(zone_codes)):
        near = [owner[j] for j in (i - 1, i + 1) if 0 <= j < n]
        if (
            hard_before(i)
            and hard_after(i)
            and any(o is not None and o.kind == "country" and len(o.text) == 2 for o in near)
        ):
            if i in zone_codes:
                matches.remove(zone_codes[i])
            m = Match("country", toks[i][2], i, i + 1, toks[i][2])
            owner[i] = m
            matches.append(m)
            rules.append(f"code-in-list:{toks[i][2]}")

    if (
        not matches
        and 1 <= n <= 2
        and toks[0][2][:1].isupper()
        and not toks[0][2].isupper()
        and (n == 1 or gaps[1] == "-")
    ):
        word = keys[n - 1] if n > 1 else keys[0]
        umlaut = any(ch in "äöüßÄÖÜ" for ch in clean)
        if umlaut or (len(word) >= 5 and word.endswith(t.german_endings)):
            matches.append(Match("town", "DE", 0, n, clean.strip()))
            rules.append("german-place-shape")

    matches.sort(key=lambda m: m.start)
    return _resolve(t, matches, clean, toks, gaps, keys, rules, text)


def _town_segment(
    t: Tables,
    a: int,
    b: int,
    toks: list[tuple[int, int, str]],
    keys: list[str],
    owner: list[Match | None],
    matches: list[Match],
    is_cap: Any,
    is_upper_code: Any,
    clean: str,
) -> None:
    if a >= b:
        return
    # a whole segment naming a town beats partial matches inside it ("West Jordan", "Sandy Springs")
    if b - a >= 2:
        whole = t.towns.get(" ".join(keys[a:b]))
        spans = [o for o in owner[a:b] if o is not None]
        if (
            whole is not None
            and spans
            and all(m.kind in ("city", "country", "state") for m in spans)
            and not any(m.start == a and m.end == b for m in spans)
            and all(m.start >= a and m.end <= b for m in spans)
            and is_cap(a)
        ):
            for m in spans:
                if m in matches:
                    matches.remove(m)
            wk = " ".join(keys[a:b])
            m2 = Match("town", whole, a, b, clean[toks[a][0] : toks[b - 1][1]], alts=t.town_alts.get(wk, ()))
            for j in range(a, b):
                owner[j] = m2
            matches.append(m2)
            return
    # the residual: unmatched tokens of the segment, minus trailing capital codes and keyword matches
    if any(o is not None and o.kind in PLACE_KINDS for o in owner[a:b]):
        return
    cand = [j for j in range(a, b) if owner[j] is None and not is_upper_code(j)]
    while cand and keys[cand[0]] in t.filler:
        cand.pop(0)
    while cand and keys[cand[-1]] in t.filler:
        cand.pop()
    if not cand or len(cand) > 6:
        return
    # must be one contiguous run
    if cand[-1] - cand[0] + 1 != len(cand):
        core = [j for j in cand if keys[j] not in t.filler]
        if not core or core[-1] - core[0] + 1 != len(core):
            return
        cand = core
    if not is_cap(cand[0]):
        return
    if all(toks[j][2].isupper() for j in cand) and sum(len(toks[j][2]) for j in cand) <= 4:
        return  # acronyms ("CAN", "HIRE") are not town names
    k = " ".join(keys[j] for j in cand)
    cc = t.towns.get(k)
    if cc is None:
        k2 = _town_variant(k)
        if k2 is not None:
            cc = t.towns.get(k2)
            if cc is not None:
                k = k2
    if cc is None:
        core = [j for j in cand if keys[j] not in t.filler]
        if not core or core == cand:
            return
        if core[-1] - core[0] + 1 != len(core) or not is_cap(core[0]):
            return
        cand = core
        k = " ".join(keys[j] for j in cand)
        cc = t.towns.get(k)
        if cc is None:
            return
    m = Match(
        "town", cc, cand[0], cand[-1] + 1, clean[toks[cand[0]][0] : toks[cand[-1]][1]], alts=t.town_alts.get(k, ())
    )
    for j in range(cand[0], cand[-1] + 1):
        owner[j] = m
    matches.append(m)


GERMAN_QUALIFIER = re.compile(r" (?:am|an der|an den|im|in|bei|ob der|vor der|ob) .+$")


def _town_variant(k: str) -> str | None:
    """Other spellings of a town key: "st ingbert" -> "sankt ingbert", "mulheim an der ruhr" -> "mulheim"."""
    if k.startswith("st "):
        return "sankt " + k[3:] if len(k) > 3 else None
    m = GERMAN_QUALIFIER.search(k)
    if m and m.start() >= 3:
        return k[: m.start()]
    return None


def _resolve(
    t: Tables,
    matches: list[Match],
    clean: str,
    toks: list[tuple[int, int, str]],
    gaps: list[str],
    keys: list[str],
    rules: list[str],
    raw: str,
) -> Parsed:
    places = {"country", "state", "city", "town", "region", "group"}
    # negation: "no US", "non-U.S.", "except the EU"
    for idx, m in enumerate(matches):
        if m.kind != "neg":
            continue
        nxt = matches[idx + 1] if idx + 1 < len(matches) else None
        if nxt is not None and nxt.kind in places and nxt.start - m.end <= 2:
            between = clean[toks[m.end - 1][1] : toks[nxt.start][0]]
            if not re.search(r"[,;()/|]", between):
                nxt.negated = True
                rules.append(f"negated:{nxt.text}")

    # city followed by its state/province/country ("Paris, TX", "Perth, Scotland, UK",
    # "Bayonne, Pyrenees-Atlantiques, France"): the qualifier decides the country
    # A country name qualified by a state is a town of that state ("Lebanon, Oregon", "Peru, Indiana").
    for idx, m in enumerate(matches):
        if m.kind not in ("city", "town", "country") or idx + 1 >= len(matches):
            continue
        nxt = matches[idx + 1]
        if nxt.kind not in ("state", "country") or nxt.negated:
            continue
        if m.kind == "country" and nxt.kind != "state":
            continue
        between = clean[toks[m.end - 1][1] : toks[nxt.start][0]]
        adjacent = nxt.start == m.end and COMMA_GAP.match(between) is not None
        chained = (
            nxt.start - m.end <= 4
            and re.fullmatch(r"[\w\s,.'’-]*", between) is not None
            and "," in between
            and not any(keys[j] in SEPARATOR_WORDS for j in range(m.end, nxt.start))
        )
        if not (adjacent or chained):
            continue
        if nxt.value != m.value:
            m.dropped = True
            rules.append(f"qualified:{m.text}+{nxt.text}")

    us_evidence = any(
        not m.negated
        and not m.dropped
        and ((m.kind in ("city", "town", "state") and m.value == "US") or (m.kind == "country" and m.value == "US"))
        for m in matches
    )

    context = {
        m.value
        for m in matches
        if m.kind in ("country", "state", "city") and isinstance(m.value, str) and not m.negated and not m.dropped
    }
    for m in matches:
        if m.kind == "town" and not m.dropped and m.value not in context:
            pick = next((c for c in m.alts if c in context), None)
            if pick is not None:
                rules.append(f"town-context:{m.text}->{pick}")
                m.value = pick
    for idx, m in enumerate(matches[1:], 1):
        prev = matches[idx - 1]
        if (
            m.kind == "country"
            and prev.kind == "country"
            and (prev.value, m.value) in SOVEREIGN_PAIRS
            and COMMA_GAP.match(clean[toks[prev.end - 1][1] : toks[m.start][0]])
        ):
            m.dropped = True
            rules.append(f"territory:{prev.text}, {m.text}")

    countries: set[str] = set()
    regions: set[str] = set()
    workplace: set[str] = set()
    worldwide = False
    tz_lo: float | None = None
    tz_hi: float | None = None

    def add_tz(lo: float, hi: float, why: str) -> None:
        nonlocal tz_lo, tz_hi
        tz_lo = lo if tz_lo is None else min(tz_lo, lo)
        tz_hi = hi if tz_hi is None else max(tz_hi, hi)
        rules.append(f"tz:{why}->[{_num(lo)},{_num(hi)}]")

    for idx, m in enumerate(matches):
        if m.negated or m.dropped:
            continue
        if m.kind == "country":
            v = m.value
            if isinstance(v, tuple):
                if v[0] == "ambiguous":  # Georgia
                    before = matches[idx - 1] if idx else None
                    after_us = before is not None and before.end == m.start and before.value == "US"
                    v = "US" if after_us or us_evidence else v[1]
                    rules.append(f"collision:{m.text}->{v}")
                else:  # bare "CA"
                    v = "US" if us_evidence else "CA"
                    rules.append(f"collision:{m.text}->{v}")
            countries.add(v)
            rules.append(f"country:{m.text}->{v}")
        elif m.kind in ("state", "city", "town"):
            countries.add(m.value)
            rules.append(f"{m.kind}:{m.text}->{m.value}")
        elif m.kind == "group":
            countries.update(m.value)
            rules.append(f"group:{m.text}")
        elif m.kind == "region":
            regions.update(m.value)
            rules.append(f"region:{m.text}")
        elif m.kind == "wp":
            workplace.add(m.value)
            rules.append(f"workplace:{m.text}->{m.value}")
        elif m.kind == "ww":
            nxt = matches[idx + 1] if idx + 1 < len(matches) else None
            if nxt is not None and nxt.kind in places and not nxt.negated:
                between = clean[toks[m.end - 1][1] : toks[nxt.start][0]]
                after = clean[toks[nxt.end - 1][1] :].split(")", 1)[0]
                if PREFERENCE.search(after) is None and re.fullmatch(
                    r"\s*(?:\(|-|:|,)?\s*(?:(?:in|within|from|across)\s+)?(?:the\s+)?", between
                ):
                    rules.append(f"worldwide-qualified:{m.text}")
                    if m.value:
                        workplace.add("remote")
                    continue
            worldwide = True
            rules.append(f"worldwide:{m.text}")
            if m.value:
                workplace.add("remote")
        elif m.kind == "tz":
            lo, hi = m.value
            s, e = toks[m.start][0], toks[m.end - 1][1]
            if m.text.upper() in ("UTC", "GMT") and UTC_OFFSET.match(clean, s):
                continue
            pm = PM_AFTER.match(clean, e) or PM_BEFORE.search(clean[max(0, s - 40) : s])
            if pm:
                w = float(pm.group(1))
                lo, hi = lo - w, hi + w
            add_tz(lo, hi, m.text)
            if keys[m.start] in ("us", "usa") and toks[m.start][2].isupper():
                countries.add("US")
                rules.append(f"country:{toks[m.start][2]}->US")

    low = clean.lower()
    has_digit = DIGIT_RE.search(clean) is not None
    for om in UTC_OFFSET.finditer(clean) if ("utc" in low or "gmt" in low) and has_digit else ():
        sign = -1.0 if om.group(1) in "-−–" else 1.0
        val = float(om.group(2)) + (float(om.group(3)) / 60 if om.group(3) else 0.0)
        pm_prefix = clean[max(0, om.start(1) - 3) : om.start(1) + 3]
        if re.search(r"\+\s*/?\s*-|±", pm_prefix):
            add_tz(-val, val, om.group(0).strip())
        else:
            add_tz(sign * val, sign * val, om.group(0).strip())
            more = OFFSET_CONT.match(clean, om.end())
            if more:  # "GMT+1 to +3"
                sign2 = -1.0 if more.group(1) in "-−–" else 1.0
                add_tz(sign2 * float(more.group(2)), sign2 * float(more.group(2)), more.group(0).strip())
    zone_hits = (
        [*US_ZONE_LIST.finditer(clean), *ZONE_LIST_SUFFIX.finditer(clean)]
        if any(w in low for w in ("east", "central", "mountain", "pacific", "west"))
        else []
    )
    for um in zone_hits:
        offs = [ZONE_WORD[w.lower()] for w in re.findall(r"[A-Za-z]+", um.group(1)) if w.lower() in ZONE_WORD]
        if offs:
            add_tz(float(min(offs)), float(max(offs)), um.group(0).strip())

    if "remote" in workplace:
        wp: str | None = "remote"
    elif "hybrid" in workplace:
        wp = "hybrid"
    elif "onsite" in workplace:
        wp = "hybrid" if has_digit and DAYS_WEEK.search(clean) else "onsite"
    elif has_digit and DAYS_WEEK.search(clean) and re.search(r"office|on[\s-]?site", clean, re.IGNORECASE):
        wp = "hybrid"
    else:
        wp = None
    if wp is not None and wp not in workplace:
        rules.append(f"workplace:days-per-week->{wp}")
    if (
        "non" in low
        and NON_US_PREFIX.search(clean)
        and "US" in countries
        and not any(m.value == "US" and not m.negated for m in matches if m.kind in ("city", "town", "state"))
    ):
        countries.discard("US")
    tz = (tz_lo, tz_hi) if tz_lo is not None and tz_hi is not None else None
    return (
        wp,
        worldwide,
        tuple(sorted(countries)),
        tuple(sorted(r for r in regions if r in REGIONS)),
        tz,
        tuple(rules),
    )


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
    r"|(?:must|should|need\s+to|required\s+to)\s+(?:be\s+)?(?:located|based|living|reside|residing)\s+in\s+"
    r"(?:the\s+)?[A-Z][\w &-]{1,40}"
    r"|(?:work|working)\s+from\s+anywhere(?:\s+in\s+the\s+world)?"
    r"|anywhere\s+in\s+the\s+world"
    r"|(?:hybrid|on[\s-]?site)\s+(?:role|position|working|work)\b)",
    re.IGNORECASE,
)


def _structured_countries(structured: Mapping[str, Any]) -> tuple[set[str], list[str]]:
    t = _tables()
    out: set[str] = set()
    notes: list[str] = []
    vals: list[Any] = []
    for key in ("countries", "country", "country_code", "countryCode", "addressCountry", "locations"):
        v = structured.get(key)
        if isinstance(v, str):
            vals.append(v)
        elif isinstance(v, (list, tuple)):
            vals.extend(x for x in v if isinstance(x, str))
    for v in vals:
        s = v.strip()
        if len(s) == 2 and s.isalpha():
            code = "GB" if s.upper() == "UK" else s.upper()
            if code in t.alpha2:
                out.add(code)
                notes.append(f"structured:{s}->{code}")
                continue
        e = t.phrases.get(_key(s))
        if e is not None and e.kind == "country":
            cc = e.value[1] if isinstance(e.value, tuple) else e.value
            out.add(cc)
            notes.append(f"structured:{s}->{cc}")
        else:
            got = parse(s)
            out.update(got["countries"])
            notes.extend(f"structured:{r}" for r in got["rules"])
    return out, notes


def normalize_posting_location(
    *,
    text: str | None,
    structured: Mapping[str, Any] | None = None,
    description: str | None = None,
    remote_flag: bool | None = None,
) -> dict[str, Any]:
    """Pipeline entry: structured platform fields first, then the text, then anchored prose.

    Returns workplace, worldwide, countries, regions, timezone_min, timezone_max,
    location_source ("structured" / "text" / "description" / None) and rules.
    """
    workplace: str | None = None
    worldwide = False
    countries: set[str] = set()
    regions: set[str] = set()
    tz: list[float] | None = None
    source: str | None = None
    rules: list[str] = []

    if structured:
        sc, notes = _structured_countries(structured)
        if sc:
            countries |= sc
            source = "structured"
            rules.extend(notes)
        if not sc:
            # city / state fields without a country: read them like a location string
            parts = [
                v
                for key in ("city", "addressLocality", "state", "region", "addressRegion")
                if isinstance(v := structured.get(key), str) and v.strip()
            ]
            if parts:
                got = parse(", ".join(parts))
                if got["countries"]:
                    countries.update(got["countries"])
                    source = "structured"
                    rules.extend(f"structured:{r}" for r in got["rules"])
        for key in ("remote", "is_remote", "isRemote", "remote_ok"):
            if structured.get(key) is True:
                workplace = "remote"
        jlt = structured.get("jobLocationType")
        if isinstance(jlt, str) and jlt.upper() == "TELECOMMUTE":
            workplace = "remote"
        ws = structured.get("worldwide")
        if ws is True:
            worldwide = True
            source = source or "structured"
        sr = structured.get("regions")
        if isinstance(sr, (list, tuple)):
            for r in sr:
                if isinstance(r, str) and r.lower() in REGIONS:
                    regions.add(r.lower())
                    source = source or "structured"
        for key in ("workplace", "workplaceType", "workplace_type", "location_type"):
            wpv = structured.get(key)
            if isinstance(wpv, str):
                norm = re.sub(r"[\s_-]+", "", wpv.lower()).replace("inoffice", "onsite")
                if norm in ("remote", "hybrid", "onsite"):
                    workplace = norm

    if text and text.strip():
        got = parse(text)
        if got["countries"] or got["regions"] or got["worldwide"] or got["timezones"]:
            if source is None:
                countries.update(got["countries"])
                regions.update(got["regions"])
                worldwide = worldwide or got["worldwide"]
                source = "text"
            tz = got["timezones"]
        if workplace is None:
            workplace = got["workplace"]
        rules.extend(got["rules"])

    if description and (source is None or workplace is None):
        for dm in ANCHORED.finditer(description[:20000]):
            got = parse(dm.group(0))
            if source is None and (got["countries"] or got["regions"] or got["worldwide"]):
                countries.update(got["countries"])
                regions.update(got["regions"])
                worldwide = got["worldwide"]
                source = "description"
            if workplace is None and got["workplace"]:
                workplace = got["workplace"]
            rules.extend(f"description:{r}" for r in got["rules"])
            if source is not None and workplace is not None:
                break

    if workplace is None and remote_flag:
        workplace = "remote"
        rules.append("remote-flag")
    return {
        "workplace": workplace,
        "worldwide": worldwide,
        "countries": sorted(countries),
        "regions": sorted(regions),
        "timezone_min": tz[0] if tz else None,
        "timezone_max": tz[1] if tz else None,
        "location_source": source,
        "rules": rules,
    }

"""Title normaliser: display title, seniority, category and role from rule tables.

``parse("Sr. Backend Eng (Remote) (m/w/d)")`` gives::

    {"title": "Sr. Backend Eng", "seniority": "senior",
     "category": "software-engineering", "role": "backend engineer",
     "rules": ["clean/gender", "clean/location", "seniority/senior", "role/backend engineer"]}

The rules live in ``data/titles/``:

- ``seniority.yaml``: seniority markers, their precedence and the IC roles whose
  name contains "Manager";
- ``roles.yaml``: role canonicalisation (synonyms, stacks, German titles) and
  the category of each role;
- ``markers.yaml``: gender, remote and location markers removed from the
  display title (place names also come from ``data/places/``).

Every table is compiled once into a few combined regexes (see ``_tables``), so
a title costs a handful of regex scans. ``rules`` lists which rules fired.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from normalize import build_cache, places
from normalize.places import place_key

DATA = Path(__file__).resolve().parent.parent / "data"
TITLES = DATA / "titles"

_MAX_LEN = 400  # longer "titles" are prose: only their start is read


@dataclass(frozen=True, slots=True)
class _Rule:
    role: str
    category: str
    tier: int


@dataclass(frozen=True, slots=True)
class _Tables:
    ranks: dict[str, int]
    seniority_re: _Scanner
    seniority: dict[str, tuple[str, str | None]]  # group -> (rule id, level)
    role_re: _Scanner
    role_stop: frozenset[str]  # groups of the lowest tier: no later match can be preferred
    rules: dict[str, tuple[int, _Rule]]  # group -> (table order, rule)
    gender_re: re.Pattern[str]
    vocab: dict[str, str]  # place/remote/filler phrase key -> kind
    first_words: frozenset[str]  # first word of every vocab phrase
    last_words: frozenset[str]  # last word of every big place
    big_places: frozenset[str]  # place keys safe to strip as a bare trailing word
    max_words: int
    place_memo: dict[str, bool] = field(default_factory=dict)  # _is_place answers


def _load_yaml(name: str) -> Any:
    return build_cache.yaml_file(TITLES / name)


def _check(pattern: str, where: str) -> str:
    compiled = build_cache.compile(pattern)
    if compiled.groups:
        raise ValueError(f"{where}: use (?:...) instead of capturing groups: {pattern!r}")
    return pattern


_FOLD_PUNCT = str.maketrans({c: " " for c in "-.'’_"})
_FOLD_WORDS = re.compile(r"[\w%+&]+")


def _fold(text: str) -> list[str]:
    """Words of ``text`` with accents and punctuation folded (case kept)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _FOLD_WORDS.findall(text.translate(_FOLD_PUNCT))


def _key(text: str) -> str:
    """Lower case, accents and punctuation folded: the key of a place phrase."""
    return " ".join(_fold(text.casefold()))


def _place_names() -> tuple[set[str], set[str], set[str]]:
    """(place name keys, big place keys, upper-case-only codes) from the shared place vocabulary."""
    return build_cache.derived("title.place_names", [Path(__file__), *places.table_inputs()], _read_place_names)


def _read_place_names() -> tuple[set[str], set[str], set[str]]:
    names: set[str] = set()
    big: set[str] = set()
    codes: set[str] = {code.lower() for code in places.alpha2_codes() - {"XK"}}
    codes |= {code.lower() for code in places.alpha3_codes()}
    for name, _code in places.country_names():  # ISO names and aliases
        names.add(_key(name))
        big.add(_key(name))
    for row in places.read_csv("geonames_towns.csv"):
        name = _key(row.get("name") or "")
        if not name:
            continue
        names.add(name)
        if int(row.get("population") or 0) >= 300_000:
            big.add(name)
    for row in places.read_csv("states.csv"):
        if row.get("code"):
            codes.add(_key(row["code"]))
        for value in (row.get("name"), *(row.get("aliases") or "").split("|")):
            if value:
                names.add(_key(value))
    return names, big, codes - names


def _alternation(items: Iterable[tuple[str, str]]) -> str:
    return "|".join(f"(?:{pattern})(?!\\w)(?P<{group}>)" for group, pattern in items)


def _split_top(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|``."""
    parts, depth, in_class, escaped, last = [], 0, False, False, 0
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[last:i])
            last = i + 1
    parts.append(pattern[last:])
    return parts


_PrefixStates = set[tuple[str, bool]]
_KEY_LEN = 4  # patterns are indexed by up to this many leading literal characters


def _item_prefixes(op: Any, av: Any, k: int) -> _PrefixStates | None:
    name = str(op)
    if name == "LITERAL":
        return {(chr(av), True)}
    if name == "IN":
        chars: list[str] = []
        for iop, iav in av:
            iname = str(iop)
            if iname == "LITERAL":
                chars.append(chr(iav))
            elif iname == "RANGE" and iav[1] - iav[0] < 10:
                chars.extend(chr(x) for x in range(iav[0], iav[1] + 1))
            else:
                return {("", False)}
        return {(c, True) for c in chars} if len(chars) <= 12 else {("", False)}
    if name == "SUBPATTERN":
        return _seq_prefixes(av[-1], k)
    if name == "BRANCH":
        out: _PrefixStates = set()
        for branch in av[1]:
            sub = _seq_prefixes(branch, k)
            if sub is None:
                return None
            out |= sub
        return out
    if name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
        low, high, sub_items = av
        sub = _seq_prefixes(sub_items, k)
        if sub is None:
            return None
        if high == 1:
            return sub | ({("", True)} if low == 0 else set())
        closed = {(t, False) for t, _ in sub}
        return closed | ({("", False)} if low == 0 else set())
    if name in {"AT", "ASSERT", "ASSERT_NOT"}:
        return {("", True)}
    return {("", False)}


def _seq_prefixes(items: Any, k: int) -> _PrefixStates | None:
    """Possible literal starts (up to ``k`` chars) of a parsed regex; True = may extend."""
    states: _PrefixStates = {("", True)}
    for op, av in items:
        if not any(open_ and len(s) < k for s, open_ in states):
            break
        new: _PrefixStates = set()
        for s, open_ in states:
            if not open_ or len(s) >= k:
                new.add((s[:k], False))
                continue
            ext = _item_prefixes(op, av, k - len(s))
            if ext is None:
                return None
            for t, o in ext:
                joined = s + t
                new.add((joined[:k], o and len(joined) < k))
        states = new
        if len(states) > 400:
            return None
    return states


def _start_keys(pattern: str) -> set[str] | None:
    """The literal strings (1 to _KEY_LEN chars) every match of ``pattern`` starts with; None if unknown."""
    from re import _parser  # type: ignore[attr-defined]

    states = _seq_prefixes(_parser.parse(pattern), _KEY_LEN)
    if states is None:
        return None
    keys = {s for s, _ in states}
    return None if "" in keys else keys


def _longest_literal(pattern: str) -> str:
    from re import _parser  # type: ignore[attr-defined]

    runs, current = [], ""
    for op, av in _parser.parse(pattern):
        if str(op) == "LITERAL":
            current += chr(av)
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    return max(runs, key=len)


_Entry = tuple[int, str, str]  # (table order, group, alternative): sorted, the order to try them in
_Candidates = tuple[Callable[[str, int], "re.Match[str] | None"], tuple[_Entry, ...]] | None
_UNSEEN: Any = object()  # cache miss marker (None is a cached "no candidates")


def _index(items: list[tuple[str, str]]) -> tuple[dict[str, list[_Entry]], list[tuple[str, _Entry]]]:
    """A scanner's alternatives by the literal strings they start with, and those that start with
    a wildcard (with the longest literal they need)."""
    by_key: dict[str, list[_Entry]] = {}
    wild: list[tuple[str, _Entry]] = []
    for order, (group, pattern) in enumerate(items):
        for alt in _split_top(pattern):
            entry = (order, group, alt)
            keys = _start_keys(alt)
            if keys is None:
                wild.append((_longest_literal(alt), entry))
            else:
                for key in sorted(keys):
                    by_key.setdefault(key, []).append(entry)
    return by_key, wild


class _Scanner:
    """An ordered list of named patterns, matched at word starts.

    ``finditer(text)`` yields, for each word start, the first pattern (in table
    order) that matches there. Each alternative of each pattern is indexed by
    the literal strings (up to four characters) it can start with; a position
    only tries the few alternatives its next characters can start, combined
    into one regex per distinct set of alternatives, compiled on first use. An
    alternative with a leading wildcard ("\\w*buchhalt") is compiled on its own
    and tried only in texts holding a literal it needs; of the alternatives
    that match at a position, the first in order wins.
    """

    def __init__(self, name: str, items: list[tuple[str, str]]) -> None:
        # reading every alternative's start is ~0.1 s of parsing: kept while the items and this code are unchanged
        inputs: list[Path | str] = [Path(__file__), repr(items)]
        self._by_key, wild = build_cache.derived(f"title.{name}", inputs, lambda: _index(items))
        self._wild = [(literal, entry, build_cache.compile(f"(?:{entry[2]})(?!\\w)").match) for literal, entry in wild]
        self._combined: dict[tuple[_Entry, ...], _Candidates] = {}
        self._plain: dict[str, _Candidates] = {}
        literals = sorted({lit for lit, _, _ in self._wild}, key=lambda lit: (-len(lit), lit))
        self._needed_re = build_cache.compile("|".join(map(re.escape, literals))) if self._wild else None

    def _candidates_for(self, head: str) -> _Candidates:
        """The keyed alternatives a position starting with ``head`` may match, as ONE regex.

        Alternatives keep table order and each ends in an empty group, so the
        first one that matches wins (as if tried one by one) and ``lastindex``
        names it.
        """
        entries = [e for n in range(1, _KEY_LEN + 1) if len(head) >= n for e in self._by_key.get(head[:n], ())]
        if not entries:
            return None
        key = tuple(sorted(entries))
        combined = self._combined.get(key)
        if combined is None:
            if len(self._combined) > 10_000:
                self._combined.clear()  # the head cache keeps what it uses
            pattern = "|".join(f"(?:{alt})(?!\\w)()" for _, _, alt in key)
            combined = self._combined[key] = (build_cache.compile(pattern).match, key)
        return combined

    def compile_all(self) -> None:
        """Compile the regex of every head a key starts (each longer head shares one of them)."""
        for head in list(self._by_key):
            self._head(head)

    def _head(self, head: str) -> _Candidates:
        candidates = self._plain.get(head, _UNSEEN)
        if candidates is _UNSEEN:
            if len(self._plain) > 50_000:
                self._plain.clear()
            candidates = self._plain[head] = self._candidates_for(head)
        return candidates  # type: ignore[no-any-return]

    def finditer(
        self, text: str, starts: list[int], *, consume: bool, stop: frozenset[str] = frozenset()
    ) -> list[tuple[str, int, int]]:
        """(group, start, end) of the first matching pattern at each word start in ``starts``.

        The scan ends early after a match of a group in ``stop``.
        """
        wild = []
        if self._needed_re is not None and self._needed_re.search(text):
            wild = [(entry, match) for literal, entry, match in self._wild if literal in text]
        found: list[tuple[str, int, int]] = []
        end = 0
        plain = self._plain
        for pos in starts:
            if pos < end:
                continue
            best: _Entry | None = None
            best_end = 0
            head = text[pos : pos + _KEY_LEN]
            candidates = plain.get(head, _UNSEEN)
            if candidates is _UNSEEN:
                candidates = self._head(head)
            if candidates is not None:
                m = candidates[0](text, pos)
                if m is not None:
                    best, best_end = candidates[1][(m.lastindex or 1) - 1], m.end()
            for entry, match in wild:
                if best is None or entry < best:
                    w = match(text, pos)
                    if w is not None:
                        best, best_end = entry, w.end()
            if best is not None:
                if consume:
                    end = best_end
                group = best[1]
                found.append((group, pos, best_end))
                if group in stop:
                    return found
        return found


def _vocabulary(
    markers: dict[str, Any],
) -> tuple[dict[str, str], frozenset[str], int, frozenset[str], frozenset[str]]:
    """(phrase key -> kind, big place keys, most words of a phrase, first words of the phrases,
    last words of the big places) from the place vocabulary and ``markers.yaml``."""
    names, big, codes = _place_names()
    not_places = {_key(w) for w in markers["not_places"]}
    vocab: dict[str, str] = {code: "code" for code in codes}
    for name in names - not_places:
        vocab[name] = "place"
    upper_only = places.upper_only_region_words()
    for region in (*places.region_words(), *places.country_groups(), *markers["place_words"]):
        vocab[_key(region)] = "code" if place_key(region) in upper_only else "place"
    for word in markers["fillers"]:
        vocab.setdefault(_key(str(word)) or str(word), "filler")
    for word in markers["remote"]:
        vocab[_key(word)] = "remote"
    big_places = frozenset(k for k in big - not_places if len(k) > 3)
    max_words = max(len(k.split()) for k in vocab)
    first_words = frozenset(k.split()[0] for k in vocab if k)
    last_words = frozenset(k.split()[-1] for k in big_places)
    return vocab, big_places, max_words, first_words, last_words


@cache
def _tables() -> _Tables:
    sen = _load_yaml("seniority.yaml")
    ranks = {level: i for i, level in enumerate(sen["ranks"])}
    ic = "|".join(sen["ic_managers"])
    ic_pattern = f"(?:{ic})[\\s-]*manager(?:in|innen|:in|\\*in|_in|/in)?"
    seniority: dict[str, tuple[str, str | None]] = {}
    sen_items = []
    for i, marker in enumerate(sen["markers"]):
        pattern = str(marker["pattern"]).replace("@IC_MANAGERS@", ic_pattern)
        level = marker.get("level")
        if level is not None and level not in ranks:
            raise ValueError(f"seniority.yaml: unknown level {level!r}")
        group = f"s{i}"
        seniority[group] = (str(marker["id"]), level)
        sen_items.append((group, _check(pattern, f"seniority.yaml {marker['id']}")))
    seniority_re = _Scanner("seniority", sen_items)

    roles = _load_yaml("roles.yaml")
    macros: dict[str, str] = roles.get("macros") or {}
    rules: dict[str, tuple[int, _Rule]] = {}
    role_items = []
    for i, rule in enumerate(roles["rules"]):
        pattern = str(rule["match"])
        for _ in range(3):  # macros may use macros
            for name, value in macros.items():
                pattern = pattern.replace(f"@{name}@", value)
        group = f"r{i}"
        rules[group] = (i, _Rule(str(rule["role"]), str(rule["category"]), int(rule.get("tier", 0))))
        role_items.append((group, _check(pattern, f"roles.yaml {rule['role']}")))
    # at one position the lowest tier is tried first (then table order), like the choice in _role
    role_items.sort(key=lambda item: (rules[item[0]][1].tier, rules[item[0]][0]))
    role_re = _Scanner("roles", role_items)
    lowest_tier = min(rule.tier for _, rule in rules.values())

    markers = _load_yaml("markers.yaml")
    gender_re = build_cache.compile("|".join(f"(?:{_check(p, 'markers.yaml gender')})" for p in markers["gender"]))
    # ~42,000 place names made into the vocabulary: a function of the tables, kept between processes
    inputs = [Path(__file__), TITLES / "markers.yaml", *places.table_inputs()]
    vocab, big_places, max_words, first_words, last_words = build_cache.derived(
        "title.vocabulary", inputs, lambda: _vocabulary(markers)
    )
    return _Tables(
        ranks=ranks,
        seniority_re=seniority_re,
        seniority=seniority,
        role_re=role_re,
        role_stop=frozenset(group for group, (_, rule) in rules.items() if rule.tier == lowest_tier),
        rules=rules,
        gender_re=gender_re,
        vocab=vocab,
        first_words=first_words,
        last_words=last_words,
        big_places=big_places,
        max_words=min(max_words, 5),
    )


# ---------------------------------------------------------------- display title

_TAGS = re.compile(r"<[^>]{0,200}>")
_PARENS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_DASH_SEGMENTS = re.compile(r"(\s+[-–—|]\s+|\s*\|\s*|\s+[–—]\s*|\s*[–—]\s+)")
_HAS_DASH = re.compile(r"\s[-–—|]|[–—|]\s|\|")
_ITEM_SPLIT = re.compile(r"(\s*[/,;]\s*|\s+(?:or|and|oder|und|&)\s+)")
_IN_PLACE = re.compile(r"\s+(?:in|based\s+in|from|im\s+raum)\s+((?:[^\s,()|–—-]+\s*){1,4})", re.IGNORECASE)
_LEADING_REMOTE = re.compile(r"^(?:100%\s+|fully\s+)?remote\s*(?:[-–|:/]\s*)?(?=\S)", re.IGNORECASE)
_NUMBER = re.compile(r"\d{1,2}(?:h|hrs?)?$")
_TIDY = [
    (re.compile(r"\(\s*\)|\[\s*\]"), ""),
    (re.compile(r"\s+([,:;)\]])"), r"\1"),
    (re.compile(r"([(\[])\s+"), r"\1"),
    (re.compile(r"(?:\s*[-–—|:,/]\s*)+$"), ""),
    (re.compile(r"^(?:\s*[-–—|:,/]\s*)+"), ""),
]
_GLUE = frozenset({"of", "for", "in", "to", "and", "&", "the", "at", "from", "de", "der", "des", "du", "la"})


def _is_place(text: str, t: _Tables) -> bool:
    """True when ``text`` only says where/how the job is worked (places, remote, fillers)."""
    memo = t.place_memo
    answer = memo.get(text)
    if answer is None:
        if len(memo) > 50_000:
            memo.clear()
        answer = memo[text] = _is_place_uncached(text, t)
    return answer


def _is_place_uncached(text: str, t: _Tables) -> bool:
    head = text.split(None, 1)
    if not head:
        return False
    first = head[0].casefold().strip("-.'’_,;:()")
    if first.isascii() and first.isalpha() and first not in t.first_words:
        return False  # quick reject: no place phrase starts with this word
    original = _fold(text)
    if not original:
        return False
    words = [w.casefold() for w in original]
    vocab, max_words = t.vocab, t.max_words
    i, n, signal = 0, len(words), False
    while i < n:
        for size in range(min(max_words, n - i), 0, -1):
            kind = vocab.get(" ".join(words[i : i + size]))
            if kind == "code" and not (size == 1 and original[i].isupper()):
                kind = None
            if kind is not None:
                signal = signal or kind != "filler"
                i += size
                break
        else:
            if _NUMBER.match(words[i]):
                i += 1
                continue
            return False
    return signal


def _filter_items(text: str, t: _Tables) -> str | None:
    """Drop the place items of a list ("Remote/SaaS" -> "SaaS"); None when all are places."""
    parts = _ITEM_SPLIT.split(text)
    items, seps = parts[0::2], parts[1::2]
    keep = [not _is_place(item, t) for item in items]
    if not any(keep):
        return None
    if all(keep):
        return text
    kept = [item.strip() for item, k in zip(items, keep, strict=True) if k and item.strip()]
    sep = seps[0].strip() if seps else "/"
    joiner = f"{sep} " if sep in {",", ";"} else f" {sep} "
    return joiner.join(kept)


def _strip_trailing_place(text: str, t: _Tables) -> str:
    """Drop trailing place/remote words: "Voice Actor Lisbon", "Engineer 100% Homeoffice"."""
    tail = text.rsplit(None, 2)
    if len(tail) < 3:
        return text
    last = tail[-1].casefold().strip(".,;:")
    if last.isascii() and last.isalpha() and last not in t.vocab and last not in t.last_words:
        return text  # quick reject: no place, remote or filler word ends with this word
    words = text.split()
    keys = [_key(w) for w in words]
    cut, removed = len(words), False
    while cut > 2:
        for size in (3, 2, 1):
            if cut - size < 2:
                continue
            phrase = " ".join(keys[cut - size : cut])
            kind = t.vocab.get(phrase)
            if phrase in t.big_places or phrase in _SHORT_PLACES or kind == "remote":
                cut, removed = cut - size, True
                break
            if kind == "filler" and size == 1 and phrase not in _GLUE:
                cut -= 1
                break
        else:
            break
    if not removed or keys[cut - 1] in _GLUE:
        return text
    return " ".join(words[:cut])


_SHORT_PLACES = frozenset({"usa", "us", "uk", "eu"})


def _clean(raw: str, fired: list[str]) -> str:
    t = _tables()
    text = raw[:_MAX_LEN]
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAGS.sub(" ", text)
    text = " ".join(text.split())
    if not text:
        return text

    stripped = t.gender_re.sub(" ", text) if "/" in text or "(" in text or "[" in text else text
    gendered = stripped != text
    if gendered:
        fired.append("clean/gender")
        text = " ".join(stripped.split())

    before = text

    def paren(m: re.Match[str]) -> str:
        inner = m.group(1)
        kept = _filter_items(inner, t)
        if kept is None:
            return ""
        return m.group(0) if kept == inner else f" ({kept.strip()})"

    if "(" in text or "[" in text:
        text = _PARENS.sub(paren, text)

    def in_place(m: re.Match[str]) -> str:
        words = m.group(1).split()
        for size in range(len(words), 0, -1):
            if _is_place(" ".join(words[:size]), t):
                rest = " ".join(words[size:])
                return f" {rest}" if rest else ""
        return m.group(0)

    low = text.lower()
    if " in " in low or " from " in low or " im raum " in low or " based " in low:
        text = _IN_PLACE.sub(in_place, text)

    has_dash = "-" in text or "|" in text or "–" in text or "—" in text
    parts = _DASH_SEGMENTS.split(text) if has_dash and _HAS_DASH.search(text) else [text]
    if len(parts) > 1:
        out = [parts[0]]
        for i in range(2, len(parts), 2):
            kept = _filter_items(parts[i], t)
            if kept is not None:
                out.extend([parts[i - 1], kept])
        text = "".join(out)
    if ", " in text:
        items = text.split(", ")
        while len(items) > 1 and _is_place(items[-1], t):
            items.pop()
        text = ", ".join(items)

    if low.startswith(("remote", "100%", "fully")):
        lead = _LEADING_REMOTE.sub("", text)
        if lead != text and lead.strip():
            text = lead
    head, paren_at, rest = text.partition(" (")
    stripped_head = _strip_trailing_place(head, t)
    if stripped_head != head:
        text = f"{stripped_head}{paren_at}{rest}"
    if text == before and not gendered:
        return text
    for pattern, repl in _TIDY:
        text = pattern.sub(repl, text)
    text = " ".join(text.split())
    if text != before:
        fired.append("clean/location")
    return text or before


# ---------------------------------------------------------------- classification

_STARTS = re.compile(r"(?<!\w)[\w.$€£]")  # where a rule may start
# a web domain names a company, never a function ("Silver.dev", "Design.io - Recruiter")
_DOMAIN = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|io|ai|dev|co|org|app|so|xyz|tech|jobs|fm|sh|gg)\b")
_SEGMENT = re.compile(r"\s[-–—|@]\s|\s*\|\s*|,\s|:\s|\sfor\s|\sat\s|\s*[()\[\]]\s*|\s[–—]|[–—]\s")


def _seniority(low: str, starts: list[int], t: _Tables, fired: list[str]) -> tuple[str | None, list[tuple[int, int]]]:
    best: str | None = None
    spans: list[tuple[int, int]] = []
    for group, start, end in t.seniority_re.finditer(low, starts, consume=True):
        rule_id, level = t.seniority[group]
        fired.append(f"seniority/{rule_id}")
        if level is None:
            continue
        spans.append((start, end))
        if best is None or t.ranks[level] > t.ranks[best]:
            best = level
    return best, spans


def _head_end(low: str) -> int:
    """End of the title's head segment (before the first " - ", ", ", "(" ... that follows a word)."""
    for m in _SEGMENT.finditer(low):
        if re.search(r"\w", low[: m.start()]):
            return m.start()
    return len(low)


def _role(low: str, starts: list[int], t: _Tables, fired: list[str]) -> _Rule | None:
    """The role of the head segment; a trailing segment only refines it within its category.

    The function noun decides: "Software Engineer, Risk" is a software engineer (the domain
    after the comma is a qualifier), "Software Engineer - Backend" a backend engineer (a named
    role of the same category), "Risk Analyst" a risk analyst. Within a segment the lowest tier
    wins, then the earliest position. Matches come in position order, and the scan can stop
    at the first match of the lowest tier of the table.
    """
    head_end = _head_end(low)
    head: _Rule | None = None
    tail: _Rule | None = None
    for group, pos, _end in t.role_re.finditer(low, starts, consume=False, stop=t.role_stop):
        rule = t.rules[group][1]
        if pos < head_end:
            if head is None or rule.tier < head.tier:
                head = rule
        elif tail is None or rule.tier < tail.tier:
            tail = rule
    chosen = head
    if head is None or (tail is not None and tail.tier == 0 < head.tier and tail.category == head.category):
        chosen = tail
    if chosen is not None:
        fired.append(f"role/{chosen.role}" + (f" (tier {chosen.tier})" if chosen.tier else ""))
    return chosen


def _empty(title: str | None = None) -> dict[str, Any]:
    return {"title": title, "seniority": None, "category": None, "role": None, "rules": []}


def compile_patterns() -> int:
    """Compile now every pattern group a word of a title can start (otherwise compiled the first
    time a title has such a word), for a process that forks others; returns how many groups."""
    tables = _tables()
    for scanner in (tables.seniority_re, tables.role_re):
        scanner.compile_all()
    return len(tables.seniority_re._combined) + len(tables.role_re._combined)


def parse(text: str) -> dict[str, Any]:
    """Display title, seniority, category and role of a job title (never raises on str input)."""
    if not isinstance(text, str) or not text.strip():
        return _empty()
    title, seniority, category, role, rules = _parse_cached(text)
    return {"title": title, "seniority": seniority, "category": category, "role": role, "rules": list(rules)}


@lru_cache(maxsize=32_768)
def _parse_cached(text: str) -> tuple[str | None, str | None, str | None, str | None, tuple[str, ...]]:
    fired: list[str] = []
    title = _clean(text, fired)
    if not title:
        return None, None, None, None, ()
    t = _tables()
    low = title.lower()
    if "." in low:
        low = _DOMAIN.sub(lambda m: " " * len(m.group()), low)
    starts = [m.start() for m in _STARTS.finditer(low)]
    seniority, _ = _seniority(low, starts, t, fired)
    rule = _role(low, starts, t, fired)
    if rule is not None:
        role: str | None = rule.role
        category = rule.category
    else:  # no recognised function: say so rather than echo the title (a company, a sentence)
        role = None
        category = "other"
        fired.append("role/no role")
    return title, seniority, category, role, tuple(fired)

"""normalize.guard: the words every match of a pattern contains, read off the pattern."""

from __future__ import annotations

import functools
import re
import sys
from re import _parser  # type: ignore[attr-defined]

import pytest

from normalize import location, salary
from normalize.guard import (
    _FOLD_TO_ASCII,
    Guarded,
    _anchor_sets,
    _best_anchor,
    _is_word_char,
    _starts,
    _top_branches,
    _width,
    fold,
    leading_words,
    required_words,
)
from tests.conftest import cassette_bodies, json_strings

WORDS = [
    pytest.param(r"remote", {"remote"}, id="a-literal"),
    pytest.param(r"\bfully\s+remote\b", {"remote"}, id="longest-word-of-a-sequence"),
    pytest.param(r"\b(?:hybrid|on[\s-]?site)\b", {"hybrid", "site"}, id="one-word-per-alternative"),
    pytest.param(r"days?\s+a\s+week", {"week"}, id="optional-letter-ends-a-word"),
    pytest.param(r"(?:remote)+ role", {"remote"}, id="repeated-at-least-once"),
    pytest.param(r"(?:remote)? role", {" role"}, id="optional-part-is-not-required"),
    pytest.param(r"ab|remote", None, id="an-alternative-without-a-long-word"),
    pytest.param(r"[Ll]ocations?:", {"ocation"}, id="a-class-breaks-the-word"),
    pytest.param(r"(?i:remote) work", {" work"}, id="a-part-with-its-own-case-rules-is-skipped"),
    pytest.param(r"\d+\s*k", None, id="no-word-at-all"),
]


@pytest.mark.parametrize(("pattern", "words"), WORDS)
def test_required_words(pattern, words) -> None:
    assert required_words(re.compile(pattern)) == (None if words is None else frozenset(words))


def test_case_insensitive_words_are_lower_case_ascii() -> None:
    assert required_words(re.compile(r"Remote\s+Straße", re.IGNORECASE)) == frozenset({"remote"})


SEARCHES = [
    pytest.param("We are a fully REMOTE team", True, id="upper-case-text"),
    pytest.param("we are a fully remote team", True, id="lower-case-text"),
    pytest.param("fully reſident", False, id="no-word-no-match"),
    pytest.param("fully remoTe", True, id="mixed-case"),
    pytest.param("BA\u017fED IN Berlin", True, id="long-s-is-an-s-to-ignorecase"),
    pytest.param("Based In Berlin", True, id="second-alternative"),
]


@pytest.mark.parametrize(("text", "matches"), SEARCHES)
def test_guarded_search_agrees_with_the_pattern(text, matches) -> None:
    pattern = re.compile(r"\b(?:fully\s+remote|based\s+in)\b", re.IGNORECASE)
    guarded = Guarded(pattern)
    assert guarded.words == frozenset({"remote", "based"})
    assert bool(guarded.search(text)) is matches is bool(pattern.search(text))


def test_fold_covers_every_character_ignorecase_takes_for_an_ascii_letter() -> None:
    """What fold() relies on, over every code point: re.IGNORECASE matches an ASCII letter only
    to characters that str.lower() (after the fold table) turns into that letter."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    any_letter = re.compile("[a-z]", re.IGNORECASE)
    found = {}
    for code in range(128, sys.maxunicode + 1):
        char = chr(code)
        if any_letter.match(char) and char.lower() not in letters:
            found[char] = next(letter for letter in letters if re.fullmatch(letter, char, re.IGNORECASE))
    assert found == _FOLD_TO_ASCII
    assert fold("İSTANBUL ıſ") == "istanbul is"


@pytest.mark.parametrize(
    "name", ["HYBRID_STATEMENT", "ONSITE_STATEMENT", "REMOTE_STATEMENT", "ANCHORED", "LOCATION_LINE", "LEAD_LINE"]
)
def test_every_description_statement_has_a_guard(name) -> None:
    assert required_words(getattr(location, name)) is not None


STARTS = [
    pytest.param(r"(?<![a-z])(?:salary|base\s+pay)(?![a-z])", {"salary", "base"}, re.I, id="lookbehind-then-words"),
    pytest.param(r"\b(?:role|job)\s+is", {"role", "job"}, re.I, id="boundary-then-a-group"),
    pytest.param(r"\b[1-4]\s*days?|\bfour days", {"1", "2", "3", "4", "four days"}, re.I, id="a-class-of-digits"),
    pytest.param(r"R\u00e9mun\u00e9ration", {"r\u00e9mun\u00e9ration"}, re.I, id="accents-fold-plainly"),
    pytest.param(r"ba\u03c3is", {"ba"}, re.I, id="sigma-has-extra-equivalents-so-the-word-ends"),
    pytest.param(r"Remote", {"Remote"}, 0, id="case-sensitive-as-written"),
    pytest.param(r"(?:remote)?\s+role", None, re.I, id="an-optional-start"),
    pytest.param(r"x\s+role|remote", None, re.I, id="a-one-letter-start"),
    pytest.param(r"[a-z]+ role", None, re.I, id="a-class-of-letters"),
]


@pytest.mark.parametrize(("pattern", "words", "flags"), STARTS)
def test_leading_words(pattern, words, flags) -> None:
    assert leading_words(re.compile(pattern, flags)) == (None if words is None else frozenset(words))


#: The description patterns a Guarded runs only where a match can start.
STARTED = {
    **{name: getattr(location, name) for name in ("_HYBRID", "_ONSITE", "_REMOTE", "_ANCHORED")},
    "salary-anchor": salary._rules().anchor_lead,
    "salary-retirement": salary._RETIREMENT_AT_STARTS,
}


@functools.cache
def real_long_strings() -> tuple[str, ...]:
    """Every distinct string over 300 characters in five real cassettes (descriptions in HTML and
    text, several languages), read once per test process."""
    folders = ("ashby", "greenhouse-boards", "arbeitnow-2026-02-13", "remotive", "remoteok")
    # cut where the normalisers cut a description (normalize.location / normalize.salary: 20,000)
    found = {t[:20000]: None for folder in folders for t in json_strings(cassette_bodies(folder)) if len(t) > 300}
    return tuple(found)


@pytest.mark.parametrize("name", STARTED)
def test_every_description_pattern_starts_at_known_words(name) -> None:
    assert STARTED[name].starts is not None


@pytest.mark.realdata
@pytest.mark.parametrize("name", STARTED)
def test_matches_tried_at_starts_are_the_scans_on_real_descriptions(name) -> None:
    """The same matches (spans and groups, in order) as the plain scan, on every long string of
    real job records (descriptions, HTML and text, several languages) and on case-folding traps."""
    guarded = STARTED[name]
    texts = [*real_long_strings()]
    texts += [
        "This ROLE IS fully remote; \u212aelvin, \u0130stanbul, ba\u017fed in Berlin: 3 days a week in our office",
        "Salary range: $120k. Ba\u017fe pay. OTE: 200k. R\u00c9MUN\u00c9RATION 50k. The position is on-site only.",
    ]
    assert len(texts) > 1000
    hits = 0
    for text in texts:
        got = [(m.span(), m.groups()) for m in guarded.finditer(text)]
        assert got == [(m.span(), m.groups()) for m in guarded.pattern.finditer(text)], text[:200]
        found = guarded.search(text)  # the plain search is the first of the plain finditer
        assert (found.span(), found.groups()) == got[0] if got else found is None
        hits += len(got)
    assert hits > 0  # the texts do hold statements


def test_word_characters_are_what_a_word_boundary_sees() -> None:
    """Guarded skips a start right after a word character when \\b must stand before it: the
    same test as re's, over every code point."""
    word = re.compile(r"\w")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if bool(word.match(c)) != _is_word_char(c)] == []


def test_a_start_after_a_letter_is_skipped_only_behind_a_boundary() -> None:
    bounded, free = Guarded(re.compile(r"\bon\s+site", re.I)), Guarded(re.compile(r"on\s+site", re.I))
    assert (bounded.after_boundary, free.after_boundary) == (frozenset({"on"}), frozenset())
    text = "Canon site; work on site"
    assert [m.start() for m in bounded.finditer(text)] == [m.start() for m in bounded.pattern.finditer(text)] == [17]
    assert [m.start() for m in free.finditer(text)] == [m.start() for m in free.pattern.finditer(text)] == [3, 17]


@pytest.mark.realdata
def test_location_lines_skipped_without_a_label_colon_are_the_scans_on_real_descriptions() -> None:
    """location._location_lines runs LOCATION_LINE only on a text where a label word is followed
    by a colon: the same matches as the plain scan on real records and on labels it must keep."""
    assert location._LOCATION_LINE.words == frozenset({"ocation", "LOCATION"})  # what the check reads
    texts = [*real_long_strings()]
    texts += ["Job Location :\n Berlin", "LOCATIONS: Remote, EU", "Work locations: Paris | Lyon", "Our location is X"]
    found = 0
    for text in texts:
        got = [(m.span(), m.groups()) for m in location._location_lines(text)]
        assert got == [(m.span(), m.groups()) for m in location.LOCATION_LINE.finditer(text)], text[:200]
        found += bool(got)
    assert found > 10


def test_replace_matches_is_sub_on_real_descriptions() -> None:
    """salary's retirement-plan removal ("401(k)") through Guarded.replace_matches: re.sub's text."""
    guarded = salary._RETIREMENT_AT_STARTS
    texts = [t for t in json_strings(cassette_bodies("ashby")) if "401" in t or "403" in t]
    texts += ["401(k), 403b and 401 k; $401k, 1401k, 401k-plan, 40 1k, 401K."]
    assert len(texts) > 50
    changed = 0
    for text in texts:
        assert guarded.replace_matches(" ", text) == guarded.pattern.sub(" ", text), text[:200]
        changed += guarded.replace_matches(" ", text) != text
    assert changed > 20


def test_folding_keeps_which_characters_are_word_characters() -> None:
    """Guarded checks the character before a start word in the folded copy: what \\b sees in the
    text itself, for every code point that folds to one character (longer folds are not used)."""
    changed = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if len(folded := fold(chr(code))) == 1 and _is_word_char(chr(code)) != _is_word_char(folded)
    ]
    assert changed == []


def parsed(pattern: str, flags: int = re.IGNORECASE):
    return _parser.parse(pattern, flags)


def test_a_leading_group_of_alternatives_is_spread_out() -> None:
    spread = _top_branches(parsed(r"\b(?:in|at)\s+(?:the|our)\s+office|hybrid"))
    assert [_starts(items, True) for items in spread] == [
        frozenset({("in", True)}),
        frozenset({("at", True)}),
        frozenset({("hybrid", False)}),
    ]


WIDTHS = [
    pytest.param(r"on[\s-]?site", (6, 7), id="an-optional-character"),
    pytest.param(r"(?:fully|100\s?%)", (4, 5), id="alternatives"),
    pytest.param(r"\bin\s+the", (6, None), id="unbounded-whitespace"),
    pytest.param(r"(?<![a-z])x(?=y)", (1, 1), id="assertions-take-nothing"),
    pytest.param(r"[^.\n]{0,40}?ab", (2, 42), id="a-bounded-repeat"),
]


@pytest.mark.parametrize(("pattern", "width"), WIDTHS)
def test_width(pattern, width) -> None:
    assert _width(parsed(pattern)) == width


ANCHORS = [
    pytest.param(r"\bon[\s-]?site\s+role", (("site", 2, 3),), id="word-after-an-optional-character"),
    pytest.param(r"\b(?:in[\s-]office|on[\s-]?site)\b", (("office", 3, 3), ("site", 2, 3)), id="one-per-alternative"),
    pytest.param(r"\bin\s+(?:the|our)\s+office", None, id="nothing-after-unbounded-whitespace"),
    pytest.param(r"\bon\s?(?:site|x)", None, id="an-alternative-without-a-word"),
]


@pytest.mark.parametrize(("pattern", "anchors"), ANCHORS)
def test_short_starts_are_anchored_to_a_longer_word_nearby(pattern, anchors) -> None:
    assert _best_anchor(_anchor_sets(parsed(pattern), True)) == anchors


TRAPS = [
    "on site role at the start",
    "Canon site role; work on-site role. ON SITE ROLE",
    "on site on site role",  # overlapping windows
    "x on\tsite role, in office position, in-person only; on site",  # anchor word at the end
    "site role on site",
    "in office only" * 3,
]


@pytest.mark.parametrize("text", TRAPS)
def test_anchored_starts_find_every_match(text) -> None:
    for pattern in (location.ONSITE_STATEMENT, location.ANCHORED, location.HYBRID_STATEMENT):
        guarded = Guarded(pattern)
        assert guarded.short_starts, "the statements have short starts to anchor"
        expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groups()) for m in guarded.finditer(text)] == expected

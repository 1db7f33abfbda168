"""normalize.guard: the words every match of a pattern contains, read off the pattern."""

from __future__ import annotations

import re
import sys

import pytest

from normalize import location
from normalize.guard import _FOLD_TO_ASCII, Guarded, fold, required_words

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

"""Skip a regular expression on texts that cannot match it: the words every match contains.

Python's ``re`` tries a pattern that starts with ``\\b`` or an alternation at every character of
a text (about 100 ns a character for the description statements of ``normalize.location``),
while ``word in text`` runs at memory speed. :func:`required_words` reads, from the pattern
itself, a set of words one of which every match must contain, so a text without any of them
is skipped without changing a single result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

#: Shorter words are in nearly every text: no use as a guard.
MIN_WORD = 3

#: Characters that ``re.IGNORECASE`` matches to an ASCII letter but ``str.lower`` does not turn
#: into it (tests/test_guard.py checks this against every code point).
_FOLD_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}
_FOLD_TABLE = str.maketrans(_FOLD_TO_ASCII)


def fold(text: str) -> str:
    """``text`` lower-cased so that every ASCII letter ``re.IGNORECASE`` sees is lower-case ASCII."""
    if not text.isascii() and any(char in text for char in _FOLD_TO_ASCII):
        text = text.translate(_FOLD_TABLE)
    return text.lower()


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective requirement: longest shortest word, then fewest words."""
    usable = [c for c in candidates if c and min(map(len, c)) >= MIN_WORD]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def _required(items: Any, ignorecase: bool) -> frozenset[str] | None:
    """Words one of which every match of this sequence contains (None: nothing is certain).
    Case-insensitive, only ASCII letters count (other scripts fold in ways ``str.lower`` does not)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if len(run) >= MIN_WORD:
            candidates.append(frozenset({"".join(run)}))
        run.clear()

    for op, arg in items:
        if op is sre.LITERAL and (arg < 128 or not ignorecase):
            run.append(chr(arg))
            continue
        end_run()
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            if not (add_flags | del_flags) & re.IGNORECASE:  # a part with its own case rules: skipped
                found = _required(sub, ignorecase)
                if found is not None:
                    candidates.append(found)
        elif op is sre.BRANCH:
            branches = [_required(branch, ignorecase) for branch in arg[1]]
            if all(branch is not None for branch in branches):
                candidates.append(frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            found = _required(arg[2], ignorecase)
            if found is not None:
                candidates.append(found)
        elif op is sre.ATOMIC_GROUP:
            found = _required(arg, ignorecase)
            if found is not None:
                candidates.append(found)
    end_run()
    return _best(candidates)


def required_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Words (lower-case for a case-insensitive pattern) one of which every match contains;
    None when the pattern gives no such word of ``MIN_WORD`` characters or more."""
    ignorecase = bool(pattern.flags & re.IGNORECASE)
    found = _required(_parser.parse(pattern.pattern, pattern.flags), ignorecase)
    if found is None:
        return None
    return frozenset(word.lower() for word in found) if ignorecase else found


class Guarded:
    """A compiled pattern that is only run on a text holding one of its required words."""

    __slots__ = ("ignorecase", "pattern", "words")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.words = required_words(pattern)
        self.ignorecase = bool(pattern.flags & re.IGNORECASE)

    def possible(self, text: str, folded: str | None = None) -> bool:
        """Can the pattern match ``text``? (``folded``: :func:`fold` of it, when the caller has it.)"""
        if self.words is None:
            return True
        haystack = (folded if folded is not None else fold(text)) if self.ignorecase else text
        return any(word in haystack for word in self.words)

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        return self.pattern.search(text) if self.possible(text, folded) else None

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.possible(text, folded) else iter(())

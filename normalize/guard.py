"""Skip a regular expression on texts that cannot match it: the words every match contains.

Python's ``re`` tries a pattern that starts with ``\\b`` or an alternation at every character of
a text (about 100 ns a character for the description statements of ``normalize.location``),
while ``word in text`` runs at memory speed. :func:`required_words` reads, from the pattern
itself, a set of words one of which every match must contain, so a text without any of them
is skipped without changing a single result.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
from collections.abc import Iterator
from re import _compiler, _parser  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
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


#: Zero-width operations: a match starts where the first character after them is.
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
#: Shorter leading words start too many candidates to pay off.
MIN_START = 2


def _folds_plainly(code: int) -> bool:
    """Does ``re.IGNORECASE`` match this character to exactly what :func:`fold` turns into its
    lower case? (ASCII letters: tests/test_guard.py; others: unless ``re`` knows extra equivalents.)"""
    char = chr(code)
    lowered = _sre.unicode_tolower(code)  # what re compares under IGNORECASE
    return code < 128 or (
        char.lower() == chr(lowered) and char not in _FOLD_TO_ASCII and lowered not in _compiler._EXTRA_CASES
    )


def _leading_run(items: Any, ignorecase: bool) -> str:
    run = []
    for op, arg in items:
        if op is not sre.LITERAL or (ignorecase and not _folds_plainly(arg)):
            break
        run.append(chr(arg))
    return "".join(run).lower() if ignorecase else "".join(run)


def _starts(items: Any, ignorecase: bool, bounded: bool = False) -> frozenset[tuple[str, bool]] | None:
    """(word, after a word boundary) pairs, one of which every match of this sequence starts with:
    the word, and whether a ``\\b`` stands right before it; None when a match could start otherwise."""
    items = list(items)
    while items and items[0][0] in _ZERO_WIDTH:
        bounded |= items[0] == (sre.AT, sre.AT_BOUNDARY)
        items = items[1:]
    if not items:
        return None
    op, arg = items[0]
    if op is sre.LITERAL:
        run = _leading_run(items, ignorecase)
        return frozenset({(run, bounded)}) if len(run) >= MIN_START or run.isdigit() else None
    if op is sre.IN:  # a class of digits ("[1-4]"): digits are rare enough in prose
        digits = set()
        for kind, value in arg:
            if kind is sre.LITERAL:
                digits.add(chr(value))
            elif kind is sre.RANGE:
                digits.update(map(chr, range(value[0], value[1] + 1)))
            else:
                return None
        ok = digits and all(d in "0123456789" for d in digits)
        return frozenset((d, bounded) for d in digits) if ok else None
    if op is sre.BRANCH:
        branches = [_starts(branch, ignorecase, bounded) for branch in arg[1]]
        if any(branch is None for branch in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        if (add_flags | del_flags) & re.IGNORECASE:
            return None
        return _starts(sub, ignorecase, bounded)
    return None


def _leading(pattern: re.Pattern[str]) -> frozenset[tuple[str, bool]] | None:
    return _starts(_parser.parse(pattern.pattern, pattern.flags), bool(pattern.flags & re.IGNORECASE))


def leading_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Words (lower-case for a case-insensitive pattern) one of which every match starts with
    (after zero-width assertions); None when some match could start otherwise."""
    found = _leading(pattern)
    return None if found is None else frozenset(word for word, _bounded in found)


def _is_word_char(char: str) -> bool:
    """What ``\\w`` (and so ``\\b``) counts as a word character in a str pattern."""
    return char.isalnum() or char == "_"


class Guarded:
    """A compiled pattern that is only run on a text holding one of its required words, and,
    when every match starts with one of a few words, only where one of them starts: ``re`` tries
    a pattern led by a lookbehind or a case-insensitive alternation at every character (~100 ns
    each), ``str.find`` skips to the next candidate at memory speed. Same matches, in order."""

    __slots__ = ("after_boundary", "ignorecase", "pattern", "starts", "uncased", "words")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.words = required_words(pattern)
        leading = _leading(pattern)
        self.starts = None if leading is None else frozenset(word for word, _bounded in leading)
        # words that start a match only right after a \b: where a word character comes before
        # them, no match starts (checked here instead of by a call into re)
        self.after_boundary = frozenset(
            word
            for word, bounded in leading or ()
            if bounded and _is_word_char(word[0]) and (word, False) not in leading  # type: ignore[operator]
        )
        self.ignorecase = bool(pattern.flags & re.IGNORECASE)
        # start words without letters ("401") are found in the text itself: no folded copy needed
        self.uncased = self.starts is not None and not any(word.lower() != word.upper() for word in self.starts)

    def _candidates(self, text: str, folded: str | None) -> list[int] | None:
        """Every position a match could start at, ascending (None: use the plain scan)."""
        if self.starts is None:
            return None
        haystack = text
        if self.ignorecase and not self.uncased:
            haystack = folded if folded is not None else fold(text)
            if len(haystack) != len(text):
                return None
        found: set[int] = set()
        for word in self.starts:
            at = haystack.find(word)
            if word in self.after_boundary:
                while at != -1:
                    if not at or not _is_word_char(text[at - 1]):
                        found.add(at)
                    at = haystack.find(word, at + 1)
            else:
                while at != -1:
                    found.add(at)
                    at = haystack.find(word, at + 1)
        return sorted(found)

    def _matches(self, text: str, candidates: list[int]) -> Iterator[re.Match[str]]:
        end = 0
        for at in candidates:
            if at < end:
                continue
            found = self.pattern.match(text, at)
            if found is not None:
                yield found
                end = max(found.end(), at + 1)

    def replace_matches(self, replacement: str, text: str, folded: str | None = None) -> str:
        """``pattern.sub(replacement, text)`` for a plain replacement string (no group references)."""
        parts, last = [], 0
        for found in self.finditer(text, folded):
            parts += [text[last : found.start()], replacement]
            last = found.end()
        return "".join([*parts, text[last:]]) if parts else text

    def possible(self, text: str, folded: str | None = None) -> bool:
        """Can the pattern match ``text``? (``folded``: :func:`fold` of it, when the caller has it.)"""
        if self.words is None:
            return True
        haystack = (folded if folded is not None else fold(text)) if self.ignorecase else text
        return any(word in haystack for word in self.words)

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        if not self.possible(text, folded):
            return None
        candidates = self._candidates(text, folded)
        if candidates is None:
            return self.pattern.search(text)
        return next(self._matches(text, candidates), None)

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        if not self.possible(text, folded):
            return iter(())
        candidates = self._candidates(text, folded)
        if candidates is None:
            return self.pattern.finditer(text)
        return self._matches(text, candidates)

"""Skip a regular expression on texts that cannot match it: the words every match contains.

Python's ``re`` tries a pattern that starts with ``\\b`` or an alternation at every character of
a text (about 100 ns a character for the description statements of ``normalize.location``),
while ``word in text`` runs at memory speed. :func:`required_words` reads, from the pattern
itself, a set of words one of which every match must contain, so a text without any of them
is skipped without changing a single result.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from re import _compiler, _parser  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from typing import Any

#: Shorter words are in nearly every text: no use as a guard.
MIN_WORD = 3
#: ... but an alternative of a pattern may need a rare short word besides ("hq"): a text is
#: asked for each once, whatever the statements that need it.
NEED_WORD = 2

#: Characters that ``re.IGNORECASE`` matches to an ASCII letter but ``str.lower`` does not turn
#: into it (tests/test_guard.py checks this against every code point).
_FOLD_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}
_FOLD_TABLE = str.maketrans(_FOLD_TO_ASCII)


def fold(text: str) -> str:
    """``text`` lower-cased so that every ASCII letter ``re.IGNORECASE`` sees is lower-case ASCII."""
    if not text.isascii() and any(char in text for char in _FOLD_TO_ASCII):
        text = text.translate(_FOLD_TABLE)
    return text.lower()


def _best(candidates: list[frozenset[str]], shortest: int = MIN_WORD) -> frozenset[str] | None:
    """The most selective requirement: longest shortest word, then fewest words."""
    usable = [c for c in candidates if c and min(map(len, c)) >= shortest]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def _required(items: Any, ignorecase: bool, shortest: int = MIN_WORD) -> frozenset[str] | None:
    """Words one of which every match of this sequence contains (None: nothing is certain).
    Case-insensitive, only ASCII letters count (other scripts fold in ways ``str.lower`` does not)."""
    return _best(_requirements(items, ignorecase, shortest), shortest)


def _requirements(items: Any, ignorecase: bool, shortest: int = MIN_WORD) -> list[frozenset[str]]:
    """Sets of words of ``shortest`` characters or more: every match of this sequence contains
    a word of each set (as written)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if len(run) >= shortest:
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
                found = _required(sub, ignorecase, shortest)
                if found is not None:
                    candidates.append(found)
        elif op is sre.BRANCH:
            branches = [_required(branch, ignorecase, shortest) for branch in arg[1]]
            if all(branch is not None for branch in branches):
                candidates.append(frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            found = _required(arg[2], ignorecase, shortest)
            if found is not None:
                candidates.append(found)
        elif op is sre.ATOMIC_GROUP:
            found = _required(arg, ignorecase, shortest)
            if found is not None:
                candidates.append(found)
    end_run()
    return candidates


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


_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ONE_CHARACTER = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)


def _width(items: Any) -> tuple[int, int | None]:
    """Fewest and most characters a match of this sequence takes (most None: no bound)."""
    low = 0
    high: int | None = 0
    item_high: int | None
    for op, arg in items:
        if op in _ONE_CHARACTER:
            item_low, item_high = 1, 1
        elif op in _ZERO_WIDTH:
            item_low, item_high = 0, 0
        elif op is sre.SUBPATTERN:
            item_low, item_high = _width(arg[3])
        elif op is sre.ATOMIC_GROUP:
            item_low, item_high = _width(arg)
        elif op is sre.BRANCH:
            widths = [_width(branch) for branch in arg[1]]
            item_low = min(w[0] for w in widths)
            highs = [w[1] for w in widths]
            item_high = None if None in highs else max(h for h in highs if h is not None)
        elif op in _REPEATS:
            fewest, most, sub = arg
            sub_low, sub_high = _width(sub)
            item_low = fewest * sub_low
            item_high = None if most is sre.MAXREPEAT or sub_high is None else most * sub_high
        else:  # group references, conditionals: no bound known
            item_low, item_high = 0, None
        low += item_low
        if high is not None:
            high = None if item_high is None else high + item_high
    return low, high


#: (word, fewest, most characters before it): a match holds the word that far from its start.
Anchor = tuple[str, int, int]


def _anchor_sets(items: Any, ignorecase: bool) -> list[tuple[Anchor, ...]]:
    """Ways to anchor this sequence: each a set of words a match holds one of, each word at a
    bounded distance from the match's start (a literal word, or one per alternative of a group)."""
    found: list[tuple[Anchor, ...]] = []
    items = list(items)
    low, high = 0, 0
    i = 0
    while i < len(items):
        op, arg = items[i]
        if op is sre.LITERAL and (not ignorecase or _folds_plainly(arg)):
            run = _leading_run(items[i:], ignorecase)
            if len(run) >= MIN_WORD:
                found.append(((run, low, high),))
            low, high, i = low + len(run), high + len(run), i + len(run)
            continue
        parts = arg[1] if op is sre.BRANCH else [arg[3]] if op is sre.SUBPATTERN and not arg[1] | arg[2] else []
        inner = [_best_anchor(_anchor_sets(part, ignorecase)) for part in parts]
        if parts and all(inner):
            found.append(tuple((word, low + a, high + b) for part in inner for word, a, b in part or ()))
        item_low, item_high = _width([items[i]])
        if item_high is None:  # past an unbounded part no distance is known
            break
        low, high, i = low + item_low, high + item_high, i + 1
    return found


def _best_anchor(sets: list[tuple[Anchor, ...]]) -> tuple[Anchor, ...] | None:
    """The most selective anchor: longest shortest word, then fewest words."""
    if not sets:
        return None
    return max(sets, key=lambda anchors: (min(len(word) for word, _a, _b in anchors), -len(anchors)))


def _top_branches(items: Any) -> list[list[Any]]:
    """The pattern as alternatives, each a sequence every match of it is a match of: a leading
    group of alternatives is spread out (``\\b(?:in|on)\\s+x`` as ``\\bin\\s+x`` and
    ``\\bon\\s+x``), so that each start word is looked at with what follows it."""
    items = list(items)
    at = 0
    while at < len(items) and items[at][0] in _ZERO_WIDTH:
        at += 1
    if at == len(items):
        return [items]
    op, arg = items[at]
    lead, rest = items[:at], items[at + 1 :]
    if op is sre.BRANCH:
        return [spread for branch in arg[1] for spread in _top_branches([*lead, *branch, *rest])]
    if op is sre.SUBPATTERN and not arg[1] | arg[2]:  # a group's number does not change where it matches
        return _top_branches([*lead, *arg[3], *rest])
    return [items]


#: Start words this short are in most texts, many times ("in", "on", "is", digits): finding
#: them is what costs, so their alternatives first ask the text for the rarer words they need.
SHORT_START = 2


@dataclass(frozen=True, slots=True)
class _Branch:
    """Where the matches of one alternative of a pattern can start, and what it needs."""

    starts: frozenset[str]  # every match starts with one of these words
    after_boundary: frozenset[str]  # ... these only right after a non-word character
    needs: tuple[frozenset[str], ...] | None  # short starts only: a word of each set is in every match
    anchors: tuple[Anchor, ...] | None  # short starts only: a match starts this far before one


def _branch(items: list[Any], ignorecase: bool, asked: frozenset[str] | None) -> _Branch | None:
    """One alternative; ``asked``: the words of the whole pattern, one of which a text is known
    to hold before its alternatives are looked at."""
    leading = _starts(items, ignorecase)
    if leading is None:
        return None
    starts = frozenset(word for word, _bounded in leading)
    after_boundary = _after_boundary(leading)
    if min(map(len, starts)) > SHORT_START:  # long words: found where they are, nothing to ask first
        return _Branch(starts, after_boundary, None, None)
    needs = tuple(
        frozenset(word.lower() for word in need) if ignorecase else need
        for need in _requirements(items, ignorecase, NEED_WORD)
        if need and min(map(len, need)) >= NEED_WORD and not need & starts and need != asked
    )
    anchors = _best_anchor(_anchor_sets(items, ignorecase))
    if anchors is not None and min(len(word) for word, _a, _b in anchors) <= SHORT_START:
        anchors = None
    return _Branch(starts, after_boundary, needs, anchors)


def _after_boundary(leading: frozenset[tuple[str, bool]]) -> frozenset[str]:
    """Start words that begin a match only right after a ``\\b``: where a word character comes
    before them, no match starts (checked by Guarded instead of by a call into re)."""
    return frozenset(
        word for word, bounded in leading if bounded and _is_word_char(word[0]) and (word, False) not in leading
    )


class _TextIndex:
    """What the guarded patterns run on one text learn about it, shared between them (a
    description is searched for several statements): which words it holds, where some stand."""

    __slots__ = ("haystack", "positions", "present", "word_starts")

    def __init__(self, haystack: str) -> None:
        self.haystack = haystack
        self.present: dict[str, bool] = {}
        self.positions: dict[str, list[int]] = {}
        self.word_starts: dict[str, list[int]] = {}

    def holds_any(self, words: frozenset[str]) -> bool:
        for word in words:
            held = self.present.get(word)
            if held is None:
                held = self.present[word] = word in self.haystack
            if held:
                return True
        return False

    def where(self, word: str) -> list[int]:
        found = self.positions.get(word)
        if found is None:
            found, find = [], self.haystack.find
            at = find(word)
            while at != -1:
                found.append(at)
                at = find(word, at + 1)
            self.positions[word] = found
            self.present[word] = bool(found)
        return found

    def starts_of(self, word: str, after_boundary: bool) -> list[int]:
        """Where ``word`` begins; ``after_boundary``: only where no word character comes before it
        (the same characters in a text and in its folded copy: tests/normalize/test_guard.py)."""
        if not after_boundary:
            return self.where(word)
        found = self.word_starts.get(word)
        if found is None:
            if len(word) <= SHORT_START and word.isascii() and word.isalpha():  # many: re finds them in C
                found = [m.start() for m in _word_starts(word).finditer(self.haystack)]
            else:
                haystack = self.haystack
                found = [at for at in self.where(word) if not at or not _is_word_char(haystack[at - 1])]
            self.word_starts[word] = found
        return found


#: The texts searched last (a description's folded copy, and the text itself for case-sensitive
#: patterns): most callers search one text for several patterns in a row.
_recent: list[_TextIndex] = []


def _index(haystack: str) -> _TextIndex:
    """The index of this text: one made before when it is the same string object."""
    for index in _recent:
        if index.haystack is haystack:
            return index
    index = _TextIndex(haystack)
    _recent[:] = [index, *_recent[:1]]
    return index


@functools.cache
def _word_starts(word: str) -> re.Pattern[str]:
    """``word`` (word characters only) where no word character comes before it: re looks for a
    literal in C, and the lookbehind after it drops the occurrences inside words ("in" of
    "engineering", most of them) without a call back into Python for each."""
    escaped = re.escape(word)
    return re.compile(rf"{escaped}(?<!\w{escaped})")


def _add_occurrences(
    found: set[int], haystack: str, word: str, after_boundary: bool, start: int = 0, stop: int | None = None
) -> bool:
    """Add where ``word`` begins in ``haystack[start:stop]`` (``after_boundary``: only where no
    word character comes before it); whether it is there at all."""
    at = haystack.find(word, start, stop)
    there = at != -1
    if after_boundary:
        while at != -1:
            if not at or not _is_word_char(haystack[at - 1]):
                found.add(at)
            at = haystack.find(word, at + 1, stop)
    else:
        while at != -1:
            found.add(at)
            at = haystack.find(word, at + 1, stop)
    return there


def _add_starts(found: set[int], haystack: str, branch: _Branch, start: int, end: int) -> None:
    """Add where one of the branch's start words begins at ``start`` <= position < ``end``."""
    for word in branch.starts:
        _add_occurrences(found, haystack, word, word in branch.after_boundary, start, end - 1 + len(word))


class Guarded:
    """A compiled pattern that is only run on a text holding one of its required words, and,
    when every match starts with one of a few words, only where one of them starts: ``re`` tries
    a pattern led by a lookbehind or a case-insensitive alternation at every character (~100 ns
    each), ``str.find`` skips to the next candidate at memory speed. Same matches, in order.

    An alternative that starts with a short word ("in", "on": dozens in a description, inside
    other words too) is looked at apart: only on a text holding the other words it needs, only
    just before a longer word it holds at a bounded distance when it has one, else where ``re``
    finds the word after a non-word character. What a text holds is asked once for all the
    patterns run on it in a row (the statements of one description)."""

    __slots__ = ("after_boundary", "ignorecase", "long_starts", "pattern", "short_starts", "starts", "uncased", "words")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.words = required_words(pattern)
        self.ignorecase = bool(pattern.flags & re.IGNORECASE)
        leading = _leading(pattern)
        self.starts = None if leading is None else frozenset(word for word, _bounded in leading)
        self.after_boundary = _after_boundary(leading or frozenset())
        # each alternative apart: one that starts with a short word ("in", "on") is skipped on a
        # text without the other words it needs, and, where it holds a longer word at a bounded
        # distance ("on[\\s-]?site": "site" 2-3 characters on), looked for only just before it
        branches = [
            _branch(items, self.ignorecase, self.words)
            for items in _top_branches(_parser.parse(pattern.pattern, pattern.flags))
        ]
        # each long start word once, after a boundary only if it is in every alternative it leads
        long_words: dict[str, bool] = {}
        for branch in branches:
            if branch is not None and branch.needs is None:
                for word in branch.starts:
                    long_words[word] = long_words.get(word, True) and word in branch.after_boundary
        self.long_starts = tuple(sorted(long_words.items()))
        self.short_starts = tuple(b for b in branches if b is not None and b.needs is not None)
        if leading is None or None in branches:
            self.starts = None
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
        index = _index(haystack) if self.short_starts else None
        for word, after_boundary in self.long_starts:
            there = _add_occurrences(found, haystack, word, after_boundary)
            if index is not None:  # the short starts' alternatives may need the word
                index.present[word] = there
        if index is not None:
            self._short_candidates(found, index)
        return sorted(found)

    def _short_candidates(self, found: set[int], index: _TextIndex) -> None:
        for branch in self.short_starts:
            if not all(index.holds_any(need) for need in branch.needs or ()):
                continue
            if branch.anchors is None:
                for word in branch.starts:
                    found.update(index.starts_of(word, word in branch.after_boundary))
                continue
            windows = sorted(
                (max(0, at - most), at - fewest + 1)
                for word, fewest, most in branch.anchors
                for at in index.where(word)
                if at >= fewest
            )
            start, end = -1, -1
            for low, high in windows:  # overlapping windows merged: each stretch scanned once
                if low > end:
                    if end > start:
                        _add_starts(found, index.haystack, branch, start, end)
                    start = low
                end = max(end, high)
            if end > start:
                _add_starts(found, index.haystack, branch, start, end)

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
        return _index(haystack).holds_any(self.words)

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

"""Validate pipeline: required fields, value types, sanitised HTML.

A posting that fails validation is not dropped: it becomes a
:class:`~crawler.items.RejectedRecord` with the reason and the raw record, which
the store pipeline writes to ``rejects``. Later pipelines pass rejects through.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Self
from urllib.parse import urlsplit

import nh3
from ftfy import TextFixerConfig, fix_and_explain
from ftfy.badness import BADNESS_RE
from ftfy.chardata import CONTROL_CHARS, HTML_ENTITY_RE, LIGATURES, WIDTH_MAP
from scrapy.crawler import Crawler

from crawler.items import REQUIRED_FIELDS, JobPosting, RejectedRecord

logger = logging.getLogger(__name__)

#: Tags kept in stored descriptions; everything else (scripts, styles, iframes, attributes
#: other than links) is stripped by nh3 (Ammonia), a maintained whitelist sanitiser.
ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|hr)\b[^>]*>", re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]+>")
#: tab, carriage return, form feed and vertical tab count as spaces inside a line
SPACE_LIKE = ("\t", "\r", "\f", "\v")
# Literal prefixes ("  ", "\n\n\n") let the regex engine jump between candidates; " {2,}" or a
# character class would be tried at every character.
RUN_OF_SPACES = re.compile("  +")
RUN_OF_NEWLINES = re.compile("\n\n\n+")  # lines are stripped first: three newlines in a row are two blank lines


class ValidationError(ValueError):
    """A posting that cannot be stored as such."""


#: Built once: ``nh3.clean`` converts the allow-lists and builds Ammonia's sanitiser on every call
#: (154-160 vs 138-144 us a description, 1,173 real HTML descriptions).
_SANITIZER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener nofollow")


def sanitize_html(raw: str) -> str:
    return _SANITIZER.clean(raw)


def html_to_text(clean_html: str) -> str:
    """Block tags become line breaks, other tags spaces; runs of spaces collapse, lines are stripped,
    and at most one blank line separates paragraphs.

    Every regular expression starts with a literal (a pattern led by a character class is tried at
    every character); the rest is str methods. Same output as the original per-line regexes
    (tests/test_html_to_text.py checks every real description).
    """
    text = ANY_TAG.sub(" ", BLOCK_TAGS.sub("\n", clean_html)) if "<" in clean_html else clean_html
    if "&" in text:
        text = html.unescape(text)
    for space_like in SPACE_LIKE:
        if space_like in text:  # str.replace; str.translate is slower on non-ASCII text
            text = text.replace(space_like, " ")
    text = RUN_OF_SPACES.sub(" ", text)
    text = "\n".join(map(str.strip, text.split("\n")))  # lines stripped in C, no Python loop per line
    return RUN_OF_NEWLINES.sub("\n\n", text).strip()


def _number(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{field} is a boolean, not a number")
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        raise ValidationError(f"{field} is not a number: {value!r}") from None
    if number < 0:
        raise ValidationError(f"{field} is negative: {value!r}")
    return number


def check_posting(item: JobPosting) -> None:
    """Raise ValidationError for a posting that cannot be stored; clean types in place."""
    for field in REQUIRED_FIELDS:
        value = item.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationError(f"missing {field}")
        if not isinstance(value, str):
            item[field] = str(value)
    for field in ("url", "apply_url", "company_url"):
        url = item.get(field)
        if url is None:
            continue
        parts = urlsplit(str(url).strip())
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
            if field == "url":
                raise ValidationError(f"url is not an http(s) URL: {url!r}")
            item[field] = None  # a broken secondary link is not worth losing the posting
    if len(item["title"]) > 500:
        raise ValidationError("title longer than 500 characters")
    for field in ("salary_min", "salary_max"):
        item[field] = _number(item.get(field), field)
    low, high = item.get("salary_min"), item.get("salary_max")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"salary_min {low} > salary_max {high}")
    tags = item.get("tags")
    if tags is None:
        item["tags"] = []
    elif not isinstance(tags, list):
        raise ValidationError(f"tags is not a list: {type(tags).__name__}")
    remote = item.get("remote")
    if remote is not None and not isinstance(remote, bool):
        raise ValidationError(f"remote is not a boolean: {remote!r}")


def validate_item(
    item: JobPosting, spider_name: str | None, count: Callable[[str], None]
) -> JobPosting | RejectedRecord:
    """The posting checked, its HTML sanitised and its text repaired; or its reject record.
    ``count(stat)`` records a rejection (``jobs/rejected_invalid``)."""
    try:
        check_posting(item)
    except ValidationError as exc:
        logger.warning("rejecting %s posting %s: %s", item.get("source"), item.get("source_id"), exc)
        count("jobs/rejected_invalid")
        return RejectedRecord(
            source=item.get("source") or spider_name,
            source_id=item.get("source_id"),
            url=item.get("url"),
            reason=str(exc),
            raw=item.get("raw") if item.get("raw") is not None else dict(item),
        )
    raw_html = item.get("description_html")
    if raw_html:
        clean = sanitize_html(str(raw_html))
        item["description_html"] = clean
        if not item.get("description_text"):
            item["description_text"] = html_to_text(clean)
    repair_text(item)
    return item


class ValidatePipeline:
    """:func:`validate_item` as a pipeline of its own (the distributed writer's; a crawl runs it
    in :class:`pipelines.prepare.PreparePipeline`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def count(self, stat: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(stat)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, JobPosting):
            return item
        return validate_item(item, getattr(self.crawler.spider, "name", None), self.count)


def repair_text(item: JobPosting) -> None:
    """Mojibake ("Injectiveâ\x80\x99s") repaired in the stored title and text before normalising.

    ftfy (a maintained library) undoes UTF-8 read as Latin-1/cp1252 and similar damage without
    touching sound text; curly quotes stay curly. ``raw_json`` keeps the payload as received.
    """
    for field in ("title", "description_text"):
        value = item.get(field)
        if isinstance(value, str) and value:
            item[field] = repair_mojibake(value)


#: Plain ASCII with no ``&``: no ftfy fixer acts on such a text (the common case, checked first).
_PLAIN_ASCII = re.compile(r"[\t\n\x20-\x25\x27-\x7e]*")
#: Characters one of ftfy's fixers acts on by itself: C1 controls, ligatures, full/half-width
#: forms, control characters, line separators, escapes, lone surrogates; and HTML entities
#: (ftfy's own entity pattern: a bare "R&D" is left alone).
_FIXED_ALONE = {chr(c) for c in (*LIGATURES, *WIDTH_MAP, *CONTROL_CHARS)} | set("\r\u2028\u2029\x1b")
_FIXABLE_CHAR = re.compile("[" + re.escape("".join(sorted(_FIXED_ALONE))) + "\x80-\x9f\ud800-\udfff]")
_REPAIR = TextFixerConfig(uncurl_quotes=False, explain=False)


#: Every alternative of ftfy's ``BADNESS_RE`` is at most this many characters wide and has a
#: non-ASCII character in a fixed place (tests/test_text_repair.py checks both on ftfy's own
#: pattern), so a match lies within this distance of a non-ASCII character.
BADNESS_REACH = 6
#: Non-ASCII characters, a cluster while they are at most twice the reach apart.
_NON_ASCII_CLUSTER = re.compile(rf"[^\x00-\x7f](?:[\x00-\x7f]{{0,{2 * BADNESS_REACH}}}[^\x00-\x7f])*")
#: ``BADNESS_RE``'s one anchored alternative, ``^[ÃÂ][ ]``, where ftfy applies it: at a line start.
_BAD_LINE_START = re.compile(r"(?:^|\n)[ÃÂ] ")


def _maybe_bad(text: str) -> bool:
    """False when ftfy's ``is_bad`` is false on every line of ``text``.

    ``is_bad`` is one large regular expression tried at every character (70 µs a line); here
    it runs once over the short stretches around non-ASCII characters, where any match must be.
    Joining stretches, or cutting one out of its line, can only add matches (then the lines go
    to ftfy, which is always right)."""
    if ("Ã" in text or "Â" in text) and _BAD_LINE_START.search(text):
        return True
    reach = BADNESS_REACH
    stretches = [text[max(0, m.start() - reach) : m.end() + reach] for m in _NON_ASCII_CLUSTER.finditer(text)]
    return bool(BADNESS_RE.search("\n".join(stretches)))


def _untouched(text: str) -> bool:
    """True when ``ftfy.fix_and_explain`` returns every line of ``text`` as it is: no character
    a fixer acts on, no mojibake by ftfy's own test (without it fix_encoding changes nothing),
    NFC. ASCII is left alone by fix_encoding before it asks ``is_bad``."""
    # two searches: a lone character class is skipped through fast; the entity pattern only after "&"
    if _FIXABLE_CHAR.search(text) or ("&" in text and HTML_ENTITY_RE.search(text)):
        return False
    return text.isascii() or (not _maybe_bad(text) and unicodedata.is_normalized("NFC", text))


def repair_mojibake(text: str) -> str:
    """``ftfy.fix_text(text, uncurl_quotes=False)``, without handing ftfy the lines it leaves alone.

    ftfy fixes a text line by line (70-200 µs a line, 2.5 ms for a typical description), and
    nearly every line is sound. This is ftfy's own line loop, with sound lines passed through
    as they are and its one piece of state kept: after a line with ``<``, entities stay escaped.
    tests/test_text_repair.py checks it equals ``fix_text`` on real texts and on every fixer.
    """
    if _PLAIN_ASCII.fullmatch(text):
        return text
    config = _REPAIR
    if len(text) <= config.max_decode_length and _untouched(text):
        return text  # no line needs ftfy (nearly every description)
    out: list[str] = []
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos) + 1 or len(text)
        if end - pos > config.max_decode_length:
            end = pos + config.max_decode_length
        line = text[pos:end]
        if config.unescape_html == "auto" and "<" in line:
            config = config._replace(unescape_html=False)
        out.append(line if _untouched(line) else fix_and_explain(line, config)[0])
        pos = end
    return "".join(out)

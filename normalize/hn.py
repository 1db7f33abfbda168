"""Hacker News "Who is hiring?" comments: which part of the header is company, role, place, pay.

A comment's first line is by convention ``Company | Role | Location | Remote | Salary`` in any
order, with ``|``, ``–``, ``—``, `` - `` or `` / `` between the parts. Each part is classified by
the normalisers themselves: a part with a recognised role (``normalize.title``) is a role, a part
naming a place or a way of working (``normalize.location``) is a location, a figure is pay only
with a currency or a pay word next to it. Several roles: the first is the posting's title, the
others become tags. A header without a role takes the first short line of the comment that names
one. A comment with no header shape and no role (a reply, a question, a remark) is no job posting.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from normalize import location, salary, title

#: Separators between header parts (outside parentheses): "|", en/em dashes, " - ", " / ".
_SEPARATOR = re.compile(r"\s*\|\s*|\s+[–—]+\s*|\s*[–—]+\s+|(?<=[^\W\d])[–—]+(?=[^\W\d])|\s+-{1,2}\s+|\s+/\s+|\s*•\s*")
#: A range split by a separator ("$110k - $200k"): the two figures are one part again.
_FIGURE_END = re.compile(r"\d[\d,.]*\s*[kKmM]?\+?\s*(?:[A-Z]{3})?$")
_FIGURE_START = re.compile(r"^(?:[A-Z]{3}\s*)?[$€£¥]?\s?\d")
_ROLE_LIST = re.compile(r"\s*(?:,|/|&|\+|\band\b|\bor\b)\s*")
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S+\s*\)?|\[[^\]]*\]\([^)]*\)", re.IGNORECASE)
_DOMAIN_ONLY = re.compile(r"^[\w.-]+\.[a-z]{2,}(?:/\S*)?$", re.IGNORECASE)
_PAY_WORD = re.compile(
    r"\b(?:salary|salaries|comp(?:ensation)?|base|ote|pay|per\s+(?:hour|year|annum|month)|/\s*(?:hr|h|yr|y|mo)|"
    r"k\b|usd|eur|gbp|cad|aud|chf)",
    re.IGNORECASE,
)
_HIRING = re.compile(
    r"\b(?:(?:is|are|we're|we are|now|currently|actively)\s+hiring|"
    r"hiring\s+(?:for|a|an|in|on|across|multiple|several)\b|"
    r"looking\s+for\s+(?:a|an|talented|experienced|senior|engineers|developers)\b|join\s+(?:us|our\s+team)\b|"
    r"open\s+(?:roles|positions)|positions?\s+(?:available|open)|apply\s+(?:at|here|via|now|through)\b)",
    re.IGNORECASE,
)
#: "hiring a ...", "looking for a ...": the words after it may name the role.
_ROLE_CUE = re.compile(
    r"\b(?:hiring(?:\s+for)?|looking\s+(?:for|to\s+(?:hire|add))|seeking|searching\s+for|to\s+add)\s+"
    r"(?:(?:an?|some|several|multiple|two|three|\d+|our\s+first|a\s+few|more|an?\s+additional)\s+)?(?P<rest>[^.,;:!?\n]{3,80})",
    re.IGNORECASE,
)
_ROLE_CUE_END = re.compile(
    r"\s(?:to|who|with|that|in|at|across|from|on|and\s+an?|for\s+(?:our|the|a))\s", re.IGNORECASE
)
_BULLET = re.compile(r"^\s*(?:[-*•·>]+|\d+[.)])\s*")
_LABEL = re.compile(r"^([\w' /-]{2,30}):\s*")
_ROLE_LABEL = re.compile(
    r"(?i)(?:open\s+)?(?:roles?|positions?|jobs?|job\s+title|title|hiring|we'?re\s+hiring|openings?)$"
)
_LINE_HEAD = re.compile(r":\s|\s[-–—]+\s|\s\(|\s\*\s")
_SENTENCE = re.compile(
    r"\b(?:is|are|was|were|btw|you|your|i|i'm|we|we're|our|thanks|please|anyone|this|that|it's)\b", re.IGNORECASE
)
_TRAILING_NOUN = re.compile(r"\b(?:engineers?|developers?|designers?|scientists?|analysts?|managers?)$", re.IGNORECASE)
#: Words of a list sharing one job noun at its end ("Product / Platform"): one header part with it.
_SHARED_NOUN_LIST = re.compile(r"^[A-Za-z][\w+#.-]*(?:\s*/\s*[A-Za-z][\w+#.-]*)*$")
_TAGS = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<p>|<br\s*/?>|\n", re.IGNORECASE)
#: Longest line of the body read as a role name when the header names none.
_MAX_ROLE_LINE = 90
_MAX_TITLE = 100


@dataclass(frozen=True, slots=True)
class Header:
    """What a comment's header says (``is_job`` false: the comment advertises no job)."""

    is_job: bool
    title: str | None = None
    company: str | None = None
    other_roles: tuple[str, ...] = ()
    location: str | None = None
    salary: str | None = None


def comment_lines(comment_html: str) -> list[str]:
    """The comment's lines as plain text (paragraphs and line breaks), empty ones dropped."""
    lines = (html.unescape(_TAGS.sub("", part)).strip() for part in _PARAGRAPH.split(comment_html))
    return [line for line in lines if line]


def split_header(line: str) -> list[str]:
    """The parts of a header line, split on separators outside parentheses."""
    parts: list[tuple[str, str]] = []  # (text, the separator before it)
    depth, start, before = 0, 0, ""
    pos = 0
    while pos < len(line):
        ch = line[pos]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = _SEPARATOR.match(line, pos)
            if m and m.end() > pos:
                parts.append((line[start:pos], before))
                before = m.group(0).strip()
                start = pos = m.end()
                continue
        pos += 1
    parts.append((line[start:], before))
    merged: list[str] = []
    for part, separator in ((p.strip(" ,;:"), sep) for p, sep in parts):
        if not part:
            continue
        if merged and _FIGURE_END.search(merged[-1]) and _FIGURE_START.match(part):
            merged[-1] = f"{merged[-1]}-{part}"  # "$110k - $200k"
        elif len(merged) > 1 and separator == "/" and _SHARED_NOUN_LIST.match(merged[-1]):
            merged[-1] = f"{merged[-1]} / {part}"  # "Product / Platform / Security Engineers"
        else:
            merged.append(part)
    return merged


#: Words that name a job: a header part needs one to be a role rather than a company, an industry,
#: a field of work or a count of openings ("Constellation Finance", "Legal Tech", "Distributed
#: systems", "11 Engineering roles": the body then names the role).
_JOB_NOUN = re.compile(
    r"\b(?:engineers?|developers?|devs?|designers?|scientists?|analysts?|managers?|leads?|head|"
    r"directors?|architects?|specialists?|consultants?|officers?|recruiters?|swes?|sres?|interns?|founders?|"
    r"co-?founders?|representatives?|associates?|administrators?|admins?|researchers?|writers?|editors?|"
    r"marketers?|accountants?|counsel|coordinators?|technicians?|operators?|advocates?|executives?|aes?|"
    r"programmers?|vp|cto|ceo|coo|cfo|devops|qa|sdets?|pms?|tpms?|ux|ui|data|ops)\b",
    re.IGNORECASE,
)


def has_role(text: str) -> bool:
    """A recognised role named with a job noun ("Support Engineer", "DevOps"), not a field ("Distributed systems")."""
    return title.parse(text)["role"] is not None and _JOB_NOUN.search(text) is not None


def is_pay(text: str) -> bool:
    """A figure with a currency or a pay word next to it ("$150k", "€70–100k", "Salary 90,000")."""
    got = salary.parse_details(text)
    if got.min is None and got.max is None:
        return False
    return got.currency_stated or _PAY_WORD.search(text) is not None


def is_place(text: str) -> bool:
    """A part naming a place, a region, a time zone or a way of working ("Remote", "Onsite")."""
    got = location.parse(text)
    return bool(got["countries"] or got["regions"] or got["worldwide"] or got["workplace"] or got["timezones"])


def _roles_in(part: str) -> list[str]:
    """One part naming several roles ("Backend Engineer / Designer") gives each; else the part.

    A job noun shared by the list is given to each item: "Product / Platform / Security Engineers"
    names Product Engineers first.
    """
    pieces = [p.strip() for p in _ROLE_LIST.split(part) if p and p.strip()]
    if len(pieces) < 2:
        return [part]
    if all(has_role(p) for p in pieces):
        return pieces
    shared = _TRAILING_NOUN.search(pieces[-1])
    if shared:
        spread = [p if _TRAILING_NOUN.search(p) else f"{p} {shared.group(0)}" for p in pieces]
        if all(has_role(p) for p in spread):
            return spread
    return [part]


def _role_in_body(lines: list[str]) -> list[str]:
    """A header without a role: the role a body sentence names ("We're hiring a ..."), else a short role line."""
    for line in lines:
        for cue in _ROLE_CUE.finditer(line):
            words = _ROLE_CUE_END.split(cue.group("rest"), maxsplit=1)[0].strip(" ,(")
            if has_role(words):
                return [words]
    for line in lines[1:]:
        short = _BULLET.sub("", _without_urls(line)).strip(" :-")
        label = _LABEL.match(short)
        if label and _ROLE_LABEL.match(label.group(1)):
            short = short[label.end() :]  # "Open roles: Backend Engineer, ..."
        # "Lead Full Stack Engineer: build ...", "Chief Financial Officer (CFO) - Lead ...": the name comes first
        head = _LINE_HEAD.split(short.split(". ", 1)[0], maxsplit=1)[0].strip()
        if head and len(head) <= _MAX_ROLE_LINE and _JOB_NOUN.search(head) and has_role(head):
            return [head]
    return []


def _without_urls(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


@functools.lru_cache(maxsize=4096)
def parse_comment(comment_html: str) -> Header:
    """Classify the header of one top-level comment (HTML as the API gives it)."""
    lines = comment_lines(comment_html)
    if not lines:
        return Header(is_job=False)
    raw_parts = split_header(lines[0])
    parts = [p for p in (_without_urls(x) for x in raw_parts) if p]
    if parts and _DOMAIN_ONLY.match(parts[0]) and len(parts) > 1:  # "exe.dev | Full time | ...": the company
        parts[0] = parts[0].split("/")[0]
    parts = [p for i, p in enumerate(parts) if i == 0 or not _DOMAIN_ONLY.match(p)]
    company: str | None = None
    roles: list[str] = []
    places: list[str] = []
    pay: list[str] = []
    for index, part in enumerate(parts):
        if len(part) > _MAX_ROLE_LINE:  # prose run on from the header
            continue
        if len(parts) == 1 and _SENTENCE.search(part):
            continue  # a sentence, not a header: a role in it must be announced ("We're hiring a ...")
        if has_role(part) and not _FIGURE_START.match(part) and (index > 0 or not is_place(part)):
            roles.extend(_roles_in(part))
            if is_pay(part):  # "Senior Engineer (£84-101k)"
                pay.append(part)
        elif is_pay(part):
            pay.append(part)
        elif index == 0:
            company = part
        elif is_place(part):
            places.append(part)
    if roles and company is None and len(roles) > 1 and parts and roles[0] == parts[0]:
        company = roles.pop(0)  # "Constellation Finance | ... | Software Engineer": the first part is the company
    if not roles:
        roles = _role_in_body(lines)
    if not roles and len(raw_parts) < 2 and not _HIRING.search(" ".join(lines)):
        return Header(is_job=False)  # no header shape, no role, no hiring statement: a reply or a remark
    # no role named anywhere: the company stands as the title (the header's other parts are places,
    # perks and links, and would be read as roles: "RELOCATION SUPPORT")
    first = roles[0] if roles else (company or lines[0])
    return Header(
        is_job=True,
        title=_shorten(first),
        company=company,
        other_roles=tuple(dict.fromkeys(r for r in roles[1:] if r != roles[0])),
        location=" | ".join(places) or None,
        salary=" | ".join(pay) or None,
    )


def _shorten(text: str) -> str:
    if len(text) <= _MAX_TITLE:
        return text
    cut = text[:_MAX_TITLE].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-|") or text[:_MAX_TITLE]

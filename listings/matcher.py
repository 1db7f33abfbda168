"""The matcher: postings reduced to :class:`Candidate` keys, placed into listings by rules.

Pure: it sees candidates and (through a callback) descriptions, never the database. The
rules, in order, are described in :mod:`listings` (package docstring).
"""

from __future__ import annotations

import json
import logging
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache
from typing import Any

from crawler.scope import PlatformFacts
from listings.keys import (
    BLOCK_SCAN_LIMIT,
    DEFAULT_DESC_THRESHOLD,
    DEFAULT_WINDOW_DAYS,
    Place,
    apply_key,
    ats_keys_in_text,
    compatible_places,
    minhash,
    own_ats_key,
    parse_time,
    place_of,
    similar_titles,
    title_core_from,
    title_key,
)
from normalize.company import DATA_DIR, normalize_company

logger = logging.getLogger(__name__)


# -- postings as the matcher sees them -------------------------------------------------
@dataclass(slots=True)
class Candidate:
    """A posting reduced to what matching needs."""

    id: int
    source: str
    company_norm: str | None
    title_key: str | None
    near_key: str | None
    core_key: str | None
    ats_key: str | None
    ats_group: str | None
    apply_key: str | None
    refs: tuple[str, ...]
    place: Place
    start: float  # active from (epoch seconds): posted_at or first seen, whichever is earlier
    end: float  # ... to last seen
    closed_at: float | None
    employer_ats: bool
    old_listing_id: int | None = None
    listing_id: int | None = None
    stored_sig: str | None = None
    #: the listing id stored before this run (``old_listing_id`` may be cleared to re-match)
    prev_listing_id: int | None = None

    def signature(self) -> str:
        return json.dumps(
            [self.company_norm, self.title_key, self.near_key, self.ats_key, self.ats_group, self.apply_key,
             list(self.refs), sorted(self.place.places), sorted(self.place.countries), self.place.worldwide],
            separators=(",", ":"),
        )  # fmt: skip


#: Columns read from (wide) ``postings`` rows to compute a posting's keys; ``key_source_sql``
#: adds the platform-dependent ones (requisition, ATS text) after them.
_CANDIDATE_COLUMNS = (
    "id, source, source_id, url, apply_url, company, title, title_clean, role, seniority, location_raw, "
    "countries, worldwide, posted_at, first_seen_at, last_seen_at, closed_at, listing_id, dedupe_sig"
)
#: Completeness part of a posting's rank as its listing's canonical record (higher first): clean
#: title, category, role, seniority, workplace, countries, salary counted twice, company, a real
#: description. ``key_source_sql`` adds 100 for the employer's own ATS; ``posted_at`` adds one
#: when listings are built.
_COMPLETENESS_SQL = (
    "(title_clean IS NOT NULL) + (category IS NOT NULL) + (role IS NOT NULL) + (seniority IS NOT NULL) "
    "+ (workplace IS NOT NULL) + (countries IS NOT NULL AND countries != '[]') "
    "+ 2 * (salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL) + (company IS NOT NULL) "
    "+ (length(COALESCE(description_text, '')) > 200)"
)


@cache
def key_source_sql(facts: PlatformFacts) -> tuple[str, tuple[Any, ...]]:
    """The column list (and its parameters, which come before any WHERE parameters) read from
    ``postings`` to compute a posting's keys and its ``posting_keys`` row.

    Platform facts enter as parameters: the employer-ATS sources, the requisition field of
    platforms that have one, and the hints that a description links an ATS job (only then is
    the description read, for the ids it mentions).
    """
    own = ",".join("?" * len(facts.own_ats))
    own_params = tuple(sorted(facts.own_ats))
    requisition = " ".join("WHEN source = ? THEN json_extract(raw_json, ?)" for _ in facts.requisitions)
    hints = " OR ".join("instr(description_html, ?)" for _ in facts.url_hints) or "0"
    sql = (
        f"{_CANDIDATE_COLUMNS}, "
        f"CASE {requisition or 'WHEN 0 THEN NULL'} END AS requisition, "
        f"CASE WHEN source NOT IN ({own}) AND ({hints}) THEN description_html END AS ats_text, "
        f"100 * (source IN ({own})) + {_COMPLETENESS_SQL} AS rank, "
        "(salary_usd_min IS NOT NULL OR salary_usd_max IS NOT NULL) AS has_salary, "
        "COALESCE(apply_url, url) AS apply_at, regions, category, workplace, salary_usd_min, salary_usd_max, "
        "salary_estimate, salary_source"
    )
    params = (*(v for pair in facts.requisitions for v in pair), *own_params, *facts.url_hints, *own_params)
    return sql, params


#: ``posting_keys`` columns in insert order.
KEY_TABLE_COLUMNS = (
    "posting_id, listing_id, version, source, company_norm, title_key, near_key, core_key, ats_key, ats_group, "
    "apply_key, refs, place, posted_at, first_seen_at, last_seen_at, closed_at, rank, has_salary, apply_at, "
    "countries, regions, title, company, category, role, seniority, workplace, worldwide, salary_usd_min, "
    "salary_usd_max, salary_estimate, salary_source"
)
#: ``posting_keys`` columns a :class:`Candidate` is read from.
KEY_COLUMNS = (
    "posting_id, listing_id, source, company_norm, title_key, near_key, core_key, ats_key, ats_group, apply_key, "
    "refs, place, posted_at, first_seen_at, last_seen_at, closed_at"
)
#: Bump when a key function changes meaning (title_key, place_of, own_ats_key, apply_key, the
#: rank...): every stored key row is then recomputed by the next ``--rebuild``.
KEY_RULES_VERSION = "2"  # 2: country words from normalize.places


@cache
def key_version(facts: PlatformFacts) -> str:
    """Version of the stored keys: the rules version, the company-normalisation tables and the
    platform facts (a spider newly declared an employer ATS: its postings' keys are recomputed)."""

    digest = zlib.crc32(KEY_RULES_VERSION.encode())
    for path in sorted(DATA_DIR.glob("*.csv")):
        digest = zlib.crc32(path.read_bytes(), digest)
    return f"{KEY_RULES_VERSION}-{digest:08x}-{facts.fingerprint()}"


@lru_cache(maxsize=65_536)
def _json_list(text: str | None) -> tuple[str, ...] | None:
    if not text or text == "[]":
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return tuple(str(v) for v in value) if isinstance(value, list) else None


@lru_cache(maxsize=262_144)
def epoch(value: str | None) -> float | None:
    """``parse_time`` as epoch seconds (what the matcher compares)."""
    parsed = parse_time(value)
    return parsed.timestamp() if parsed is not None else None


@lru_cache(maxsize=262_144)
def _interval(posted_at: str | None, first_seen: str | None, last_seen: str | None) -> tuple[float, float]:
    """Activity interval of a posting: from posted (or first seen, if earlier) to last seen."""
    seen, posted, last = epoch(first_seen), epoch(posted_at), epoch(last_seen)
    start = min((t for t in (posted, seen) if t is not None), default=last or 0.0)
    return start, max(start, last or seen or start)


def _intern(text: str | None) -> str | None:
    return sys.intern(text) if text else None


def candidate_from_row(row: Sequence[Any], facts: PlatformFacts) -> Candidate:
    """A :class:`Candidate` computed from a ``postings`` row read with ``key_source_sql``."""
    (pid, source, source_id, url, apply_url_, company, title, title_clean, role, seniority, location_raw,
     countries, worldwide, posted_at, first_seen, last_seen, closed_at, listing_id, stored_sig, requisition,
     ats_text) = row[:21]  # fmt: skip
    key = title_key(title_clean or title)
    start, end = _interval(posted_at, first_seen, last_seen)
    ats = own_ats_key(source, source_id, url, apply_url_, facts)
    refs = tuple(k for k in ats_keys_in_text(ats_text, facts) if k != ats) if ats_text else ()
    employer_ats = source in facts.own_ats
    listing = int(listing_id) if listing_id is not None else None
    return Candidate(
        id=int(pid),
        source=sys.intern(str(source)),
        company_norm=_intern(normalize_company(company)),
        title_key=_intern(key),
        near_key=_intern(f"{role}|{seniority or ''}") if role else None,
        core_key=_intern(title_core_from(title_clean or title)),
        ats_key=ats,
        # an employer reuses a requisition for several postings: same requisition *and* title
        ats_group=f"{source}-req:{requisition}|{key}" if requisition not in (None, "") and key else None,
        apply_key=apply_key(apply_url_) or (apply_key(url) if employer_ats else None),
        refs=refs,
        place=place_of(location_raw, _json_list(countries), bool(worldwide)),
        start=start,
        end=end,
        closed_at=epoch(closed_at),
        employer_ats=employer_ats,
        old_listing_id=listing,
        stored_sig=stored_sig,
        prev_listing_id=listing,
    )


@lru_cache(maxsize=65_536)
def _place_text(place: Place) -> str:
    return json.dumps([sorted(place.places), sorted(place.countries), int(place.worldwide)], separators=(",", ":"))


@lru_cache(maxsize=65_536)
def _place_from_text(text: str | None) -> Place:
    if not text:
        return Place()
    places, countries, worldwide = json.loads(text)
    return Place(frozenset(places), frozenset(countries), bool(worldwide))


def key_row(c: Candidate, row: Sequence[Any], facts: PlatformFacts) -> tuple[Any, ...]:
    """The ``posting_keys`` row (``KEY_TABLE_COLUMNS``) of a posting read with ``key_source_sql``."""
    (_pid, _source, _source_id, _url, _apply_url, company, title, title_clean, role, seniority, _location_raw,
     countries, worldwide, posted_at, first_seen, last_seen, closed_at, _listing_id, _sig, _requisition, _ats_text,
     rank, has_salary, apply_at, regions, category, workplace, salary_min, salary_max, salary_estimate,
     salary_source) = row  # fmt: skip
    return (
        c.id, c.listing_id if c.listing_id is not None else c.prev_listing_id, key_version(facts), c.source,
        c.company_norm, c.title_key, c.near_key, c.core_key, c.ats_key, c.ats_group, c.apply_key,
        " ".join(c.refs) or None, _place_text(c.place), posted_at, first_seen, last_seen, closed_at,
        int(rank or 0), int(has_salary or 0), apply_at, countries, regions, title_clean or title, company, category,
        role, seniority, workplace, worldwide, salary_min, salary_max, salary_estimate, salary_source,
    )  # fmt: skip


def candidate_from_keys(row: Sequence[Any], facts: PlatformFacts) -> Candidate:
    """A :class:`Candidate` read back from ``posting_keys`` (``KEY_COLUMNS``): no key is recomputed."""
    (pid, listing_id, source, company_norm, tkey, near, core, ats, group, apply, refs, place, posted_at,
     first_seen, last_seen, closed_at) = row  # fmt: skip
    start, end = _interval(posted_at, first_seen, last_seen)
    return Candidate(
        id=pid,
        source=sys.intern(source),
        company_norm=_intern(company_norm),
        title_key=_intern(tkey),
        near_key=_intern(near),
        core_key=_intern(core),
        ats_key=ats,
        ats_group=group,
        apply_key=apply,
        refs=tuple(refs.split()) if refs else (),
        place=_place_from_text(place),
        start=start,
        end=end,
        closed_at=epoch(closed_at) if closed_at else None,
        employer_ats=source in facts.own_ats,
        old_listing_id=listing_id,
        prev_listing_id=listing_id,
    )


def process_order(c: Candidate) -> tuple[int, float, int]:
    """Employers' own ATS postings first (they anchor listings), then oldest first."""
    return (0 if c.employer_ats else 1, c.start, c.id)


@dataclass(slots=True)
class Decision:
    posting_id: int
    listing_id: int
    rule: str
    score: float
    matched_posting_id: int | None = None
    repost: bool = False
    detail: dict[str, Any] | None = None


@dataclass(slots=True)
class Override:
    action: str  # 'split' | 'merge'
    target_posting_id: int | None
    listing_id: int | None
    reason: str | None


class Matcher:
    """Assigns postings to listings using exact-key blocks (no all-pairs comparison)."""

    def __init__(
        self,
        *,
        window_days: float = DEFAULT_WINDOW_DAYS,
        desc_threshold: float = DEFAULT_DESC_THRESHOLD,
        description: Callable[[int], str | None] | None = None,
        next_listing_id: int = 1,
        overrides: dict[int, Override] | None = None,
    ) -> None:
        self.window = timedelta(days=window_days)
        self._window_s = self.window.total_seconds()
        self.desc_threshold = desc_threshold
        self.description = description
        self.next_id = next_listing_id
        self.overrides = overrides or {}
        self.by_ats: dict[str, Candidate] = {}
        self.by_group: dict[str, int] = {}
        self.by_apply: dict[str, int] = {}
        self.by_ref: dict[str, list[Candidate]] = {}
        self.by_title: dict[tuple[str, str], list[Candidate]] = {}
        self.by_near: dict[tuple[str, str], list[Candidate]] = {}
        self.listing_ats: dict[int, set[str]] = {}  # listing -> own ATS keys of its postings
        #: postings that are an override's merge target (the only ones looked up by id)
        self.by_id: dict[int, Candidate] = {}
        self.targets = {o.target_posting_id for o in self.overrides.values() if o.target_posting_id is not None}
        self.reserved_ids: set[int] = set()
        self._minhash_cache: dict[int, Any] = {}

    # -- index ---------------------------------------------------------------------------
    def add(self, c: Candidate) -> None:
        """Index an already placed posting (``c.listing_id`` set)."""
        listing = c.listing_id
        assert listing is not None
        if self.overrides:
            if c.id in self.targets:
                self.by_id[c.id] = c
            if c.id in self.overrides and self.overrides[c.id].action == "split":
                return  # a split posting is nobody's match
        ats = c.ats_key
        if ats:
            if ats not in self.by_ats:
                self.by_ats[ats] = c
            own = self.listing_ats.get(listing)
            if own is None:
                self.listing_ats[listing] = {ats}
            else:
                own.add(ats)
        if c.ats_group and c.ats_group not in self.by_group:
            self.by_group[c.ats_group] = listing
        if c.apply_key and c.apply_key not in self.by_apply:
            self.by_apply[c.apply_key] = listing
        for ref in c.refs:
            self.by_ref.setdefault(ref, []).append(c)
        company = c.company_norm
        if company:
            for index, key in (
                (self.by_title, c.title_key),
                (self.by_near, c.near_key),
                (self.by_near, c.core_key if c.core_key != c.near_key else None),
            ):
                if key:
                    block = index.get((company, key))
                    if block is None:
                        index[(company, key)] = [c]
                    else:
                        block.append(c)

    def new_listing_id(self, preferred: int | None = None) -> int:
        if preferred is not None and preferred not in self.reserved_ids:
            self.reserved_ids.add(preferred)
            return preferred
        while self.next_id in self.reserved_ids:
            self.next_id += 1
        self.reserved_ids.add(self.next_id)
        return self.next_id

    # -- rules ---------------------------------------------------------------------------
    def _conflicts(self, c: Candidate, listing: int) -> bool:
        """Would joining ``listing`` merge two different jobs of the employer's own ATS?"""
        if not c.ats_key:
            return False
        ats = c.ats_key.split(":", 1)[0]
        return any(k != c.ats_key and k.split(":", 1)[0] == ats for k in self.listing_ats.get(listing, ()))

    def _compatible(self, c: Candidate, other: Candidate) -> bool:
        """Compatible places and activity within the window (``within_window`` on epoch seconds)."""
        window = self._window_s
        return (
            c.start <= other.end + window
            and other.start <= c.end + window
            and (c.place is other.place or compatible_places(c.place, other.place))
        )

    def _repost(self, c: Candidate, other: Candidate) -> bool:
        return other.source == c.source or (other.closed_at is not None and other.closed_at <= c.start)

    def _minhash(self, posting_id: int) -> Any:
        if posting_id not in self._minhash_cache and self.description is not None:
            self._minhash_cache[posting_id] = minhash(self.description(posting_id))
        return self._minhash_cache.get(posting_id)

    def decide(self, c: Candidate) -> Decision:
        override = self.overrides.get(c.id) if self.overrides else None
        if override is not None:
            if override.action == "split":
                return Decision(c.id, self.new_listing_id(), "override_split", 1.0, detail={"reason": override.reason})
            target = self.by_id.get(override.target_posting_id) if override.target_posting_id else None
            if target is not None and target.listing_id is not None:
                return Decision(
                    c.id, target.listing_id, "override_merge", 1.0, target.id, detail={"reason": override.reason}
                )
        if c.ats_key and c.ats_key in self.by_ats:
            other = self.by_ats[c.ats_key]
            assert other.listing_id is not None
            return Decision(c.id, other.listing_id, "ats_id", 1.0, other.id, detail={"key": c.ats_key})
        if c.ats_group and c.ats_group in self.by_group:
            listing = self.by_group[c.ats_group]
            return Decision(c.id, listing, "ats_requisition", 1.0, detail={"key": c.ats_group})
        if c.ats_key:
            for other in self.by_ref.get(c.ats_key, ()):
                if other.listing_id is not None and not self._conflicts(c, other.listing_id):
                    return Decision(
                        c.id, other.listing_id, "ats_id_mentioned", 0.95, other.id, detail={"key": c.ats_key}
                    )
        for ref in c.refs:
            mentioned = self.by_ats.get(ref)
            if mentioned is not None and mentioned.listing_id is not None:
                detail = {"key": ref, "mentioned": list(c.refs)}
                return Decision(c.id, mentioned.listing_id, "ats_id_mentioned", 0.95, mentioned.id, detail=detail)
        if c.apply_key and c.apply_key in self.by_apply:
            listing = self.by_apply[c.apply_key]
            if not self._conflicts(c, listing):
                return Decision(c.id, listing, "apply_url", 0.95, detail={"key": c.apply_key})
        if c.company_norm and c.title_key:
            block = self.by_title.get((c.company_norm, c.title_key))
            best = self._best(c, block) if block else None
            if best is not None:
                assert best.listing_id is not None
                return Decision(
                    c.id, best.listing_id, "company_title", 0.9, best.id, self._repost(c, best),
                    {"company": c.company_norm, "title": c.title_key},
                )  # fmt: skip
        if (
            c.company_norm
            and self.description is not None
            and ((c.company_norm, c.near_key) in self.by_near or (c.company_norm, c.core_key) in self.by_near)
        ):
            decision = self._near(c)
            if decision is not None:
                return decision
        return Decision(c.id, self.new_listing_id(c.old_listing_id), "new", 1.0)

    def _best(self, c: Candidate, candidates: Sequence[Candidate]) -> Candidate | None:
        best: Candidate | None = None
        if not candidates:
            return None
        for other in reversed(candidates[-BLOCK_SCAN_LIMIT:] if len(candidates) > BLOCK_SCAN_LIMIT else candidates):
            if other.listing_id is None or other.id == c.id or not self._compatible(c, other):
                continue
            if self._conflicts(c, other.listing_id):
                continue
            if best is None or abs(other.start - c.start) < abs(best.start - c.start):
                best = other
        return best

    def _near(self, c: Candidate) -> Decision | None:
        assert c.company_norm is not None
        seen: set[int] = set()
        for near in (c.near_key, c.core_key):
            if not near:
                continue
            block = self.by_near.get((c.company_norm, near))
            if not block:
                continue
            for other in reversed(block[-BLOCK_SCAN_LIMIT:] if len(block) > BLOCK_SCAN_LIMIT else block):
                if other.id in seen or other.listing_id is None or other.id == c.id:
                    continue
                seen.add(other.id)
                if other.title_key == c.title_key or not self._compatible(c, other):
                    continue  # same title was already judged by the company_title rule
                if self._conflicts(c, other.listing_id):
                    continue
                if not similar_titles(c.title_key, other.title_key):
                    continue
                mine, theirs = self._minhash(c.id), self._minhash(other.id)
                score = float(mine.jaccard(theirs)) if mine is not None and theirs is not None else None
                if score is not None and score >= self.desc_threshold:
                    return Decision(
                        c.id, other.listing_id, "company_near_title+description", round(score, 3), other.id,
                        self._repost(c, other),
                        {"company": c.company_norm, "block": near, "description_similarity": round(score, 3)},
                    )  # fmt: skip
        return None

    def place(self, c: Candidate) -> Decision:
        decision = self.decide(c)
        c.listing_id = decision.listing_id
        self.add(c)
        return decision

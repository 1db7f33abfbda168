"""What one crawl covered, and the platform facts spiders declare (bottom layer: data only).

Spiders say what a run covered (:meth:`spiders.base.JobSpider.crawl_scope`) and what their
platform is (class attributes such as ``own_ats``); the store pipeline hands both down to
:mod:`listings` as these plain values, so listings never import spiders and no list of spider
names is kept by hand anywhere below them.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class CrawlScope:
    """What one run of a spider covered.

    - ``boards`` None: the whole platform; otherwise the boards (ATS slugs, page URLs, sitemap
      URLs) the run asked for. Postings remember their board (``postings.board``).
    - ``answered``: the boards among them that answered with at least one record and without a
      request error or unreadable body; ``gone``: those that answered 404 (the platform says the
      board or page no longer exists). Only these two can close postings: an empty or failed
      board closes nothing of its own.
    - ``filters``: spider arguments that narrowed the run to part of the platform
      (``category=software-dev``, ``query=security engineer``). Postings do not carry the
      filter value, so a filtered run cannot tell "gone" from "outside the filter": it closes
      nothing.
    """

    source: str
    boards: tuple[str, ...] | None = None
    answered: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def whole_platform(self) -> bool:
        return self.boards is None and not self.filters

    def describe(self) -> str:
        if self.filters:
            return "filtered by " + ", ".join(f"{k}={v}" for k, v in self.filters)
        if self.boards is None:
            return "whole platform"
        text = f"{len(self.answered)} of {len(self.boards)} boards answered with records"
        return text + (f", {len(self.gone)} gone (404)" if self.gone else "")

    def to_json(self) -> str:
        data: dict[str, Any] = {"source": self.source, "whole_platform": self.whole_platform}
        if self.boards is not None:
            data["boards"] = list(self.boards)
            data["answered"] = list(self.answered)
            data["gone"] = list(self.gone)
        if self.filters:
            data["filters"] = dict(self.filters)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CrawlScope:
        data = json.loads(text)
        boards = data.get("boards")
        return cls(
            source=str(data["source"]),
            boards=tuple(boards) if boards is not None else None,
            answered=tuple(data.get("answered") or ()),
            gone=tuple(data.get("gone") or ()),
            filters=tuple(sorted((str(k), str(v)) for k, v in (data.get("filters") or {}).items())),
        )


@dataclass(frozen=True)
class JobUrlPattern:
    """How a platform's job URLs look: ``pattern`` over a lower-cased URL, group 1 the job id."""

    source: str
    pattern: str


@dataclass(frozen=True)
class PlatformFacts:
    """Facts about every platform, collected from the spiders' class attributes.

    - ``own_ats``: sources that are employers' own applicant tracking systems (their postings
      anchor listings, their ids are job keys);
    - ``job_urls``: how each platform's job URLs look, to find the ATS job a URL names;
    - ``url_hints``: substrings one of which every such URL contains (a cheap pre-check).
    """

    own_ats: frozenset[str] = frozenset()
    job_urls: tuple[JobUrlPattern, ...] = ()
    url_hints: tuple[str, ...] = ()
    #: (source, JSON path into the raw record) of the employer's requisition id, for platforms that have one.
    requisitions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def collect(cls, spiders: Iterable[Any]) -> PlatformFacts:
        """Facts from spider classes (``name``, ``own_ats``, ``job_url_patterns``, ``job_url_hints``,
        ``requisition_path``), in spider-name order."""
        own_ats: set[str] = set()
        job_urls: list[JobUrlPattern] = []
        hints: list[str] = []
        requisitions: list[tuple[str, str]] = []
        for spider in sorted(spiders, key=lambda s: str(s.name)):
            name = str(spider.name)
            if getattr(spider, "own_ats", False):
                own_ats.add(name)
            job_urls.extend(JobUrlPattern(name, p) for p in getattr(spider, "job_url_patterns", ()))
            hints.extend(h for h in getattr(spider, "job_url_hints", ()) if h not in hints)
            if getattr(spider, "requisition_path", None):
                requisitions.append((name, str(spider.requisition_path)))
        return cls(frozenset(own_ats), tuple(job_urls), tuple(hints), tuple(requisitions))

    @cached_property
    def compiled_job_urls(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((p.source, re.compile(p.pattern)) for p in self.job_urls)

    def fingerprint(self) -> str:
        """Changes whenever a fact changes (part of the stored dedupe keys' version)."""
        text = json.dumps(
            [
                sorted(self.own_ats),
                [[p.source, p.pattern] for p in self.job_urls],
                list(self.url_hints),
                [list(r) for r in self.requisitions],
            ],
            separators=(",", ":"),
        )
        return f"{zlib.crc32(text.encode()):08x}"

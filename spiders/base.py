"""Base spiders by API shape.

A platform spider subclasses one of these, sets class attributes (``name``,
start URLs, where the records are) and writes one ``parse_job(record, response)``
that maps a single platform record to a :class:`~crawler.items.JobPosting`.

The base classes take care of everything a contributor should not have to
think about: a response body that is not valid JSON/XML is logged with its URL
and counted (``jobs/bad_response``) while the crawl goes on; a record whose
mapping raises becomes a :class:`~crawler.items.RejectedRecord` (stored in the
``rejects`` table) instead of stopping the callback; a posting already seen in
this crawl (the same job in two feeds) is yielded once.
"""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from parsel import Selector
from scrapy.http import Request, Response

from crawler.items import JobPosting, RejectedRecord


class BadResponse(ValueError):
    """The response body cannot be read as the expected format."""


def text_or_none(value: Any) -> str | None:
    """Strip a scalar to text; empty strings and None become None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def unescape(value: Any) -> str | None:
    """Decode HTML entities that platforms leave in plain-text fields ("R&amp;D")."""
    text = text_or_none(value)
    return html.unescape(text) if text else None


def as_list(value: Any) -> list[str]:
    """Tags arrive as lists, comma strings or None; always give a list of strings."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def dig(record: Any, path: str | None) -> Any:
    """Follow a dotted path ("data.jobs") into nested dicts; None path returns the record."""
    if not path:
        return record
    for key in path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


class JobSpider(scrapy.Spider):
    """Common behaviour: record iteration, per-record error isolation, item defaults."""

    #: URLs requested by ``start()``; subclasses set this or override ``start_requests_urls``.
    start_urls: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scraped_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        self.seen_ids: set[str] = set()

    # -- hooks for platform spiders ------------------------------------------------
    def start_requests_urls(self) -> Iterable[str]:
        return self.start_urls

    def iter_records(self, response: Response) -> Iterable[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:  # pragma: no cover
        raise NotImplementedError

    def next_requests(self, response: Response) -> Iterable[Request]:
        """Follow-up requests (pagination) after a page's records."""
        return ()

    # -- machinery -----------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_requests_urls():
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error)

    def on_error(self, failure: Any) -> None:
        """Download errors and HTTP errors: logged and counted, never fatal."""
        request = getattr(failure, "request", None)
        self.logger.warning("request failed: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())
        self.inc_stat("jobs/request_errors")

    def inc_stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def bad_response(self, response: Response, reason: str) -> None:
        self.logger.error("unreadable response from %s: %s", response.url, reason)
        self.inc_stat("jobs/bad_response")

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            records = list(self.iter_records(response))
        except (BadResponse, ValueError) as exc:
            self.bad_response(response, str(exc)[:200])
            return
        self.inc_stat("jobs/records_seen", len(records))
        for record in records:
            yield from self.map_record(record, response)
        yield from self.next_requests(response)

    def map_record(self, record: Any, response: Response) -> Iterator[Any]:
        try:
            item = self.parse_job(record, response)
        except Exception as exc:  # one broken record never stops the crawl
            self.logger.warning("rejecting a record from %s: %r", response.url, exc)
            yield RejectedRecord(
                source=self.name,
                source_id=None,
                url=response.url,
                reason=f"{type(exc).__name__} while mapping: {exc}",
                raw=jsonable(record),
            )
            return
        if item is None:  # a documented non-job element
            self.inc_stat("jobs/skipped_non_job")
            return
        source_id = text_or_none(item.get("source_id"))
        if source_id is not None:
            if source_id in self.seen_ids:
                self.inc_stat("jobs/duplicate_in_crawl")
                return
            self.seen_ids.add(source_id)
        item.setdefault("source", self.name)
        item.setdefault("scraped_at", self.scraped_at)
        item.setdefault("raw", jsonable(record))
        yield item


class JsonApiSpider(JobSpider):
    """A JSON API answering a list of job records, optionally paginated.

    Set ``records_path`` to the dotted key holding the record list (``"jobs"``,
    ``"data"``), or leave it None when the body is the list itself. Override
    ``next_page_url`` to paginate.
    """

    records_path: ClassVar[str | None] = None

    def load_json(self, response: Response) -> Any:
        try:
            return json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponse(f"invalid JSON ({exc})") from exc

    def iter_records(self, response: Response) -> Iterable[Any]:
        data = self.load_json(response)
        response.meta["payload"] = data
        records = dig(data, self.records_path)
        if not isinstance(records, list):
            raise BadResponse(f"no record list at {self.records_path or 'top level'!r}")
        return records

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        return None

    def next_requests(self, response: Response) -> Iterable[Request]:
        url = self.next_page_url(response, response.meta.get("payload"))
        if url:
            yield response.follow(url, callback=self.parse, errback=self.on_error)


class RssSpider(JobSpider):
    """An RSS 2.0 feed; each ``<item>`` becomes a dict of child tag -> text.

    Repeated tags (``category``) keep their first value under the tag name and
    all values under ``<tag>__all``. Namespaced tags keep their local name.
    """

    def iter_records(self, response: Response) -> Iterable[dict[str, Any]]:
        body = response.body.strip()
        if not body.startswith(b"<"):
            raise BadResponse("not XML")
        try:
            selector = Selector(body=body, type="xml")
        except ValueError as exc:
            raise BadResponse(f"invalid XML ({exc})") from exc
        selector.remove_namespaces()
        if not selector.xpath("/rss | /feed | /*[local-name()='RDF']"):
            raise BadResponse("no RSS document element (not a feed)")
        if not body.endswith((b"</rss>", b"</feed>", b"</rdf:RDF>")):
            # lxml recovers truncated XML silently; a cut-off feed is a broken download.
            raise BadResponse("truncated feed (no closing root tag)")
        return [self.item_to_dict(node) for node in selector.xpath("//item")]

    @staticmethod
    def item_to_dict(node: Selector) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for child in node.xpath("./*"):
            tag = child.xpath("name()").get() or ""
            value = "".join(child.xpath("./text()").getall()).strip()
            if not value and child.attrib.get("url"):
                value = child.attrib["url"]
            record.setdefault(f"{tag}__all", []).append(value)
            record.setdefault(tag, value)
        return record


def jsonable(value: Any) -> Any:
    """Make a record safe to store as JSON (parsel selectors, sets, bytes...)."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))

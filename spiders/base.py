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

Each spider also says what one run covered (:meth:`JobSpider.crawl_scope`: the whole
platform, the boards or URLs it crawled and which of them answered with records, or the
arguments that narrowed it) and declares its platform's facts as class attributes
(``own_ats``, ``job_url_patterns``...); the store pipeline passes both down to the listings
layer, which closes postings only inside the scope.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import scrapy
from parsel import Selector
from scrapy.http import JsonRequest, Request, Response

from crawler.distributed import BoardDone, BoardQueue, connect, worker_id
from crawler.items import JobPosting, RejectedRecord, SeenBody, keep_raw_text
from crawler.middlewares import OffsiteRedirect
from crawler.scope import CrawlScope
from db.boards import active_boards
from db.postings import stored_response_digests
from db.util import utc_now
from normalize.salary import period_of


class BadResponse(ValueError):
    """The response body cannot be read as the expected format."""


class ShapeChanged(BadResponse):
    """The body is in the expected format, but the record list is not where it was (renamed key)."""


class NotAJob(ValueError):
    """Raised by ``parse_job`` for a record the platform lists that is no job posting (a reply, a
    remark): rejected with exactly this reason, at ``url`` if given, without a warning."""

    def __init__(self, reason: str, url: str | None = None) -> None:
        super().__init__(reason)
        self.url = url


#: Politeness for a platform that publishes no rate limit (``JobSpider.custom_settings``): one request
#: a second and one at a time per host -- stricter than crawler/settings.py's 0.5 s and 2, since nobody
#: told us more is fine -- and the project's 60 s timeout.
POLITE: dict[str, Any] = {"DOWNLOAD_DELAY": 1.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_TIMEOUT": 60}

#: Statuses that mean "not you" rather than "not here": the platform blocks or throttles us.
BLOCKED_STATUSES = (401, 403, 429)
#: Marks of a challenge or login page served instead of the data (with status 200).
_BLOCK_PAGE = re.compile(
    rb"captcha|cf-challenge|cf_chl_|challenge-platform|just a moment\.\.\.|attention required|access denied|"
    rb"are you a robot|verify you are human|type=[\"']?password|<title>[^<]*(?:log ?in|sign ?in)",
    re.IGNORECASE,
)
_BOM = b"\xef\xbb\xbf"
_REPLACEMENT = "\ufffd".encode()
_XML_ENCODING = re.compile(rb"^<\?xml[^>]*encoding=[\"']([\w.-]+)", re.IGNORECASE)


def utf8_body(body: bytes) -> tuple[bytes, int]:
    """The body without a byte-order mark, as valid UTF-8: bytes that are not UTF-8 are replaced
    by U+FFFD (the rest of the payload is kept). Returns it and the number of bytes replaced.
    An XML body that declares another encoding is left to the XML parser."""
    body = body.removeprefix(_BOM)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        declared = _XML_ENCODING.match(body.lstrip())
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            return body, 0
        fixed = body.decode("utf-8", errors="replace").encode("utf-8")
        return fixed, fixed.count(_REPLACEMENT) - body.count(_REPLACEMENT)
    return body, 0


def looks_blocked(body: bytes) -> bool:
    """A challenge or login page where data was expected."""
    return bool(_BLOCK_PAGE.search(body[:20000]))


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

    # -- platform facts (collected for every spider by pipelines.after_crawl.platform_facts) --
    #: The platform is employers' own applicant tracking system: its postings anchor listings
    #: and its own ids are job keys (dedupe).
    own_ats: ClassVar[bool] = False
    #: How the platform's job URLs look, wherever they are linked: regexes over a lower-cased
    #: URL, group 1 the job id (``"<spider>:<id>"`` becomes a dedupe key).
    job_url_patterns: ClassVar[tuple[str, ...]] = ()
    #: Substrings one of which every URL matching ``job_url_patterns`` contains (a cheap pre-check).
    job_url_hints: ClassVar[tuple[str, ...]] = ()
    #: JSON path into the raw record of the employer's requisition id (one job posted in
    #: several locations), when the platform has one.
    requisition_path: ClassVar[str | None] = None
    #: The platform asks for at most one run per this many hours: a run started sooner is skipped
    #: (``crawl_runs.status`` "skipped", with when the next one is allowed). 0: no limit.
    min_interval_hours: ClassVar[float] = 0
    #: Politeness (delay, per-domain concurrency, timeout): ``POLITE`` unless the platform's own
    #: limits say otherwise (then ``{**POLITE, ...}``), so a new spider is never faster than that.
    custom_settings: dict[str, Any] | None = POLITE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scraped_at = utc_now()
        self.seen_ids: set[str] = set()
        #: per board (``request.meta["board"]``): records read, and boards with a failed request or body
        self.board_records: dict[str, int] = {}
        self.failed_boards: set[str] = set()
        self._kept_digests: dict[str, tuple[str, int, list[str]]] | None = None
        #: this run's listing bodies whose records all became postings (see ``parse``)
        self.response_digests: list[dict[str, Any]] = []

    # -- scope ---------------------------------------------------------------------
    def crawl_scope(self) -> CrawlScope:
        """What this run covered (asked when the run ends): by default the whole platform,
        narrowed by :meth:`scope_filters`; a platform read through several feeds names them as
        boards (each closes only its own postings). Board spiders name their boards."""
        urls = tuple(dict.fromkeys(self.start_requests_urls()))
        if len(urls) > 1:
            return CrawlScope(self.name, boards=urls, answered=self.answered_boards(urls), filters=self.scope_filters())
        return CrawlScope(self.name, filters=self.scope_filters())

    #: Spider arguments that do not narrow a run (a new spider's arguments narrow by default).
    unscoped_args: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run_args = {name: str(value) for name, value in kwargs.items()}  # the -a arguments
        return spider

    def scope_filters(self) -> tuple[tuple[str, str], ...]:
        """The arguments that made this run cover only part of the platform: every ``-a`` argument
        except board lists and ``unscoped_args`` (``-a category=``, ``-a query=``, ``-a thread=``,
        ``-a max_pages=``...). Postings do not record them, so such a run closes nothing."""
        run_args: dict[str, str] = getattr(self, "run_args", {})
        board_args = {"boards", "boards_file", "urls", "urls_file", "sitemap", *self.unscoped_args}
        filters = {k: v for k, v in run_args.items() if k not in board_args and v}
        if getattr(self, "budget_reached", None):  # stopped by MAX_PAGES with pages left
            filters.setdefault("max_pages", str(self.budget_reached))
        return tuple(sorted(filters.items()))

    def answered_boards(self, boards: Iterable[str]) -> tuple[str, ...]:
        """The boards that answered with at least one record and had no failed request or body."""
        return tuple(b for b in boards if self.board_records.get(b) and b not in self.failed_boards)

    @staticmethod
    def board_of(request_or_response: Any) -> str | None:
        board = (getattr(request_or_response, "meta", None) or {}).get("board")
        return str(board) if board else None

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

    #: Record keys that hold the platform's job id, first found wins (for a rejected record, so
    #: its posting is not taken for gone); override ``record_id`` when the id is elsewhere.
    record_id_keys: ClassVar[tuple[str, ...]] = ("id", "slug", "shortcode", "guid", "url", "link")

    def record_id(self, record: Any) -> str | None:
        """The platform id of a raw record, when it can be read without mapping it."""
        if isinstance(record, dict):
            for key in self.record_id_keys:
                value = text_or_none(record.get(key))
                if value:
                    return value
        return None

    def decoded_body(self, response: Response) -> bytes:
        """The body as UTF-8 without a byte-order mark; bytes replaced are counted (``jobs/decode_errors``)."""
        body, replaced = utf8_body(response.body)
        if replaced:
            self.logger.warning("%d bytes of %s are not UTF-8: replaced", replaced, response.url)
            self.inc_stat("jobs/decode_errors", replaced)
        return body

    # -- machinery -----------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        urls = list(self.start_requests_urls())
        for url in urls:
            # several feeds: each is a board of its own, so an empty or failed feed closes nothing of its own
            meta = {"board": url} if len(urls) > 1 else {}
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta)

    def on_error(self, failure: Any) -> None:
        """Download errors and HTTP errors: logged and counted, never fatal."""
        request = getattr(failure, "request", None)
        self.logger.warning("request failed: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())
        self.inc_stat("jobs/request_errors")
        if http_status(failure) in BLOCKED_STATUSES:
            self.inc_stat("jobs/blocked")
        board = self.board_of(request)
        if board:
            self.failed_boards.add(board)
        self.board_finished(request)

    def inc_stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def bad_response(self, response: Response, reason: str) -> None:
        self.logger.error("unreadable response from %s: %s", response.url, reason)
        self.inc_stat("jobs/bad_response")
        if looks_blocked(response.body):
            self.logger.error("%s looks like a challenge or login page: blocked", response.url)
            self.inc_stat("jobs/blocked")
        board = self.board_of(response)
        if board:
            self.failed_boards.add(board)

    # -- unchanged listing bodies ---------------------------------------------------------
    def body_digest(self, response: Response) -> str | None:
        """The body's digest, when unchanged bodies are skipped: ``SKIP_UNCHANGED`` (default on),
        not in distributed mode (workers do not read the database)."""
        settings = self.crawler.settings
        if not settings.getbool("SKIP_UNCHANGED", True) or settings.get("REDIS_URL") or response.status != 200:
            return None
        return hashlib.blake2b(response.body, digest_size=16).hexdigest()

    def kept_digests(self) -> dict[str, tuple[str, int, list[str]]]:
        if self._kept_digests is None:
            db_path = self.crawler.settings.get("JOBS_DB") or "data/jobs.db"
            self._kept_digests = stored_response_digests(db_path, self.name)
        return self._kept_digests

    def unchanged_body(self, response: Response, digest: str) -> list[Any] | None:
        """The postings of a body the store kept from an earlier run, as one ``SeenBody`` item
        (none when every one of them came earlier in this crawl), when this body is the same;
        None when it must be parsed."""
        kept = self.kept_digests().get(response.url)
        if kept is None or kept[0] != digest:
            return None
        _digest, records, source_ids = kept
        board = self.board_of(response)
        self.inc_stat("jobs/records_seen", records)
        self.inc_stat("jobs/unchanged_bodies")
        self.inc_stat("jobs/board_unchanged_postings", len(source_ids))
        if board:
            self.board_records[board] = self.board_records.get(board, 0) + records
        seen = []
        for source_id in source_ids:
            if source_id in self.seen_ids:
                self.inc_stat("jobs/duplicate_in_crawl")
                continue
            self.seen_ids.add(source_id)
            seen.append(source_id)
        return [SeenBody(source=self.name, source_ids=seen, board=board)] if seen else []

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        digest = self.body_digest(response)
        if digest is not None:
            unchanged = self.unchanged_body(response, digest)
            if unchanged is not None:
                yield from unchanged
                return
        try:  # records=[...]: a callback that read the body already hands them over
            records = list(kwargs["records"] if "records" in kwargs else self.iter_records(response))
        except (BadResponse, ValueError) as exc:
            if isinstance(exc, ShapeChanged):
                self.inc_stat("jobs/shape_changed")
            self.bad_response(response, str(exc)[:200])
            self.board_finished(response)  # no items: ack now
            return
        self.inc_stat("jobs/records_seen", len(records))
        board = self.board_of(response)
        if board:
            self.board_records[board] = self.board_records.get(board, 0) + len(records)
        # a body whose records all became postings of this spider and board, and that led to no
        # other request, can be skipped next time it comes back the same
        source_ids: list[str] | None = []
        for record in records:
            for output in self.map_record(record, response):
                if source_ids is not None:
                    source_id = text_or_none(output.get("source_id")) if isinstance(output, JobPosting) else None
                    if source_id and output.get("source") == self.name and output.get("board") == board:
                        source_ids.append(source_id)
                    else:
                        source_ids = None
                yield output
        follow_ups = list(self.next_requests(response))
        yield from follow_ups
        if digest is not None and source_ids and not follow_ups:
            # the store keeps it at the end of the run, if every one of these postings is stored
            self.inc_stat("jobs/response_digests")
            self.response_digests.append(
                {
                    "source": self.name,
                    "url": response.url,
                    "digest": digest,
                    "board": board,
                    "records": len(records),
                    "source_ids": source_ids,
                }
            )
        if not follow_ups and self.board_of(response) and self.settings.get("REDIS_URL"):
            yield BoardDone(str(self.board_of(response)))  # acked once the items before it are queued

    def board_finished(self, request_or_response: Any) -> None:
        """A board's request failed or its body was unreadable; distributed mode acks it."""

    def map_record(self, record: Any, response: Response) -> Iterator[Any]:
        try:
            item = self.parse_job(record, response)
        except NotAJob as exc:
            url = exc.url or response.url
            yield RejectedRecord(source=self.name, source_id=self.record_id(record), url=url, reason=str(exc),
                                 raw=jsonable(record))  # fmt: skip
            return
        except Exception as exc:  # one broken record never stops the crawl
            self.logger.warning("rejecting a record from %s: %r", response.url, exc)
            yield RejectedRecord(
                source=self.name,
                source_id=self.record_id(record),
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
        item.setdefault("board", self.board_of(response))
        item.setdefault("scraped_at", self.scraped_at)
        if "raw" not in item:
            raw, text = json_and_text(record)
            item["raw"] = raw
            keep_raw_text(item, raw, text)  # the pipelines hash and store this text
        yield item


class JsonApiSpider(JobSpider):
    """A JSON API answering a list of job records, optionally paginated.

    Set ``records_path`` to the dotted key holding the record list (``"jobs"``,
    ``"data"``), or leave it None when the body is the list itself. Override
    ``next_page_url`` to paginate.
    """

    records_path: ClassVar[str | None] = None

    def __init__(self, *args: Any, max_pages: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: ``-a max_pages=N``: follow at most N pages per start URL (None: all).
        self.max_pages = int(max_pages) if max_pages else None

    def load_json(self, response: Response) -> Any:
        try:
            return json.loads(self.decoded_body(response))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponse(f"invalid JSON ({exc})") from exc

    def read_json(self, response: Response) -> Any:
        """For extra callbacks (thread, index pages): the JSON body, or None when unreadable (counted)."""
        try:
            return self.load_json(response)
        except BadResponse as exc:
            self.bad_response(response, str(exc)[:200])
            return None

    def iter_records(self, response: Response) -> Iterable[Any]:
        data = self.load_json(response)
        response.meta["payload"] = data
        records = dig(data, self.records_path)
        if not isinstance(records, list):
            raise ShapeChanged(f"no record list at {self.records_path or 'top level'!r}")
        return records

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        return None

    def page_budget(self) -> int | None:
        """Pages per start URL: ``-a max_pages=N``, else the ``MAX_PAGES`` setting (a spider's
        custom_settings; 0: no budget)."""
        return self.max_pages or (self.settings.getint("MAX_PAGES", 0) if hasattr(self, "settings") else 0) or None

    def next_requests(self, response: Response) -> Iterable[Request]:
        page = int(response.meta.get("page") or 1)
        url = self.next_page_url(response, response.meta.get("payload"))
        budget = self.page_budget()
        if url and budget and page >= budget:
            # later pages exist but are not read: this run did not see the whole platform
            self.logger.info("page budget of %d pages reached at %s", budget, response.url)
            self.inc_stat("jobs/page_budget_reached")
            self.budget_reached = budget
            return
        if url:
            meta = {**self.carry_meta(response), "page": page + 1}
            yield response.follow(url, callback=self.parse, errback=self.on_error, meta=meta)

    def carry_meta(self, response: Response) -> dict[str, Any]:
        """Request meta a follow-up page inherits (the board: ATS slug, feed)."""
        board = self.board_of(response)
        return {"board": board} if board else {}


class RssSpider(JobSpider):
    """An RSS 2.0 feed; each ``<item>`` becomes a dict of child tag -> text.

    Repeated tags (``category``) keep their first value under the tag name and
    all values under ``<tag>__all``. Namespaced tags keep their local name.
    """

    def iter_records(self, response: Response) -> Iterable[dict[str, Any]]:
        body = self.decoded_body(response).strip()
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
    def channel_title(response: Response) -> str | None:
        """The feed's ``<channel><title>`` (often the company on an ATS feed), read once per response."""
        if "channel_title" not in response.meta:
            selector = Selector(body=response.body, type="xml")
            response.meta["channel_title"] = unescape(selector.xpath("/rss/channel/title/text()").get())
        return response.meta["channel_title"]  # type: ignore[no-any-return]

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


class WordPressJobFeedSpider(RssSpider):
    """A WordPress site running WP Job Manager: ``<site>/?feed=job_feed``, an RSS feed whose items
    add ``job_listing:location``, ``job_type``, ``job_category`` and ``company`` elements, the full
    description in ``content:encoded`` and (on most sites) the WordPress ``post-id``.

    A site spider sets ``start_urls``, ``remote`` (True for a remote-only board) and
    ``type_and_category_swapped`` for sites that fill the two fields the other way round. The
    mapping is shared: ``post-id`` (else the guid) is the id, ``job_category`` (split on commas)
    the tags. The feed has the newest jobs only (WordPress' "syndication feeds show" setting).
    """

    remote: ClassVar[bool | None] = None
    type_and_category_swapped: ClassVar[bool] = False

    def parse_job(self, record: dict[str, Any], response: Response) -> JobPosting | None:
        kind, category = record.get("job_type"), record.get("job_category")
        if self.type_and_category_swapped:
            kind, category = category, kind
        return JobPosting(
            source_id=text_or_none(record.get("post-id")) or text_or_none(record.get("guid")),
            url=text_or_none(record.get("link")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company")),
            location_raw=unescape(record.get("location")),
            remote=self.remote,
            employment_type=unescape(kind),
            tags=as_list(unescape(category)),
            description_html=record.get("encoded") or record.get("description"),
            posted_at_raw=text_or_none(record.get("pubDate")),
        )


def text_to_html(text: Any) -> str | None:
    """Plain text or light Markdown (a blank line between paragraphs) as escaped HTML paragraphs."""
    body = text_or_none(text)
    if body is None:
        return None
    paragraphs = (part.strip() for part in re.split(r"\n\s*\n", body))
    return "".join(f"<p>{html.escape(part)}</p>".replace("\n", "<br>") for part in paragraphs if part)


class AtsDetailSpider:
    """Mixin for an ATS whose job list carries no description: each listed job's detail
    (``detail_url(record, response)``, None to skip) is fetched and ``merge_detail(listed, data)``
    mapped instead. A detail that fails (404, network, unreadable) never loses the job: the listed
    record alone is mapped and ``jobs/detail_missing`` counted. Put it before the base class."""

    def detail_url(self, record: Any, response: Response) -> str | None:
        return None

    def merge_detail(self, listed: Any, detail: Any) -> Any:
        return {**listed, **detail} if isinstance(detail, dict) else listed

    def map_record(self, record: Any, response: Response) -> Iterator[Any]:
        url = self.detail_url(record, response)
        if not url:
            yield from super().map_record(record, response)  # type: ignore[misc]
            return
        yield response.follow(
            url, callback=self.parse_detail, errback=self.detail_failed, cb_kwargs={"listed": record},
            meta=self.carry_meta(response),  # type: ignore[attr-defined]
        )  # fmt: skip

    def parse_detail(self, response: Response, listed: Any) -> Iterator[Any]:
        data = self.read_json(response)  # type: ignore[attr-defined]
        if data is None:
            self.inc_stat("jobs/detail_missing")  # type: ignore[attr-defined]
        yield from super().map_record(self.merge_detail(listed, data), response)  # type: ignore[misc]

    def detail_failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        self.inc_stat("jobs/detail_missing")  # type: ignore[attr-defined]
        listed = Response(url=request.url, request=request)  # the list's record, mapped without its detail
        yield from super().map_record(request.cb_kwargs["listed"], listed)  # type: ignore[misc]


#: The five entities XML itself defines; every other named entity is HTML's.
XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def resolve_html_entities(body: bytes) -> bytes:
    """Feeds that use HTML entities (``&rsquo;``) are not well-formed XML: write them as numeric
    character references (``&#8217;``) so that an XML parser keeps the character instead of
    dropping it. Unknown names are left alone (the parser then reports them)."""

    def numeric(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode("ascii")
        char = html.unescape(f"&{name};")
        if name in XML_ENTITIES or char == f"&{name};":
            return match.group(0)
        return "".join(f"&#{ord(c)};" for c in char).encode("ascii")

    return re.sub(rb"&([A-Za-z][A-Za-z0-9]{1,31});", numeric, body)


def jsonable(value: Any) -> Any:
    """Make a record safe to store as JSON (parsel selectors, sets, bytes...)."""
    return json_and_text(value)[0]


def json_and_text(value: Any) -> tuple[Any, str]:
    """A record safe to store as JSON (parsel selectors, sets, bytes... as text), and its
    ``json.dumps``: the check that it is JSON writes the text the pipelines need anyway."""
    try:
        return value, json.dumps(value)
    except (TypeError, ValueError):
        safe = json.loads(json.dumps(value, default=str))
        return safe, json.dumps(safe)


def read_list_file(path: str | Path) -> list[str]:
    """One entry per line; blank lines and ``#`` comments (whole-line or trailing) ignored."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def http_status(failure: Any) -> int | None:
    """The HTTP status behind an errback failure (HttpError), or None for network errors."""
    response = getattr(getattr(failure, "value", None), "response", None)
    return getattr(response, "status", None)


class ListArgSpider(JobSpider):
    """A spider fed a list of targets: ``-a <arg>=a,b,c``, ``-a <arg>_file=PATH`` or, by
    default, ``BOARDS_DIR/<spider>.txt`` (setting ``BOARDS_DIR``; unset, a replayed cassette's
    own ``boards/<spider>.txt`` if it has one, else ``data/boards``).

    A target that answers 404 (a company left the platform, a job page was taken down) is
    logged and counted in ``jobs/<list_arg>_not_found``; it is not a request error.
    """

    #: Name of the spider argument holding the list ("boards", "urls").
    list_arg: ClassVar[str] = "boards"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.list_value: str | None = kwargs.pop(self.list_arg, None)
        self.list_file: str | None = kwargs.pop(f"{self.list_arg}_file", None)
        super().__init__(*args, **kwargs)
        #: boards that answered 404: the platform says they no longer exist
        self.gone_boards: set[str] = set()
        #: distributed mode (``REDIS_URL``): the shared board queue and the boards this worker claimed
        self.board_queue: BoardQueue | None = None
        self.claimed_boards: list[str] | None = None

    @property
    def distributed(self) -> bool:
        return bool(self.settings.get("REDIS_URL"))

    def target_stream(self) -> Iterable[str]:
        """What ``start()`` requests: the target list or, in distributed mode, boards claimed
        one at a time from the shared Redis queue (so that every worker gets a share)."""
        return self._claim_boards() if self.distributed else self.targets()

    def _claim_boards(self) -> Iterator[str]:
        queue = self.shared_board_queue()
        requeued = queue.requeue_abandoned()
        if requeued:
            self.logger.warning("requeued %d boards of workers that stopped: %s", len(requeued), requeued[:10])
        self.claimed_boards = []
        for board in queue.claims(worker_id()):
            self.claimed_boards.append(board)
            yield board

    def shared_board_queue(self) -> BoardQueue:
        if self.board_queue is None:
            self.board_queue = BoardQueue(connect(self.settings["REDIS_URL"]), self.name)
        return self.board_queue

    def board_finished(self, request_or_response: Any) -> None:
        board = self.board_of(request_or_response)
        if board and self.distributed:
            self.shared_board_queue().ack(board)

    def crawl_scope(self) -> CrawlScope:
        """The boards (or URLs) this run crawled, and which of them answered with records; a run
        narrowed by a filter instead of a board list (a search) covers no board list."""
        if self.scope_filters() and not self.list_value and not self.list_file:
            return CrawlScope(self.name, filters=self.scope_filters())
        boards = tuple(dict.fromkeys(self.scope_boards()))
        return CrawlScope(
            self.name,
            boards=boards,
            answered=self.answered_boards(boards),
            gone=tuple(b for b in boards if b in self.gone_boards),
            filters=self.scope_filters(),
        )

    def scope_boards(self) -> list[str]:
        return self.targets()

    def targets(self) -> list[str]:
        if self.claimed_boards is not None:
            return list(self.claimed_boards)
        if self.list_value:
            return [part.strip() for part in self.list_value.split(",") if part.strip()]
        path = self.list_file or self.boards_dir() / f"{self.name}.txt"
        if not Path(path).is_file():
            self.logger.warning("no %s given and no list file %s: nothing to crawl", self.list_arg, path)
            return []
        return read_list_file(path)

    def boards_dir(self) -> Path:
        """``BOARDS_DIR`` if set; else a replayed cassette's own ``boards/`` folder; else ``data/boards``."""
        if self.settings.get("BOARDS_DIR"):
            return Path(self.settings["BOARDS_DIR"])
        for folder in str(self.settings.get("REPLAY_DIR") or "").split(os.pathsep):
            if folder.strip() and (Path(folder) / "boards" / f"{self.name}.txt").is_file():
                return Path(folder) / "boards"
        return Path("data/boards")

    #: An unknown board answers a redirect to the platform's home page rather than 404 (Personio).
    offsite_redirect_means_not_found: ClassVar[bool] = False

    def on_error(self, failure: Any) -> None:
        not_found = http_status(failure) == 404 or (
            self.offsite_redirect_means_not_found and failure.check(OffsiteRedirect) is not None
        )
        if not_found and int(failure.request.meta.get("page") or 1) == 1:
            request = failure.request
            self.logger.warning("%s not found (404): %s", self.list_arg, request.url)
            self.inc_stat(f"jobs/{self.list_arg}_not_found")
            board = self.board_of(request)
            if board:
                self.gone_boards.add(board)
            self.board_finished(request)
            return
        super().on_error(failure)


class AtsBoardSpider(ListArgSpider, JsonApiSpider):
    """One public job-board API per company on an applicant-tracking system.

    Set ``board_url`` with a ``{board}`` placeholder; the base requests it for every board
    slug (see :class:`ListArgSpider`), remembers the slug in ``response.meta["board"]``
    (``self.board(response)`` in ``parse_job``) and fills ``company`` with the slug when
    the payload names no company.
    """

    board_url: ClassVar[str] = ""
    #: A board is one company's own applicant tracking system.
    own_ats = True
    #: What a board slug may look like; anything else (``../x``, ``a?b``, ``a#b``) is refused,
    #: counted (``jobs/boards_invalid``) and makes the run partial.
    board_pattern: ClassVar[re.Pattern[str]] = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

    async def start(self) -> AsyncIterator[Any]:
        for board in self.target_stream():
            if not self.board_pattern.fullmatch(board) or ".." in board:
                self.logger.error("invalid %s slug %r: not crawled", self.list_arg, board)
                self.inc_stat("jobs/boards_invalid")
                self.inc_stat("jobs/request_errors")
                self.failed_boards.add(board)
                if self.distributed:  # nothing to crawl: done
                    self.shared_board_queue().ack(board)
                continue
            url = self.url_for(board)
            # distributed: a requeued board must not be skipped by the shared duplicate filter
            meta = {"board": board}
            yield scrapy.Request(
                url, callback=self.parse, errback=self.on_error, meta=meta, dont_filter=self.distributed
            )

    @staticmethod
    def board(response: Response) -> str:
        return str(response.meta.get("board") or "")

    def map_record(self, record: Any, response: Response) -> Iterator[Any]:
        for item in super().map_record(record, response):
            if isinstance(item, JobPosting) and not item.get("company"):
                item["company"] = self.board(response) or None
            yield item

    def carry_meta(self, response: Response) -> dict[str, Any]:
        return {"board": self.board(response)}

    # -- discovered boards (db/boards.py) ------------------------------------------
    def __init__(self, *args: Any, discovered: str | bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: ``-a discovered=0``: only the list file, not the boards found in stored postings.
        self.use_discovered = str(discovered).lower() not in {"0", "false", "no", ""}
        self.boards_not_found: list[str] = []

    def url_for(self, board: str) -> str:
        """The API URL of one board, the slug URL-encoded (override when a board is more than a slug
        in ``board_url``)."""
        return self.board_url.format(board=quote(board, safe=""))

    def targets(self) -> list[str]:
        """``-a boards``/``-a boards_file``: exactly those. Default: the list file (``BOARDS_DIR``)
        plus the active boards of this ATS in the ``boards`` table of ``JOBS_DB`` (read-only;
        none when the database does not exist), each board once whatever its case."""
        listed = super().targets()
        if self.claimed_boards is not None:  # distributed mode: the boards claimed from the queue
            return listed
        if self.list_value or self.list_file or not self.use_discovered:
            return listed
        found = active_boards(self.settings.get("JOBS_DB") or "data/jobs.db", self.name)
        seen = {board.lower() for board in listed}
        extra = [board for board in found if board.lower() not in seen]
        self.set_stat("boards/listed", len(listed))
        self.set_stat("boards/discovered", len(extra))
        self.set_stat("boards/crawled_all_active", True)  # lets board health reset the 404 counts
        return listed + extra

    def set_stat(self, key: str, value: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)

    def on_error(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        if request is not None and http_status(failure) == 404 and int(request.meta.get("page") or 1) == 1:
            self.boards_not_found.append(str(request.meta.get("board") or ""))
            self.set_stat("boards/not_found", sorted(set(filter(None, self.boards_not_found))))
        super().on_error(failure)


class AtsPostSpider(AtsBoardSpider):
    """An ATS whose board API answers a JSON POST (Workday, Workable v3).

    ``post_body(board)`` is the first page's JSON body (``None``: a plain GET, for a spider with
    a GET mode as well); ``next_post_body(response, payload, body)`` the next page's body, or
    ``None`` at the end (``-a max_pages=N`` applies). Bodies are serialised as Scrapy's
    ``JsonRequest`` does: ``json.dumps(sort_keys=True)`` with the default ``", "``/``": "``
    separators, i.e. what Python clients send and what a cassette's ``request_body`` records.
    """

    def post_body(self, board: str) -> dict[str, Any] | None:
        return {}

    def next_post_body(self, response: Response, payload: Any, body: dict[str, Any]) -> dict[str, Any] | None:
        return None

    async def start(self) -> AsyncIterator[Any]:
        for board in self.target_stream():
            request = self.board_request(self.url_for(board), self.post_body(board), {"board": board})
            yield request.replace(dont_filter=True) if self.distributed else request

    def board_request(self, url: str, body: dict[str, Any] | None, meta: dict[str, Any]) -> Request:
        if body is None:
            return scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta)
        meta = {**meta, "post_body": body}
        return JsonRequest(url, data=body, callback=self.parse, errback=self.on_error, meta=meta)

    def next_requests(self, response: Response) -> Iterable[Request]:
        body = response.meta.get("post_body")
        if body is None:
            yield from super().next_requests(response)
            return
        page = int(response.meta.get("page") or 1)
        if self.max_pages and page >= self.max_pages:
            return
        following = self.next_post_body(response, response.meta.get("payload"), body)
        if following is not None:
            yield self.board_request(response.url, following, {**self.carry_meta(response), "page": page + 1})


def jsonld_objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON-LD document, through lists and ``@graph``."""
    if isinstance(data, list):
        for element in data:
            yield from jsonld_objects(element)
    elif isinstance(data, dict):
        yield data
        yield from jsonld_objects(data.get("@graph"))


def is_type(obj: dict[str, Any], wanted: str) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(str(k).rsplit("/", 1)[-1] == wanted for k in kinds if k)


def jsonld_places(record: dict[str, Any]) -> list[str]:
    """A JobPosting's applicantLocationRequirements names, then its jobLocation addresses."""
    names = [_ld_name(req) for req in _ld_objects(record.get("applicantLocationRequirements"))]
    for place in _ld_objects(record.get("jobLocation")):
        address = place.get("address")
        if isinstance(address, dict):
            keys = ("addressLocality", "addressRegion", "addressCountry")
            names.append(", ".join(dict.fromkeys(as_list([_ld_name(address.get(k)) for k in keys]))))
        elif address:
            names.append(str(address))
    return list(dict.fromkeys(unescape(n) or "" for n in names if n))


def _ld_objects(value: Any) -> list[dict[str, Any]]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


def _ld_name(value: Any) -> Any:
    return value.get("name") if isinstance(value, dict) else value


class JsonLdSpider(ListArgSpider):
    """HTML pages carrying schema.org ``JobPosting`` JSON-LD (career sites, job pages).

    Pages come from ``-a urls=u1,u2``, ``-a urls_file=PATH`` (default
    ``BOARDS_DIR/<spider>.txt``) or ``-a sitemap=URL`` (a sitemap or sitemap index; only
    ``<loc>`` URLs matching ``-a sitemap_match=REGEX`` are followed, default all). Each
    JobPosting object is one record; the page URL is ``response.url``. A page without one
    is counted in ``jobs/pages_without_jobposting``.
    """

    list_arg = "urls"

    def __init__(self, *args: Any, sitemap: str | None = None, sitemap_match: str = "", **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.sitemap = sitemap
        self.sitemap_match = re.compile(sitemap_match)

    async def start(self) -> AsyncIterator[Any]:
        # each page URL is a board of its own; a sitemap is one board for every page it lists
        if self.sitemap:
            meta = {"board": self.sitemap}
            yield scrapy.Request(self.sitemap, callback=self.parse_sitemap, errback=self.on_error, meta=meta)
            return
        for url in self.target_stream():
            meta = {"board": url}
            yield scrapy.Request(
                url, callback=self.parse, errback=self.on_error, meta=meta, dont_filter=self.distributed
            )

    def scope_boards(self) -> list[str]:
        return [self.sitemap] if self.sitemap else self.targets()

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        selector = Selector(body=response.body, type="xml")
        selector.remove_namespaces()
        meta = {"board": self.board_of(response)}
        for loc in selector.xpath("/sitemapindex/sitemap/loc/text()").getall():
            yield response.follow(loc.strip(), callback=self.parse_sitemap, errback=self.on_error, meta=meta)
        for loc in selector.xpath("/urlset/url/loc/text()").getall():
            if self.sitemap_match.search(loc):
                yield response.follow(loc.strip(), callback=self.parse, errback=self.on_error, meta=meta)

    def iter_records(self, response: Response) -> Iterable[Any]:
        if not isinstance(response, scrapy.http.TextResponse):
            raise BadResponse("not an HTML page")
        records = []
        for script in response.xpath('//script[contains(@type, "ld+json")]/text()').getall():
            try:
                data = json.loads(script, strict=False)
            except ValueError:
                self.logger.warning("invalid JSON-LD block on %s", response.url)
                self.inc_stat("jobs/bad_jsonld")
                continue
            records.extend(obj for obj in jsonld_objects(data) if is_type(obj, "JobPosting"))
        if not records:
            self.inc_stat("jobs/pages_without_jobposting")
        return records


def number_or_none(value: Any) -> float | int | None:
    """A positive amount, or None for missing/zero/garbage ("0 means not stated")."""
    try:
        amount = float(str(value).replace(",", "")) if value not in (None, "", False) else 0.0
    except ValueError:
        return None
    if amount <= 0:
        return None
    return int(amount) if amount.is_integer() else amount


def salary_fields(low: Any, high: Any, currency: Any, period: Any, raw: str | None = None) -> dict[str, Any]:
    """Structured salary item fields plus a ``salary_raw`` rendering ("150000-300000 USD/year")."""
    low, high = number_or_none(low), number_or_none(high)
    if low is None and high is None:
        return {"salary_raw": raw}
    unit = period_of(str(period)) if period else None  # one table of period words: data/salary.yaml
    cur = text_or_none(currency)
    cur = cur.upper() if cur else None
    amounts = f"{low}-{high}" if low is not None and high is not None and low != high else f"{low or high}"
    text = " ".join(filter(None, [amounts, cur])) + (f"/{unit}" if unit else "")
    return {
        "salary_min": low, "salary_max": high, "salary_currency": cur, "salary_period": unit,
        "salary_raw": raw or text,
    }  # fmt: skip

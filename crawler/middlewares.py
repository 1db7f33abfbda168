"""Downloader middlewares: replay and record (cassette format: ../shared/spec/replay.md),
redirect guard, Retry-After.

``REPLAY_DIR=<folder>[:<folder>...]`` answers every request from recorded
responses and never lets one reach the network; ``RECORD_DIR=<folder>`` writes
every response a live crawl receives into a cassette that replays it.
``RedirectGuardMiddleware`` makes a redirect loop or a redirect off the platform's site an
error (Scrapy's duplicate filter would drop the looping request silently and the run would
look clean). ``RetryAfterMiddleware`` is Scrapy's retry that waits what a 429/503 asks in
``Retry-After``, up to ``RETRY_AFTER_MAX`` seconds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_to_future
from twisted.internet.task import deferLater
from w3lib.url import canonicalize_url

logger = logging.getLogger(__name__)


def match_key(method: str, url: str) -> tuple[str, str]:
    """The key two exchanges must share to match: method and canonical URL."""
    return method.upper(), canonicalize_url(url)


@dataclass
class Exchange:
    """One recorded request/response pair of a cassette."""

    method: str
    url: str
    status: int
    headers: dict[str, Any]
    body_path: Path
    request_body: str | None = None


@dataclass
class Cassette:
    """The exchanges of one or more cassette folders, earlier folders first."""

    exchanges: dict[tuple[str, str], list[Exchange]] = field(default_factory=dict)

    @classmethod
    def load(cls, folders: list[Path]) -> Cassette:
        cassette = cls()
        for folder in folders:
            index = folder / "index.jsonl"
            if not index.is_file():
                raise NotConfigured(f"REPLAY_DIR: no index.jsonl in {folder}")
            stat = index.stat()
            for key, exchange in _read_index(index, stat.st_mtime_ns, stat.st_size):
                cassette.exchanges.setdefault(key, []).append(exchange)
        return cassette

    def find(self, request: Request) -> Exchange | None:
        body = request.body.decode("utf-8", errors="replace") if request.body else ""
        for exchange in self.exchanges.get(match_key(request.method, request.url), []):
            if exchange.request_body is None or exchange.request_body == body:
                return exchange
        return None

    def __len__(self) -> int:
        return sum(len(v) for v in self.exchanges.values())


@functools.lru_cache(maxsize=256)
def _read_index(index: Path, mtime_ns: int, size: int) -> tuple[tuple[tuple[str, str], Exchange], ...]:
    """A cassette index's exchanges with their match keys, read once per process while the file
    stays as it is (``crawlall`` replays every cassette folder for each of its spiders)."""
    folder, read = index.parent, []
    for lineno, line in enumerate(index.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            entry = json.loads(line)
            exchange = Exchange(
                method=str(entry.get("method") or "GET").upper(),
                url=entry["url"],
                status=int(entry.get("status") or 200),
                headers=dict(entry.get("headers") or {}),
                body_path=folder / entry["body"],
                request_body=entry.get("request_body"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise NotConfigured(f"{index}:{lineno}: not a cassette line ({exc})") from exc
        read.append((match_key(exchange.method, exchange.url), exchange))
    return tuple(read)


def split_dirs(value: str) -> list[Path]:
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


class ReplayMiddleware:
    """Answers requests from cassettes; unrecorded requests get a 404, never the network."""

    def __init__(self, crawler: Crawler, folders: list[Path]) -> None:
        self.crawler = crawler
        self.cassette = Cassette.load(folders)
        logger.info("Replaying %d recorded exchanges from %s", len(self.cassette), ", ".join(map(str, folders)))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        value = crawler.settings.get("REPLAY_DIR") or ""
        if not value:
            raise NotConfigured  # replay off: no message, so Scrapy logs no warning
        return cls(crawler, split_dirs(value))

    def process_request(self, request: Request) -> Response:
        stats = self.crawler.stats
        assert stats is not None
        exchange = self.cassette.find(request)
        if exchange is None:
            logger.warning("replay: no recording for %s %s: answering 404", request.method, request.url)
            stats.inc_value("replay/missing")
            return Response(url=request.url, status=404, request=request, flags=["replay-missing"])
        stats.inc_value("replay/hit")
        body = exchange.body_path.read_bytes()
        headers = Headers(exchange.headers)
        cls = responsetypes.from_args(headers=headers, url=exchange.url, body=body)
        return cls(
            url=request.url,
            status=exchange.status,
            headers=headers,
            body=body,
            request=request,
            flags=["replay"],
        )


class RecordMiddleware:
    """Writes every received response into a cassette folder (appending to index.jsonl)."""

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        logger.info("Recording responses into %s", folder)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        value = crawler.settings.get("RECORD_DIR") or ""
        if not value:
            raise NotConfigured  # recording off
        middleware = cls(crawler, Path(value))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def body_name(self, request: Request, response: Response) -> str:
        parts = urlsplit(response.url)
        stem = Path(parts.path).name or "index"
        suffix = Path(stem).suffix or _suffix_for(response)
        digest = hashlib.sha1(f"{request.method} {response.url} {request.body!r}".encode()).hexdigest()[:12]
        safe_stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(stem).stem)[:60]
        return f"{parts.hostname or 'host'}/{safe_stem}_{digest}{suffix}"

    def process_response(self, request: Request, response: Response) -> Response:
        if "replay" in response.flags:  # never re-record what we replayed
            return response
        name = self.body_name(request, response)
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(response.body)
        entry: dict[str, Any] = {
            "method": request.method,
            "url": response.url,
            "status": response.status,
            "headers": {"Content-Type": (response.headers.get("Content-Type") or b"").decode("latin-1")},
            "body": name,
        }
        if request.body:
            entry["request_body"] = request.body.decode("utf-8", errors="replace")
        with self.lock, (self.folder / "index.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("record/saved")
        return response

    def spider_closed(self) -> None:
        logger.info("Cassette written to %s (replay with -s REPLAY_DIR=%s)", self.folder, self.folder)


def _suffix_for(response: Response) -> str:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    for needle, suffix in (("json", ".json"), ("xml", ".xml"), ("rss", ".xml"), ("html", ".html")):
        if needle in content_type:
            return suffix
    return ".bin"


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL of the same chain: the data never comes."""


class OffsiteRedirect(IgnoreRequest):
    """A redirect to another site (a login page, the platform's home page): not the API's answer."""


def site_of(url: str) -> str:
    """The registered part of a URL's host, roughly: its last two labels (jobs.personio.de -> personio.de)."""
    host = (urlsplit(url).hostname or "").lower()
    return ".".join(host.split(".")[-2:])


class RedirectGuardMiddleware:
    """Redirects of GET requests, before Scrapy's RedirectMiddleware sees them.

    Scrapy's redirect goes through the duplicate filter: with boards A -> B -> A the redirected
    request is dropped without a word and the run looks clean. Here a redirect is followed with
    ``dont_filter`` (bounded by ``REDIRECT_MAX_TIMES``), and a loop (back to a URL of the chain)
    or a move to another site (a login page, the home page) is raised as an error, so the
    request's errback counts it. A spider may allow other sites with ``allowed_redirect_sites``.
    """

    REDIRECTS = (301, 302, 303, 307, 308)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get("Location")
        if response.status not in self.REDIRECTS or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        stats = self.crawler.stats
        if canonicalize_url(target) in {canonicalize_url(u) for u in chain}:
            if stats is not None:
                stats.inc_value("jobs/redirect_loops")
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, target])}")
        allowed = {site_of(chain[0]), *getattr(self.crawler.spider, "allowed_redirect_sites", ())}
        if site_of(target) not in allowed:
            if stats is not None:
                stats.inc_value("jobs/offsite_redirects")
            raise OffsiteRedirect(f"redirected off the site: {chain[0]} -> {target} ({response.status})")
        if request.method not in ("GET", "HEAD"):
            return response  # Scrapy's RedirectMiddleware knows the method rules
        times = int(request.meta.get("redirect_times", 0)) + 1
        if times > self.max_times:
            raise IgnoreRequest(f"more than {self.max_times} redirects: {chain[0]}")
        meta = {**request.meta, "redirect_times": times, "redirect_urls": chain,
                "redirect_reasons": [*request.meta.get("redirect_reasons", []), response.status]}  # fmt: skip
        return request.replace(url=target, meta=meta, dont_filter=True)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, honouring ``Retry-After`` on 429/503: the retry waits what the
    platform asks, but never more than ``RETRY_AFTER_MAX`` seconds (default 120); a longer ask
    is retried without waiting it out (and then given up, counted as a blocked answer)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if response.status in (429, 503) and not request.meta.get("dont_retry"):
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            if delay is not None and 0 < delay <= self.max_wait:
                retries = int(request.meta.get("retry_times", 0))
                if retries < int(request.meta.get("max_retry_times", self.max_retry_times)):
                    logger.info("%s answered %d, Retry-After %.0fs: waiting", request.url, response.status, delay)
                    if self.crawler.stats is not None:
                        self.crawler.stats.inc_value("jobs/retry_after_waits")
                    await _sleep(delay)
            elif delay is not None and delay > self.max_wait:
                logger.warning("%s asks to wait %.0fs (over RETRY_AFTER_MAX %.0fs)", request.url, delay, self.max_wait)
        return super().process_response(request, response)


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor (works with any Twisted reactor)."""
    # imported here: importing twisted.internet.reactor at module level would install the default
    # reactor before Scrapy installs the configured one
    from twisted.internet import reactor

    await deferred_to_future(deferLater(reactor, seconds, lambda: None))

"""A scripted HTTP server on 127.0.0.1 and a download handler that sends the spiders' real URLs to it.

The crawl runs through Scrapy's real download stack (Twisted HTTP client, timeouts, size caps,
decompression, retry and redirect middlewares); only the socket it talks to is local.
``https://remotive.com/api/remote-jobs`` is fetched as ``http://127.0.0.1:<port>/remotive.com/api/remote-jobs``
and the response keeps the real URL. (A downloader middleware that rewrote the URL would have
to re-schedule the request through the duplicate filter and would change ``response.url``;
a download handler swaps only the socket.)

Each path has a script: a list of steps, one per request, the last one repeating. Every wait is
bounded (``MAX_WAIT``) so a test can never hang.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

MAX_WAIT = 10.0


@dataclass
class Step:
    """One scripted answer: ``kind`` is send, close_mid_body, hang or drip."""

    kind: str = "send"
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    seconds: float = 0.0  # hang: how long; drip: pause between chunks
    chunks: int = 1


def send(body: bytes, status: int = 200, content_type: str = "application/json", **headers: str) -> Step:
    return Step("send", status, body, (("Content-Type", content_type), *headers.items()))


def gzipped(body: bytes, content_type: str = "application/json") -> Step:
    return Step("send", 200, gzip.compress(body), (("Content-Type", content_type), ("Content-Encoding", "gzip")))


def redirect(location: str, status: int = 302) -> Step:
    return Step("send", status, b"", (("Location", location),))


class Script:
    def __init__(self) -> None:
        self.paths: dict[str, list[Step]] = {}
        self.hits: dict[str, int] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.lock = threading.Lock()

    def set(self, url: str, *steps: Step) -> None:
        with self.lock:
            self.paths[local_path(url)] = list(steps)

    def next(self, path: str) -> Step:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            steps = self.paths.get(path)
            if not steps:
                return send(b"not recorded", 404, "text/plain")
            return steps.pop(0) if len(steps) > 1 else steps[0]


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"/{parts.hostname}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet test output
            return

        def do_GET(self) -> None:
            script.headers[self.path] = dict(self.headers.items())
            step = script.next(self.path)
            if step.kind == "hang":
                time.sleep(min(step.seconds, MAX_WAIT))
                self.close_connection = True
                return
            self.send_response(step.status)
            for name, value in step.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(step.body)))
            if step.kind == "close_mid_body":
                self.send_header("Connection", "close")
            self.end_headers()
            if step.kind == "close_mid_body":
                self.wfile.write(step.body[: len(step.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            size = max(1, len(step.body) // max(step.chunks, 1))
            for start in range(0, len(step.body), size):
                self.wfile.write(step.body[start : start + size])
                self.wfile.flush()
                if step.kind == "drip":
                    time.sleep(min(step.seconds, MAX_WAIT / max(step.chunks, 1)))

    return Handler


@dataclass
class FaultServer:
    url: str
    script: Script


def serve() -> Iterator[FaultServer]:
    script = Script()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    server.daemon_threads = True
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # a client hanging up
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield FaultServer(f"http://127.0.0.1:{server.server_address[1]}", script)
    finally:
        server.shutdown()
        server.server_close()


class LocalDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, connecting to ``FAULT_SERVER`` instead of the URL's host."""

    async def download_request(self, request: Request) -> Response:
        base = self.crawler.settings["FAULT_SERVER"]
        response = await super().download_request(request.replace(url=base + local_path(request.url)))
        return response.replace(url=request.url)

"""Hacker News "Ask HN: Who is hiring?" (https://news.ycombinator.com), via Algolia's HN API, Firebase as fallback.

Endpoints: ``hacker-news.firebaseio.com/v0/user/whoishiring.json`` (of its 3 newest ``submitted`` stories,
the one titled "Ask HN: Who is hiring?"; ``-a thread=<id>`` picks one), then ``hn.algolia.com/api/v1/items/<id>``:
the whole thread in one request (comments nested in ``children``). If that fails (an error, or no ``children``;
counted in ``hn/algolia_fallback``): Firebase ``/v0/item/<id>.json`` for the thread and each top-level comment
(``kids``, 500+ requests). Rate limits: Firebase none (github.com/HackerNews/API: "There is currently no rate
limit"), Algolia 10,000 requests an hour per IP (hn.algolia.com/api); ``POLITE``. Quirks: one posting per
top-level comment; its header "Company | Role | Location | ..." is read by ``normalize.hn``; a comment with no
job is a reject "not a job posting"; dead/deleted comments are counted (Algolia: a deleted one has no text).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.items import JobPosting
from normalize.hn import parse_comment
from spiders.base import JsonApiSpider, NotAJob

API, ALGOLIA = "https://hacker-news.firebaseio.com/v0/", "https://hn.algolia.com/api/v1/items/"


class HackerNewsSpider(JsonApiSpider):
    name = "hackernews"
    thread: str | None = None  # -a thread=<id>

    async def start(self) -> Any:
        if self.thread:
            yield self.thread_request(self.thread)
        else:
            yield Request(f"{API}user/whoishiring.json", self.parse_user, errback=self.on_error)

    def thread_request(self, story: Any, check: bool = False, firebase: bool = False) -> Request:
        url = f"{API}item/{story}.json" if firebase else f"{ALGOLIA}{story}"
        errback = self.on_error if firebase else self.algolia_failed
        return Request(url, self.parse_thread, errback=errback, cb_kwargs={"check": check}, meta={"story": story})

    def parse_user(self, response: Response) -> Any:
        """whoishiring posts three threads a month: of its 3 newest stories, follow "Who is hiring?"."""
        for story in (self.read_json(response) or {}).get("submitted", [])[:3]:
            yield self.thread_request(story, check=True)

    def algolia_failed(self, failure: Any, request: Request | None = None) -> Iterator[Request]:
        why, request = (failure, request) if request else (failure.getErrorMessage(), failure.request)
        self.logger.info("Algolia answered no usable thread (%s): reading it from Firebase", why)
        self.inc_stat("hn/algolia_fallback")
        yield self.thread_request(request.meta["story"], request.cb_kwargs["check"], firebase=True)

    def parse_thread(self, response: Response, check: bool = False) -> Any:
        thread, algolia = self.read_json(response) or {}, response.url.startswith(ALGOLIA)
        if algolia and not isinstance(thread.get("children"), list):  # not a thread: ask Firebase
            yield from self.algolia_failed("no children in the answer", response.request)
        elif not check or "who is hiring" in str(thread.get("title")).lower():
            if algolia:  # the comments are in the body; replies nested in them are no postings
                yield from self.parse(response, records=[{**c, "children": None} for c in thread["children"]])
            for kid in thread.get("kids") or []:
                yield response.follow(f"{API}item/{kid}.json", self.parse, errback=self.on_error)

    def iter_records(self, response: Response) -> list[Any]:
        return [self.load_json(response)]

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if not record or record.get("dead") or record.get("deleted") or not record.get("text"):
            self.inc_stat("jobs/hn_dead_or_deleted")
            return None
        header, url = parse_comment(record["text"]), f"https://news.ycombinator.com/item?id={record['id']}"
        if not header.is_job:
            self.inc_stat("jobs/hn_not_a_job")
            raise NotAJob("not a job posting", url)
        when = record.get("time") or record.get("created_at_i")  # Firebase, Algolia: Unix seconds
        return JobPosting(source_id=str(record["id"]), url=url, title=header.title, company=header.company,
                          location_raw=header.location, salary_raw=header.salary, tags=list(header.other_roles),
                          description_html=record["text"], posted_at_raw=str(when or "") or None)  # fmt: skip

"""Hacker News "Ask HN: Who is hiring?" (https://news.ycombinator.com), via the Firebase API.

Endpoints: ``https://hacker-news.firebaseio.com/v0/user/whoishiring.json`` (of its 3 newest
``submitted`` stories, the one titled "Ask HN: Who is hiring?" is the latest thread), then
``/v0/item/<id>.json`` for the thread and each top-level comment (``kids``); ``-a thread=<id>`` picks
a thread. Rate limits: none (github.com/HackerNews/API: "There is currently no rate limit");
``POLITE``. Quirks: one posting per top-level comment (by id); its first line "Company | Role |
Location | Remote | Salary" (any order) is read by ``normalize.hn`` (first role = title, others =
tags); a comment with no job (a reply) is a reject "not a job posting"; dead/deleted/null are counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobPosting, RejectedRecord
from normalize.hn import parse_comment
from spiders.base import JsonApiSpider, jsonable

API = "https://hacker-news.firebaseio.com/v0/"
NOT_A_JOB = "not a job posting"


class HackerNewsSpider(JsonApiSpider):
    name = "hackernews"
    thread: str | None = None  # -a thread=<id>

    async def start(self) -> Any:
        if self.thread:
            yield scrapy.Request(f"{API}item/{self.thread}.json", self.parse_thread, errback=self.on_error)
        else:
            yield scrapy.Request(f"{API}user/whoishiring.json", self.parse_user, errback=self.on_error)

    def parse_user(self, response: Response) -> Any:
        """whoishiring posts three threads a month: of its 3 newest stories, follow "Who is hiring?"."""
        for story in (self.read_json(response) or {}).get("submitted", [])[:3]:
            url = f"{API}item/{story}.json"
            yield response.follow(url, self.parse_thread, errback=self.on_error, cb_kwargs={"check": True})

    def parse_thread(self, response: Response, check: bool = False) -> Any:
        thread = self.read_json(response) or {}
        if check and "who is hiring" not in str(thread.get("title")).lower():
            return
        for kid in thread.get("kids") or []:
            yield response.follow(f"{API}item/{kid}.json", self.parse, errback=self.on_error)

    def iter_records(self, response: Response) -> list[Any]:
        return [self.load_json(response)]

    def map_record(self, record: Any, response: Response) -> Iterator[Any]:
        live = bool(record and record.get("text") and not record.get("dead") and not record.get("deleted"))
        if live and not parse_comment(record["text"]).is_job:
            self.inc_stat("jobs/hn_not_a_job")
            url = f"https://news.ycombinator.com/item?id={record.get('id')}"
            yield RejectedRecord(source=self.name, source_id=str(record.get("id")), url=url, reason=NOT_A_JOB,
                                 raw=jsonable(record))  # fmt: skip
            return
        yield from super().map_record(record, response)

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if not record or record.get("dead") or record.get("deleted") or not record.get("text"):
            self.inc_stat("jobs/hn_dead_or_deleted")
            return None
        header = parse_comment(record["text"])
        return JobPosting(
            source_id=str(record["id"]),
            url=f"https://news.ycombinator.com/item?id={record['id']}",
            title=header.title,
            company=header.company,
            location_raw=header.location,
            salary_raw=header.salary,
            tags=list(header.other_roles),
            description_html=record["text"],
            posted_at_raw=str(record.get("time") or "") or None,
        )

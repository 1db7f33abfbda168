"""Hacker News "Ask HN: Who is hiring?" (https://news.ycombinator.com), via the Firebase API.

Endpoints: ``https://hacker-news.firebaseio.com/v0/user/whoishiring.json`` (of its 3
newest ``submitted`` stories, the one titled "Ask HN: Who is hiring?" is the latest
thread), then ``/v0/item/<id>.json`` for the thread and each top-level comment (``kids``);
``-a thread=<id>`` picks a thread. Rate limits: none documented; one request per comment.
Quirks: one posting per top-level comment (keyed by its id); the first line reads by
convention "Company | Location | Remote | Salary | ..." in any order, so fields are told
apart by content (salary by digits/currency, roles by job words, the rest is location);
dead/deleted comments and ``null`` items are skipped and counted (``jobs/hn_dead_or_deleted``).
"""

from __future__ import annotations

import re
from typing import Any

import scrapy
from scrapy.http import Response
from w3lib.html import remove_tags

from crawler.items import JobPosting
from spiders.base import JsonApiSpider, unescape

API = "https://hacker-news.firebaseio.com/v0/"
SALARY = re.compile(r"[$€£¥]\s?\d|\d\s?[kK]\b|\b(?:salary|eur|usd|gbp)\b", re.I)
ROLE = re.compile(r"engineer|develop|design|scientist|manager|analyst|architect|lead\b|head of|director|research|"
                  r"founding|sre\b|devops|programmer|specialist|recruit|\bcto\b|roles?\b|positions", re.I)  # fmt: skip
REMOTE = re.compile(r"(?<!no )(?<!not )\bremote\b", re.I)
NOT_PLACE = re.compile(r"https?://|www\.|^\S+\.[a-z]{2,}(?:/\S*)?$|full[- ]?time|part[- ]?time|contract|"
                       r"\bintern\b|visa|equity|relocation", re.I)  # fmt: skip


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

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if not record or record.get("dead") or record.get("deleted") or not record.get("text"):
            self.inc_stat("jobs/hn_dead_or_deleted")
            return None
        first = unescape(remove_tags(re.split(r"<p>|\n", record["text"], maxsplit=1)[0])) or ""
        fields = [f.strip() for f in first.split("|") if f.strip()] if "|" in first else []
        roles = [f for f in fields[1:] if ROLE.search(f) and not SALARY.search(f)]
        pay = [f for f in fields[1:] if SALARY.search(f) and f not in roles]
        places = [f for f in fields[1:] if f not in roles + pay and not NOT_PLACE.search(f)]
        return JobPosting(
            source_id=str(record["id"]),
            url=f"https://news.ycombinator.com/item?id={record['id']}",
            title=(", ".join(roles) or first)[:300] or None,
            company=fields[0] if fields else None,
            location_raw=" | ".join(places) or None,
            remote=True if REMOTE.search(first) else None,
            salary_raw=" | ".join(pay) or None,
            description_html=record["text"],
            posted_at_raw=str(record.get("time") or "") or None,
        )

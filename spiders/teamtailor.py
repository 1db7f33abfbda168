"""Teamtailor career sites (https://www.teamtailor.com), one site per company.

Endpoint: ``https://<board>.teamtailor.com/jobs.rss`` -- RSS 2.0, one ``<item>`` per published
job with Teamtailor's ``tt:`` namespace (``tt:locations``, ``tt:department``, ``tt:role``) and
``remoteStatus``; no key, no pagination (``?per_page=`` is ignored by small sites). Boards:
``-a boards=...``, ``-a boards_file=PATH`` or ``data/boards/teamtailor.txt``; North-American
sites live on ``<company>.na.teamtailor.com`` (board ``<company>.na``). Rate limits: none published
for the public ``jobs.rss`` (searched Teamtailor's docs); one request per company, ``POLITE``: 1 s
apart, one at a time. Quirks: the description is HTML escaped inside the XML; the job id is the
number in the link (``/jobs/8323453-title``), the guid a uuid; ``remoteStatus`` is
none/hybrid/temporary/fully; the channel title is the company name.
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, RssSpider, as_list, text_or_none, unescape

PLACE = ("name", "city", "country")
REMOTE = {"fully": True, "hybrid": False, "none": False}


class TeamtailorSpider(RssSpider, AtsBoardSpider):
    name = "teamtailor"
    board_url = "https://{board}.teamtailor.com/jobs.rss"

    @staticmethod
    def item_to_dict(node: Selector) -> dict[str, Any]:
        record = RssSpider.item_to_dict(node)
        places = (
            [place.xpath(f"string({key})").get() for key in PLACE] for place in node.xpath("./locations/location")
        )
        record["locations"] = [", ".join(dict.fromkeys(as_list(parts))) for parts in places]
        return record

    def parse_job(self, record: dict[str, Any], response: Response) -> JobPosting | None:
        link = text_or_none(record.get("link")) or ""
        job_id = re.search(r"/jobs/(\d+)", link)
        return JobPosting(
            source_id=job_id.group(1) if job_id else text_or_none(record.get("guid")),
            url=link or None,
            title=unescape(record.get("title")),
            company=self.channel_title(response),
            location_raw="; ".join(record["locations"]) or None,
            remote=REMOTE.get(str(record.get("remoteStatus"))),
            tags=as_list([record.get("department"), record.get("role")]),
            description_html=record.get("description"),
            posted_at_raw=text_or_none(record.get("pubDate")),
        )

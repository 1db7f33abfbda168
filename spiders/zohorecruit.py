"""Zoho Recruit career sites (https://www.zoho.com/recruit), one site per company.

Endpoint: ``https://<board>.zohorecruit.com/jobs/Careers/rss`` -- RSS 2.0, one ``<item>`` per
published job opening, no key, no pagination. Boards: ``-a boards=...``, ``-a boards_file=PATH``
or ``data/boards/zohorecruit.txt``; unknown sites answer 404 (counted). Rate limits: none published
for the careers RSS (searched Zoho Recruit's docs); one request per company, ``POLITE``: 1 s apart,
one at a time. Quirks: the description starts with "Category: ... <br><br>Location: ...
<br><br><br>" before the job's own HTML (read into tags and location, then cut off), which can be a
whole HTML document with inline styles; the guid is Zoho's numeric job id; the channel title is
"<Company> - Careers"; the copyright element holds a literal ``![CDATA[...]]``.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, RssSpider, as_list, text_or_none, unescape

HEADER = re.compile(r"^\s*Category:(?P<category>.*?)<br>\s*<br>\s*Location:(?P<location>.*?)(?:<br>\s*)+", re.S)


class ZohoRecruitSpider(RssSpider, AtsBoardSpider):
    name = "zohorecruit"
    board_url = "https://{board}.zohorecruit.com/jobs/Careers/rss"

    def parse_job(self, record: dict[str, Any], response: Response) -> JobPosting | None:
        description = record.get("description") or ""
        header = HEADER.match(description)
        company = (self.channel_title(response) or "").removesuffix(" - Careers")
        return JobPosting(
            source_id=text_or_none(record.get("guid")),
            url=text_or_none(record.get("link")),
            title=unescape(record.get("title")),
            company=company or None,
            location_raw=unescape(header.group("location")) if header else None,
            tags=as_list(unescape(header.group("category"))) if header else [],
            description_html=description[header.end() :] if header else description or None,
            posted_at_raw=text_or_none(record.get("pubDate")),
        )

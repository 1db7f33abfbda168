"""NoDesk (https://nodesk.co), remote jobs.

Endpoint: ``https://nodesk.co/remote-jobs/index.xml`` -- RSS 2.0 (a Hugo site's feed), the
newest jobs, no pagination. Rate limits: none published (searched nodesk.co); a static file, one
request a run, a day apart is plenty. Quirks: **not well-formed XML**: descriptions use HTML
entities (``&rsquo;``) that XML does not define, so they are rewritten as numeric references before
parsing (an XML parser would drop them or stop); there is no company element -- titles read "Role at
Company" (split at the last " at "); no location element; the description is plain text with line
breaks; the guid is the job page URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import RssSpider, resolve_html_entities, text_or_none, text_to_html, unescape


class NoDeskSpider(RssSpider):
    name = "nodesk"
    start_urls = ["https://nodesk.co/remote-jobs/index.xml"]

    def iter_records(self, response: Response) -> Iterable[dict[str, Any]]:
        return super().iter_records(response.replace(body=resolve_html_entities(response.body)))

    def parse_job(self, record: dict[str, Any], response: Response) -> JobPosting | None:
        title, at, company = (unescape(record.get("title")) or "").rpartition(" at ")
        if not at:  # no " at Company"
            title, company = company, ""
        return JobPosting(
            source_id=text_or_none(record.get("guid")) or text_or_none(record.get("link")),
            url=text_or_none(record.get("link")),
            title=title.strip() or None,
            company=company.strip() or None,
            remote=True,
            description_html=text_to_html(record.get("description")),
            posted_at_raw=text_or_none(record.get("pubDate")),
        )

"""Working Nomads (https://www.workingnomads.com), curated remote jobs.

Endpoint: ``https://www.workingnomads.com/api/exposed_jobs/`` -- a bare JSON array
of the current jobs, no pagination. Rate limits: none published (searched workingnomads.com); one
request a run, a day apart is plenty. Quirks: there is no job id, so the posting URL
(``/job/go/<n>/``) is the key; ``tags`` is one comma-separated string; ``location`` is free text
("Japan - Remote", "Global").
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import JsonApiSpider, as_list, text_or_none, unescape


class WorkingNomadsSpider(JsonApiSpider):
    name = "workingnomads"
    start_urls = ["https://www.workingnomads.com/api/exposed_jobs/"]

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        return JobPosting(
            source_id=text_or_none(record.get("url")),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company_name")),
            location_raw=unescape(record.get("location")),
            remote=True,
            tags=[*as_list(record.get("category_name")), *as_list(record.get("tags"))],
            description_html=record.get("description"),
            posted_at_raw=text_or_none(record.get("pub_date")),
        )

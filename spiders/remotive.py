"""Remotive (https://remotive.com).

Endpoint: ``https://remotive.com/api/remote-jobs`` (optionally ``?category=``);
one JSON object with a ``jobs`` array, no pagination. ``-a category=software-dev``
limits the crawl to one category. Rate limits (remotive.com/api-documentation): about
4 calls a day, more than 2 a minute are blocked, attribution asked; hence one run per 6 h
(``min_interval_hours``) and 30 s between requests. Jobs appear with a 24-hour delay.
Quirks: salary is free text (``"$36k"``, ``"80-100k EUR"``);
``candidate_required_location`` is the applicant location requirement.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import POLITE, JsonApiSpider, as_list, text_or_none, unescape


class RemotiveSpider(JsonApiSpider):
    name = "remotive"
    start_urls = ["https://remotive.com/api/remote-jobs"]
    records_path = "jobs"
    # Remotive's API page: about 4 calls a day, more than 2 a minute are blocked
    min_interval_hours = 6
    custom_settings = {**POLITE, "DOWNLOAD_DELAY": 30, "AUTOTHROTTLE_START_DELAY": 30}

    def __init__(self, *args: Any, category: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if category:
            self.start_urls = [f"{self.start_urls[0]}?{urlencode({'category': category})}"]

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company_name")),
            location_raw=unescape(record.get("candidate_required_location")),
            remote=True,
            employment_type=text_or_none(record.get("job_type")),
            tags=[*as_list(record.get("category")), *as_list(record.get("tags"))],
            description_html=record.get("description"),
            salary_raw=unescape(record.get("salary")),
            posted_at_raw=text_or_none(record.get("publication_date")),
        )

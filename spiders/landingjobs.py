"""Landing.jobs (https://landing.jobs), tech jobs in Europe (Portugal first), some remote.

Endpoint: ``https://landing.jobs/api/v1/jobs`` -- a bare JSON list of published jobs with their
full text, no key (``?limit=``/``offset=`` page it; the default page is taken). Rate limits: none
published (searched Landing.jobs' API docs); one request a run, a day apart is plenty. Quirks: no
company field -- the company is the slug in the job URL (``/at/<company>/<job>``); the text is split
into ``role_description``, ``main_requirements``, ``nice_to_have`` and ``perks``;
``gross_salary_low``/``high`` with ``currency_code`` are gross yearly amounts; ``remote`` is a
boolean; ``locations`` carry a city and an ISO country code; ``expires_at`` is the closing date.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import JsonApiSpider, as_list, salary_fields, text_or_none, unescape

SECTIONS = {"role_description": "", "main_requirements": "Requirements", "nice_to_have": "Nice to have",
            "perks": "Perks"}  # fmt: skip


class LandingJobsSpider(JsonApiSpider):
    name = "landingjobs"
    start_urls = ["https://landing.jobs/api/v1/jobs"]

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        company = re.search(r"/at/([^/]+)/", str(record.get("url")))
        places = [", ".join(as_list([p.get("city"), p.get("country_code")])) for p in record.get("locations") or []]
        text = "".join(
            (f"<h3>{head}</h3>" if head else "") + record[key] for key, head in SECTIONS.items() if record.get(key)
        )
        remote = record.get("remote")
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("title")),
            company=company.group(1) if company else None,
            location_raw="; ".join(places) or None,
            remote=remote if isinstance(remote, bool) else None,
            employment_type=text_or_none(record.get("type")),
            tags=as_list(record.get("tags")),
            description_html=text or None,
            posted_at_raw=text_or_none(record.get("published_at")),
            **salary_fields(record.get("gross_salary_low"), record.get("gross_salary_high"),
                            record.get("currency_code"), "year"),
        )  # fmt: skip

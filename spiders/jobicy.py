"""Jobicy (https://jobicy.com), remote jobs.

Endpoint: ``https://jobicy.com/api/v2/remote-jobs?count=50`` (documented at
https://jobi.cy/apidocs; optional ``geo``, ``industry``, ``tag`` filters) --
``{"jobCount", "jobs": [...]}``, the newest 50 jobs, no pagination. Rate limits (jobi.cy/apidocs;
github.com/Jobicy/remote-jobs-api, "Fair Use"): polling more than once an hour is discouraged and a
credited link back to each job is asked; hence ``min_interval_hours`` 1, one request a run. Quirks:
``jobIndustry``/``jobType`` are lists with HTML entities ("Data Science &amp; Analytics");
``jobGeo`` is free text ("EMEA,  LATAM,  USA"); structured salary only sometimes
(``salaryMin``/``salaryMax``, ``salaryCurrency``, ``salaryPeriod`` "yearly"); older payloads used
``annualSalaryMin``/``Max``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import JsonApiSpider, as_list, salary_fields, text_or_none, unescape


class JobicySpider(JsonApiSpider):
    name = "jobicy"
    # Jobicy's API documentation asks for at most one poll an hour
    min_interval_hours = 1
    records_path = "jobs"

    def __init__(self, *args: Any, count: str | int = 50, industry: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # ``-a count=N -a industry=engineering``: the API's own filters
        query = {"count": int(count), **({"industry": industry} if industry else {})}
        self.start_urls = [f"https://jobicy.com/api/v2/remote-jobs?{urlencode(query)}"]

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        low = record.get("salaryMin") or record.get("annualSalaryMin")
        high = record.get("salaryMax") or record.get("annualSalaryMax")
        period = record.get("salaryPeriod") or ("year" if record.get("annualSalaryMin") else None)
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            title=unescape(record.get("jobTitle")),
            company=unescape(record.get("companyName")),
            location_raw=unescape(record.get("jobGeo")),
            remote=True,
            employment_type=", ".join(as_list(record.get("jobType"))) or None,
            tags=[unescape(t) or "" for t in as_list(record.get("jobIndustry"))],
            description_html=record.get("jobDescription"),
            posted_at_raw=text_or_none(record.get("pubDate")),
            **salary_fields(low, high, record.get("salaryCurrency"), period),
        )

"""Jobicy (https://jobicy.com), remote jobs.

Endpoint: ``https://jobicy.com/api/v2/remote-jobs?count=100`` (documented at https://jobi.cy/apidocs; optional
``geo``, ``industry``, ``tag`` filters) -- ``{"jobCount", "jobs": [...]}``, the newest jobs, no pagination:
``count`` is at most 100 (asked for by default; ``-a count=N`` less). Should the API refuse it (a 4xx other
than 401/403/429), the run asks once more with ``count=50``, its long-standing page (``jobicy/count_fallback``;
the real cassettes, recorded at 50, replay this way). Rate limits (jobi.cy/apidocs; github.com/Jobicy/
remote-jobs-api, "Fair Use"): polling more than once an hour is discouraged and a credited link back to each
job is asked; hence ``min_interval_hours`` 1, one request a run. Quirks: ``jobIndustry``/``jobType`` are lists
with HTML entities ("Data Science &amp; Analytics"); ``jobGeo`` is free text ("EMEA,  LATAM,  USA");
structured salary only sometimes (``salaryMin``/``salaryMax``, ``salaryCurrency``, ``salaryPeriod`` "yearly");
older payloads used ``annualSalaryMin``/``Max``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawler.items import JobPosting
from spiders.base import BLOCKED_STATUSES, JsonApiSpider, as_list, http_status, salary_fields, text_or_none, unescape

API, MAX_COUNT, FALLBACK_COUNT = "https://jobicy.com/api/v2/remote-jobs?", 100, 50


class JobicySpider(JsonApiSpider):
    name = "jobicy"
    min_interval_hours = 1  # Jobicy's API documentation asks for at most one poll an hour
    records_path = "jobs"

    def __init__(self, *args: Any, count: str | int = MAX_COUNT, industry: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # ``-a count=N -a industry=engineering``: the API's own filters
        self.count, self.industry = max(1, min(int(count), MAX_COUNT)), industry
        self.start_urls = [self.url(self.count)]
        if self.count != int(count):
            self.logger.warning("count=%s is outside Jobicy's 1..%d: asking for %d", count, MAX_COUNT, self.count)

    def url(self, count: int) -> str:
        return API + urlencode({"count": count, **({"industry": self.industry} if self.industry else {})})

    async def start(self) -> Any:
        refused = self.count_refused if self.count > FALLBACK_COUNT else self.on_error
        yield Request(self.start_urls[0], errback=refused)

    def count_refused(self, failure: Any) -> Any:
        status = http_status(failure)
        if status is None or not 400 <= status < 500 or status in BLOCKED_STATUSES:
            return self.on_error(failure)
        self.logger.warning("Jobicy refused count=%d (HTTP %d): asking for %d", self.count, status, FALLBACK_COUNT)
        self.inc_stat("jobicy/count_fallback")
        return [Request(self.url(FALLBACK_COUNT), errback=self.on_error)]

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

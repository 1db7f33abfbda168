"""RemoteOK (https://remoteok.com).

Endpoint: ``https://remoteok.com/api`` -- one JSON array with every live job,
no pagination. Rate limits: none published (remoteok.com/api's legal notice asks for attribution and
a link back, the ``url`` field); aggressive clients are blocked, so one request a run
(``min_interval_hours`` 1) with 90 s to answer. Quirks: element 0 is a legal notice, not a job (it
has no ``id``); ``salary_min``/``salary_max`` are USD per year with 0 meaning unknown; descriptions
carry RemoteOK's own mojibake; ``position`` may hold HTML entities.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import POLITE, JsonApiSpider, as_list, text_or_none, unescape


class RemoteOkSpider(JsonApiSpider):
    name = "remoteok"
    start_urls = ["https://remoteok.com/api"]
    # the API can take ~40 s to answer; RemoteOK asks for attribution and modest polling
    min_interval_hours = 1
    custom_settings = {**POLITE, "DOWNLOAD_TIMEOUT": 90}

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        if not isinstance(record, dict) or "legal" in record or not record.get("id"):
            return None  # the legal notice
        salary_min = _usd(record.get("salary_min"))
        salary_max = _usd(record.get("salary_max"))
        return JobPosting(
            source_id=str(record["id"]),
            url=text_or_none(record.get("url")),
            apply_url=text_or_none(record.get("apply_url")),
            title=unescape(record.get("position")),
            company=unescape(record.get("company")),
            location_raw=unescape(record.get("location")),
            remote=True,
            tags=as_list(record.get("tags")),
            description_html=record.get("description"),
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency="USD" if salary_min or salary_max else None,
            salary_period="year" if salary_min or salary_max else None,
            salary_raw=_salary_text(salary_min, salary_max),
            posted_at_raw=text_or_none(record.get("date") or record.get("epoch")),
        )


def _usd(value: Any) -> int | None:
    try:
        amount = int(float(value))
    except (TypeError, ValueError):
        return None
    return amount or None  # 0 means "not stated"


def _salary_text(low: int | None, high: int | None) -> str | None:
    if not (low or high):
        return None
    return f"${low or ''}-{high or ''} USD/year".replace("$-", "up to $")

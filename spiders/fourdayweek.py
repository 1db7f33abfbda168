"""4 Day Week (https://4dayweek.io), jobs with a four-day working week, many remote.

Endpoint: ``https://4dayweek.io/api/jobs`` -- ``{"jobs": [...]}``, the current jobs, no key,
no pagination followed. Rate limits (4dayweek.io/developers, stated for ``/api/v1`` and
``/api/v2``): 60 requests a minute per IP (429 with Retry-After), a few polls an hour is plenty, a
link back asked; one request a run, 1.5 s apart if more. Quirks: no description in the list; the
public page is ``https://4dayweek.io/remote-job/<slug>``; ``salary_lower`` and ``salary_upper`` are
in cents (28620000 = $286,200) next to a display ``salary`` ("$286k - $392k"), kept as
``salary_raw``; ``posted`` is epoch seconds; ``work_arrangement`` is remote/hybrid/office per job
and per location; ``schedule_type`` says which four-day week (``4_day_week_pro_rata``...) and goes
into the tags with ``stack`` and ``category``.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import POLITE, JsonApiSpider, as_list, number_or_none, salary_fields, text_or_none, unescape


def from_cents(value: Any) -> float | int | None:
    amount = number_or_none(value)
    return amount / 100 if amount is not None else None


class FourDayWeekSpider(JsonApiSpider):
    name = "fourdayweek"
    # 4dayweek.io/developers: 60 requests a minute per IP
    custom_settings = {**POLITE, "DOWNLOAD_DELAY": 1.5}
    start_urls = ["https://4dayweek.io/api/jobs"]
    records_path = "jobs"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        places = [
            ", ".join(as_list([p.get("city"), p.get("country") or p.get("continent")])) for p in record["locations"]
        ]
        stack = [item.get("name") for item in record.get("stack") or []]
        arrangement = record.get("work_arrangement")
        return JobPosting(
            source_id=str(record["id"]),
            url=f"https://4dayweek.io/remote-job/{record['slug']}",
            title=unescape(record.get("title")),
            company=unescape(record.get("company_name")),
            location_raw="; ".join(dict.fromkeys(as_list(places))) or None,
            remote={"remote": True, "hybrid": False, "office": False}.get(str(arrangement)),
            tags=as_list([record.get("category"), record.get("schedule_type"), *stack]),
            posted_at_raw=text_or_none(record.get("posted")),
            **salary_fields(from_cents(record.get("salary_lower")), from_cents(record.get("salary_upper")),
                            record.get("salary_currency"), record.get("salary_period"),
                            raw=unescape(record.get("salary"))),
        )  # fmt: skip

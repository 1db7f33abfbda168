"""Any page carrying schema.org JobPosting JSON-LD (company career sites, job boards).

Endpoints: whatever pages you name -- ``-a urls=u1,u2``, ``-a urls_file=PATH``
(one URL per line, ``#`` comments; default ``data/boards/jsonld.txt``) or
``-a sitemap=URL`` (with ``-a sitemap_match=/jobs/`` to keep only job pages). This is
how a user adds a career site with no code. Rate limits: whatever each site publishes (usually
nothing), so ``POLITE``: 1 s apart, one at a time per site, AutoThrottle on top. Quirks: a page may
hold several JSON-LD blocks (only ``JobPosting`` objects count, also inside ``@graph``); ``title``
and ``description`` are often HTML-escaped; ``identifier`` is optional, so the page URL is the key
when it is missing; ``baseSalary`` is a MonetaryAmount with a QuantitativeValue; a page that answers
404 (job closed) is counted in ``jobs/urls_not_found``.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import JsonLdSpider, as_list, dig, jsonld_places, salary_fields, text_or_none, unescape


class JsonLdPagesSpider(JsonLdSpider):
    name = "jsonld"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        ident = record.get("identifier")
        ident = dig(ident, "value") if isinstance(ident, dict) else ident
        org = record.get("hiringOrganization")
        pay = record.get("baseSalary") if isinstance(record.get("baseSalary"), dict) else {}
        value = pay.get("value") if isinstance(pay.get("value"), dict) else {"value": pay.get("value")}
        return JobPosting(
            source_id=text_or_none(ident) or response.url,
            url=text_or_none(record.get("url")) or response.url,
            title=unescape(record.get("title")),
            company=unescape(dig(org, "name") if isinstance(org, dict) else org),
            company_url=text_or_none(dig(org, "sameAs") or dig(org, "url")) if isinstance(org, dict) else None,
            location_raw="; ".join(jsonld_places(record)) or None,
            remote=True if str(record.get("jobLocationType", "")).upper() == "TELECOMMUTE" else None,
            employment_type=", ".join(as_list(record.get("employmentType"))) or None,
            tags=[unescape(t) or "" for t in as_list(record.get("occupationalCategory") or record.get("industry"))],
            description_html=unescape(record.get("description")),
            posted_at_raw=text_or_none(record.get("datePosted")),
            **salary_fields(value.get("minValue") or value.get("value"), value.get("maxValue"),
                            pay.get("currency"), value.get("unitText")),
        )  # fmt: skip

"""Personio career sites (https://www.personio.com), one XML feed per company.

Written from Personio's public documentation of the positions feed
(https://developer.personio.de/docs/retrieving-open-job-positions), no real recording
yet: tested on an own cassette (tests/cassettes/personio/).

Endpoint: ``https://<board>.jobs.personio.de/xml?language=en`` -- ``<workzag-jobs>`` with one
``<position>`` per published job (id, subcompany, office, additionalOffices,
department, recruitingCategory, name, jobDescriptions, employmentType, seniority,
schedule, keywords, createdAt), no key, no pagination. Boards: ``-a boards=...``,
``-a boards_file=PATH`` or ``data/boards/personio.txt``; an unknown company answers
404 with an HTML page, or a 307 to www.personio.com (both counted as not found). Rate limits: none published for the
XML feed (developer.personio.de states limits only for its authenticated API), so ``POLITE``: 1 s apart, one at a
time. Quirks: XML, not JSON; descriptions are named HTML blocks in CDATA; the public job page is
``https://<board>.jobs.personio.de/job/<id>``; ``subcompany`` is often empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, BadResponse, as_list, text_or_none, unescape


class PersonioSpider(AtsBoardSpider):
    name = "personio"
    # without language=en descriptions come back empty or short; an unknown company is redirected (307)
    # to personio's home page rather than answered 404: that redirect means "not found"
    board_url = "https://{board}.jobs.personio.de/xml?language=en"
    offsite_redirect_means_not_found = True

    def iter_records(self, response: Response) -> Iterable[Any]:
        if not response.body.rstrip().endswith(b"</workzag-jobs>"):
            raise BadResponse("not a complete <workzag-jobs> feed")
        return [_position(node) for node in Selector(body=response.body, type="xml").xpath("//position")]

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        blocks = record.get("jobDescriptions") or []
        keywords = as_list(record.get("keywords"))
        return JobPosting(
            source_id=text_or_none(record["id"]),
            url=f"https://{self.board(response)}.jobs.personio.de/job/{record['id']}",
            title=unescape(record.get("name")),
            company=unescape(record.get("subcompany")),
            location_raw="; ".join(dict.fromkeys(as_list([record.get("office"), *record["additionalOffices"]]))),
            employment_type=", ".join(as_list([record.get("employmentType"), record.get("schedule")])) or None,
            tags=as_list([record.get("department"), record.get("recruitingCategory"), *keywords]),
            description_html="".join(f"<h3>{b['name']}</h3>{b['value']}" for b in blocks) or None,
            posted_at_raw=text_or_none(record.get("createdAt")),
        )


def _position(node: Selector) -> dict[str, Any]:
    """A <position> as JSON-compatible data: simple tags as text, the two nested lists as lists."""
    record: dict[str, Any] = {c.xpath("name()").get(): c.xpath("string()").get().strip() for c in node.xpath("./*")}
    record["additionalOffices"] = node.xpath("./additionalOffices/office/text()").getall()
    record["jobDescriptions"] = [
        {"name": d.xpath("string(name)").get().strip(), "value": d.xpath("string(value)").get().strip()}
        for d in node.xpath("./jobDescriptions/jobDescription")
    ]
    return record

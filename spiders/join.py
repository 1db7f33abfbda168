"""JOIN (https://join.com), free job multiposting; one board per company.

Endpoints: ``https://join.com/api/public/companies/<board>/jobs?page=N&pageSize=50`` --
``{"items": [...], "pagination": {"page", "pageCount", "rowCount"}}`` (pages from 1), then one
``https://join.com/api/public/jobs/<idParam>`` per job for its description and company. The board
is JOIN's numeric company id (``1080`` = Alteos; a ``join.com/companies/<slug>`` link gives only
the slug, which this API does not take: such boards are skipped with a warning). ``-a page_size``.
Rate limits: none published (searched JOIN's public API docs); a company is pages + jobs requests,
``POLITE``: 1 s apart, one at a time. Quirks: the description is Markdown (turned into paragraphs);
the job id of URLs is the number in ``idParam`` (``id`` is another); a job whose detail fails is
stored from the list (``jobs/detail_missing``).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import AtsBoardSpider, AtsDetailSpider, as_list, dig, text_or_none, text_to_html, unescape

API = "https://join.com/api/public/companies/{board}/jobs?page={page}&pageSize={size}"


class JoinSpider(AtsDetailSpider, AtsBoardSpider):
    name = "join"
    records_path = "items"

    def __init__(self, *args: Any, page_size: str | int = 50, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_size = int(page_size)

    def targets(self) -> list[str]:
        boards = super().targets()
        for slug in (board for board in boards if not board.isdigit()):
            self.logger.warning("join: board %r is not a company id: skipped", slug)
        return [board for board in boards if board.isdigit()]

    def url_for(self, board: str) -> str:
        return API.format(board=board, page=1, size=self.page_size)

    def next_page_url(self, response: Response, payload: Any) -> str | None:
        page = int(dig(payload, "pagination.page") or 1)
        if page >= int(dig(payload, "pagination.pageCount") or 0):
            return None
        return API.format(board=self.board(response), page=page + 1, size=self.page_size)

    def detail_url(self, record: Any, response: Response) -> str | None:
        return f"https://join.com/api/public/jobs/{record['idParam']}"

    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        slug = dig(record, "company.domain") or self.board(response)
        return JobPosting(
            source_id=str(record["idParam"]).split("-", 1)[0],
            url=f"https://join.com/companies/{slug}/{record['idParam']}",
            title=unescape(record.get("title")),
            company=unescape(dig(record, "company.name")),
            company_url=text_or_none(record.get("companyUrl")),
            location_raw=", ".join(as_list([dig(record, "city.cityName"), dig(record, "country.name")])) or None,
            remote={"REMOTE": True, "ONSITE": False, "HYBRID": False}.get(str(record.get("workplaceType"))),
            employment_type=text_or_none(dig(record, "employmentType.name")),
            tags=as_list(dig(record, "category.name")),
            description_html=text_to_html(record.get("description")),
            posted_at_raw=text_or_none(record.get("createdAt")),
        )

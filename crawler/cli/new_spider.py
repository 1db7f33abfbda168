"""``remotejobs new-spider NAME --shape json|rss|ats|jsonld``: scaffold a platform spider.

Writes ``spiders/<name>.py`` (docstring to fill, class attributes, one ``parse_job``),
``tests/spiders/test_<name>.py`` (a replay test to complete) and an empty cassette
folder ``tests/cassettes/<name>/`` to record into (see docs/adding-a-platform.md).
"""

from __future__ import annotations

import argparse
import keyword
import re
from pathlib import Path
from typing import Any

from crawler.cli.common import CliError

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # crawler/cli/<module>.py -> the repository

SHAPES: dict[str, dict[str, str]] = {
    "json": {
        "base": "JsonApiSpider",
        "attrs": '    start_urls = ["https://example.com/api/jobs"]  # TODO: the API endpoint\n'
        '    records_path = "jobs"  # TODO: dotted key of the record list, None if the body is the list\n',
        "endpoint": 'https://example.com/api/jobs -- {"jobs": [...]}',
    },
    "rss": {
        "base": "RssSpider",
        "attrs": '    start_urls = ["https://example.com/jobs.rss"]  # TODO: the feed(s)\n',
        "endpoint": "https://example.com/jobs.rss -- RSS 2.0, one <item> per job",
    },
    "ats": {
        "base": "AtsBoardSpider",
        "attrs": '    board_url = "https://example.com/api/boards/{board}/jobs"  # TODO: {board} is the slug\n'
        '    records_path = "jobs"  # TODO: dotted key of the record list\n',
        "endpoint": "https://example.com/api/boards/<board>/jobs\n(boards: -a boards=..., "
        "-a boards_file=PATH or data/boards/{name}.txt)",
    },
    "jsonld": {
        "base": "JsonLdSpider",
        "attrs": "    # Pages: -a urls=..., -a urls_file=PATH (default data/boards/{name}.txt) or -a sitemap=URL.\n",
        "endpoint": "career pages carrying schema.org JobPosting JSON-LD",
    },
}

SPIDER = '''"""TODO Platform name (https://example.com).

Endpoint: {endpoint}.
Rate limits: TODO (the platform's published limit and where it is published, or "none published
(<where you looked>)": then the POLITE default applies; a published limit goes in custom_settings).
Quirks: TODO (what is odd about the payload: ids, dates, salary, HTML).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobPosting
from spiders.base import {base}, as_list, text_or_none, unescape


class {cls}({base}):
    name = "{name}"
{attrs}
    def parse_job(self, record: Any, response: Response) -> JobPosting | None:
        # Return None for a documented non-job element; raise for a broken record (it becomes a reject).
        return JobPosting(
            source_id=str(record["id"]),  # TODO: the platform's own job id
            url=text_or_none(record.get("url")),
            title=unescape(record.get("title")),
            company=unescape(record.get("company")),
            location_raw=unescape(record.get("location")),
            tags=as_list(record.get("tags")),
            description_html=record.get("description"),
            posted_at_raw=text_or_none(record.get("date")),
        )
'''

TEST = '''"""{name} spider against its cassette (tests/cassettes/{name}/, recorded with RECORD_DIR)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.spiders.replaycheck import check_replay

CASSETTE = ROOT / "tests" / "cassettes" / "{name}"
ARGS: tuple[str, ...] = ({args})


@pytest.mark.skipif(not (CASSETTE / "index.jsonl").is_file(), reason="record the cassette (docs/adding-a-platform.md)")
def test_every_job_is_stored_once_with_fields(crawl):
    expected = 0  # TODO: count the job records in the cassette's bodies, independently of the spider
    result = check_replay(crawl, "{name}", [CASSETTE], expected, args=ARGS)
    assert result.scalar("SELECT count(*) FROM postings") == expected
    # TODO: pick a few records and assert their exact stored fields, e.g.
    # job = result.posting("{name}", "12345")
    # assert job["title"] == "..."
'''


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_\\-]+", name)) + "Spider"


def scaffold(name: str, shape: str, root: Path = PROJECT_ROOT, force: bool = False) -> list[Path]:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise CliError(f"spider name must be a lower-case Python identifier, not {name!r}")
    spec = SHAPES[shape]
    spider_path = root / "spiders" / f"{name}.py"
    test_path = root / "tests" / "spiders" / f"test_{name}.py"
    cassette = root / "tests" / "cassettes" / name
    for path in (spider_path, test_path):
        if path.exists() and not force:
            raise CliError(f"{path.relative_to(root)} exists (use --force to overwrite)")
    fields = {"name": name, "cls": class_name(name), "base": spec["base"]}
    endpoint, attrs = (spec[key].replace("{name}", name) for key in ("endpoint", "attrs"))
    spider_path.write_text(SPIDER.format(**fields, endpoint=endpoint, attrs=attrs))
    args = '"-a", "boards=TODO-slug"' if shape == "ats" else '"-a", "urls=TODO-page-url"' if shape == "jsonld" else ""
    test_path.write_text(TEST.format(name=name, args=args))
    cassette.mkdir(parents=True, exist_ok=True)
    (cassette / ".gitkeep").touch()
    written = [spider_path, test_path, cassette]
    if shape in ("ats", "jsonld"):
        boards = root / "data" / "boards" / f"{name}.txt"
        if not boards.exists():
            what = "board slug" if shape == "ats" else "page URL"
            boards.write_text(f"# {name}: one {what} per line; '#' comments.\n")
            written.append(boards)
    return written


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new-spider",
        help="scaffold a platform spider, its test and an empty cassette folder",
        description="Writes spiders/NAME.py, tests/spiders/test_NAME.py and tests/cassettes/NAME/ "
        "for an API of the given shape. Next steps: docs/adding-a-platform.md.",
    )
    parser.add_argument("name", help="spider name (lower case, e.g. 'nofluffjobs')")
    parser.add_argument("--shape", choices=sorted(SHAPES), required=True,
                        help="json: paginated JSON API; rss: RSS feed; ats: one board per company; "
                        "jsonld: pages with schema.org JobPosting")  # fmt: skip
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in scaffold(args.name, args.shape, force=args.force):
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    print("next: record a cassette, fill the TODOs, run the test (docs/adding-a-platform.md)")
    return 0

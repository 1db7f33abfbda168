"""Crawl scope: a run closes only the unseen postings inside what it covered (issue 10).

Every kind of spider, through the real engine on real (or the repo's own) cassettes: an ATS
crawl of one board leaves the other boards' postings open (recruitee and personio had no say in
this before: crawling one board closed every other board's postings), a JSON-LD crawl of some
pages leaves the other pages' postings open, a run narrowed by an argument (remotive
``category``, workable ``query``) closes nothing, and a whole-platform run closes what its feed
no longer lists. "A board lists fewer jobs" is served from a temporary cassette folder placed
before the real one, holding the real body minus its first record.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.scope import CrawlScope, PlatformFacts
from listings.keys import ats_keys_in_url
from pipelines.after_crawl import platform_facts
from spiders.base import AtsBoardSpider, ListArgSpider
from tests import forkrun
from tests.conftest import ROOT, CrawlResult, cassette_bodies, realdata, run_scrapy

OWN = ROOT / "tests" / "cassettes"
DEMO = ROOT / "data" / "demo"


def cassette_entry(folder: Path, url_part: str) -> tuple[dict[str, Any], Path]:
    """The index entry (and body path) of the exchange whose URL contains ``url_part``."""
    for line in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            entry = json.loads(line)
            if url_part in entry["url"]:
                return entry, folder / entry["body"]
    raise AssertionError(f"no exchange for {url_part} in {folder}")


def override(tmp_path: Path, name: str, exchanges: list[tuple[str, int, str, bytes]]) -> Path:
    """A temporary cassette folder answering ``(url, status, content type, body)`` exchanges."""
    folder = tmp_path / name
    folder.mkdir()
    lines = []
    for number, (url, status, content_type, body) in enumerate(exchanges):
        (folder / f"body{number}").write_bytes(body)
        headers = {"Content-Type": content_type}
        lines.append(json.dumps({"method": "GET", "url": url, "status": status, "headers": headers,
                                 "body": f"body{number}"}))  # fmt: skip
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def _maybe_entry(folder: Path, url_part: str) -> tuple[dict[str, Any], Path] | None:
    try:
        return cassette_entry(folder, url_part)
    except AssertionError:
        return None


def without_first_json(body: bytes, key: str) -> tuple[bytes, Any]:
    """The JSON body minus the first record of ``key``; returns it and the dropped record's id."""
    data = json.loads(body)
    dropped = data[key].pop(0)
    return json.dumps(data).encode(), dropped["id"]


def without_first_position(body: bytes) -> tuple[bytes, str]:
    text = body.decode()
    match = re.search(r"<position>.*?</position>\s*", text, re.S)
    assert match
    dropped = re.search(r"<id>(\d+)</id>", match.group(0))
    assert dropped
    return (text[: match.start()] + text[match.end() :]).encode(), dropped.group(1)


def open_by_board(result: CrawlResult, source: str) -> dict[str, set[str]]:
    boards: dict[str, set[str]] = {}
    for row in result.query("SELECT board, source_id FROM postings WHERE source = ? AND closed_at IS NULL", (source,)):
        boards.setdefault(row["board"], set()).add(row["source_id"])
    return boards


def raw_id(result: CrawlResult, source: str, source_id: str) -> str:
    return str(json.loads(result.posting(source, source_id)["raw_json"])["id"])


def closed_raw_ids(result: CrawlResult, source: str) -> set[str]:
    rows = result.query("SELECT raw_json FROM postings WHERE source = ? AND closed_at IS NOT NULL", (source,))
    return {str(json.loads(r["raw_json"])["id"]) for r in rows}


def run_scope(result: CrawlResult) -> CrawlScope:
    return CrawlScope.from_json(result.last_run["scope"])


# -- ATS boards: one board's crawl never closes another board's postings ----------------------------
def _personio_second_board(tmp_path: Path) -> tuple[list[Path], str, str]:
    """The own personio cassette has one company; a second one is derived from it (ids shifted)."""
    _, body = cassette_entry(OWN / "personio", "alpenrad")
    text = re.sub(r"<id>14(\d+)</id>", r"<id>15\1</id>", body.read_text()).replace("Alpenrad", "Lindenhof")
    second = override(
        tmp_path, "lindenhof", [("https://lindenhof.jobs.personio.de/xml?language=en", 200, "text/xml", text.encode())]
    )
    return [second, OWN / "personio"], "alpenrad", "lindenhof"


ATS_CASES = {
    # spider: (cassette folders, board crawled twice, other board, records key or None for XML)
    "recruitee": (lambda tmp: ([OWN / "recruitee", realdata("recruitee-channable")], "tulipworks", "channable"),
                  "offers"),
    "personio": (_personio_second_board, None),
    "greenhouse": (lambda tmp: ([realdata("greenhouse-boards")], "brave", "carta"), "jobs"),
}  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("spider", list(ATS_CASES))
def test_ats_board_crawl_closes_only_inside_its_board(crawl: Callable[..., CrawlResult], tmp_path, spider):
    make_folders, records_key = ATS_CASES[spider]
    folders, board, other = make_folders(tmp_path)
    # judged on scope alone: the share-of-previous-run guard (which also happens to block closing
    # when the crawled board is small) is off
    lenient = ("LIFECYCLE_MIN_ITEM_RATIO=0",)
    first = crawl(spider, *folders, args=("-a", f"boards={board},{other}"), settings=lenient)
    before = open_by_board(first, spider)
    assert set(before) == {board, other} and all(before.values())

    # the board now lists one job fewer; the other board is not crawled
    entry, body_path = next(found for f in folders if (found := _maybe_entry(f, board)))
    if records_key is None:
        body, dropped = without_first_position(body_path.read_bytes())
    else:
        body, dropped = without_first_json(body_path.read_bytes(), records_key)
    fewer = override(tmp_path, "fewer", [(entry["url"], 200, entry["headers"]["Content-Type"], body)])
    second = crawl(spider, fewer, *folders, args=("-a", f"boards={board}"), settings=lenient)

    after = open_by_board(second, spider)
    assert after[other] == before[other]  # the other board's postings stay open
    assert closed_raw_ids(second, spider) == {str(dropped)}  # only the job gone from the crawled board
    assert {raw_id(second, spider, s) for s in after[board]} == {raw_id(second, spider, s) for s in before[board]} - {
        str(dropped)
    }
    run = second.last_run
    assert run["closed_postings"] == 1 and run["lifecycle_clean"] == 1
    assert run_scope(second) == CrawlScope(spider, boards=(board,), answered=(board,))


@pytest.mark.realdata
def test_ats_board_that_fails_or_is_gone(crawl: Callable[..., CrawlResult], tmp_path):
    """A board answering 500 closes nothing of its own; a board answering 404 is gone: its postings close."""
    folder = realdata("greenhouse-boards")
    boards = ("-a", "boards=brave,carta,mozilla")
    crawl("greenhouse", folder, args=boards)
    brave, _ = cassette_entry(folder, "brave")
    carta, carta_body = cassette_entry(folder, "carta")
    faults = override(tmp_path, "faults", [(brave["url"], 500, "text/html", b"<h1>oops</h1>"),
                                           (carta["url"], 404, "text/html", b"<h1>not found</h1>")])  # fmt: skip
    result = run_scrapy(["crawl", "greenhouse", *boards], tmp_path / "jobs.db", [faults, folder], "RETRY_TIMES=0")
    assert "Traceback" not in result.log, result.log[-3000:]
    scope = run_scope(result)
    assert scope == CrawlScope("greenhouse", boards=("brave", "carta", "mozilla"), answered=("mozilla",),
                               gone=("carta",))  # fmt: skip
    assert result.last_run["status"] == "partial"
    assert open_by_board(result, "greenhouse").keys() == {"brave", "mozilla"}  # brave failed: kept open
    assert result.last_run["closed_postings"] == len(json.loads(carta_body.read_bytes())["jobs"])


# -- JSON-LD pages: each page is a board of its own ---------------------------------------------------
REMOTEOK_PAGE = (
    "https://remoteok.com/remote-jobs/remote-werkstudent-in-projektmanagement-amp-client-service-applike-group-1093848"
)
DEMO_PAGE = "https://careers.quillfield.example/jobs/backend-engineer"


@pytest.mark.realdata
def test_jsonld_pages_close_only_their_own_postings(crawl: Callable[..., CrawlResult], tmp_path):
    folders = [realdata("remoteok-jsonld"), DEMO]
    first = crawl("jsonld", *folders, args=("-a", f"urls={REMOTEOK_PAGE},{DEMO_PAGE}"))
    assert set(open_by_board(first, "jsonld")) == {REMOTEOK_PAGE, DEMO_PAGE}

    second = crawl("jsonld", *folders, args=("-a", f"urls={REMOTEOK_PAGE}"))
    assert set(open_by_board(second, "jsonld")) == {REMOTEOK_PAGE, DEMO_PAGE}  # the demo page was not asked
    assert second.last_run["closed_postings"] == 0

    taken_down = override(tmp_path, "gone", [(DEMO_PAGE, 404, "text/html", b"<h1>gone</h1>")])
    third = crawl("jsonld", taken_down, *folders, args=("-a", f"urls={REMOTEOK_PAGE},{DEMO_PAGE}"))
    assert set(open_by_board(third, "jsonld")) == {REMOTEOK_PAGE}  # a page taken down closes its job
    assert run_scope(third) == CrawlScope(
        "jsonld", boards=(REMOTEOK_PAGE, DEMO_PAGE), answered=(REMOTEOK_PAGE,), gone=(DEMO_PAGE,)
    )


# -- runs narrowed by an argument close nothing; a whole-platform run closes what its feed dropped -----
@pytest.mark.realdata
def test_remotive_category_run_closes_nothing_whole_run_does(crawl: Callable[..., CrawlResult], tmp_path):
    whole = realdata("remotive")
    first = crawl("remotive", whole)
    everything = first.scalar("SELECT COUNT(*) FROM postings WHERE closed_at IS NULL")
    assert everything == 42 and run_scope(first).whole_platform

    whole_ids = {job["id"] for body in cassette_bodies("remotive") for job in body["jobs"]}
    category_ids = {job["id"] for body in cassette_bodies("remotive-2026-09-22") for job in body["jobs"]}
    category = crawl("remotive", realdata("remotive-2026-09-22"), args=("-a", "category=software-dev"))
    run = category.last_run
    assert run["new"] == len(category_ids - whole_ids) > 0
    assert run["closed_postings"] == 0 and run["lifecycle_clean"] == 0
    assert "category=software-dev" in run["lifecycle_note"]
    assert category.scalar("SELECT COUNT(*) FROM postings WHERE closed_at IS NOT NULL") == 0
    assert run_scope(category) == CrawlScope("remotive", filters=(("category", "software-dev"),))

    entry, body = cassette_entry(whole, "remotive.com")
    fewer_body, dropped = without_first_json(body.read_bytes(), "jobs")
    fewer = override(tmp_path, "fewer", [(entry["url"], 200, "application/json", fewer_body)])
    again = crawl("remotive", fewer, whole)
    # the whole feed minus one job: that job and those only the category feed listed are closed
    assert closed_raw_ids(again, "remotive") == {str(i) for i in category_ids - whole_ids} | {str(dropped)}
    assert again.last_run["closed_postings"] == len(category_ids - whole_ids) + 1


@pytest.mark.realdata
def test_workable_query_run_closes_nothing(crawl: Callable[..., CrawlResult], tmp_path):
    folder = realdata("workable")
    # the cassette's synthetic company-less record is a reject; let the error rate pass so only scope decides
    lenient = ("LIFECYCLE_MAX_ERROR_RATE=0.6", "LIFECYCLE_MIN_ITEM_RATIO=0")
    first = crawl("workable", folder, args=("-a", "query=security engineer"), settings=lenient)
    assert first.scalar("SELECT COUNT(*) FROM postings") == 2
    entry, body = cassette_entry(folder, "jobs.workable.com")
    fewer_body, _ = without_first_json(body.read_bytes(), "jobs")
    fewer = override(tmp_path, "fewer", [(entry["url"], 200, "application/json", fewer_body)])
    second = crawl("workable", fewer, folder, args=("-a", "query=security engineer"), settings=lenient)
    run = second.last_run
    assert run["closed_postings"] == 0 and "query=security engineer" in run["lifecycle_note"]
    assert second.scalar("SELECT COUNT(*) FROM postings WHERE closed_at IS NULL") == 2
    assert run_scope(second) == CrawlScope("workable", filters=(("query", "security engineer"),))


# -- platform facts: declared on the spiders, checked over `scrapy list` --------------------------------
def scrapy_list() -> list[str]:
    proc = forkrun.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_platform_facts_of_every_listed_spider():
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.project import get_project_settings

    names = scrapy_list()
    loader = get_spider_loader(get_project_settings())
    spiders = [loader.load(name) for name in names]
    facts = platform_facts()
    assert facts == PlatformFacts.collect(spiders)  # every listed spider, nothing else
    for spider in spiders:
        # one board per company on an applicant tracking system: the employer's own postings
        assert spider.own_ats == issubclass(spider, AtsBoardSpider), spider.name
        assert (spider.name in facts.own_ats) == spider.own_ats
        for pattern in spider.job_url_patterns:
            compiled = re.compile(pattern)
            assert compiled.groups == 1, (spider.name, pattern)
        assert bool(spider.job_url_patterns) == bool(spider.job_url_hints), spider.name
        # a spider over a list of targets names them as its scope; any other covers the whole platform
        instance = spider(**({spider.list_arg: "1001,1002"} if issubclass(spider, ListArgSpider) else {}))
        instance.settings = get_project_settings()
        scope = instance.crawl_scope()
        assert scope.source == spider.name
        feeds = list(dict.fromkeys(instance.start_requests_urls()))
        if issubclass(spider, ListArgSpider):
            assert (scope.boards, scope.answered) == (("1001", "1002"), ())
        elif len(feeds) > 1:  # a platform read through several feeds: each feed is a board of its own
            assert scope.boards == tuple(feeds) and not scope.filters
        else:
            assert scope.whole_platform
    assert {"recruitee", "personio"} <= facts.own_ats  # the platforms the hand-kept list forgot


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://boards.greenhouse.io/acme/jobs/4012345", "greenhouse:4012345"),
        (
            "https://jobs.lever.co/acme/0a1b2c3d-1111-2222-3333-444455556666",
            "lever:0a1b2c3d-1111-2222-3333-444455556666",
        ),
        ("https://apply.workable.com/acme/j/AB12CD34EF/", "workable:ab12cd34ef"),
    ],
)
def test_job_urls_come_from_the_spiders(url, key):
    assert ats_keys_in_url(url, platform_facts()) == [key]
    assert ats_keys_in_url(url, PlatformFacts()) == []  # no spider, no URL shape: nothing hidden elsewhere


def test_key_version_follows_the_facts():
    from listings.matcher import key_version

    facts = platform_facts()
    fewer = PlatformFacts(facts.own_ats - {"recruitee"}, facts.job_urls, facts.url_hints, facts.requisitions)
    assert key_version(facts) != key_version(fewer)
    assert key_version(facts) == key_version(platform_facts())


def test_personio_unknown_company_redirect_is_not_found(crawl: Callable[..., CrawlResult], tmp_path):
    """Personio answers an unknown company with a 307 to its home page: counted as not found
    (the board is gone), not followed to an HTML page, not a request error."""
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "index.jsonl").write_text(
        json.dumps({"method": "GET", "url": "https://gone-to-home.jobs.personio.de/xml?language=en", "status": 307,
                    "headers": {"Location": "https://www.personio.com/"}, "body": "empty"}) + "\n"
    )  # fmt: skip
    (moved / "empty").write_bytes(b"")
    result = crawl("personio", moved, OWN / "personio", args=("-a", "boards=alpenrad,gone-to-home"))
    run = result.last_run
    stats = json.loads(run["stats_json"])
    assert stats["jobs/boards_not_found"] == 1 and stats.get("jobs/request_errors", 0) == 0
    assert (run["status"], run["verdict"]) == ("finished", "ok")
    assert run_scope(result).gone == ("gone-to-home",)
    assert result.scalar("SELECT COUNT(*) FROM postings") == 3  # alpenrad's three positions

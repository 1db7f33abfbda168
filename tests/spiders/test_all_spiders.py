"""Every spider that ``scrapy list`` shows: documented, tested, has a cassette, starts, survives errors."""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from tests import forkrun
from tests.conftest import REALDATA, ROOT, run_scrapy
from tests.spiders import endtoend
from tests.spiders.responses import replay_spider

#: Where each spider's test cassettes live: real ones in ../shared/realdata, own ones under tests/cassettes.
CASSETTES: dict[str, list[Path]] = {
    "arbeitnow": [REALDATA / "arbeitnow-2026-02-12a"],
    "ashby": [REALDATA / "ashby"],
    "greenhouse": [
        REALDATA / "greenhouse",
        REALDATA / "greenhouse-boards",
        ROOT / "tests" / "cassettes" / "greenhouse-pay",
    ],
    "hackernews": [REALDATA / "hn-2026-01", REALDATA / "hn-2026-02", REALDATA / "hn-2026-03"],
    "himalayas": [REALDATA / "himalayas"],
    "jobicy": [REALDATA / "jobicy"],
    "jsonld": [REALDATA / "remoteok-jsonld"],
    "lever": [REALDATA / "lever"],
    "personio": [ROOT / "tests" / "cassettes" / "personio"],
    "recruitee": [REALDATA / "recruitee-channable", ROOT / "tests" / "cassettes" / "recruitee"],
    "remoteok": [REALDATA / "remoteok"],
    "remotive": [REALDATA / "remotive"],
    "smartrecruiters": [REALDATA / "smartrecruiters"],
    "weworkremotely": [REALDATA / "weworkremotely"],
    "workable": [REALDATA / "workable", ROOT / "tests" / "cassettes" / "workable"],
    "workingnomads": [REALDATA / "workingnomads"],
    "workday": [REALDATA / "workday"],
    "bamboohr": [REALDATA / "bamboohr"],
    "teamtailor": [REALDATA / "teamtailor"],
    "pinpoint": [REALDATA / "pinpoint"],
    "breezy": [REALDATA / "breezy"],
    "rippling": [REALDATA / "rippling"],
    "join": [REALDATA / "join"],
    "fourdayweek": [REALDATA / "fourdayweek"],
    "landingjobs": [REALDATA / "landingjobs"],
    "nodesk": [REALDATA / "nodesk"],
    "jobspresso": [REALDATA / "jobspresso"],
    "euremotejobs": [REALDATA / "euremotejobs"],
    "zohorecruit": [REALDATA / "zohorecruit"],
    "gem": [REALDATA / "gem"],
}
#: One target per list-driven spider, so that every spider has something to request.
TARGETS = {
    "greenhouse": "vercel", "lever": "spotify", "ashby": "Lambda", "smartrecruiters": "Ubisoft2",
    "workable": "toggl", "recruitee": "fastned", "personio": "personio",
    "jsonld": "https://careers.example.org/jobs/1",
    "workday": "acme.wd1.myworkdayjobs.com/External", "bamboohr": "toters", "teamtailor": "upcloud",
    "pinpoint": "tabby", "breezy": "breezy", "rippling": "rippling", "join": "1080", "zohorecruit": "palomats",
    "gem": "gem",
}  # fmt: skip
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=1")


@cache
def spider_names() -> list[str]:
    out = forkrun.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def spider_class(name: str) -> Any:
    return SpiderLoader.from_settings(get_project_settings()).load(name)


def cassettes(name: str) -> list[Path]:
    """A spider added later keeps its own cassette in tests/cassettes/<name>/ (docs/adding-a-platform.md)."""
    return CASSETTES.get(name) or [ROOT / "tests" / "cassettes" / name]


def test_scrapy_list_shows_every_platform():
    assert set(CASSETTES) <= set(spider_names())
    assert len(spider_names()) >= 30


@pytest.mark.parametrize("name", spider_names())
def test_spider_is_documented_tested_and_has_a_cassette(name):
    cls = spider_class(name)
    module = sys.modules[cls.__module__]
    doc = " ".join((module.__doc__ or "").split())
    assert len(doc) > 200, f"{name}: module docstring must name the platform, endpoints, rate limits and quirks"
    assert "endpoint" in doc.lower() and "rate limit" in doc.lower() and "quirk" in doc.lower()
    assert (ROOT / "tests" / "spiders" / f"test_{name}.py").is_file()
    for folder in cassettes(name):
        assert (folder / "index.jsonl").is_file() or not REALDATA.is_dir(), folder
    assert len(Path(module.__file__ or "").read_text().splitlines()) < 80


@pytest.mark.parametrize("name", spider_names())
def test_no_generator_method_returns_a_value(name):
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE (off in crawler/settings.py) checks per response:
    a callback that is a generator must not ``return`` a value (it would be lost)."""
    cls = spider_class(name)
    generators = [
        member for _, member in inspect.getmembers(cls, inspect.isgeneratorfunction)
        if member.__module__.startswith("spiders.")
    ]  # fmt: skip
    assert not [g.__qualname__ for g in generators if is_generator_with_return_value(g)]


@pytest.fixture(scope="module")
def boards_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("boards")
    for spider, target in TARGETS.items():
        (folder / f"{spider}.txt").write_text(f"# test\n{target}\n")
    return folder


def start_requests(name: str, boards_dir: Path) -> list[Any]:
    crawler = get_crawler(spider_class(name), {"BOARDS_DIR": str(boards_dir)})
    spider = crawler.spidercls.from_crawler(crawler)

    async def collect() -> list[Any]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


@pytest.mark.parametrize("name", spider_names())
def test_start_yields_requests(name, boards_dir):
    requests = start_requests(name, boards_dir)
    assert requests and all(r.url.startswith("https://") for r in requests)
    assert all(r.errback is not None for r in requests), "download errors must reach the spider's errback"


def error_cassette(folder: Path, status: int, names: list[str], boards_dir: Path) -> Path:
    """A cassette answering every start request of the named spiders with ``status``."""
    cassette = folder / "cassette"
    cassette.mkdir()
    (cassette / "error.html").write_text(f"<html><body>HTTP {status}</body></html>")
    lines = [
        json.dumps({"method": request.method, "url": request.url, "status": status, "body": "error.html"})
        for name in names
        for request in start_requests(name, boards_dir)
    ]
    (cassette / "index.jsonl").write_text("\n".join(lines) + "\n")
    return cassette


@pytest.mark.parametrize("status", [500, 404])
@pytest.mark.parametrize("name", spider_names())
def test_error_responses_yield_no_item_and_no_exception(name, status, boards_dir, tmp_path):
    """In-process: the errback takes the error response (an exception would fail the test)."""
    cassette = error_cassette(tmp_path, status, [name], boards_dir)
    run = replay_spider(name, cassette, settings={"BOARDS_DIR": str(boards_dir)})
    assert (run.postings, run.rejects) == ([], [])
    assert run.hits >= 1 and run.failed  # the error response was served, not a replay miss


def test_error_responses_through_the_engine(boards_dir, tmp_path):
    """End to end, every spider in one crawlall: HTTP 500 answers reach the errbacks, no exception."""
    cassette = error_cassette(tmp_path, 500, spider_names(), boards_dir)
    result = run_scrapy(["crawlall"], tmp_path / "jobs.db", [cassette], f"BOARDS_DIR={boards_dir}", *FAST)
    assert "Traceback" not in result.log, result.log[-3000:]
    assert result.scalar("SELECT count(*) FROM postings") == 0
    runs = {row["spider"]: row for row in result.query("SELECT * FROM crawl_runs")}
    assert set(runs) == set(spider_names())
    for name, run in runs.items():
        stats = json.loads(run["stats_json"])
        assert not any(key.startswith("spider_exceptions") for key in stats), (name, stats)
        assert stats.get("replay/hit", 0) >= 1, name  # the error response was served, not a replay miss
        assert run["new"] == 0 and run["rejected"] == 0


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(endtoend.CASSETTES))
def test_end_to_end_replay_is_clean_and_idempotent(end_to_end, name):
    """Every spider of the shared end-to-end crawl: the first run stored postings with no request
    error (weworkremotely's missing feeds aside), the second added and changed nothing."""
    first, second = end_to_end.runs(name)
    assert first["new"] > 0, first
    assert first["status"] == ("partial" if name == endtoend.PARTIAL else "finished"), first
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, first["new"]), second

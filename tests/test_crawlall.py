"""``scrapy crawlall``: every spider (or the named ones) in one process, a crawl_runs row each, a summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, CrawlResult, run_scrapy
from tests.spiders.test_all_spiders import spider_names

DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """``scrapy crawlall`` over the demo cassette into a fresh database (tests only read it)."""
    return run_scrapy(["crawlall"], tmp_path_factory.mktemp("crawlall") / "jobs.db", [DEMO])


def test_demo_cassette_runs_every_spider_offline(demo_crawl):
    result = demo_crawl
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    runs = result.query("SELECT spider, status, new FROM crawl_runs WHERE id <= ?", (len(spider_names()),))
    assert sorted(row["spider"] for row in runs) == sorted(spider_names())
    assert all(row["status"] == "finished" and row["new"] > 0 for row in runs), [dict(r) for r in runs]
    assert f"{len(runs)}/{len(runs)} ok" in result.log  # the summary table's total line
    for name in spider_names():
        assert any(line.startswith(name + " ") for line in result.log.splitlines()), name


def test_named_spiders_only_and_a_second_run_is_unchanged(demo_crawl):
    """Named spiders after the full crawl: a run row for each of them only, every posting unchanged."""
    before = len(spider_names())
    assert demo_crawl.scalar("SELECT count(*) FROM crawl_runs") == before
    again = run_scrapy(["crawlall", "jobicy", "hackernews"], demo_crawl.db_path, [DEMO])
    assert again.returncode == 0, again.log[-3000:]
    added = again.query("SELECT spider FROM crawl_runs WHERE id > ?", (before,))
    assert sorted(r["spider"] for r in added) == ["hackernews", "jobicy"]
    assert again.scalar("SELECT sum(new) FROM crawl_runs WHERE id > ?", (before,)) == 0
    assert again.scalar("SELECT sum(unchanged) FROM crawl_runs WHERE id > ?", (before,)) == 2 + 3


def test_unknown_spider_is_a_usage_error(tmp_path):
    result = run_scrapy(["crawlall", "no-such-spider"], tmp_path / "jobs.db", [DEMO])
    assert result.returncode != 0
    assert "unknown spider" in result.log


def test_a_failed_spider_makes_the_exit_status_non_zero(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "index.jsonl").write_text("# nothing recorded: every request gets the replay 404\n")
    result = run_scrapy(["crawlall", "remotive", "jobicy"], tmp_path / "jobs.db", [empty, DEMO])
    assert result.returncode == 0  # both answered from the demo
    result = run_scrapy(["crawlall", "remotive"], tmp_path / "other.db", [empty])
    assert result.returncode == 1
    assert "not clean: remotive" in result.log
    assert result.query("SELECT status FROM crawl_runs")[0]["status"] == "failed"

"""``scrapy crawlall``: every spider (or the named ones) in one process, a crawl_runs row each, a summary."""

from __future__ import annotations

from tests.conftest import ROOT, run_scrapy
from tests.spiders.test_all_spiders import spider_names

DEMO = ROOT / "data" / "demo"


def test_demo_cassette_runs_every_spider_offline(tmp_path):
    result = run_scrapy(["crawlall"], tmp_path / "jobs.db", [DEMO])
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    runs = result.query("SELECT spider, status, new FROM crawl_runs")
    assert sorted(row["spider"] for row in runs) == sorted(spider_names())
    assert all(row["status"] == "finished" and row["new"] > 0 for row in runs), [dict(r) for r in runs]
    assert f"{len(runs)}/{len(runs)} ok" in result.log  # the summary table's total line
    for name in spider_names():
        assert any(line.startswith(name + " ") for line in result.log.splitlines()), name


def test_named_spiders_only_and_a_second_run_is_unchanged(tmp_path):
    db = tmp_path / "jobs.db"
    first = run_scrapy(["crawlall", "jobicy", "hackernews"], db, [DEMO])
    assert first.returncode == 0, first.log[-3000:]
    assert sorted(r["spider"] for r in first.query("SELECT spider FROM crawl_runs")) == ["hackernews", "jobicy"]
    second = run_scrapy(["crawlall", "jobicy", "hackernews"], db, [DEMO])
    assert second.returncode == 0
    assert second.scalar("SELECT sum(new) FROM crawl_runs WHERE id > 2") == 0
    assert second.scalar("SELECT sum(unchanged) FROM crawl_runs WHERE id > 2") == 2 + 3


def test_unknown_spider_is_a_usage_error(tmp_path):
    result = run_scrapy(["crawlall", "no-such-spider"], tmp_path / "jobs.db", [DEMO])
    assert result.returncode != 0
    assert "unknown spider" in result.log


def test_a_failed_spider_makes_the_exit_status_non_zero(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "index.jsonl").write_text("# nothing recorded: every request gets the replay 404\n")
    result = run_scrapy(["crawlall", "remotive", "jobicy"], tmp_path / "jobs.db", [empty, DEMO])
    assert result.returncode == 0  # both answered from the demo
    result = run_scrapy(["crawlall", "remotive"], tmp_path / "other.db", [empty])
    assert result.returncode == 1
    assert "not clean: remotive" in result.log
    assert result.query("SELECT status FROM crawl_runs")[0]["status"] == "failed"

"""Run verdicts, `remotejobs health`, and the small pieces behind the network-fault handling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.cli.main import main
from crawler.middlewares import retry_after_seconds, site_of
from db.health import source_health
from db.postings import PostingStore
from db.schema import open_db
from pipelines.verdict import RunCounts, judge
from spiders.base import looks_blocked, utf8_body


@pytest.mark.parametrize(
    ("counts", "status", "verdict"),
    [
        pytest.param(RunCounts("finished", records=42, postings=42), "finished", "ok", id="ok"),
        pytest.param(RunCounts("finished"), "finished", "empty", id="empty"),
        pytest.param(RunCounts("finished", bad_responses=1, shape_changed=1), "failed", "changed", id="renamed-key"),
        pytest.param(RunCounts("finished", records=10, postings=2, rejected=8), "finished", "changed", id="rejects"),
        pytest.param(RunCounts("finished", request_errors=4, blocked=4), "failed", "blocked", id="403"),
        pytest.param(RunCounts("finished", bad_responses=1, blocked=1), "failed", "blocked", id="challenge"),
        pytest.param(RunCounts("finished", records=9, postings=9, request_errors=1), "partial", "partial", id="500"),
        pytest.param(RunCounts("finished", request_errors=3), "failed", "failed", id="timeouts"),
        pytest.param(RunCounts("shutdown", records=5, postings=5), "failed", "failed", id="killed"),
        pytest.param(
            RunCounts("finished", records=5, postings=5, after_crawl_failed=("lifecycle",)),
            "partial",
            "partial",
            id="after-crawl-failed",
        ),
        pytest.param(RunCounts("finished", records=5, postings=5, decode_errors=2), "finished", "ok", id="decoded"),
    ],
)
def test_verdicts(counts, status, verdict):
    got_status, got_verdict, reason = judge(counts)
    assert (got_status, got_verdict) == (status, verdict)
    assert reason


def test_after_crawl_failure_is_named_in_the_reason():
    _, _, reason = judge(RunCounts("finished", records=5, postings=5, after_crawl_failed=("listings", "lifecycle")))
    assert "after-crawl step(s) failed: listings, lifecycle" in reason


def test_retry_after_header():
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"30") == 30
    assert retry_after_seconds("Fri, 27 Nov 2026 12:01:00 GMT", now=now) == 60
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_sites_of_urls():
    assert site_of("https://alpenrad.jobs.personio.de/xml") == "personio.de"
    assert site_of("https://www.personio.com/") != site_of("https://alpenrad.jobs.personio.de/xml")


def test_bodies_decoded_not_lost():
    assert utf8_body(b"\xef\xbb\xbf<rss/>") == (b"<rss/>", 0)
    fixed, replaced = utf8_body('{"city": "Zürich"}'.encode("latin-1"))
    assert replaced == 1 and fixed.decode() == '{"city": "Z\ufffdrich"}'
    declared = b'<?xml version="1.0" encoding="ISO-8859-1"?><rss>\xe9</rss>'
    assert utf8_body(declared) == (declared, 0)  # the XML parser reads its declared encoding


def test_challenge_and_login_pages():
    assert looks_blocked(b"<html><head><title>Just a moment...</title>")
    assert looks_blocked(b'<form><input type="password" name="pw"></form>')
    assert not looks_blocked(b'{"jobs": [{"title": "Security engineer (access control)"}]}')


def _run(store: PostingStore, spider: str, verdict: str, items: int, at: str) -> None:
    run_id = store.start_run(spider, at)
    status = {"ok": "finished", "empty": "finished", "partial": "partial"}.get(verdict, "failed")
    store.finish_run(run_id, status=status, verdict=verdict, verdict_reason=f"{verdict} reason", items_scraped=items)


def test_health_levels_streaks_and_drops(tmp_path, capsys):
    db_path = tmp_path / "jobs.db"
    db = open_db(db_path)
    store = PostingStore(db)
    for day in range(1, 9):  # remotive: 8 ok days of ~40 jobs, then 12 jobs (a drop)
        _run(store, "remotive", "ok", 40 + day, f"2026-11-{day:02d}T06:00:00+00:00")
    _run(store, "remotive", "ok", 12, "2026-11-09T06:00:00+00:00")
    assert main(["health", "--db", str(db_path)]) == 1  # degraded: the drop
    assert "DROP over 50%" in capsys.readouterr().out

    _run(store, "remoteok", "ok", 90, "2026-11-08T06:00:00+00:00")
    _run(store, "remoteok", "blocked", 0, "2026-11-09T06:00:00+00:00")
    _run(store, "remoteok", "blocked", 0, "2026-11-10T06:00:00+00:00")
    health = {h.spider: h for h in source_health(db)}
    assert (health["remoteok"].verdict, health["remoteok"].streak, health["remoteok"].level) == ("blocked", 2, 2)
    assert health["remoteok"].last_ok_at == "2026-11-08T06:00:00+00:00"
    assert health["remotive"].median_clean == 45 and health["remotive"].dropped  # median of the 7 ok runs before
    assert main(["health", "--db", str(db_path)]) == 2
    out = capsys.readouterr().out
    assert "failing   remoteok" in out and "why: blocked reason" in out

    _run(store, "remoteok", "ok", 88, "2026-11-11T06:00:00+00:00")
    _run(store, "remotive", "ok", 45, "2026-11-11T06:00:00+00:00")
    assert main(["health", "--db", str(db_path)]) == 0
    db.close()


@pytest.fixture
def one_posting_db(tmp_path):
    """A database with one posting whose company is a spreadsheet formula, placed into a listing."""
    from crawler.scope import CrawlScope
    from pipelines.after_crawl import platform_facts, run_after_crawl

    db_path = tmp_path / "jobs.db"
    db = open_db(db_path)
    store = PostingStore(db)
    run_id = store.start_run("remotive")
    posting = {"source": "remotive", "source_id": "1", "url": "https://remotive.com/1", "title": "Data engineer",
               "company": '=HYPERLINK("http://evil.example","click")', "raw": {}}  # fmt: skip
    store.write_batch(run_id, [posting], [])
    run_after_crawl(db, run_id=run_id, scope=CrawlScope("remotive"), status="finished", facts=platform_facts())
    db.close()
    return db_path


@pytest.mark.parametrize("text", ['"', '""', '" "'])
def test_search_text_without_words_is_a_clear_error(one_posting_db, capsys, text):
    assert main(["search", text, "--db", str(one_posting_db)]) == 2
    out, err = capsys.readouterr()
    assert "no words to search for" in err and "Traceback" not in out + err


def test_csv_export_neutralises_formulas(one_posting_db, capsys):
    assert main(["export", "--table", "postings", "--format", "csv", "--db", str(one_posting_db)]) == 0
    out = capsys.readouterr().out
    assert "'=HYPERLINK(" in out and ",=HYPERLINK" not in out and ',"=HYPERLINK' not in out

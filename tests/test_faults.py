"""Network faults over a real socket: real recorded bodies served by a local server with scripted
faults, fetched through Scrapy's whole download stack (tests/faultserver.py).

A baseline database is crawled once with good answers (Remotive's real feed, two real Greenhouse
boards, We Work Remotely's six recorded feeds); each scenario then crawls a copy of it while one
source misbehaves, and checks what was stored and rejected, the run's verdict, that nothing was
closed, that no traceback was logged, and the exit status of ``scrapy crawl``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import forkrun
from tests.conftest import ROOT, realdata
from tests.faultserver import FaultServer, Script, Step, gzipped, redirect, send, serve

REMOTIVE = "https://remotive.com/api/remote-jobs"
GREENHOUSE = "https://boards-api.greenhouse.io/v1/boards/{}/jobs?content=true"
WWR_FEEDS = [
    "remote-programming-jobs", "remote-full-stack-programming-jobs", "remote-back-end-programming-jobs",
    "remote-front-end-programming-jobs", "remote-devops-sysadmin-jobs", "remote-design-jobs",
    "remote-customer-support-jobs", "remote-sales-and-marketing-jobs", "remote-management-and-finance-jobs",
    "remote-product-jobs", "all-other-remote-jobs",
]  # fmt: skip
WWR_URLS = [f"https://weworkremotely.com/categories/{f}.rss" for f in WWR_FEEDS] + [
    "https://weworkremotely.com/remote-jobs.rss"
]
#: A valid feed without items (our own), for the feeds the real cassette did not record.
EMPTY_FEED = b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title></channel></rss>'
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=2", "DOWNLOAD_TIMEOUT=3", "LOG_LEVEL=INFO",
        "MIN_INTERVAL_ENABLED=False")  # fmt: skip


def body_of(cassette: str, url_part: str = "") -> bytes:
    folder = realdata(cassette)
    for line in (folder / "index.jsonl").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            entry = json.loads(line)
            if url_part in entry["url"]:
                return (folder / entry["body"]).read_bytes()
    raise AssertionError(f"{url_part} not in {cassette}")


def good_answers(script: Script) -> None:
    script.set(REMOTIVE, send(body_of("remotive")))
    for board in ("brave", "carta"):
        script.set(GREENHOUSE.format(board), send(body_of("greenhouse-boards", f"/{board}/")))
    recorded = {
        json.loads(line)["url"] for line in (realdata("weworkremotely") / "index.jsonl").read_text().splitlines()
    }
    for url in WWR_URLS:
        body = body_of("weworkremotely", url) if url in recorded else EMPTY_FEED
        script.set(url, send(body, content_type="application/rss+xml"))


@dataclass
class Crawl:
    returncode: int
    log: str
    db_path: Path
    counts: dict[str, int] = field(default_factory=dict)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    @property
    def run(self) -> sqlite3.Row:
        return self.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]

    def scalar(self, sql: str, params: tuple[object, ...] = ()) -> object:
        return self.query(sql, params)[0][0]


def crawl(server: FaultServer, db_path: Path, spider: str, *args: str, settings: tuple[str, ...] = ()) -> Crawl:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *args, "-s", f"JOBS_DB={db_path}",
           "-s", f"FAULT_SERVER={server.url}"]  # fmt: skip
    for setting in (*FAST, *settings):
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "RECORD_DIR", "JOBS_DB"}}
    env["SCRAPY_SETTINGS_MODULE"] = "tests.fault_settings"
    proc = forkrun.run(cmd, cwd=ROOT, timeout=180, env=env)
    return Crawl(proc.returncode, proc.stdout + proc.stderr, db_path)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    yield from serve()


@pytest.fixture(scope="module")
def baseline(server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database after one good crawl of each source."""
    db_path = tmp_path_factory.mktemp("baseline") / "jobs.db"
    good_answers(server.script)
    for spider, args in (("remotive", ()), ("greenhouse", ("-a", "boards=brave,carta")), ("weworkremotely", ())):
        result = crawl(server, db_path, spider, *args)
        assert result.returncode == 0 and result.run["verdict"] == "ok", (spider, result.log[-3000:])
    return db_path


@dataclass
class Scenario:
    spider: str
    faults: Callable[[Script], None]
    verdict: str
    exit: int
    #: postings of the source seen in the faulty run (None: not checked)
    seen: int | None = None
    args: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    #: a stat the run must have counted
    stat: str | None = None
    rejected: int = 0


def remotive_body() -> bytes:
    return body_of("remotive")


def renamed_key() -> bytes:
    data = json.loads(remotive_body())
    data["results"] = data.pop("jobs")
    return json.dumps(data).encode()


def latin1_declared_utf8() -> bytes:
    # one job's title gets a byte that is not UTF-8 (é in latin-1); the other 41 must survive
    data = json.loads(remotive_body())
    data["jobs"][0]["title"] = data["jobs"][0]["title"] + " \u00e9quipe"
    return json.dumps(data, ensure_ascii=False).encode("latin-1", errors="replace")


def one_title_missing() -> bytes:
    data = json.loads(remotive_body())
    data["jobs"][0]["title"] = ""
    return json.dumps(data).encode()


REMOTIVE_JOBS = 42
BIG = json.dumps({"jobs": [], "padding": "x" * 300_000}).encode()
LOGIN_PAGE = b'<html><head><title>Log in</title></head><body><form><input type="password"></form></body></html>'
CHALLENGE = b"<html><head><title>Just a moment...</title></head><body>cf-challenge</body></html>"

SCENARIOS: dict[str, Scenario] = {
    "429 Retry-After then 200": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(b"slow down", 429, "text/plain", **{"Retry-After": "1"}),
                                    send(remotive_body())),
        "ok", 0, REMOTIVE_JOBS, stat="jobs/retry_after_waits"),
    "503 twice then 200": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(b"busy", 503, "text/plain"), send(b"busy", 503, "text/plain"),
                                    send(remotive_body())),
        "ok", 0, REMOTIVE_JOBS),
    "one board always 500": Scenario(
        "greenhouse", lambda s: s.set(GREENHOUSE.format("brave"), send(b"oops", 500, "text/html")),
        "partial", 1, None, args=("-a", "boards=brave,carta")),
    "connection closed mid-body": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, Step("close_mid_body", body=remotive_body())), "failed", 1, 0),
    "no answer (timeout)": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, Step("hang", seconds=5)), "failed", 1, 0,
        settings=("RETRY_TIMES=0", "DOWNLOAD_TIMEOUT=1")),
    "truncated JSON with 200": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(remotive_body()[:5000])), "failed", 1, 0),
    "HTML challenge page with 200": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(CHALLENGE, 200, "text/html")), "blocked", 1, 0),
    "empty job list": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(b'{"job-count": 0, "jobs": []}')), "empty", 0, 0),
    "renamed jobs key": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(renamed_key())), "changed", 1, 0, stat="jobs/shape_changed"),
    "latin-1 bytes declared UTF-8": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(latin1_declared_utf8())), "ok", 0, REMOTIVE_JOBS,
        stat="jobs/decode_errors"),
    "UTF-8 BOM on a feed": Scenario(
        "weworkremotely", lambda s: s.set(WWR_URLS[0], send(b"\xef\xbb\xbf" + body_of("weworkremotely", WWR_FEEDS[0]),
                                                            content_type="application/rss+xml")),
        "ok", 0, None),
    "gzip": Scenario("remotive", lambda s: s.set(REMOTIVE, gzipped(remotive_body())), "ok", 0, REMOTIVE_JOBS),
    "oversized body": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(BIG)), "failed", 1, 0,
        settings=("DOWNLOAD_MAXSIZE=200000", "DOWNLOAD_WARNSIZE=100000")),
    "redirect loop": Scenario(
        "greenhouse", lambda s: (s.set(GREENHOUSE.format("brave"), redirect(GREENHOUSE.format("carta"))),
                                 s.set(GREENHOUSE.format("carta"), redirect(GREENHOUSE.format("brave")))),
        "failed", 1, 0, args=("-a", "boards=brave,carta"), stat="jobs/redirect_loops"),
    "redirect to a login page elsewhere": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, redirect("https://accounts.example.com/login")), "failed", 1, 0,
        stat="jobs/offsite_redirects"),
    "redirect to a login page on the site": Scenario(
        "remotive", lambda s: (s.set(REMOTIVE, redirect("https://remotive.com/login")),
                               s.set("https://remotive.com/login", send(LOGIN_PAGE, 200, "text/html"))),
        "blocked", 1, 0),
    "one feed answers an empty list": Scenario(  # the design feed: its jobs are in no other recorded feed
        "weworkremotely", lambda s: s.set(WWR_URLS[5], send(EMPTY_FEED, content_type="application/rss+xml")),
        "ok", 0, None),
    "a record rejected (still on the site)": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, send(one_title_missing())), "ok", 0, REMOTIVE_JOBS - 1, rejected=1),
    "slow drip": Scenario(
        "remotive", lambda s: s.set(REMOTIVE, Step("drip", body=remotive_body(), seconds=0.05, chunks=15)),
        "ok", 0, REMOTIVE_JOBS),
}  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault(name: str, server: FaultServer, baseline: Path, tmp_path: Path) -> None:
    scenario = SCENARIOS[name]
    db_path = tmp_path / "jobs.db"
    shutil.copy(baseline, db_path)
    good_answers(server.script)
    scenario.faults(server.script)
    open_before = _open_postings(db_path, scenario.spider)

    result = crawl(server, db_path, scenario.spider, *scenario.args, settings=scenario.settings)

    run = result.run
    assert "Traceback" not in result.log, result.log[-4000:]
    assert (run["verdict"], result.returncode) == (scenario.verdict, scenario.exit), (
        dict(run),
        result.log[-3000:],
    )
    assert run["closed_postings"] == 0, run["lifecycle_note"]
    assert _open_postings(db_path, scenario.spider) >= open_before  # nothing closed
    if scenario.seen is not None:
        seen = result.scalar(
            "SELECT COUNT(*) FROM postings WHERE source = ? AND last_run_id = ?", (scenario.spider, run["id"])
        )
        assert seen == scenario.seen
    assert run["rejected"] == scenario.rejected
    if scenario.stat:
        assert json.loads(run["stats_json"]).get(scenario.stat, 0) > 0, scenario.stat


def _open_postings(db_path: Path, source: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM postings WHERE source = ? AND closed_at IS NULL", (source,))
                   .fetchone()[0])  # fmt: skip
    finally:
        conn.close()


@pytest.mark.realdata
def test_a_run_too_soon_is_skipped_and_says_when(server: FaultServer, baseline: Path, tmp_path: Path) -> None:
    """Remotive asks for about 4 calls a day: a run within 6 h of the last one asks nothing."""
    db_path = tmp_path / "jobs.db"
    shutil.copy(baseline, db_path)
    good_answers(server.script)
    hits = server.script.hits.get("/remotive.com/api/remote-jobs", 0)
    result = crawl(server, db_path, "remotive", settings=("MIN_INTERVAL_ENABLED=True",))
    run = result.run
    assert (run["status"], run["verdict"], result.returncode) == ("skipped", "skipped", 0), result.log[-3000:]
    assert "next allowed at" in run["verdict_reason"] and "Traceback" not in result.log
    assert server.script.hits.get("/remotive.com/api/remote-jobs", 0) == hits  # the platform was not asked
    assert result.scalar("SELECT COUNT(*) FROM postings WHERE closed_at IS NOT NULL") == 0


def test_requests_say_who_crawls_and_how_to_reach_them(server: FaultServer, baseline: Path) -> None:
    headers = server.script.headers["/remotive.com/api/remote-jobs"]
    agent = headers.get("User-Agent", "")
    assert agent.startswith("remotejobs/") and "+https://" in agent and "{contact}" not in agent
    assert headers.get("Accept-Language") == "en" and "application/json" in headers.get("Accept", "")

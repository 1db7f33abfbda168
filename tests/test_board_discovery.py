"""Board discovery: the pattern table row by row, the scan over every aggregator cassette compared
with an independent count, a discovered board crawled end to end, and 404s turning a board inactive."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import tracemalloc
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

import db.boards as boards_module
import pipelines.after_crawl as after_crawl
from crawler.cli.main import main
from db.boards import INACTIVE_AFTER_404S, discover_boards_of_run, find_boards, load_patterns
from db.postings import PostingStore
from db.schema import open_db
from pipelines.after_crawl import BoardScan, find_boards_of_run
from spiders.base import AtsBoardSpider
from tests.conftest import REALDATA, cassette_bodies, json_strings, realdata, run_scrapy
from tests.spiders.test_hackernews import algolia_cassette

#: (url as found in a real cassette under ../shared/realdata, ats, board); every pattern row needs one.
REAL_ADDRESSES = [
    ("https://job-boards.greenhouse.io/vercel/jobs/5999792004", "greenhouse", "vercel"),
    ("https://boards.greenhouse.io/cloudflare/jobs/6425633?gh_jid=6425633", "greenhouse", "cloudflare"),
    ("https://boards.greenhouse.io/embed/job_app?token=7339077&for=brave", "greenhouse", "brave"),
    ("https://jobs.lever.co/close.io/a1b2c3d4. Apply today", "lever", "close.io"),
    ("https://jobs.eu.lever.co/malt/5549f929-b192-43aa-8c1e-d7811f673e1f", "lever", "eu:malt"),
    ("https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;squint.ai", "ashby", "squint.ai"),
    ("https://jobs.smartrecruiters.com/Ubisoft2/744000151872065", "smartrecruiters", "Ubisoft2"),
    ("https://apply.workable.com/fleetio/j/7C4D3A2B1E/", "workable", "fleetio"),
    ("https:&#x2F;&#x2F;crazygames.recruitee.com&#x2F;o&#x2F;programmatic-manager", "recruitee", "crazygames"),
    ("https://eventfirst.jobs.personio.com/job/1646275", "personio", "eventfirst"),
    (
        "https://arrowstreetcapital.wd5.myworkdayjobs.com/en-US/Campus_Careers/job/Boston/Quantitative-Researcher_R1066-5",
        "workday",
        "arrowstreetcapital.wd5.myworkdayjobs.com/Campus_Careers",
    ),
    (
        "https://arrowstreetcapital.wd5.myworkdayjobs.com/wday/cxs/arrowstreetcapital/Campus_Careers/jobs",
        "workday",
        "arrowstreetcapital.wd5.myworkdayjobs.com/Campus_Careers",
    ),
    ("https://toters.bamboohr.com/careers/565", "bamboohr", "toters"),
    ("https:&#x2F;&#x2F;tramcase.na.teamtailor.com&#x2F;jobs", "teamtailor", "tramcase.na"),
    ("https://tabby.pinpointhq.com/en/postings/8afc0d43-fc8e-4daf-9854-745aea71ae6d", "pinpoint", "tabby"),
    ("https://avantos.breezy.hr/p/0123abcd-engineer", "breezy", "avantos"),
    ("https:&#x2F;&#x2F;ats.rippling.com&#x2F;en-US&#x2F;hqo&#x2F;jobs", "rippling", "hqo"),
    ("https://ats.rippling.com/api/v2/board/rippling/jobs?page=0&pageSize=2", "rippling", "rippling"),
    ("https://join.com/companies/alteos/16769212-customer-care", "join", "alteos"),
    ("https://palomats.zohorecruit.com/jobs/Careers/542125000002018337/Computer", "zohorecruit", "palomats"),
    ("https://jobs.gem.com/gem/4965519002", "gem", "gem"),
]  # fmt: skip

#: Addresses on ATS hosts that are not boards (found in the same cassettes).
NOT_BOARDS = [
    '<img src="https://gallery-cdn.breezy.hr/9ad68/libs.png">',
    "https://apply.workable.com/j/2E97BD0B53",
    "https://apply.workable.com/api/v3/accounts/bg-prevent/jobs",
    "https://boards.greenhouse.io/embed/job_board/js",
    "https://api.lever.co/v0/postings/spotify",
    "https://www.bamboohr.com/pricing",
    "https://medtronic.wd1.myworkdayjobs.com/medtroniccaree...",  # Hacker News' shortened link text
]


@pytest.mark.parametrize(("text", "ats", "board"), REAL_ADDRESSES, ids=[f"{a}-{b}" for _, a, b in REAL_ADDRESSES])
def test_each_address_form_gives_its_board(text, ats, board):
    assert find_boards([text]) == [(ats, board)]


def test_every_pattern_row_has_a_real_example():
    for pattern in load_patterns():
        hits = [
            text
            for text, ats, _ in REAL_ADDRESSES
            if ats == pattern.ats and any(pattern.boards_in(html.unescape(text)))
        ]
        assert hits, f"no example for {pattern.ats} {pattern.regex.pattern}"


def test_each_needle_is_in_every_match_of_its_regex():
    """The needle only skips texts the regex cannot match: every match of the real examples holds it."""
    for pattern in load_patterns():
        matches = [m.group(0) for text, _, _ in REAL_ADDRESSES for m in pattern.regex.finditer(html.unescape(text))]
        assert matches, f"no example for {pattern.ats} {pattern.regex.pattern}"
        assert all(pattern.needle in match.lower() for match in matches), (pattern.needle, matches)


@pytest.mark.parametrize("text", NOT_BOARDS)
def test_ats_hosts_that_are_not_boards(text):
    assert find_boards([text]) == []


def test_patterns_name_ats_spiders_and_every_ats_spider_has_a_pattern():
    loader = SpiderLoader.from_settings(get_project_settings())
    ats_spiders = {name for name in loader.list() if issubclass(loader.load(name), AtsBoardSpider)}
    assert {pattern.ats for pattern in load_patterns()} == ats_spiders


def test_two_spellings_of_one_board_count_once():
    found = find_boards(["https://jobs.ashbyhq.com/Lambda", "see jobs.ashbyhq.com/lambda/123"])
    assert found == [("ashby", "Lambda")]


# -- every aggregator cassette, replayed into one database ------------------------------------------

#: the salary index is not what this module checks: not rebuilt after each crawl (ten rounds in one fixture)
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "SALARY_INDEX_AFTER_CRAWL=False")
JSONLD_PAGE = (
    "https://remoteok.com/remote-jobs/remote-werkstudent-in-projektmanagement-amp-client-service-applike-group-1093848"
)
#: Every real cassette of a spider that is not an ATS (hn-algolia has no spider), as crawl rounds:
#: (spiders, cassettes, args); a round with several spiders is one ``scrapy crawlall`` (their URLs differ).
AGGREGATOR_ROUNDS = [
    (["arbeitnow", "remoteok", "remotive", "weworkremotely", "himalayas", "jobicy", "workingnomads", "nodesk",
      "jobspresso", "euremotejobs", "fourdayweek", "landingjobs"],
     ["arbeitnow-2026-02-12a", "remoteok", "remotive", "weworkremotely", "himalayas", "jobicy", "workingnomads",
      "nodesk", "jobspresso", "euremotejobs", "fourdayweek", "landingjobs"], ("-a", "max_pages=1")),
    (["arbeitnow", "remoteok", "remotive", "weworkremotely", "workingnomads"],
     ["arbeitnow-2026-02-12b", "remoteok-2026", "remotive-fixture", "weworkremotely-2026", "workingnomads-2026-09"],
     ()),
    # each spider takes its own arguments and keeps the others' unused (arbeitnow's one page is recorded)
    (["arbeitnow", "remotive", "himalayas", "jobicy", "jsonld"],
     ["arbeitnow-2026-02-13", "remotive-2026-09-22", "himalayas-2026-09", "jobicy-2026-09", "remoteok-jsonld"],
     ("-a", "category=software-dev", "-a", "limit=2", "-a", "max_pages=1", "-a", "count=2",
      "-a", "industry=engineering", "-a", f"urls={JSONLD_PAGE}")),
    (["hackernews"], ["hn-2026-01"], ("-a", "thread=46466074")),
    (["hackernews"], ["hn-2026-02"], ("-a", "thread=46857488")),
    (["hackernews"], ["hn-2026-03"], ("-a", "thread=47219668")),
]  # fmt: skip


def hn_thread_first(folder: Path, cassette: str) -> Path:
    """Algolia's answer for a real HN thread, built from its recorded Firebase bodies: the spider
    then asks one URL instead of one per comment (~400), and stores the same postings
    (tests/spiders/test_hackernews.py checks that). What is read for boards is the same."""
    return algolia_cassette(folder, cassette)


@pytest.fixture(scope="module")
def aggregators_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple[str, str]]]:
    """Every round into one database, and the boards an independent reading finds in what each round
    stored (read after each round: a later snapshot of the same job may replace its text)."""
    db_path = tmp_path_factory.mktemp("aggregators") / "jobs.db"
    expected: set[tuple[str, str]] = set()
    for spiders, cassettes, args in AGGREGATOR_ROUNDS:
        command = ["crawlall", *spiders, *args] if len(spiders) > 1 else ["crawl", *spiders, *args]
        before = run_ids(db_path)
        replay = [realdata(c) for c in cassettes]
        if spiders == ["hackernews"]:  # the thread in one request (see hn_thread_first)
            replay.insert(0, hn_thread_first(db_path.parent / f"algolia-{cassettes[0]}", cassettes[0]))
        result = run_scrapy(command, db_path, replay, *FAST)
        assert "Traceback" not in result.log, (cassettes, result.log[-3000:])
        expected |= independent_boards(db_path, before)
    conn = sqlite3.connect(db_path)
    runs = conn.execute("SELECT count(*), sum(new) FROM crawl_runs").fetchone()
    conn.close()
    assert runs[0] == sum(len(spiders) for spiders, _, _ in AGGREGATOR_ROUNDS) and runs[1] > 1000
    return db_path, expected


def run_ids(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0])
    finally:
        conn.close()


def independent_boards(db_path: Path, after_run: int) -> set[tuple[str, str]]:
    """Boards in the raw JSON of the postings runs after ``after_run`` stored, by URL parsing."""
    conn = sqlite3.connect(db_path)
    found = set()
    for (raw,) in conn.execute("SELECT raw_json FROM postings WHERE last_run_id > ?", [after_run]):
        for text in json_strings(json.loads(raw)):
            for url in URL.findall(html.unescape(text)):
                if (board := board_of(url)) is not None:
                    found.add((board[0], board[1].lower()))
    conn.close()
    return found


#: Anything that looks like a web address, with or without its scheme.
URL = re.compile(r"(?:https?://)?(?:[\w-]+\.)+(?:com|io|co|de|hr)(?:/[^\s\"'<>()\[\]]*)?", re.I)
HOST_BOARDS = {".recruitee.com": "recruitee", ".bamboohr.com": "bamboohr", ".teamtailor.com": "teamtailor",
               ".pinpointhq.com": "pinpoint", ".breezy.hr": "breezy", ".zohorecruit.com": "zohorecruit",
               ".jobs.personio.de": "personio", ".jobs.personio.com": "personio"}  # fmt: skip
PATH_BOARDS = {"boards.greenhouse.io": "greenhouse", "job-boards.greenhouse.io": "greenhouse",
               "jobs.lever.co": "lever", "jobs.ashbyhq.com": "ashby", "apply.workable.com": "workable",
               "jobs.smartrecruiters.com": "smartrecruiters", "careers.smartrecruiters.com": "smartrecruiters",
               "jobs.gem.com": "gem"}  # fmt: skip
NOT_A_BOARD = {"www", "app", "api", "gallery-cdn", "j", "embed", "wday", "jobs", "oneclick-ui"}
LOCALE = re.compile(r"[a-z]{2}-[a-z]{2}", re.I)


def board_of(url: str) -> tuple[str, str] | None:
    """A second, independent reading: parse each address and decide by host and path segments."""
    if url.endswith(("...", "\u2026")):  # link text shortened for display: the href has the address
        return None
    parts = urlsplit(url if "://" in url else "https://" + url)
    host, path = (parts.hostname or "").lower(), [s for s in parts.path.split("/") if s]
    first = path[0] if path else ""
    if host in PATH_BOARDS and first and first.lower() not in NOT_A_BOARD:
        return PATH_BOARDS[host], first.rstrip(".")
    if host == "jobs.eu.lever.co" and first:
        return "lever", "eu:" + first.rstrip(".")
    if host == "boards.greenhouse.io" and first == "embed" and "for" in parse_qs(parts.query):
        return "greenhouse", parse_qs(parts.query)["for"][0]
    if host == "join.com" and first == "companies" and len(path) > 1:
        return "join", path[1]
    if host == "ats.rippling.com" and path:
        board = path[1] if LOCALE.fullmatch(first) and len(path) > 1 else first
        board = path[3] if board == "api" and len(path) > 3 and path[2] == "board" else board
        return ("rippling", board) if board.lower() not in NOT_A_BOARD else None
    workday = re.fullmatch(r"([\w-]+)\.(wd\d+)\.myworkdayjobs\.com", host)
    if workday and path:
        site = (
            path[3]
            if first == "wday" and len(path) > 3
            else path[1]
            if LOCALE.fullmatch(first) and len(path) > 1
            else first
        )
        return "workday", f"{host}/{site}"
    for suffix, ats in HOST_BOARDS.items():
        if host.endswith(suffix) and host.removesuffix(suffix).split(".")[0] not in NOT_A_BOARD:
            return ats, host.removesuffix(suffix)
    return None


@pytest.mark.realdata
@pytest.mark.timeout(1200)  # 25 spider runs in 6 rounds, three of them hundreds of HN comments
def test_replaying_every_aggregator_fills_boards_with_what_their_postings_link_to(aggregators_db):
    db_path, expected = aggregators_db
    conn = sqlite3.connect(db_path)
    stored = {(ats, board.lower()) for ats, board in conn.execute("SELECT ats, board FROM boards")}
    assert stored == expected, (sorted(stored - expected), sorted(expected - stored))
    per_ats = dict(conn.execute("SELECT ats, count(*) FROM boards GROUP BY ats").fetchall())
    print("boards discovered per ATS:", json.dumps(per_ats, sort_keys=True), "total", len(stored))
    assert {"greenhouse", "lever", "ashby", "workable", "recruitee", "bamboohr", "breezy", "workday"} <= set(per_ats)
    linked_from = "SELECT DISTINCT p.source FROM boards b JOIN postings p ON p.id = b.found_in_posting"
    assert {"hackernews", "weworkremotely", "remotive", "jobspresso"} <= {row[0] for row in conn.execute(linked_from)}
    conn.close()


@pytest.mark.realdata
def test_a_discovered_board_is_crawled_end_to_end(tmp_path):
    db_path = tmp_path / "jobs.db"
    thread = [hn_thread_first(tmp_path / "algolia", "hn-2026-01"), realdata("hn-2026-01")]
    hn = run_scrapy(["crawl", "hackernews", "-a", "thread=46466074"], db_path, thread, *FAST)
    assert hn.returncode == 0, hn.log[-3000:]
    conn = sqlite3.connect(db_path)
    found = [row[0] for row in conn.execute("SELECT board FROM boards WHERE ats = 'greenhouse' ORDER BY board")]
    assert {"brave", "cloudflare"} <= set(found)  # HN comments link to their Greenhouse boards
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "greenhouse.txt").write_text("# nothing listed: only the boards found in postings\n")
    # greenhouse-boards recorded brave and cloudflare (among others); the other found boards get the replay 404
    result = run_scrapy(["crawl", "greenhouse"], db_path, [realdata("greenhouse-boards")], f"BOARDS_DIR={lists}", *FAST)
    assert result.returncode == 0, result.log[-3000:]
    run = conn.execute("SELECT status, new, stats_json FROM crawl_runs WHERE spider = 'greenhouse'").fetchone()
    stats = json.loads(run[2])
    assert (run[0], stats["boards/listed"], stats["boards/discovered"]) == ("finished", 0, len(found))
    folder = realdata("greenhouse-boards")
    recorded = {p.stem for p in folder.glob("*.json")} & set(found)
    expected = sum(len(json.loads((folder / f"{board}.json").read_text())["jobs"]) for board in recorded)
    assert recorded == {"brave", "cloudflare"} and run[1] == expected
    assert sorted(stats["boards/not_found"]) == sorted(set(found) - recorded)
    companies = dict(
        conn.execute("SELECT company, count(*) FROM postings WHERE source = 'greenhouse' GROUP BY company")
    )
    assert set(companies) == {"Brave", "Cloudflare"}
    not_found = conn.execute("SELECT count(*) FROM boards WHERE consecutive_404s = 1").fetchone()[0]
    assert not_found == len(found) - 2
    conn.close()


def test_three_404_runs_in_a_row_make_a_board_inactive(tmp_path):
    empty = tmp_path / "cassette"
    empty.mkdir()
    (empty / "index.jsonl").write_text("# nothing recorded: every board answers the replay 404\n")
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "gem.txt").write_text("")
    db_path = tmp_path / "jobs.db"
    assert main(["boards", "--db", str(db_path), "add", "gem", "gone-company"]) == 0
    for run in range(1, INACTIVE_AFTER_404S + 1):
        result = run_scrapy(["crawl", "gem"], db_path, [empty], f"BOARDS_DIR={lists}", *FAST)
        assert result.returncode == 0, result.log[-3000:]
        conn = sqlite3.connect(db_path)
        status, count, reason = conn.execute("SELECT status, consecutive_404s, reason FROM boards").fetchone()
        conn.close()
        assert count == run
        assert status == ("inactive" if run == INACTIVE_AFTER_404S else "active")
    assert "404 in 3 consecutive crawls" in reason
    # inactive boards are kept but no longer asked
    result = run_scrapy(["crawl", "gem"], db_path, [empty], f"BOARDS_DIR={lists}", *FAST)
    assert "replay: no recording" not in result.log


def test_aggregator_list_covers_every_non_ats_cassette():
    used = {cassette for _, cassettes, _ in AGGREGATOR_ROUNDS for cassette in cassettes}
    if not REALDATA.is_dir():
        pytest.skip("no ../shared/realdata")
    ats_cassettes = {"ashby", "greenhouse", "greenhouse-boards", "lever", "lever-malt", "smartrecruiters",
                     "smartrecruiters-ubisoft", "workable", "workable-v3", "recruitee-channable", "workday",
                     "bamboohr", "teamtailor", "pinpoint", "breezy", "rippling", "join", "zohorecruit", "gem",
                     "hn-algolia"}  # fmt: skip
    folders = {p.name for p in REALDATA.iterdir() if (p / "index.jsonl").is_file()}
    assert folders - ats_cassettes == used


def test_discovery_reads_only_what_a_run_wrote_until_the_patterns_change(tmp_path, monkeypatch):
    """A run's unchanged postings were read when their content was written: only new and changed
    ones are read again, unless data/ats_patterns.csv changed, then every posting the run saw."""
    db = open_db(tmp_path / "jobs.db")
    store = PostingStore(db)

    def posting(source_id: str, board: str) -> dict:
        return {
            "source": "remotive",
            "source_id": source_id,
            "url": f"https://remotive.com/remote-jobs/{source_id}",
            "title": "Engineer",
            "apply_url": f"https://boards.greenhouse.io/{board}/jobs/{source_id}",
            "raw": {"id": source_id},
        }

    def found() -> list[str]:
        return [row[0] for row in db.execute("SELECT board FROM boards ORDER BY board")]

    first = store.start_run("remotive")
    store.write_batch(first, [posting("1", "acme")], [])
    assert discover_boards_of_run(db, "remotive", first) == 1 and found() == ["acme"]

    db.execute("DELETE FROM boards")  # so that a posting read again shows
    second = store.start_run("remotive")
    store.write_batch(second, [posting("1", "acme"), posting("2", "globex")], [])
    assert discover_boards_of_run(db, "remotive", second) == 1 and found() == ["globex"]  # "1" unchanged: not read

    monkeypatch.setattr(boards_module, "patterns_fingerprint", lambda: "a changed pattern table")
    third = store.start_run("remotive")
    store.write_batch(third, [posting("1", "acme"), posting("2", "globex")], [])
    assert discover_boards_of_run(db, "remotive", third) == 1 and found() == ["acme", "globex"]
    db.close()


@pytest.mark.realdata
def test_discovery_reads_postings_a_page_at_a_time(tmp_path):
    """A first crawl's descriptions are hundreds of MB together: discovery holds one page of them
    (measured with tracemalloc), and finds what reading each posting alone finds."""
    jobs = cassette_bodies("remotive")[0]["jobs"]
    db = open_db(tmp_path / "jobs.db")
    store = PostingStore(db)
    run = store.start_run("remotive")
    copies = [
        {"source": "remotive", "source_id": f"{job['id']}-{n}", "url": job["url"], "title": job["title"],
         "apply_url": job["url"], "description_html": job["description"], "raw": {"id": job["id"]}}
        for n in range(48) for job in jobs
    ]  # fmt: skip
    store.write_batch(run, copies, [])
    expected: dict[tuple[str, str], int] = {}
    for posting_id, *texts in db.execute("SELECT id, url, apply_url, description_html FROM postings ORDER BY id"):
        for board in find_boards(texts):
            expected.setdefault(board, posting_id)
    assert expected, "the remotive cassette links to ATS boards"
    description_bytes = sum(len(p["description_html"]) for p in copies)

    tracemalloc.start()
    try:
        discover_boards_of_run(db, "remotive", run)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    stored = {
        (ats, board): found_in for ats, board, found_in in db.execute("SELECT ats, board, found_in_posting FROM boards")
    }
    assert stored == expected
    assert peak < 0.4 * description_bytes, (peak, description_bytes)
    db.close()


def _real_postings_db(path: Path) -> tuple[sqlite_utils.Database, int]:
    """Real Ashby jobs (each on its board; descriptions that link elsewhere) and Remotive jobs
    (descriptions with ATS links), stored twice over with each copy's apply URL on another job's
    board: boards named by several postings, found in id order."""
    jobs = [job for body in cassette_bodies("ashby") if isinstance(body, dict) for job in body.get("jobs") or []]
    postings = [(j["id"], j["jobUrl"], j["title"], j.get("descriptionHtml")) for j in jobs]
    postings += [(j["id"], j["url"], j["title"], j["description"]) for j in cassette_bodies("remotive")[0]["jobs"]]
    db = open_db(path)
    store = PostingStore(db)
    run = store.start_run("ashby")
    copies = [
        {"source": "ashby", "source_id": f"{key}-{n}", "url": url, "title": title, "description_html": text,
         "apply_url": postings[(i * 7 + n) % len(postings)][1], "raw": {"id": key}}
        for n in range(2) for i, (key, url, title, text) in enumerate(postings)
    ]  # fmt: skip
    store.write_batch(run, copies, [])
    return db, run


def _boards(db: sqlite_utils.Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    return (
        db.execute("SELECT ats, board, found_in_posting, status FROM boards ORDER BY ats, board").fetchall(),
        db.execute("SELECT source, patterns FROM board_discovery").fetchall(),
    )


@pytest.mark.realdata
@pytest.mark.parametrize("fails", [False, True], ids=["scan-apart", "scan-apart-fails"])
def test_a_scan_in_another_process_stores_what_the_scan_here_stores(tmp_path, monkeypatch, fails):
    """The after-crawl scan run in a forked process (beside the listings step) leaves the same
    boards, first postings and pattern record as the scan in the crawl process; a failed scanning
    process costs nothing (the step scans here)."""
    here, _ = _real_postings_db(tmp_path / "here.db")
    apart, run = _real_postings_db(tmp_path / "apart.db")
    find_boards_of_run(here, run, "ashby")
    if fails:
        monkeypatch.setattr(after_crawl, "scan_to_file", lambda *args: (_ for _ in ()).throw(OSError("disk full")))
    scan = BoardScan.start(apart, run, "ashby")
    assert scan is not None
    try:
        find_boards_of_run(apart, run, "ashby", scan)
    finally:
        scan.close()
    assert (scan.process.exitcode != 0) is fails
    assert not Path(scan.folder).exists()
    expected = _boards(here)
    assert len(expected[0]) > 20 and expected[1]
    assert _boards(apart) == expected

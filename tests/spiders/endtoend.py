"""One end-to-end replay per spider, all in one ``scrapy crawlall`` run, replayed twice.

Each spider's end-to-end test reads its two crawl_runs rows from a database built by running
``scrapy crawlall`` (the real CLI, engine, middlewares, pipelines and SQLite store) twice over
one cassette per spider. Two processes replace two ``scrapy crawl`` subprocesses per spider: the
start-up and reference-data loading (~3 s of CPU each) were most of the suite's time.

The crawlall run gives every spider the same arguments, so each spider's own ones are set here
and ignored by the others (a spider keeps unknown arguments as attributes); the ATS spiders and
jsonld read their targets from ``BOARDS_DIR/<spider>.txt``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REALDATA, ROOT, CrawlResult, run_scrapy

OWN = ROOT / "tests" / "cassettes"
JSONLD_PAGE = (
    "https://remoteok.com/remote-jobs/remote-werkstudent-in-projektmanagement-amp-client-service-applike-group-1093848"
)
#: The end-to-end cassette of every spider (one each; URLs of different platforms never collide).
CASSETTES: dict[str, Path] = {
    "arbeitnow": REALDATA / "arbeitnow-2026-02-12a",
    "ashby": REALDATA / "ashby",
    "greenhouse": REALDATA / "greenhouse",
    "hackernews": REALDATA / "hn-2026-01",
    "himalayas": REALDATA / "himalayas",
    "jobicy": REALDATA / "jobicy",
    "jsonld": REALDATA / "remoteok-jsonld",
    "lever": REALDATA / "lever",
    "personio": OWN / "personio",
    "recruitee": OWN / "recruitee",
    "remoteok": REALDATA / "remoteok",
    "remotive": REALDATA / "remotive",
    "smartrecruiters": REALDATA / "smartrecruiters-ubisoft",  # recorded at the first-page URL the spider asks
    "weworkremotely": REALDATA / "weworkremotely",
    "workable": REALDATA / "workable",
    "workingnomads": REALDATA / "workingnomads",
    "workday": REALDATA / "workday",
    "bamboohr": REALDATA / "bamboohr",
    "teamtailor": REALDATA / "teamtailor",
    "pinpoint": REALDATA / "pinpoint",
    "breezy": REALDATA / "breezy",
    "join": REALDATA / "join",
    "gem": REALDATA / "gem",
    "zohorecruit": REALDATA / "zohorecruit",
    "fourdayweek": REALDATA / "fourdayweek",
    "landingjobs": REALDATA / "landingjobs",
    "nodesk": REALDATA / "nodesk",
    "jobspresso": REALDATA / "jobspresso",
    "euremotejobs": REALDATA / "euremotejobs",
}
#: BOARDS_DIR/<spider>.txt: the targets of the list-driven spiders, a missing one where the test wants it.
BOARDS = {
    "ashby": (REALDATA / "ashby" / "boards.txt", None),
    "greenhouse": (None, "vercel\nno-such-board"),
    "lever": (None, "spotify"),
    "smartrecruiters": (None, "Ubisoft2"),
    "personio": (None, "alpenrad\ngone-company"),
    "recruitee": (None, "tulipworks\nfjordbyte\nghostboard"),
    "jsonld": (None, JSONLD_PAGE),
    "workday": (REALDATA / "workday" / "boards.txt", None),
    "bamboohr": (REALDATA / "bamboohr" / "boards.txt", None),
    "teamtailor": (REALDATA / "teamtailor" / "boards.txt", None),
    "pinpoint": (REALDATA / "pinpoint" / "boards.txt", None),
    "breezy": (REALDATA / "breezy" / "boards.txt", None),
    "join": (REALDATA / "join" / "boards.txt", None),  # the company id the API takes
    "gem": (REALDATA / "gem" / "boards.txt", None),
    "zohorecruit": (REALDATA / "zohorecruit" / "boards.txt", None),
}
#: Spider arguments: hackernews's thread, workable's search, workday's search text and JOIN's page size as
#: recorded, one page for himalayas, smartrecruiters and JOIN (their later pages are not recorded). rippling's
#: recording needs -a page_size=2, which would change JOIN's too: its own test replays it through the engine.
ARGS = ("thread=46466074", "query=security engineer", "max_pages=1", "search=intern", "page_size=5", "discovered=0")
#: The spider whose crawl is partial on purpose (feeds not recorded): crawlall exits 1 naming it.
PARTIAL = "weworkremotely"


@dataclass
class EndToEnd:
    """The database of the two crawlall runs, and their logs."""

    db: CrawlResult
    logs: tuple[str, str]

    def runs(self, spider: str) -> list[dict[str, Any]]:
        """The spider's crawl_runs rows, first run first."""
        return [dict(r) for r in self.db.query("SELECT * FROM crawl_runs WHERE spider = ? ORDER BY id", (spider,))]


def run_end_to_end(folder: Path) -> EndToEnd:
    boards = folder / "boards"
    boards.mkdir()
    for spider, (path, text) in BOARDS.items():
        (boards / f"{spider}.txt").write_text(path.read_text() if path else f"# end-to-end test\n{text}\n")
    args = [x for arg in ARGS for x in ("-a", arg)]
    logs = []
    for _ in range(2):
        result = run_scrapy(["crawlall", *args], folder / "jobs.db", list(CASSETTES.values()), f"BOARDS_DIR={boards}")
        assert "Traceback" not in result.log, result.log[-4000:]
        assert result.returncode == 1 and f"not clean: {PARTIAL}\n" in result.log, result.log[-4000:]
        logs.append(result.log)
    assert os.pathsep not in str(folder)
    return EndToEnd(result, (logs[0], logs[1]))

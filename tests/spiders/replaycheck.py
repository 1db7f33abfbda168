"""Shared replay assertions: counts on a first and a second identical run.

``check_replay`` checks a spider's end-to-end replay (``scrapy crawlall`` in a subprocess, twice,
into SQLite; tests/spiders/endtoend.py); every spider keeps exactly one. ``check_in_process``
asserts the same counts on an in-process replay (tests/spiders/responses.py): what the store
would count as new, rejected and, on a second run, unchanged (equal content hashes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.conftest import CrawlResult
from tests.spiders.endtoend import EndToEnd
from tests.spiders.responses import SpiderRun, replay_spider, replayed


def check_replay(end_to_end: EndToEnd, spider: str, postings: int, rejects: int = 0) -> list[dict[str, Any]]:
    """The spider's end-to-end replay (tests/spiders/endtoend.py): the first run stored ``postings``
    new postings and ``rejects`` rejects with status finished; the second added nothing (every
    posting unchanged). Returns the two crawl_runs rows."""
    db = end_to_end.db
    runs = end_to_end.runs(spider)
    assert len(runs) == 2, runs
    first, second = runs
    assert (first["status"], first["new"], first["rejected"]) == ("finished", postings, rejects), first
    assert db.scalar("SELECT count(*) FROM rejects WHERE run_id = ?", (first["id"],)) == rejects
    assert db.scalar("SELECT count(*) FROM postings WHERE source = ?", (spider,)) == postings
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, postings), second
    return runs


def check_in_process(
    spider: str, cassettes: Sequence[Path], postings: int, rejects: int = 0, **spider_args: Any
) -> SpiderRun:
    """In-process, the same counts as ``check_replay``: ``postings`` distinct postings and ``rejects``
    rejects, status finished; a second run yields the same postings with the same content hashes
    (the store's test for "unchanged"). Returns the first run."""
    first = replayed(spider, *cassettes, **spider_args)
    assert len(first.rows) == postings
    assert len(first.rejects) == rejects, [r["reason"] for r in first.rejects]
    assert first.status == "finished", first.stats
    second = replay_spider(spider, *cassettes, **spider_args)
    assert second.content_hashes() == first.content_hashes()
    return first


def check_crawl_replay(
    crawl: Callable[..., CrawlResult],
    spider: str,
    cassettes: Sequence[Path],
    postings: int,
    rejects: int = 0,
    args: tuple[str, ...] = (),
    settings: tuple[str, ...] = (),
) -> CrawlResult:
    """``scrapy crawl`` twice in a subprocess: the first run stores ``postings`` new postings and
    ``rejects`` rejects with status finished; the second adds nothing (every posting unchanged)."""
    first = crawl(spider, *cassettes, args=args, settings=settings)
    run = first.last_run
    assert first.scalar("SELECT count(*) FROM postings WHERE source = ?", (spider,)) == postings
    assert (run["status"], run["new"], run["rejected"]) == ("finished", postings, rejects), dict(run)
    assert first.scalar("SELECT count(*) FROM rejects") == rejects

    second = crawl(spider, *cassettes, args=args, settings=settings)
    run = second.last_run
    assert second.scalar("SELECT count(*) FROM postings") == postings
    assert (run["new"], run["updated"], run["unchanged"]) == (0, 0, postings), dict(run)
    assert second.scalar("SELECT count(*) FROM crawl_runs") == 2
    return second


def recorded_at(folder: Path, cassette: Path, url: str, status: int | None = None) -> Path:
    """A cassette replaying ``cassette``'s one real body at ``url``: for a recording whose URL the
    recorder guessed (its README says so), or one the spider now asks differently; not for changing
    what was served, except an error ``status`` for a fault."""
    lines = [json.loads(line) for line in (cassette / "index.jsonl").read_text().splitlines() if line.strip()]
    (entry,) = lines
    folder.mkdir(parents=True, exist_ok=True)
    moved = {**entry, "url": url, "body": str((cassette / entry["body"]).resolve())}
    if status is not None:
        moved["status"] = status
    (folder / "index.jsonl").write_text(json.dumps(moved) + "\n")
    return folder

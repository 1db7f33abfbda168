"""Shared assertion for spider replay tests: counts on a first and a second identical run."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.conftest import CrawlResult


def check_replay(
    crawl: Callable[..., CrawlResult],
    spider: str,
    cassettes: Sequence[Path],
    postings: int,
    rejects: int = 0,
    args: tuple[str, ...] = (),
    settings: tuple[str, ...] = (),
) -> CrawlResult:
    """Replay twice: the first run stores ``postings`` new postings and ``rejects`` rejects with
    status finished; the second adds nothing (every posting unchanged). Returns the result."""
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


def recorded_at(folder: Path, cassette: Path, url: str) -> Path:
    """A cassette replaying ``cassette``'s one real body at ``url``: for a recording whose URL the
    recorder guessed (its README says so), not for changing what was served."""
    lines = [json.loads(line) for line in (cassette / "index.jsonl").read_text().splitlines() if line.strip()]
    (entry,) = lines
    folder.mkdir(parents=True, exist_ok=True)
    moved = {**entry, "url": url, "body": str((cassette / entry["body"]).resolve())}
    (folder / "index.jsonl").write_text(json.dumps(moved) + "\n")
    return folder

"""Shared replay assertions: counts on a first and a second identical run.

``check_replay`` checks a spider's end-to-end replay (``scrapy crawlall`` in a subprocess, twice,
into SQLite; tests/spiders/endtoend.py); every spider keeps exactly one. ``check_in_process``
asserts the same counts on an in-process replay (tests/spiders/responses.py): what the store
would count as new, rejected and, on a second run, unchanged (equal content hashes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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

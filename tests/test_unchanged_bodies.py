"""A listing body that comes back unchanged is not parsed again: its postings are only marked seen,
and the database ends up exactly as when every body is parsed (issue 16)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from tests.conftest import CrawlResult, checked_crawl, copy_database, realdata, snapshot

NO_LIMIT = "MIN_INTERVAL_ENABLED=False"


def _boards_args(folder) -> tuple[str, ...]:
    return ("-a", f"boards_file={folder / 'boards.txt'}")


def _stats(result) -> dict:
    return json.loads(result.last_run["stats_json"])


def _comparable(db) -> dict:
    """What an analyst sees, by the postings' own keys (row ids follow the order responses
    arrive in, which differs between two crawls): every posting column, which postings share a
    listing, the runs' counts and the rejects."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        postings = {
            (row["source"], row["source_id"]): {
                k: row[k]
                for k in row.keys()  # noqa: SIM118 (a Row iterates over its values)
                if k not in {"id", "listing_id", "scraped_at", "spider_hash"}
            }
            for row in conn.execute("SELECT * FROM postings")
        }
        groups: dict[int, set[tuple[str, str]]] = {}
        for row in conn.execute("SELECT listing_id, source, source_id FROM postings"):
            groups.setdefault(row[0], set()).add((row[1], row[2]))
        runs = conn.execute("SELECT spider, status, new, updated, unchanged, rejected FROM crawl_runs ORDER BY id")
        rejects = sorted(tuple(r) for r in conn.execute("SELECT source, source_id, reason FROM rejects"))
        return {
            "postings": postings,
            "listings": sorted(map(sorted, groups.values())),
            "runs": [tuple(r) for r in runs],
            "rejects": rejects,
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """The real boards crawled once into a new database (conftest.py's SHARED_CRAWLS keeps this
    module on one test worker); each test re-runs on a copy of it."""
    cassette, db_path = realdata("greenhouse-boards"), tmp_path_factory.mktemp("first-crawl") / "jobs.db"
    return checked_crawl(db_path, "greenhouse", cassette, args=_boards_args(cassette), settings=(NO_LIMIT,))


@pytest.mark.realdata
def test_unchanged_bodies_are_skipped_and_store_the_same(first_crawl, tmp_path) -> None:
    cassette = realdata("greenhouse-boards")
    args = _boards_args(cassette)
    skip_db, parse_db = tmp_path / "skip.db", tmp_path / "parse.db"
    first = snapshot(first_crawl, skip_db)
    snapshot(first, parse_db)  # the re-run without the skip starts from the very same first run
    boards = len(cassette.joinpath("boards.txt").read_text().split())
    kept = sqlite3.connect(skip_db).execute("SELECT count(*), sum(json_array_length(source_ids)) FROM response_digests")
    bodies, postings = kept.fetchone()
    assert bodies == boards and postings == first.last_run["new"] > 100

    again = checked_crawl(skip_db, "greenhouse", cassette, args=args, settings=(NO_LIMIT,))
    stats = _stats(again)
    assert stats["jobs/unchanged_bodies"] == boards  # no body parsed
    assert stats["jobs/board_unchanged_postings"] == postings
    assert "jobs/skipped_unchanged" not in stats  # no posting reached the spider-hash skip
    assert stats["item_scraped_count"] == boards  # one item per unchanged body, not one per posting
    assert (again.last_run["new"], again.last_run["updated"], again.last_run["unchanged"]) == (0, 0, postings)
    assert again.last_run["items_scraped"] == postings
    assert again.last_run["status"] == "finished"

    # the same re-run parsing every body (SKIP_UNCHANGED off): the same database
    checked_crawl(parse_db, "greenhouse", cassette, args=args, settings=(NO_LIMIT, "SKIP_UNCHANGED=False"))
    skipped, parsed = _comparable(skip_db), _comparable(parse_db)
    assert len(skipped["postings"]) == postings
    for key, posting in parsed["postings"].items():
        for column in ("first_seen_at", "last_seen_at"):  # each crawl's own clock
            posting[column] = skipped["postings"][key][column] = None
    assert skipped == parsed


@pytest.mark.realdata
def test_a_changed_body_is_parsed_again(first_crawl, tmp_path) -> None:
    cassette = tmp_path / "greenhouse-boards"  # a copy: this test edits a body
    shutil.copytree(realdata("greenhouse-boards"), cassette)
    args = _boards_args(cassette)
    db = tmp_path / "jobs.db"
    copy_database(first_crawl.db_path, db)
    body = cassette / "brave.json"
    jobs = json.loads(body.read_bytes())
    jobs["jobs"][0]["title"] = "Principal Browser Engineer"
    body.write_text(json.dumps(jobs))

    again = checked_crawl(db, "greenhouse", cassette, args=args, settings=(NO_LIMIT,))
    stats = _stats(again)
    boards = len(cassette.joinpath("boards.txt").read_text().split())
    assert stats["jobs/unchanged_bodies"] == boards - 1
    assert again.last_run["updated"] == 1
    assert stats["jobs/skipped_unchanged"] == len(jobs["jobs"]) - 1  # the rest of brave: spider-hash skip
    source_id = str(jobs["jobs"][0]["id"])
    assert again.posting("greenhouse", source_id)["title"] == "Principal Browser Engineer"


@pytest.mark.realdata
def test_a_body_with_a_rejected_posting_is_parsed_every_time(tmp_path) -> None:
    """Validation rejects one of brave's postings: that body is not kept (the reject is recorded
    again on every run, as when every body is parsed); the other boards' bodies are."""
    cassette = tmp_path / "greenhouse-boards"
    shutil.copytree(realdata("greenhouse-boards"), cassette)
    body = cassette / "brave.json"
    jobs = json.loads(body.read_bytes())
    jobs["jobs"][0]["absolute_url"] = "not a link"
    body.write_text(json.dumps(jobs))
    db = tmp_path / "jobs.db"
    args = _boards_args(cassette)
    checked_crawl(db, "greenhouse", cassette, args=args, settings=(NO_LIMIT,))
    kept = {row[0] for row in sqlite3.connect(db).execute("SELECT url FROM response_digests")}
    boards = len(cassette.joinpath("boards.txt").read_text().split())
    assert len(kept) == boards - 1 and not any("/brave/" in url for url in kept)

    again = checked_crawl(db, "greenhouse", cassette, args=args, settings=(NO_LIMIT,))
    assert _stats(again)["jobs/unchanged_bodies"] == boards - 1
    assert again.last_run["rejected"] == 1

"""Lifecycle: Arbeitnow's real daily snapshots replayed in date order; unclean crawls close nothing."""

from __future__ import annotations

import pytest

from crawler.scope import CrawlScope
from db.postings import PostingStore
from db.schema import open_db
from listings.lifecycle import apply_lifecycle, judge_run
from normalize.company import normalize_company
from pipelines.after_crawl import platform_facts, run_after_crawl
from tests.conftest import cassette_bodies

SNAPSHOTS = [
    ("arbeitnow-2026-02-12a", "2026-02-12T08:00:00+00:00"),
    ("arbeitnow-2026-02-12b", "2026-02-12T20:00:00+00:00"),
    ("arbeitnow-2026-02-13", "2026-02-13T08:00:00+00:00"),
]


def arbeitnow_postings(cassette: str) -> list[dict]:
    """Our own minimal mapping of the payload (independent of the spider)."""
    postings = []
    for body in cassette_bodies(cassette):
        for record in body["data"]:
            postings.append(
                {
                    "source": "arbeitnow",
                    "source_id": record["slug"],
                    "url": record["url"],
                    "title": record["title"],
                    "company": record["company_name"],
                    "company_norm": normalize_company(record["company_name"]),
                    "location_raw": record["location"],
                    "remote": record["remote"],
                    "description_html": record["description"],
                    "raw": record,
                }
            )
    return postings


def crawl(db, postings, at, status="finished", rejects=()):
    store = PostingStore(db)
    run_id = store.start_run("arbeitnow", at)
    counts = store.write_batch(run_id, postings, list(rejects), seen_at=at)
    run_after_crawl(db, run_id=run_id, scope=CrawlScope("arbeitnow"), status=status, facts=platform_facts())
    items = counts["new"] + counts["updated"] + counts["unchanged"]
    store.finish_run(run_id, status=status, items_scraped=items, **counts)
    return run_id, counts


def run_row(db, run_id):
    cursor = db.execute("SELECT * FROM crawl_runs WHERE id = ?", [run_id])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def open_ids(db):
    return {r[0] for r in db.execute("SELECT source_id FROM postings WHERE closed_at IS NULL")}


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "jobs.db")
    yield database
    database.close()


@pytest.mark.realdata
def test_arbeitnow_snapshots_in_date_order(db):
    batches = [(arbeitnow_postings(name), at) for name, at in SNAPSHOTS]
    slugs = [{p["source_id"] for p in postings} for postings, _ in batches]
    ever: set[str] = set()
    for step, ((postings, at), current) in enumerate(zip(batches, slugs, strict=True)):
        was_open = open_ids(db)
        run_id, counts = crawl(db, postings, at)
        row = run_row(db, run_id)
        # independent computation from the payloads
        assert counts["new"] == len(current - ever), step
        assert counts["updated"] + counts["unchanged"] == len(current & ever), step
        assert row["closed_postings"] == len(was_open - current), step
        assert row["reopened_postings"] == len((ever - was_open) & current), step
        assert row["lifecycle_clean"] == 1
        assert open_ids(db) == current
        ever |= current
    # replaying the first snapshot again reopens what it still lists
    first, at = batches[0][0], "2026-02-14T08:00:00+00:00"
    closed_before = ever - open_ids(db)
    run_id, _ = crawl(db, first, at)
    row = run_row(db, run_id)
    assert row["reopened_postings"] == len(slugs[0] & closed_before) > 0
    assert row["closed_postings"] == len(slugs[2] - slugs[0])
    assert open_ids(db) == slugs[0]
    # listings follow their postings: open while any posting is
    open_listings = db.execute("SELECT COUNT(*) FROM listings WHERE closed_at IS NULL").fetchone()[0]
    listed = db.execute(
        "SELECT COUNT(DISTINCT listing_id) FROM postings WHERE closed_at IS NULL AND listing_id IS NOT NULL"
    ).fetchone()[0]
    assert open_listings == listed
    events = dict(db.execute("SELECT event, COUNT(*) FROM posting_events GROUP BY event").fetchall())
    assert events["reopened"] == row["reopened_postings"]


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("status", "note"),
    [
        pytest.param("failed", "closed nothing: run failed", id="failed"),
        pytest.param("partial", "closed nothing: run partial", id="partial"),
    ],
)
def test_unclean_crawl_closes_nothing(db, status, note):
    first, second = arbeitnow_postings(SNAPSHOTS[0][0]), arbeitnow_postings(SNAPSHOTS[1][0])
    crawl(db, first, SNAPSHOTS[0][1])
    run_id, _ = crawl(db, second[:10], SNAPSHOTS[1][1], status=status)
    row = run_row(db, run_id)
    assert row["closed_postings"] == 0
    assert row["lifecycle_note"].startswith(note)
    assert row["lifecycle_clean"] == 0
    assert db.execute("SELECT COUNT(*) FROM postings WHERE closed_at IS NOT NULL").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM listings WHERE closed_at IS NOT NULL").fetchone()[0] == 0


@pytest.mark.realdata
def test_a_crawl_seeing_under_half_closes_nothing(db):
    first, second = arbeitnow_postings(SNAPSHOTS[0][0]), arbeitnow_postings(SNAPSHOTS[1][0])
    crawl(db, first, SNAPSHOTS[0][1])
    run_id, _ = crawl(db, second[:40], SNAPSHOTS[1][1])
    row = run_row(db, run_id)
    assert row["closed_postings"] == 0
    assert "under 0.5 x the previous clean run's 100" in row["lifecycle_note"]


@pytest.mark.parametrize(
    ("status", "seen", "rejected", "previous", "clean"),
    [
        pytest.param("finished", 100, 0, None, True, id="first-clean-run"),
        pytest.param("finished", 100, 4, 100, True, id="few-rejects"),
        pytest.param("finished", 100, 10, 100, False, id="error-rate-over-threshold"),
        pytest.param("finished", 49, 0, 100, False, id="under-half-of-previous"),
        pytest.param("finished", 50, 0, 100, True, id="exactly-half"),
        pytest.param("finished", 0, 0, None, False, id="nothing-seen"),
        pytest.param("partial", 100, 0, 100, False, id="partial"),
        pytest.param("failed", 100, 0, 100, False, id="failed"),
    ],
)
def test_judge_run(status, seen, rejected, previous, clean):
    verdict, _ = judge_run(
        status=status,
        seen=seen,
        rejected=rejected,
        previous_clean_seen=previous,
        max_error_rate=0.05,
        min_item_ratio=0.5,
    )
    assert verdict is clean


def test_ats_crawl_only_closes_boards_it_saw(db):
    def job(source_id, company):
        return {
            "source": "greenhouse",
            "source_id": source_id,
            "board": company.lower(),
            "url": f"https://x/{source_id}",
            "title": "Engineer",
            "company": company,
            "company_norm": normalize_company(company),
            "raw": {},
        }

    def scope(*boards):
        return CrawlScope("greenhouse", boards=boards, answered=boards)

    store = PostingStore(db)
    run1 = store.start_run("greenhouse", "2026-01-01T00:00:00+00:00")
    store.write_batch(
        run1, [job("1", "Acme"), job("2", "Acme"), job("3", "Globex")], [], seen_at="2026-01-01T00:00:00+00:00"
    )
    apply_lifecycle(db, run_id=run1, scope=scope("acme", "globex"), status="finished", facts=platform_facts())
    run2 = store.start_run("greenhouse", "2026-01-02T00:00:00+00:00")
    store.write_batch(run2, [job("1", "Acme")], [], seen_at="2026-01-02T00:00:00+00:00")
    result = apply_lifecycle(
        db, run_id=run2, scope=scope("acme"), status="finished", facts=platform_facts(), min_item_ratio=0
    )
    assert result.closed == 1  # Acme's job 2; Globex's board was not crawled
    assert {r[0] for r in db.execute("SELECT source_id FROM postings WHERE closed_at IS NULL")} == {"1", "3"}

"""arbeitnow spider against the real Arbeitnow snapshots."""

from __future__ import annotations

import pytest

from db.postings import PostingStore
from db.schema import open_db
from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replayed

SNAPSHOTS = ["arbeitnow-2026-02-12a", "arbeitnow-2026-02-12b", "arbeitnow-2026-02-13"]


def slugs(cassette: str) -> set[str]:
    (body,) = cassette_bodies(cassette)
    return {r["slug"] for r in body["data"]}


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", SNAPSHOTS)
def test_every_job_is_stored_once(cassette):
    # No next link in these snapshots: exactly one request, so a clean run.
    run = check_in_process("arbeitnow", [realdata(cassette)], len(slugs(cassette)))
    assert len(run.requests) == 1


@pytest.mark.realdata
def test_named_record():
    job = replayed("arbeitnow", realdata("arbeitnow-2026-02-12a")).posting(
        "remote-technical-account-manager-dach-munich-256258"
    )
    assert job["title"] == "Technical Account Manager - DACH"
    assert job["company"] == "SolarEdge"
    assert job["location_raw"] == "Munich"
    assert job["remote"] == 1
    assert job["employment_type"] == "Full-time"
    assert job["posted_at_raw"] == "1770835328"
    assert job["posted_at"] == "2026-02-11T18:42:08+00:00"
    assert job["url"] == (
        "https://www.arbeitnow.com/jobs/companies/solaredge/remote-technical-account-manager-dach-munich-256258"
    )


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "arbeitnow", len(slugs(SNAPSHOTS[0])))


@pytest.mark.realdata
def test_snapshots_in_date_order_update_instead_of_duplicating(tmp_path):
    """Each snapshot's postings (spider and pipelines in-process) through the store, in date order."""
    db = open_db(tmp_path / "jobs.db")
    store = PostingStore(db)
    seen: set[str] = set()
    for cassette in SNAPSHOTS:
        new_slugs = slugs(cassette) - seen
        run = replayed("arbeitnow", realdata(cassette))
        counts = store.write_batch(store.start_run("arbeitnow"), [dict(p) for p in run.postings], [])
        assert counts["new"] == len(new_slugs)
        seen |= new_slugs
    assert db.execute("SELECT count(*) FROM postings").fetchone()[0] == len(seen)
    db.close()

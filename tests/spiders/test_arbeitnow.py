"""arbeitnow spider against the real Arbeitnow snapshots."""

from __future__ import annotations

import pytest

from tests.conftest import cassette_bodies, realdata

SNAPSHOTS = ["arbeitnow-2026-02-12a", "arbeitnow-2026-02-12b", "arbeitnow-2026-02-13"]


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", SNAPSHOTS)
def test_every_job_is_stored_once(crawl, cassette):
    (body,) = cassette_bodies(cassette)
    expected = len({r["slug"] for r in body["data"]})
    first = crawl("arbeitnow", realdata(cassette))
    assert first.scalar("SELECT count(*) FROM postings") == expected
    # No next link in these snapshots: exactly one request, so a clean run.
    assert first.last_run["status"] == "finished"
    second = crawl("arbeitnow", realdata(cassette))
    assert (second.last_run["new"], second.last_run["unchanged"]) == (0, expected)


@pytest.mark.realdata
def test_named_record(crawl):
    result = crawl("arbeitnow", realdata("arbeitnow-2026-02-12a"))
    job = result.posting("arbeitnow", "remote-technical-account-manager-dach-munich-256258")
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
def test_snapshots_in_date_order_update_instead_of_duplicating(crawl):
    slugs: set[str] = set()
    for cassette in SNAPSHOTS:
        (body,) = cassette_bodies(cassette)
        new_slugs = {r["slug"] for r in body["data"]} - slugs
        result = crawl("arbeitnow", realdata(cassette))
        assert result.last_run["new"] == len(new_slugs)
        slugs |= new_slugs
    assert result.scalar("SELECT count(*) FROM postings") == len(slugs)

"""breezy spider against the real Breezy cassette (Breezy's own trial company: placeholder posts)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_positions_with_salary_text(crawl):
    (body,) = cassette_bodies("breezy")
    result = check_crawl_replay(crawl, "breezy", [realdata("breezy")], len(body), args=("-a", "boards=breezy"))
    job = result.posting("breezy", "98323abf2296")
    assert job["url"] == "https://breezy.breezy.hr/p/98323abf2296-employee-12"
    assert (job["title"], job["company"]) == ("Employee #12", "MS Breezy Trial")
    assert (job["location_raw"], job["remote"]) == ("Chaos, FL", 0)
    assert job["employment_type"] == "Other"
    assert json.loads(job["tags"]) == ["Does Not Matter"]
    assert job["salary_raw"] == "$0.05 – $0.06 / hour"
    assert job["posted_at_raw"] == "2024-02-15T14:37:22.684Z"
    empty_locations = result.posting("breezy", "088ac6d52139")  # `locations` empty: `location` is used
    assert (empty_locations["location_raw"], empty_locations["remote"]) == ("New York, NY", None)

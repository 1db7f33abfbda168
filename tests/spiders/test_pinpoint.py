"""pinpoint spider against the real Pinpoint cassette (tabby, 2 postings, sections cut by the recorder)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_postings_with_sections(crawl):
    (body,) = cassette_bodies("pinpoint")
    result = check_crawl_replay(
        crawl, "pinpoint", [realdata("pinpoint")], len(body["data"]), args=("-a", "boards=tabby")
    )
    job = result.posting("pinpoint", "570514")
    assert job["url"] == "https://tabby.pinpointhq.com/en/postings/8afc0d43-fc8e-4daf-9854-745aea71ae6d"
    assert (job["title"], job["company"]) == ("Senior Data Engineer", "tabby")
    assert job["location_raw"] == "Remote, Belgrade"  # "/" placeholders dropped
    assert job["remote"] == 1
    assert job["employment_type"] == "Full Time"
    assert json.loads(job["tags"]) == ["Data Platform & ML", "Engineering"]
    assert job["posted_at_raw"] is None  # Pinpoint publishes no date
    assert job["salary_min"] is None and job["salary_raw"] is None
    assert "Key Responsibilities:" in job["description_text"] and "What we offer:" in job["description_text"]
    onsite = result.posting("pinpoint", "566430")
    assert (onsite["remote"], onsite["location_raw"]) == (0, "UAE, Dubai, United Arab Emirates")

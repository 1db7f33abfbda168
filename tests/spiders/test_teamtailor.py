"""teamtailor spider against the real Teamtailor cassette (upcloud's jobs.rss, 2 items)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_feed_items_with_locations(crawl):
    feed = next(realdata("teamtailor").glob("*.rss")).read_text()
    expected = len(re.findall(r"<item>", feed))
    result = check_crawl_replay(crawl, "teamtailor", [realdata("teamtailor")], expected, args=("-a", "boards=upcloud"))
    job = result.posting("teamtailor", "8323453")
    assert job["url"] == "https://upcloud.teamtailor.com/jobs/8323453-business-intelligence-analyst"
    assert (job["title"], job["company"]) == ("Business Intelligence Analyst", "UpCloud")
    assert job["location_raw"] == "Helsinki, Finland"
    assert job["remote"] == 0  # remoteStatus hybrid
    assert json.loads(job["tags"]) == ["Finance", "Business Intelligence Analyst"]
    assert job["posted_at_raw"] == "Fri, 04 Sep 2026 14:50:13 +0300"
    assert "Business Intelligence Analyst" in job["description_text"] and "<strong>" in job["description_html"]
    remote = result.posting("teamtailor", "7958695")
    assert (remote["remote"], remote["location_raw"]) == (1, "EU, Helsinki, Finland")

"""euremotejobs spider against the real EU Remote Jobs WP Job Manager feed (3 items, no post-id)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_job_feed_items_keyed_by_guid(crawl):
    feed = next(realdata("euremotejobs").glob("*.xml")).read_text()
    guids = re.findall(r"<guid[^>]*>([^<]+)</guid>", feed)
    result = check_crawl_replay(crawl, "euremotejobs", [realdata("euremotejobs")], len(set(guids)))
    smartpa = result.posting("euremotejobs", "https://euremotejobs.com/job/automation-and-workflow-architect/")
    assert (smartpa["title"], smartpa["company"]) == ("Automation and Workflow Architect", "SmartPA")
    assert (smartpa["location_raw"], smartpa["employment_type"]) == ("South Africa", "Full Time")
    assert json.loads(smartpa["tags"]) == ["Admin & Operations", "Data", "Engineering"]
    german = result.posting(
        "euremotejobs", "https://euremotejobs.com/job/ausendienst-im-handel-gebietsverkaufsleiter-stuttgart-m-w-d/"
    )
    assert german["title"] == "Außendienst im Handel / Gebietsverkaufsleiter \u2013 Stuttgart (m/w/d)"
    assert (german["company"], german["location_raw"], german["remote"]) == ("Yfood Labs", "Germany", 1)
    assert german["posted_at_raw"] == "Fri, 04 Sep 2026 14:18:37 +0000"

"""jobspresso spider against the real Jobspresso WP Job Manager feed (3 items)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_job_feed_items_with_swapped_type_and_category(crawl):
    feed = next(realdata("jobspresso").glob("*.xml")).read_text()
    post_ids = re.findall(r"<post-id[^>]*>(\d+)</post-id>", feed)
    result = check_crawl_replay(crawl, "jobspresso", [realdata("jobspresso")], len(post_ids))
    job = result.posting("jobspresso", "163412")
    assert job["url"] == "https://jobspresso.co/job/senior-full-stack-engineer-realtime-voice/"
    assert (job["title"], job["company"]) == ("Senior Full Stack Engineer, Realtime & Voice", "Hopper")
    assert (job["location_raw"], job["remote"]) == ("Canada", 1)
    assert (job["employment_type"], json.loads(job["tags"])) == ("Full Time", ["Engineer"])
    assert job["posted_at_raw"] == "Sat, 29 Aug 2026 02:11:11 +0000"
    assert len(job["description_text"]) > 1000  # content:encoded, not the excerpt
    assert result.posting("jobspresso", "163411")["location_raw"] == "United States, Canada"

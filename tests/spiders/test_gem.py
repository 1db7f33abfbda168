"""gem spider against the real Gem cassette (gem's own board, 2 posts, content cut by the recorder)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cassette_bodies, realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_job_posts(crawl):
    (body,) = cassette_bodies("gem")
    result = check_crawl_replay(crawl, "gem", [realdata("gem")], len(body), args=("-a", "boards=gem"))
    job = result.posting("gem", "4965519002")
    assert job["url"] == "https://jobs.gem.com/gem/4965519002"
    assert (job["title"], job["company"]) == ("Software Engineer", "gem")
    assert job["location_raw"] == "San Francisco, United States"
    assert (job["remote"], job["employment_type"]) == (0, "full_time")
    assert json.loads(job["tags"]) == ["Engineering"]
    assert job["posted_at_raw"] == "2020-11-17T15:37:23.000Z"
    assert job["description_html"].startswith("<h2>Role Details</h2>")
    other = body[1]
    assert result.posting("gem", other["id"])["url"] == other["absolute_url"]

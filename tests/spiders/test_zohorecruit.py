"""zohorecruit spider against the real Zoho Recruit cassette (palomats' careers RSS, 2 items)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_header_read_into_fields_and_cut_from_the_description(crawl):
    feed = next(realdata("zohorecruit").glob("*.xml")).read_text()
    guids = re.findall(r"<guid[^>]*>(\d+)</guid>", feed)
    result = check_crawl_replay(
        crawl, "zohorecruit", [realdata("zohorecruit")], len(guids), args=("-a", "boards=palomats")
    )
    job = result.posting("zohorecruit", "542125000002018337")
    assert (
        job["url"]
        == "https://palomats.zohorecruit.com/jobs/Careers/542125000002018337/Computer-Support-Tech---Intern?source=RSS"
    )
    assert (job["title"], job["company"]) == ("Computer Support Tech - Intern", "Paloma Technologies")
    assert job["location_raw"] == "Kissimmee Florida United States"
    assert json.loads(job["tags"]) == ["IT Services"]
    assert job["posted_at_raw"] == "Mon, 25 Dec 2023 12:00:00 PST"
    assert job["description_text"].startswith("At Paloma Technologies we help businesses")
    document = result.posting("zohorecruit", "542125000000268621")  # its description is a whole HTML document
    assert (document["title"], json.loads(document["tags"])) == ("Computer Technician", ["In-progress"])
    assert "Category:" not in document["description_text"] and "<html" not in document["description_html"]

"""weworkremotely spider against the real We Work Remotely feeds (2022 and 2026 formats)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import realdata
from tests.spiders.responses import replayed


def guids(cassette: str) -> tuple[int, set[str]]:
    """Items summed over feeds, and distinct guids, read straight from the XML."""
    folder = realdata(cassette)
    total, distinct = 0, set()
    for path in folder.iterdir():
        if path.suffix in {".rss", ".xml"}:
            found = re.findall(r"<guid>([^<]+)</guid>", path.read_text())
            total += len(found)
            distinct |= set(found)
    return total, distinct


@pytest.mark.realdata
def test_end_to_end_a_job_in_several_feeds_is_one_posting(end_to_end):
    total, distinct = guids("weworkremotely")
    assert total > len(distinct)  # the cassette really has cross-feed repeats
    run, again = end_to_end.runs("weworkremotely")
    # 6 of the 11 category feeds and the all-jobs feed were not recorded: a partial crawl.
    assert run["status"] == "partial"
    assert run["request_errors"] == 6
    assert run["new"] == len(distinct)
    assert again["new"] == 0
    assert end_to_end.db.scalar("SELECT count(*) FROM postings WHERE source = 'weworkremotely'") == len(distinct)


@pytest.mark.realdata
def test_named_record_2022_format():
    run = replayed("weworkremotely", realdata("weworkremotely"))
    assert (len(run.rows), run.status, run.request_errors) == (len(guids("weworkremotely")[1]), "partial", 6)
    job = run.posting("https://weworkremotely.com/remote-jobs/madeo-web-developer-drupal-or-wordpress")
    assert job["company"] == "Madeo"
    assert job["title"] == "Web Developer (Drupal or Wordpress)"
    assert job["location_raw"] == "USA Only"
    assert job["posted_at"] == "2022-10-13T18:10:18+00:00"
    assert "Full-Stack Programming" in job["tags"]
    assert "<img" not in job["description_html"]


@pytest.mark.realdata
def test_named_record_2026_format():
    _total, distinct = guids("weworkremotely-2026")
    run = replayed("weworkremotely", realdata("weworkremotely-2026"))
    assert len(run.rows) == len(distinct) == 4
    job = run.posting("https://weworkremotely.com/remote-jobs/mathmo-maths-coach")
    assert (job["company"], job["title"]) == ("Mathmo", "Maths Coach")
    assert job["location_raw"] == "Anywhere in the World; London"
    assert job["employment_type"] == "Contract"
    assert job["posted_at"] == "2026-07-10T22:45:30+00:00"

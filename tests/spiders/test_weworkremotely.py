"""weworkremotely spider against the real We Work Remotely feeds (2022 and 2026 formats)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import realdata


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
def test_a_job_in_several_feeds_is_one_posting(crawl):
    total, distinct = guids("weworkremotely")
    assert total > len(distinct)  # the cassette really has cross-feed repeats
    result = crawl("weworkremotely", realdata("weworkremotely"))
    assert result.scalar("SELECT count(*) FROM postings") == len(distinct)
    run = result.last_run
    # 6 of the 11 category feeds and the all-jobs feed were not recorded: a partial crawl.
    assert run["status"] == "partial"
    assert run["request_errors"] == 6
    assert run["new"] == len(distinct)

    again = crawl("weworkremotely", realdata("weworkremotely"))
    assert again.scalar("SELECT count(*) FROM postings") == len(distinct)
    assert again.last_run["new"] == 0


@pytest.mark.realdata
def test_named_record_2022_format(crawl):
    result = crawl("weworkremotely", realdata("weworkremotely"))
    job = result.posting(
        "weworkremotely", "https://weworkremotely.com/remote-jobs/madeo-web-developer-drupal-or-wordpress"
    )
    assert job["company"] == "Madeo"
    assert job["title"] == "Web Developer (Drupal or Wordpress)"
    assert job["location_raw"] == "USA Only"
    assert job["posted_at"] == "2022-10-13T18:10:18+00:00"
    assert "Full-Stack Programming" in job["tags"]
    assert "<img" not in job["description_html"]


@pytest.mark.realdata
def test_named_record_2026_format(crawl):
    _total, distinct = guids("weworkremotely-2026")
    result = crawl("weworkremotely", realdata("weworkremotely-2026"))
    assert result.scalar("SELECT count(*) FROM postings") == len(distinct) == 4
    job = result.posting("weworkremotely", "https://weworkremotely.com/remote-jobs/mathmo-maths-coach")
    assert (job["company"], job["title"]) == ("Mathmo", "Maths Coach")
    assert job["location_raw"] == "Anywhere in the World; London"
    assert job["employment_type"] == "Contract"
    assert job["posted_at"] == "2026-07-10T22:45:30+00:00"

"""hackernews spider against the three real "Who is hiring?" cassettes, and the demo for the user path."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.replaycheck import check_replay

#: One request per comment: no politeness delay when replaying (hundreds of replayed requests).
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False")
THREADS = [
    pytest.param("hn-2026-01", "46466074", id="2026-01"),
    pytest.param("hn-2026-02", "46857488", id="2026-02"),
    pytest.param("hn-2026-03", "47219668", id="2026-03"),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("cassette", "thread"), THREADS)
def test_one_posting_per_top_level_comment(crawl, cassette, thread):
    bodies = cassette_bodies(cassette)
    story = next(body for body in bodies if body["type"] == "story")
    assert str(story["id"]) == thread and "Who is hiring" in story["title"]
    comments = [b for b in bodies if b["type"] == "comment" and b["parent"] == story["id"]]
    assert len(comments) == len(story["kids"])
    args = ("-a", f"thread={thread}")
    check_replay(crawl, "hackernews", [realdata(cassette)], len(comments), args=args, settings=FAST)


@pytest.mark.realdata
def test_first_line_fields(crawl):
    result = crawl("hackernews", realdata("hn-2026-01"), args=("-a", "thread=46466074"), settings=FAST)
    rockbot = result.posting("hackernews", "46466961")
    assert rockbot["url"] == "https://news.ycombinator.com/item?id=46466961"
    assert (rockbot["company"], rockbot["title"]) == ("Rockbot", "Senior Engineers (Fullstack & Ads)")
    assert (rockbot["location_raw"], rockbot["remote"]) == ("Remote (US)", 1)
    assert rockbot["posted_at_raw"] == "1767374068"
    kyber = result.posting("hackernews", "46466619")  # the website field is not a location
    assert (kyber["company"], kyber["title"]) == ("Kyber", "Low-level Developers")
    assert kyber["location_raw"] == "Paris area (hybrid) and Remote in Europe"
    milab = result.posting("hackernews", "46467610")  # no role in the header: the header is the title
    assert milab["title"] == "MiLaboratories | Bilbao, Spain | ONSITE | VISA SPONSORSHIP | RELOCATION SUPPORT"
    assert (milab["company"], milab["remote"]) == ("MiLaboratories", None)
    assert milab["location_raw"] == "Bilbao, Spain | ONSITE"
    assert "Top-tier EU salaries" in milab["description_text"]
    l2 = result.posting("hackernews", "46493422")
    assert (l2["company"], l2["salary_raw"], l2["location_raw"]) == ("L2 Labs", "Salary + Equity", "NYC (Hybrid)")


def test_latest_thread_from_the_whoishiring_user_skips_dead_and_deleted(crawl):
    result = crawl("hackernews", ROOT / "data" / "demo")
    assert result.scalar("SELECT count(*) FROM postings") == 3
    stats = json.loads(result.last_run["stats_json"])
    assert stats["replay/hit"] == 1 + 3 + 5  # user, its 3 newest stories, the hiring thread's 5 comments
    assert "replay/missing" not in stats
    assert stats["jobs/hn_dead_or_deleted"] == 2
    assert result.last_run["status"] == "finished"
    job = result.posting("hackernews", "99000011")
    assert (job["company"], job["title"], job["salary_raw"]) == ("Quillfield", "Backend Engineer", "€70k-€90k")
    assert job["location_raw"] == "Remote (EU)"
    free_text = result.posting("hackernews", "99000013")
    assert free_text["company"] is None and free_text["title"].startswith("We are a small studio")

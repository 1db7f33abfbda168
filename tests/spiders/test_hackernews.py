"""hackernews spider against the three real "Who is hiring?" cassettes, and the demo for the user path."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replayed

THREADS = [
    pytest.param("hn-2026-01", "46466074", id="2026-01"),
    pytest.param("hn-2026-02", "46857488", id="2026-02"),
    pytest.param("hn-2026-03", "47219668", id="2026-03"),
]


def top_level_comments(cassette: str, thread: str) -> list[dict]:
    bodies = cassette_bodies(cassette)
    story = next(body for body in bodies if body["type"] == "story")
    assert str(story["id"]) == thread and "Who is hiring" in story["title"]
    comments = [b for b in bodies if b["type"] == "comment" and b["parent"] == story["id"]]
    assert len(comments) == len(story["kids"])
    return comments


@pytest.mark.realdata
@pytest.mark.parametrize(("cassette", "thread"), THREADS)
def test_one_posting_per_top_level_comment(cassette, thread):
    comments = top_level_comments(cassette, thread)
    check_in_process("hackernews", [realdata(cassette)], len(comments), thread=thread)


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    check_replay(end_to_end, "hackernews", len(top_level_comments("hn-2026-01", "46466074")))


@pytest.mark.realdata
def test_first_line_fields():
    run = replayed("hackernews", realdata("hn-2026-01"), thread="46466074")
    rockbot = run.posting("46466961")
    assert rockbot["url"] == "https://news.ycombinator.com/item?id=46466961"
    assert (rockbot["company"], rockbot["title"]) == ("Rockbot", "Senior Engineers (Fullstack & Ads)")
    assert (rockbot["location_raw"], rockbot["remote"]) == ("Remote (US)", 1)
    assert rockbot["posted_at_raw"] == "1767374068"
    kyber = run.posting("46466619")  # the website field is not a location
    assert (kyber["company"], kyber["title"]) == ("Kyber", "Low-level Developers")
    assert kyber["location_raw"] == "Paris area (hybrid) and Remote in Europe"
    milab = run.posting("46467610")  # no role in the header: the header is the title
    assert milab["title"] == "MiLaboratories | Bilbao, Spain | ONSITE | VISA SPONSORSHIP | RELOCATION SUPPORT"
    assert (milab["company"], milab["remote"]) == ("MiLaboratories", None)
    assert milab["location_raw"] == "Bilbao, Spain | ONSITE"
    assert "Top-tier EU salaries" in milab["description_text"]
    l2 = run.posting("46493422")
    assert (l2["company"], l2["salary_raw"], l2["location_raw"]) == ("L2 Labs", "Salary + Equity", "NYC (Hybrid)")


def test_latest_thread_from_the_whoishiring_user_skips_dead_and_deleted():
    run = replayed("hackernews", ROOT / "data" / "demo")
    assert len(run.rows) == 3
    assert run.hits == 1 + 3 + 5  # user, its 3 newest stories, the hiring thread's 5 comments
    assert run.missing == []
    assert run.stats["jobs/hn_dead_or_deleted"] == 2
    assert run.status == "finished"
    job = run.posting("99000011")
    assert (job["company"], job["title"], job["salary_raw"]) == ("Quillfield", "Backend Engineer", "€70k-€90k")
    assert job["location_raw"] == "Remote (EU)"
    free_text = run.posting("99000013")
    assert free_text["company"] is None and free_text["title"].startswith("We are a small studio")

"""hackernews spider against the three real "Who is hiring?" cassettes, and the demo for the user path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, cassette_bodies, realdata
from tests.spiders.responses import SpiderRun, replay_spider, replayed

THREADS = [
    pytest.param("hn-2026-01", "46466074", id="2026-01"),
    pytest.param("hn-2026-02", "46857488", id="2026-02"),
    pytest.param("hn-2026-03", "47219668", id="2026-03"),
]


def thread_run(cassette: str, thread: str) -> SpiderRun:
    """The real thread replayed in-process through the item pipelines, once per test process
    (conftest.py's SHARED_CRAWLS keeps this module on one test worker). That a second crawl adds
    nothing is checked through the real engine by tests/spiders/test_all_spiders.py (hn-2026-01)
    and for every thread by tests/test_skip_unchanged.py."""
    return replayed("hackernews", realdata(cassette), thread=thread)


@pytest.mark.realdata
@pytest.mark.parametrize(("cassette", "thread"), THREADS)
def test_one_record_per_top_level_comment(cassette, thread):
    """Every live top-level comment becomes a posting or a "not a job posting" reject."""
    bodies = cassette_bodies(cassette)
    story = next(body for body in bodies if body["type"] == "story")
    assert str(story["id"]) == thread and "Who is hiring" in story["title"]
    comments = [b for b in bodies if b["type"] == "comment" and b["parent"] == story["id"]]
    assert len(comments) == len(story["kids"])
    live = [c for c in comments if c.get("text") and not c.get("dead") and not c.get("deleted")]
    run = thread_run(cassette, thread)
    # the real cassettes hold no Algolia answer: its 404 sends the spider to Firebase, which has every comment
    assert run.status == "finished" and [r.url for r in run.missing] == [f"{ALGOLIA}{thread}"]
    postings = len(run.rows)  # one stored row per comment id
    reasons = [r["reason"] for r in run.reject_rows()]
    assert postings == len(run.postings) and postings + len(reasons) == len(live)
    assert reasons and set(reasons) == {"not a job posting"}
    assert len(reasons) < len(live) / 10  # replies and remarks are a small share of a thread


#: Comments of the real threads that advertise no job (a feature request, a question, a moderation plea).
NOT_JOBS = [
    pytest.param("hn-2026-01", "46466074", "46466646", id="feature-request"),
    pytest.param("hn-2026-02", "46857488", "46858291", id="question"),
    pytest.param("hn-2026-03", "47219668", "47224356", id="moderation-plea"),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("cassette", "thread", "comment"), NOT_JOBS)
def test_comment_without_a_job_is_rejected(cassette, thread, comment):
    run = thread_run(cassette, thread)
    assert ("hackernews", comment) not in run.rows
    reject = [(r["reason"], r["url"]) for r in run.reject_rows() if r["source_id"] == comment]
    assert reject == [("not a job posting", f"https://news.ycombinator.com/item?id={comment}")]


@pytest.mark.realdata
def test_first_line_fields():
    result = thread_run("hn-2026-01", "46466074")
    rockbot = result.posting("46466961")
    assert rockbot["url"] == "https://news.ycombinator.com/item?id=46466961"
    assert (rockbot["company"], rockbot["title"]) == ("Rockbot", "Senior Engineers (Fullstack & Ads)")
    assert (rockbot["location_raw"], rockbot["remote"]) == ("Remote (US)", None)  # HN has no remote flag
    assert rockbot["posted_at_raw"] == "1767374068"
    kyber = result.posting("46466619")  # the website field is not a location
    assert (kyber["company"], kyber["title"]) == ("Kyber", "Low-level Developers")
    assert kyber["location_raw"] == "Paris area (hybrid) and Remote in Europe"
    milab = result.posting("46467610")  # no role in the header: the first role line of the body
    assert (milab["title"], milab["company"]) == ("Senior Go Engineer", "MiLaboratories")
    assert milab["role"] == "backend engineer"
    assert "1. Senior Go Engineer: You will build" in milab["description_text"]
    assert milab["location_raw"] == "Bilbao, Spain | ONSITE"
    assert "Top-tier EU salaries" in milab["description_text"]
    goody = result.posting("46466868")  # the role is named in the body; the header keeps the pay
    assert (goody["company"], goody["salary_raw"]) == ("Goody", "$200–250K + equity and benefits")
    assert (goody["title"], goody["role"]) == ("full-stack Staff Software Engineer", "full-stack engineer")
    opendoor = result.posting("46472682")
    assert (opendoor["company"], opendoor["location_raw"]) == ("Opendoor", "In Person | San Francisco, CA")


def test_latest_thread_from_the_whoishiring_user_skips_deleted(crawl):
    """The demo's own cassette: the user, then each of its 3 newest stories from Algolia, whole."""
    result = crawl("hackernews", ROOT / "data" / "demo")
    assert result.scalar("SELECT count(*) FROM postings") == 3
    stats = json.loads(result.last_run["stats_json"])
    assert stats["replay/hit"] == 1 + 3  # user, its 3 newest stories (the hiring one with its comments)
    assert "replay/missing" not in stats and "hn/algolia_fallback" not in stats
    assert stats["jobs/hn_dead_or_deleted"] == 1
    assert result.last_run["status"] == "finished"
    job = result.posting("hackernews", "99000011")
    assert (job["company"], job["title"], job["salary_raw"]) == ("Quillfield", "Backend Engineer", "€70k-€90k")
    assert job["location_raw"] == "Remote (EU)"
    free_text = result.posting("hackernews", "99000013")
    assert (free_text["company"], free_text["title"]) == (None, "contract iOS developer")  # "looking for a ..."
    assert free_text["role"] == "ios engineer"


#: Algolia's items endpoint (https://hn.algolia.com/api, "Items"): a story with its comments nested
#: in ``children``. No real recording of it exists (../shared/realdata/hn-algolia is the search API),
#: so ``algolia_cassette`` builds one at test time from a real Firebase thread -- the same comments
#: in Algolia's envelope (author, created_at_i, parent_id, story_id; a deleted comment without text;
#: dead ones left out, as Algolia does not flag them) -- never stored in the repository.
ALGOLIA = "https://hn.algolia.com/api/v1/items/"


def algolia_item(item: dict, story: int, children: list[dict]) -> dict:
    gone = bool(item.get("deleted"))
    return {"id": item["id"], "created_at_i": item["time"], "type": item["type"], "title": item.get("title"),
            "author": None if gone else item.get("by"), "text": None if gone else item.get("text"),
            "parent_id": item.get("parent"), "story_id": story, "children": children, "options": []}  # fmt: skip


def algolia_cassette(folder: Path, cassette: str, body: dict | str | None = None, status: int = 200) -> Path:
    """A cassette answering Algolia's items URL for the thread of ``cassette``: ``body`` if given (a
    fault), else the thread built from the real Firebase bodies."""
    bodies = cassette_bodies(cassette)
    story = next(b for b in bodies if b["type"] == "story")
    if body is None:
        comments = {b["id"]: b for b in bodies if b.get("type") == "comment" and b.get("parent") == story["id"]}
        live = [comments[kid] for kid in story["kids"] if kid in comments and not comments[kid].get("dead")]
        body = algolia_item(story, story["id"], [algolia_item(c, story["id"], []) for c in live])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thread.json").write_text(body if isinstance(body, str) else json.dumps(body))
    line = {"url": f"{ALGOLIA}{story['id']}", "status": status, "body": "thread.json"}
    (folder / "index.jsonl").write_text(json.dumps(line) + "\n")
    return folder


def comparable(run: SpiderRun) -> dict:
    """Every stored column of every posting but the raw record and the crawl times."""
    skip = {"raw_json", "scraped_at", "first_seen_at", "last_seen_at", "spider_hash"}
    return {key: {c: v for c, v in row.items() if c not in skip} for key, row in run.rows.items()}


@pytest.mark.realdata
def test_algolia_thread_stores_what_firebase_stores(tmp_path):
    """One request for the whole thread (Algolia) stores exactly the postings and rejects that 266
    Firebase requests store; the real cassette alone (no Algolia recording) falls back to Firebase."""
    cassette, thread = "hn-2026-01", "46466074"
    firebase = replayed("hackernews", realdata(cassette), thread=thread)
    assert firebase.requests[0].url == f"{ALGOLIA}{thread}" and firebase.stats["hn/algolia_fallback"] == 1
    assert len(firebase.requests) > 200 and firebase.status == "finished"

    algolia = replay_spider("hackernews", algolia_cassette(tmp_path / "algolia", cassette), thread=thread)
    assert [r.url for r in algolia.requests] == [f"{ALGOLIA}{thread}"]
    assert "hn/algolia_fallback" not in algolia.stats and algolia.status == "finished"
    assert comparable(algolia) == comparable(firebase) and len(algolia.rows) > 200
    assert [(r["source_id"], r["reason"], r["url"]) for r in algolia.reject_rows()] == [
        (r["source_id"], r["reason"], r["url"]) for r in firebase.reject_rows()
    ]


ALGOLIA_FAULTS = [
    pytest.param(None, 500, id="http-500"),
    pytest.param('{"message": "ObjectID does not exist", "status": 404}', 200, id="no-children"),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("body", "status"), ALGOLIA_FAULTS)
def test_algolia_fault_falls_back_to_firebase(tmp_path, body, status):
    cassette, thread = "hn-2026-03", "47219668"
    fault = algolia_cassette(tmp_path / "fault", cassette, body or "<html>error</html>", status)
    run = replay_spider("hackernews", fault, realdata(cassette), pipelines=False, thread=thread)
    assert run.stats["hn/algolia_fallback"] == 1
    assert run.requests[1].url == f"https://hacker-news.firebaseio.com/v0/item/{thread}.json"
    story = next(b for b in cassette_bodies(cassette) if b["type"] == "story")
    assert len(run.requests) == 2 + len(story["kids"]) and run.missing == []
    assert len(run.postings) + len(run.rejects) > 300


@pytest.mark.realdata
def test_latest_thread_found_through_firebase_when_algolia_answers_no_thread(tmp_path):
    """Without ``-a thread``: the whoishiring user's newest story, Algolia answering 200 with no
    thread in it; the title is then checked on Firebase's copy, and the comments come from there."""
    cassette, thread = "hn-2026-03", "47219668"
    fault = algolia_cassette(tmp_path / "fault", cassette, '{"message": "ObjectID does not exist"}')
    (fault / "user.json").write_text(json.dumps({"id": "whoishiring", "submitted": [int(thread)]}))
    user = {"url": "https://hacker-news.firebaseio.com/v0/user/whoishiring.json", "body": "user.json"}
    with (fault / "index.jsonl").open("a") as index:
        index.write(json.dumps(user) + "\n")
    run = replay_spider("hackernews", fault, realdata(cassette), pipelines=False)
    assert run.stats["hn/algolia_fallback"] == 1 and run.missing == []
    assert len(run.postings) + len(run.rejects) > 300

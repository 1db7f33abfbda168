"""Bad input never costs the other records: truncated bodies, records without ids, junk values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.items import JobPosting, RejectedRecord
from pipelines.validate import ValidationError, check_posting, sanitize_html
from tests.conftest import realdata
from tests.spiders.responses import replay_spider


def cassette_from(real: str, tmp_path: Path, edit) -> Path:
    """A copy of a real cassette whose single body is passed through ``edit(bytes) -> bytes``."""
    source = realdata(real)
    (line,) = [ln for ln in (source / "index.jsonl").read_text().splitlines() if ln.strip()]
    entry = json.loads(line)
    folder = tmp_path / f"{real}-edited"
    folder.mkdir()
    (folder / "body").write_bytes(edit((source / entry["body"]).read_bytes()))
    (folder / "index.jsonl").write_text(json.dumps({**entry, "body": "body"}) + "\n")
    return folder


@pytest.mark.realdata
def test_truncated_json_is_logged_counted_and_the_crawl_goes_on(tmp_path, caplog):
    folder = cassette_from("remotive", tmp_path, lambda body: body[: len(body) // 2])
    run = replay_spider("remotive", folder)
    assert "unreadable response from https://remotive.com/api/remote-jobs" in caplog.text
    assert (run.bad_responses, run.status, len(run.rows)) == (1, "failed", 0)
    assert run.stats["jobs/bad_response"] == 1


@pytest.mark.realdata
def test_truncated_feed_is_logged_and_counted(tmp_path, caplog):
    folder = cassette_from("weworkremotely-2026", tmp_path, lambda body: body[: len(body) * 2 // 3])
    run = replay_spider("weworkremotely", folder)
    assert "truncated feed" in caplog.text
    assert run.bad_responses == 1


@pytest.mark.realdata
def test_record_without_id_is_rejected_and_the_rest_stored(tmp_path):
    def drop_first_id(body: bytes) -> bytes:
        payload = json.loads(body)
        del payload["jobs"][0]["id"]
        payload["jobs"][1]["url"] = "not a url"
        return json.dumps(payload).encode()

    folder = cassette_from("remotive", tmp_path, drop_first_id)
    jobs = json.loads((folder / "body").read_bytes())["jobs"]
    run = replay_spider("remotive", folder)
    assert len(run.rows) == len(jobs) - 2
    reasons = sorted(r["reason"] for r in run.reject_rows())
    assert reasons[0].startswith("KeyError while mapping")
    assert reasons[1] == "url is not an http(s) URL: 'not a url'"
    assert (len(run.rejects), run.status) == (2, "finished")
    raw = [json.loads(r["raw_json"]) for r in run.reject_rows()]
    assert {r.get("title") for r in raw} == {jobs[0]["title"], jobs[1]["title"]}


def posting(**fields) -> JobPosting:
    base = {"source": "x", "source_id": "1", "url": "https://example.org/j/1", "title": "Engineer"}
    return JobPosting(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        pytest.param({"source_id": None}, "missing source_id", id="no-id"),
        pytest.param({"source_id": "  "}, "missing source_id", id="blank-id"),
        pytest.param({"title": ""}, "missing title", id="no-title"),
        pytest.param({"url": None}, "missing url", id="no-url"),
        pytest.param({"url": "javascript:alert(1)"}, "url is not an http(s) URL", id="bad-url-scheme"),
        pytest.param({"salary_min": "lots"}, "salary_min is not a number", id="salary-not-number"),
        pytest.param({"salary_min": -5}, "salary_min is negative", id="salary-negative"),
        pytest.param({"salary_min": 10, "salary_max": 5}, "salary_min 10.0 > salary_max 5.0", id="min-above-max"),
        pytest.param({"tags": "a,b"}, "tags is not a list", id="tags-not-list"),
        pytest.param({"remote": "yes"}, "remote is not a boolean", id="remote-not-bool"),
        pytest.param({"title": "x" * 501}, "title longer than 500", id="title-too-long"),
    ],
)
def test_invalid_postings(fields, reason):
    with pytest.raises(ValidationError, match=reason.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        check_posting(posting(**fields))


def test_valid_posting_is_cleaned_in_place():
    item = posting(source_id=42, salary_min="120,000", apply_url="mailto:jobs@example.org", tags=None)
    check_posting(item)
    assert (item["source_id"], item["salary_min"], item["apply_url"], item["tags"]) == (
        "42",
        120000.0,
        None,
        [],
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        pytest.param("<p>ok</p><script>alert(1)</script>", "<p>ok</p>", id="script-removed"),
        pytest.param('<p onclick="x()" style="color:red">hi</p>', "<p>hi</p>", id="attributes-removed"),
        pytest.param('<a href="javascript:x()">a</a>', '<a rel="noopener nofollow">a</a>', id="js-link-removed"),
        pytest.param('<iframe src="https://evil"></iframe><b>b</b>', "<b>b</b>", id="iframe-removed"),
    ],
)
def test_html_is_sanitised(raw, clean):
    assert sanitize_html(raw) == clean


def test_rejected_record_item_has_the_fields_the_store_needs():
    assert {"source", "source_id", "url", "reason", "raw"} <= set(RejectedRecord.fields)

"""Replay and record middlewares (cassette format of ../shared/spec/replay.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import Cassette, RecordMiddleware, ReplayMiddleware
from tests.conftest import realdata


def write_cassette(folder: Path, lines: list[str], bodies: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n")
    for name, body in bodies.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    return folder


def replay(folders: list[Path]) -> ReplayMiddleware:
    crawler = get_crawler(settings_dict={"REPLAY_DIR": os.pathsep.join(map(str, folders))})
    crawler.stats.open_spider()
    return ReplayMiddleware.from_crawler(crawler)


@pytest.fixture
def cassette(tmp_path: Path) -> Path:
    return write_cassette(
        tmp_path / "c",
        [
            "# a comment line",
            "",
            json.dumps(
                {
                    "url": "https://example.org/api?b=2&a=1",
                    "body": "api.json",
                    "headers": {"Content-Type": "application/json"},
                }
            ),
            json.dumps(
                {
                    "method": "POST",
                    "url": "https://example.org/search",
                    "status": 201,
                    "request_body": '{"q": "python"}',
                    "body": "post.json",
                }
            ),
            json.dumps(
                {
                    "url": "https://example.org/page",
                    "body": "sub/page.html",
                    "headers": {"Content-Type": "text/html; charset=utf-8"},
                }
            ),
        ],
        {"api.json": b'{"ok": true}', "post.json": b"[]", "sub/page.html": b"<html><p>hi</p></html>"},
    )


def test_hit_answers_recorded_body_with_defaults(cassette):
    mw = replay([cassette])
    response = mw.process_request(Request("https://example.org/api?a=1&b=2#frag"))
    assert isinstance(response, TextResponse)
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert response.url == "https://example.org/api?a=1&b=2#frag"
    assert mw.crawler.stats.get_value("replay/hit") == 1


def test_html_body_becomes_html_response(cassette):
    response = replay([cassette]).process_request(Request("https://example.org/page"))
    assert isinstance(response, HtmlResponse)
    assert response.css("p::text").get() == "hi"


def test_miss_is_404_with_stat_and_warning(cassette, caplog):
    mw = replay([cassette])
    response = mw.process_request(Request("https://example.org/other"))
    assert response.status == 404
    assert mw.crawler.stats.get_value("replay/missing") == 1
    assert "GET https://example.org/other" in caplog.text


def test_method_and_request_body_must_match(cassette):
    mw = replay([cassette])
    assert mw.process_request(Request("https://example.org/search")).status == 404  # GET vs POST
    wrong = Request("https://example.org/search", method="POST", body=b'{"q": "java"}')
    assert mw.process_request(wrong).status == 404
    right = Request("https://example.org/search", method="POST", body=b'{"q": "python"}')
    assert mw.process_request(right).status == 201


def test_earlier_folder_wins(tmp_path, cassette):
    other = write_cassette(
        tmp_path / "other",
        [json.dumps({"url": "https://example.org/api?a=1&b=2", "body": "x.json"})],
        {"x.json": b'{"ok": false}'},
    )
    assert replay([other, cassette]).process_request(Request("https://example.org/api?a=1&b=2")).json() == {"ok": False}
    assert replay([cassette, other]).process_request(Request("https://example.org/api?a=1&b=2")).json() == {"ok": True}


def test_broken_index_is_a_clear_error(tmp_path):
    folder = write_cassette(tmp_path / "bad", ['{"url": "https://x.org"}'], {})
    with pytest.raises(NotConfigured, match=r"index\.jsonl:1"):
        Cassette.load([folder])
    with pytest.raises(NotConfigured, match=r"no index\.jsonl"):
        Cassette.load([tmp_path / "missing"])


def test_disabled_without_setting():
    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(get_crawler(settings_dict={"REPLAY_DIR": ""}))
    with pytest.raises(NotConfigured):
        RecordMiddleware.from_crawler(get_crawler(settings_dict={"RECORD_DIR": ""}))


def test_record_then_replay_round_trip(tmp_path):
    out = tmp_path / "rec"
    crawler = get_crawler(settings_dict={"RECORD_DIR": str(out)})
    crawler.stats.open_spider()
    recorder = RecordMiddleware.from_crawler(crawler)
    exchanges = [
        (Request("https://api.example.org/v1/jobs?page=2"), b'{"jobs": [1, 2]}', "application/json", 200),
        (Request("https://api.example.org/feed.rss"), b"<rss><channel/></rss>", "application/rss+xml", 200),
        (Request("https://api.example.org/q", method="POST", body=b"q=1"), b"[]", "application/json", 201),
    ]
    for request, body, content_type, status in exchanges:
        response = Response(
            request.url, status=status, body=body, request=request, headers={"Content-Type": content_type}
        )
        assert recorder.process_response(request, response) is response
    assert crawler.stats.get_value("record/saved") == 3

    mw = replay([out])
    for request, body, _content_type, status in exchanges:
        again = mw.process_request(request.replace())
        assert (again.status, again.body) == (status, body)


def test_replayed_responses_are_not_recorded_again(tmp_path):
    crawler = get_crawler(settings_dict={"RECORD_DIR": str(tmp_path / "rec")})
    crawler.stats.open_spider()
    recorder = RecordMiddleware.from_crawler(crawler)
    request = Request("https://example.org/")
    recorder.process_response(request, Response(request.url, body=b"x", flags=["replay"]))
    assert not (tmp_path / "rec" / "index.jsonl").exists()


def test_real_cassette_loads_every_line():
    folder = realdata("greenhouse-boards")
    lines = [line for line in (folder / "index.jsonl").read_text().splitlines() if line.strip()]
    assert len(Cassette.load([folder])) == len(lines)

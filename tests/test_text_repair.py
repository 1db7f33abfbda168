"""Mojibake repaired in stored titles and description text before normalising (issue 11); raw kept."""

from __future__ import annotations

import json

import pytest

from crawler.items import JobPosting
from pipelines.validate import repair_text
from tests.conftest import realdata

REPAIRS = [
    pytest.param("Weâ\x80\x99re hiring", "We’re hiring", id="utf8-read-as-cp1252-apostrophe"),
    pytest.param("toolsâ\x80\x94including", "tools—including", id="utf8-read-as-latin1-dash"),
    pytest.param("ZÃ¼rich office", "Zürich office", id="double-encoded-umlaut"),
    pytest.param("CafÃ© team", "Café team", id="double-encoded-accent"),
    pytest.param("Plain “quoted” text – fine", "Plain “quoted” text – fine", id="sound-text-untouched"),
]


@pytest.mark.parametrize(("damaged", "repaired"), REPAIRS)
def test_repair_text(damaged: str, repaired: str) -> None:
    item = JobPosting(title=damaged, description_text=damaged)
    repair_text(item)
    assert (item["title"], item["description_text"]) == (repaired, repaired)


@pytest.mark.realdata
def test_remoteok_descriptions_are_repaired_raw_kept(crawl):
    result = crawl("remoteok", realdata("remoteok"))
    rows = result.query("SELECT description_text, raw_json FROM postings")
    damaged_raw = [r for r in rows if "â\x80" in json.loads(r["raw_json"]).get("description", "")]
    assert len(damaged_raw) > len(rows) / 2  # the recorded payload is mostly damaged, and stays so
    assert not [r for r in rows if "â\x80" in (r["description_text"] or "")]

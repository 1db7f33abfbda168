"""jsonld spider against the real RemoteOK job page (3 JSON-LD blocks, one JobPosting) and the demo page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, realdata
from tests.spiders.replaycheck import check_in_process, check_replay
from tests.spiders.responses import replayed

PAGE = (
    "https://remoteok.com/remote-jobs/remote-werkstudent-in-projektmanagement-amp-client-service-applike-group-1093848"
)


def urls_file(folder: Path) -> Path:
    """A urls file naming the real page, checked to carry 3 JSON-LD blocks of which one JobPosting."""
    cassette = realdata("remoteok-jsonld")
    html = (cassette / json.loads((cassette / "index.jsonl").read_text().splitlines()[0])["body"]).read_text()
    assert html.count("application/ld+json") == 3 and html.count('"JobPosting"') == 1
    path = folder / "urls.txt"
    path.write_text(f"# one page\n{PAGE}\n")
    return path


@pytest.mark.realdata
def test_end_to_end_replay(end_to_end):
    assert end_to_end.db.posting("jsonld", PAGE)["url"] == PAGE
    check_replay(end_to_end, "jsonld", 1)


@pytest.mark.realdata
def test_jobposting_from_a_real_page(tmp_path):
    run = check_in_process("jsonld", [realdata("remoteok-jsonld")], 1, urls_file=str(urls_file(tmp_path)))
    job = run.posting(PAGE)  # no identifier on the page: the URL is the key
    assert job["url"] == PAGE
    assert job["title"] == "Werkstudent in Projektmanagement & Client Service"
    assert (job["company"], job["company_url"]) == ("applike group", "https://remoteok.com/applike-group")
    assert job["location_raw"] == "Anywhere"
    assert job["remote"] == 1
    assert job["employment_type"] == "FULL_TIME"
    assert (job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]) == (
        35000, 70000, "USD", "year",
    )  # fmt: skip
    assert job["posted_at_raw"] == "2025-08-18T16:00:30+00:00"
    assert job["description_text"].startswith("Game Game verwandelt")


def test_identifier_graph_and_urls_argument():
    url = "https://careers.quillfield.example/jobs/backend-engineer"
    run = replayed("jsonld", ROOT / "data" / "demo", urls=f"{url},https://careers.quillfield.example/gone")
    job = run.posting("QF-2026-014")
    assert (job["url"], job["title"], job["company"]) == (url, "Backend Engineer", "Quillfield")
    assert job["location_raw"] == "Germany; Netherlands"
    assert job["description_html"] == "<p>Build invoicing for freelancers in Python.</p>"
    assert run.stats["jobs/urls_not_found"] == 1
    assert run.status == "finished"

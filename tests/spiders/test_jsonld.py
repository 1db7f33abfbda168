"""jsonld spider against the real RemoteOK job page (3 JSON-LD blocks, one JobPosting) and the demo page."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, realdata
from tests.spiders.replaycheck import check_replay

PAGE = (
    "https://remoteok.com/remote-jobs/remote-werkstudent-in-projektmanagement-amp-client-service-applike-group-1093848"
)


@pytest.mark.realdata
def test_jobposting_from_a_real_page(crawl, tmp_path):
    folder = realdata("remoteok-jsonld")
    html = (folder / json.loads((folder / "index.jsonl").read_text().splitlines()[0])["body"]).read_text()
    assert html.count("application/ld+json") == 3 and html.count('"JobPosting"') == 1
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text(f"# one page\n{PAGE}\n")
    result = check_replay(crawl, "jsonld", [folder], 1, args=("-a", f"urls_file={urls_file}"))
    job = result.posting("jsonld", PAGE)  # no identifier on the page: the URL is the key
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


def test_identifier_graph_and_urls_argument(crawl):
    url = "https://careers.quillfield.example/jobs/backend-engineer"
    result = crawl("jsonld", ROOT / "data" / "demo", args=("-a", f"urls={url},https://careers.quillfield.example/gone"))
    job = result.posting("jsonld", "QF-2026-014")
    assert (job["url"], job["title"], job["company"]) == (url, "Backend Engineer", "Quillfield")
    assert job["location_raw"] == "Germany; Netherlands"
    assert job["description_html"] == "<p>Build invoicing for freelancers in Python.</p>"
    assert json.loads(result.last_run["stats_json"])["jobs/urls_not_found"] == 1
    assert result.last_run["status"] == "finished"

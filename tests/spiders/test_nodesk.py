"""nodesk spider against the real NoDesk cassette (a feed that is not well-formed XML: &rsquo;)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import realdata
from tests.spiders.replaycheck import check_crawl_replay


@pytest.mark.realdata
def test_html_entities_are_kept_not_dropped(crawl):
    feed = next(realdata("nodesk").glob("*.xml")).read_text()
    assert "&rsquo;" in feed
    result = check_crawl_replay(crawl, "nodesk", [realdata("nodesk")], len(re.findall(r"<item>", feed)))
    graphy = result.posting("nodesk", "https://nodesk.co/remote-jobs/graphy-senior-backend-engineer-ts-node/")
    assert (graphy["title"], graphy["company"]) == ("Senior Backend Engineer (TS/Node)", "Graphy")
    assert graphy["url"] == "https://nodesk.co/remote-jobs/graphy-senior-backend-engineer-ts-node/"
    assert "We\u2019re looking for a Senior Backend Engineer" in graphy["description_text"]
    assert graphy["posted_at_raw"] == "Fri, 04 Sep 2026 08:00:00 +0200"
    ga = result.posting("nodesk", "https://nodesk.co/remote-jobs/general-assembly-senior-account-director-2/")
    assert (ga["title"], ga["company"]) == ("Senior Account Director", "General Assembly")  # split at the last " at "

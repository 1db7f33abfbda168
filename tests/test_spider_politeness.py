"""Every spider carries its platform's politeness (issue 14, "Live-ready crawling").

Each spider sets a download delay, a per-domain concurrency and a timeout in ``custom_settings``
(``spiders.base.POLITE`` where the platform publishes no limit), and its module docstring says in a
"Rate limits" sentence where the limit comes from.
"""

from __future__ import annotations

import sys

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

LOADER = SpiderLoader.from_settings(get_project_settings())
NAMES = sorted(LOADER.list())


def test_every_platform_spider_is_checked():
    # the loader finds spiders by module: a platform file that stopped loading would drop out silently
    assert len(NAMES) >= 30


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_custom_settings_pace_the_platform(name):
    settings = LOADER.load(name).custom_settings or {}
    # no spider-level delay would mean the project's 0.5 s at most, with AutoThrottle free to go lower
    assert float(settings["DOWNLOAD_DELAY"]) >= 0.25
    assert 1 <= int(settings["CONCURRENT_REQUESTS_PER_DOMAIN"]) <= 4
    # long enough for a slow platform (RemoteOK takes ~40 s), short enough that a hung one fails the run
    assert 10 <= float(settings["DOWNLOAD_TIMEOUT"]) <= 180


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_docstring_names_the_rate_limit_source(name):
    doc = sys.modules[LOADER.load(name).__module__].__doc__ or ""
    assert "Rate limits" in " ".join(doc.split())  # a line break may fall between the two words

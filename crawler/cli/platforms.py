"""``remotejobs platforms``: the spiders of ``scrapy list``, grouped by kind, with what each crawls.

``scrapy list`` prints bare names; the kind comes from the spider's base class (an ATS board
spider, a JSON-LD page spider, a job board's API or feed) unless the class sets ``kind``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.spiderloader import SpiderLoader

from crawler.cli.common import project_settings
from spiders.base import AtsBoardSpider, JsonLdSpider

KINDS = {
    "boards": "job boards (APIs and feeds of remote-job sites)",
    "ats": "applicant-tracking systems (one board per company; data/boards/<spider>.txt + discovered boards)",
    "pages": "pages with schema.org JobPosting JSON-LD",
    "forum": "forum threads",
}


#: Spiders whose base class does not say their kind (a class attribute ``kind`` does the same).
KIND_BY_NAME = {"hackernews": "forum"}


def kind_of(spider: type) -> str:
    kind = getattr(spider, "kind", None) or KIND_BY_NAME.get(str(getattr(spider, "name", "")))
    if kind:
        return str(kind)
    if issubclass(spider, AtsBoardSpider):
        return "ats"
    return "pages" if issubclass(spider, JsonLdSpider) else "boards"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("platforms", help="the spiders grouped by kind (scrapy list, grouped)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loader = SpiderLoader.from_settings(project_settings())
    groups: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for name in sorted(loader.list()):
        spider = loader.load(name)
        doc = (sys.modules[spider.__module__].__doc__ or "").strip().splitlines()
        groups.setdefault(kind_of(spider), []).append((name, doc[0] if doc else ""))
    for kind, spiders in groups.items():
        if spiders:
            print(f"{KINDS.get(kind, kind)} ({len(spiders)}):")
            for name, summary in spiders:
                print(f"  {name:<16}{summary}")
    print(f"{sum(len(s) for s in groups.values())} platforms")
    return 0

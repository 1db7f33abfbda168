"""What the fork server of tests/forkrun.py does once, so that each forked command starts warm.

Imports (Scrapy, Twisted's HTTP stack, every spider, pipeline, CLI command) and the lazily built
tables of the normalisers (titles, places, salaries, dateparser's languages). Nothing here keeps
state a command could see: a forked child re-imports the settings module under its own environment.
"""

from __future__ import annotations

import gc
import os
from datetime import UTC, datetime

import datasketch  # imported lazily by listings.keys (with scipy)
import redis  # imported lazily by crawler.distributed
import scrapy.cmdline
import scrapy.core.downloader.handlers.http11
import sqlite_utils.plugins
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings

import crawler.cli.main
import crawler.distributed
import db.boards
import db.places
import db.schema
import listings.build
import listings.keys
import pipelines.after_crawl
import pipelines.normalization
import pipelines.store
import pipelines.validate
from normalize import dates

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
settings = get_project_settings()
SpiderLoader.from_settings(settings)
scrapy.cmdline._get_commands_dict(settings, inproject=True)
# every component a crawl builds (Scrapy's defaults and ours), so that no child imports one
for component in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES", "DOWNLOAD_HANDLERS"):
    chosen = settings.getwithbase(component)
    for path in chosen.values() if component == "DOWNLOAD_HANDLERS" else chosen:
        if isinstance(path, str) and "." in path:
            load_object(path)
for single in ("SCHEDULER", "DUPEFILTER_CLASS", "STATS_CLASS", "LOG_FORMATTER", "REQUEST_FINGERPRINTER_CLASS",
               "DOWNLOADER", "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_DISK_QUEUE",
               "SPIDER_LOADER_CLASS", "DOWNLOADER_HTTPCLIENTFACTORY",
               "DOWNLOADER_CLIENTCONTEXTFACTORY", "ITEM_PROCESSOR"):  # fmt: skip
    if isinstance(settings.get(single), str) and "." in settings.get(single):
        load_object(settings.get(single))
# every normaliser's tables and title pattern groups (otherwise each child compiles the groups
# of the words its titles start), as a command that forks workers builds them
pipelines.normalization.warm_up()
db.boards.load_patterns()
db.places.reference_places()
db.schema.latest_schema()  # what a new database is made from
pipelines.after_crawl.platform_facts(settings)  # every spider's platform facts, read by the store after a crawl
sqlite_utils.plugins.ensure_plugins_loaded()  # else each child scans the installed packages' entry points
dates.parse_date("12 March 2025", now=datetime(2026, 1, 1, tzinfo=UTC))
_ = (
    datasketch,
    redis,
    crawler.distributed,
    listings,
    scrapy.cmdline,
    scrapy.core.downloader.handlers.http11,
    crawler.cli.main,
    pipelines,
)
# Every object built so far stays put: a child's garbage collections skip them, and so do not
# touch (and copy) every page of the warm process; about 0.2 s of each forked command.
gc.freeze()

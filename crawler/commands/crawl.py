"""``scrapy crawl <spider>``, exiting non-zero when the run was not clean (as ``crawlall`` does).

Scrapy's own ``crawl`` exits 0 whenever the spider could start, so cron could not tell a run
that failed or finished only partially from a good one. This one exits 1 when the run's status
(``crawl_runs.status``) is ``failed`` or ``partial``; ``skipped`` (too soon after the last run)
stays 0.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

#: Statuses that make the command exit 1.
NOT_CLEAN = ("failed", "partial")


class Command(ScrapyCrawlCommand):
    crawler: Crawler | None = None

    def long_desc(self) -> str:
        return "Run a spider; the exit status is 1 when its crawl run failed or finished only partially."

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        stats = self.crawler.stats if self.crawler is not None else None
        status = stats.get_value("jobs/run_status") if stats is not None else None
        if status in NOT_CLEAN:
            verdict = stats.get_value("jobs/verdict") if stats is not None else None
            print(f"crawl run {status} (verdict {verdict}): exit status 1", file=sys.stderr)
            self.exitcode = 1

"""``scrapy crawlall [SPIDER ...]``: run every spider (or those named) in one process."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.cli.progress import ProgressReport
from crawler.cli.runner import format_summary, resolve_names, run_all, summarise, summary_fields

#: crawlall's log level unless -L / --loglevel / -s LOG_LEVEL=... says otherwise: dozens of
#: spiders at INFO print thousands of lines; the progress display and the summary say what matters.
CRAWLALL_LOG_LEVEL = "WARNING"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [spider ...]"

    def short_desc(self) -> str:
        return "Run every spider (or the named ones) in one process, then print a summary"

    def long_desc(self) -> str:
        return (
            "Runs the spiders concurrently in one process; each gets its own crawl_runs row. "
            "Prints postings new/updated/unchanged/rejected per spider and exits non-zero "
            "when any spider failed or finished only partially. On a terminal a progress display "
            "counts finished spiders (with an ETA) and records; without one it stays quiet and ends "
            f"with one key=value summary line. Logs at {CRAWLALL_LOG_LEVEL} unless -L or -s LOG_LEVEL=... is given."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
            help="set a spider argument for every spider (may be repeated)",
        )  # fmt: skip

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if self.settings.getpriority("LOG_LEVEL") <= SETTINGS_PRIORITIES["project"]:
            self.settings.set("LOG_LEVEL", CRAWLALL_LOG_LEVEL, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            names = resolve_names(self.settings, args)
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        spargs = dict(arg.split("=", 1) for arg in opts.spargs)
        assert self.crawler_process is not None
        with ProgressReport("crawlall") as progress:
            crawlers = run_all(self.crawler_process, names, spargs, progress=progress)
        rows = summarise(crawlers, self.settings.get("JOBS_DB"))
        print(format_summary(rows))
        fields = summary_fields(rows)
        progress.summary(f"{fields['ok']}/{fields['spiders']} spiders clean in {progress.seconds:.1f}s", fields)
        failed = [r.spider for r in rows if not r.ok]
        if failed:
            print(f"not clean: {', '.join(failed)}", file=sys.stderr)
            self.exitcode = 1
        if crawlers.salary_index_failed:
            print("the salary index could not be rebuilt after the crawls (see the log)", file=sys.stderr)
            self.exitcode = 1

"""Scrapy settings for remotejobs.

Every setting here can be overridden per run with ``-s NAME=VALUE``. The ones specific
to this project are documented by the comments beside them (README, "Settings", lists them).
"""

from __future__ import annotations

import os

BOT_NAME = "remotejobs"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

# Polite by default: identify ourselves honestly with a way to reach the operator, let
# AutoThrottle pace us; each spider adds its platform's own limits (custom_settings) and
# minimum interval between runs (min_interval_hours).
#: Where a platform can reach whoever runs this crawler: put your own page or mailto: here.
CONTACT_URL = os.environ.get("REMOTEJOBS_CONTACT_URL", "https://github.com/remotejobs/remotejobs")
USER_AGENT = "remotejobs/0.1 (+{contact}; open-source job aggregator)"  # {contact}: CONTACT_URL (addon)
#: Several job boards answer 403 to a client without browser-like Accept headers.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "application/json, application/rss+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
    "Accept-Language": "en",
}
#: A spider started sooner than its platform's min_interval_hours after its last run is skipped
#: (crawl_runs status "skipped", with the time the next run is allowed). Off for replays.
MIN_INTERVAL_ENABLED = True
# robots.txt is not consulted: the crawled endpoints are public JSON/RSS APIs published for machines.
ROBOTSTXT_OBEY = False
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio tasks for EVERY response's output (default 100); our item
# pipelines are synchronous, so more than a few buys nothing: a 422-response Hacker News thread
# crawls in ~3.5 s instead of ~5.3 s with 16.
CONCURRENT_ITEMS = 16
# Scrapy re-reads and re-parses the source of a generator callback for EVERY response (its cache
# is keyed by the bound method, new each time: ~1 ms a response) to warn about `return value`
# in a generator; tests/spiders/test_all_spiders.py checks every spider's methods once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
#: Worker processes that validate and normalise postings (pipelines/prepare.py): "auto" is one
#: fewer than the usable cores (at most 4), 0 prepares them in the crawl process.
PREPARE_PROCESSES = os.environ.get("PREPARE_PROCESSES", "auto")
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 60
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
HTTPERROR_ALLOW_ALL = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# CSV feeds (`scrapy crawl x -O out.csv`) encode lists and `raw` as JSON text and booleans as 0/1,
# as the database and `remotejobs export` do (crawler/exporters.py).
FEED_EXPORTERS = {"csv": "crawler.exporters.JsonCellCsvItemExporter"}

# Offline replay / recording (see ../shared/spec/replay.md and README).
REPLAY_DIR = os.environ.get("REPLAY_DIR", "")
RECORD_DIR = os.environ.get("RECORD_DIR", "")

#: Ship the demo/test replays at full speed (see crawler/addons.py).
ADDONS = {"crawler.addons.ReplaySpeed": 0, "crawler.addons.ContactUserAgent": 0, "crawler.addons.Distributed": 0}

#: Bodies are capped (a platform answering 150 MB is not a job feed); spiders may lower it.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
#: A 429/503 with Retry-After is retried after the time asked, at most this many seconds.
RETRY_AFTER_MAX = 120

DOWNLOADER_MIDDLEWARES = {
    # Replay answers before anything else can reach the network.
    "crawler.middlewares.ReplayMiddleware": 50,
    # Scrapy's retry, waiting what Retry-After asks (bounded by RETRY_AFTER_MAX).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    # Sees a redirect before Scrapy's RedirectMiddleware (600) follows it: loops and moves to
    # another site are errors, not a silently dropped request.
    "crawler.middlewares.RedirectGuardMiddleware": 650,
    # Record sees the final response, after retries and decompression.
    "crawler.middlewares.RecordMiddleware": 950,
}

ITEM_PIPELINES = {
    # first: a posting the spider yields exactly as last time is only marked seen
    "pipelines.skip_unchanged.SkipUnchangedPipeline": 50,
    # validate -> normalise, in worker processes on the other cores (PREPARE_PROCESSES)
    "pipelines.prepare.PreparePipeline": 100,
    "pipelines.store.StorePipeline": 900,
}


#: Greenhouse: also fetch each job's pay ranges (/jobs/<id>?pay_transparency=true), one more request
#: per job; off, salaries come only from what the board list carries.
GREENHOUSE_PAY_TRANSPARENCY = False

#: Where ATS spiders find their default board lists (<BOARDS_DIR>/<spider>.txt). Unset: a
#: replayed cassette's own boards/ folder if it has one, else data/boards.
BOARDS_DIR = os.environ.get("BOARDS_DIR", "")

# Distributed mode (docs/distributed.md): unset, everything runs on this machine; set
# (redis://host:6379/0), this process is one crawl worker of several and `remotejobs drain` writes.
REDIS_URL = os.environ.get("REDIS_URL", "")
# A worker refreshes a heartbeat key this often (/3); silent longer, its claimed boards are requeued.
DISTRIBUTED_HEARTBEAT_TTL = 15

# Storage
JOBS_DB = os.environ.get("JOBS_DB", "data/jobs.db")
STORE_BATCH_SIZE = 200
#: Seconds between the WAL checkpoints a crawl's store runs on a background thread (db/checkpoint.py),
#: so that its commits do not stop the crawl to copy the WAL back into the database file
#: (bench/bench_pipeline.py: first crawl ~5 % faster); 0 leaves them to the commits, as SQLite does.
WAL_CHECKPOINT_SECONDS = 0.25
#: A re-run marks a posting whose spider output is unchanged (same spider hash) seen without
#: validating, normalising or rewriting it (pipelines/skip_unchanged.py).
SKIP_UNCHANGED = True
# After every crawl: listings -> lifecycle -> salary index (pipelines/after_crawl.py).
# Salary index (analytics/salary_index.py; population and method in docs/analysts.md).
#: A salary index cell is published only with at least this many jobs (clones counted once)...
SALARY_INDEX_MIN_N = 10
#: ...from at least this many distinct employers, so one employer cannot make a benchmark.
SALARY_INDEX_MIN_EMPLOYERS = 5
#: Only jobs posted within this many days of the computation count as today's market.
SALARY_INDEX_WINDOW_DAYS = 180
#: Count hybrid jobs too (default: remote only; onsite and unstated workplaces never count).
SALARY_INDEX_INCLUDE_HYBRID = False
#: Rebuild the salary index after each crawl. A run of several spiders (crawlall, demo) turns it
#: off for each of them and rebuilds it once after the last; False here: never after a crawl
#: (then `remotejobs salaries --rebuild`, or the next crawl with it on).
SALARY_INDEX_AFTER_CRAWL = True

# Listings and lifecycle (listings/build.py, listings/lifecycle.py)
#: Two postings match on company + title only when their activity lies within this many days.
DEDUPE_WINDOW_DAYS = 60
#: Description MinHash similarity needed (with a near title) to merge without an exact title.
DEDUPE_DESC_THRESHOLD = 0.7
#: A crawl closes unseen postings only if its reject rate is at most this...
LIFECYCLE_MAX_ERROR_RATE = 0.05
#: ...and it saw at least this share of the previous clean run's postings.
LIFECYCLE_MIN_ITEM_RATIO = 0.5

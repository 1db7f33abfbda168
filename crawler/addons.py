"""Scrapy add-ons: setting adjustments that depend on other settings."""

from __future__ import annotations

from scrapy.settings import Settings

#: Politeness exists for live sites; a replay talks to files, so it runs at full speed.
REPLAY_OVERRIDES = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "RETRY_ENABLED": False,  # a recorded 500 answers the same every time
    "MIN_INTERVAL_ENABLED": False,  # a replay asks no platform anything
}


class ReplaySpeed:
    """When ``REPLAY_DIR`` is set, drop download delays, AutoThrottle and retries.

    Applied at spider priority, over a spider's own politeness (``custom_settings``), so an
    explicit ``-s DOWNLOAD_DELAY=...`` still wins.
    """

    def update_settings(self, settings: Settings) -> None:
        if settings.get("REPLAY_DIR"):
            for name, value in REPLAY_OVERRIDES.items():
                settings.set(name, value, priority="spider")


#: scrapy-redis: the request queue and its duplicate filter shared by every worker, in Redis
DISTRIBUTED_OVERRIDES = {
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    # a worker that finishes must not flush the queue the others still work on
    "SCHEDULER_PERSIST": True,
}
#: workers do not write SQLite: their items go to Redis and ``remotejobs drain`` runs
#: validate -> normalise -> store once, in the one writer
WORKER_PIPELINES = {
    # the skip reads SQLite and yields SeenPosting, which the queue does not carry: off in workers
    "pipelines.skip_unchanged.SkipUnchangedPipeline": None,
    "pipelines.prepare.PreparePipeline": None,
    "pipelines.store.StorePipeline": None,
    "pipelines.queue.QueueItemsPipeline": 900,
}


class Distributed:
    """When ``REDIS_URL`` is set, crawl as one of several workers (docs/distributed.md):
    scrapy-redis scheduler and duplicate filter, items pushed to Redis instead of stored."""

    def update_settings(self, settings: Settings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in DISTRIBUTED_OVERRIDES.items():
            settings.set(name, value, priority="spider")
        pipelines = settings.getdict("ITEM_PIPELINES")
        pipelines.update(WORKER_PIPELINES)
        settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")


class ContactUserAgent:
    """Fill ``{contact}`` in ``USER_AGENT`` with ``CONTACT_URL``: platforms can see who crawls them
    and how to reach the operator (set ``CONTACT_URL`` to your own page or mailbox)."""

    def update_settings(self, settings: Settings) -> None:
        agent = str(settings.get("USER_AGENT") or "")
        if "{contact}" in agent:
            priority = settings.getpriority("USER_AGENT") or 0
            settings.set("USER_AGENT", agent.replace("{contact}", str(settings.get("CONTACT_URL"))), priority=priority)

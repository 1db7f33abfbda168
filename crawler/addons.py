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
}


class ReplaySpeed:
    """When ``REPLAY_DIR`` is set, drop download delays, AutoThrottle and retries.

    Applied at add-on priority, so an explicit ``-s DOWNLOAD_DELAY=...`` still wins.
    """

    def update_settings(self, settings: Settings) -> None:
        if settings.get("REPLAY_DIR"):
            for name, value in REPLAY_OVERRIDES.items():
                settings.set(name, value, priority="addon")

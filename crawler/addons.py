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


class ContactUserAgent:
    """Fill ``{contact}`` in ``USER_AGENT`` with ``CONTACT_URL``: platforms can see who crawls them
    and how to reach the operator (set ``CONTACT_URL`` to your own page or mailbox)."""

    def update_settings(self, settings: Settings) -> None:
        agent = str(settings.get("USER_AGENT") or "")
        if "{contact}" in agent:
            priority = settings.getpriority("USER_AGENT") or 0
            settings.set("USER_AGENT", agent.replace("{contact}", str(settings.get("CONTACT_URL"))), priority=priority)

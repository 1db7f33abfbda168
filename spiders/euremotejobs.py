"""EU Remote Jobs (https://euremotejobs.com), remote jobs open to EMEA time zones, on WordPress.

Endpoint: ``https://euremotejobs.com/?feed=job_feed`` -- the WP Job Manager RSS feed (see
:class:`spiders.base.WordPressJobFeedSpider`): ``content:encoded`` holds the full description,
``job_listing:location``/``job_type``/``job_category``/``company`` the job's fields. Rate limits:
none published (searched euremotejobs.com); the feed is rebuilt hourly, one request a day is plenty
(``POLITE``: 1 s apart, one at a time). Quirks: no ``post-id`` element, so the guid (the job page
URL) is the key; ``job_category`` is a comma list with HTML entities inside CDATA ("Admin &amp;
Operations, Data"); postings may be in German; ``dc:creator`` is the poster, not the company; only
the newest jobs are in the feed.
"""

from __future__ import annotations

from spiders.base import WordPressJobFeedSpider


class EuRemoteJobsSpider(WordPressJobFeedSpider):
    name = "euremotejobs"
    start_urls = ["https://euremotejobs.com/?feed=job_feed"]
    remote = True

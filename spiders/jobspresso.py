"""Jobspresso (https://jobspresso.co), curated remote jobs on WordPress + WP Job Manager.

Endpoint: ``https://jobspresso.co/?feed=job_feed`` -- the WP Job Manager RSS feed (see
:class:`spiders.base.WordPressJobFeedSpider`): ``content:encoded`` holds the full description,
``job_listing:location``/``job_type``/``job_category``/``company`` the job's fields and
``post-id`` the WordPress post id (the key). Rate limits: none published (searched jobspresso.co);
the feed is rebuilt hourly (``sy:updatePeriod``), one request a day is plenty (``POLITE``: 1 s
apart, one at a time). Quirks: Jobspresso swaps ``job_type`` (the category: "Product", "Engineer")
and ``job_category`` (the type: "Full Time"); ``dc:creator`` repeats company and location as HTML;
the guid is ``?post_type=job_listing&p=<post-id>``; only the newest jobs are in the feed.
"""

from __future__ import annotations

from spiders.base import WordPressJobFeedSpider


class JobspressoSpider(WordPressJobFeedSpider):
    name = "jobspresso"
    start_urls = ["https://jobspresso.co/?feed=job_feed"]
    remote = True
    type_and_category_swapped = True

"""Settings for crawls against the local fault server (tests/faultserver.py): the project's own,
with the download handler that sends every request to ``FAULT_SERVER`` (given with ``-s``)."""

from crawler.settings import *  # noqa: F403 (the project's settings, unchanged)

DOWNLOAD_HANDLERS = {
    "http": "tests.faultserver.LocalDownloadHandler",
    "https": "tests.faultserver.LocalDownloadHandler",
}

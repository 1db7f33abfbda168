"""Top layer: the ``remotejobs`` command (:mod:`crawler.cli.main`), one module per sub-command,
and the multi-spider runner shared with ``scrapy crawlall`` (:mod:`crawler.cli.runner`)."""

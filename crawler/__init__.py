"""remotejobs Scrapy project: settings, item schema, middlewares, extensions, commands."""

"""One spider per platform. Base spiders by API shape live in ``spiders.base``."""

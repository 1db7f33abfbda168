"""Item pipelines, in order: validate -> normalise -> store (dedupe runs at the end of a crawl)."""

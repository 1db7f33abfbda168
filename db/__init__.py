"""The jobs database: schema and migrations, posting writes, shared SQL (views, search), docs.

Bottom of the storage layers: ``db`` imports nothing of ``listings``, ``analytics`` or
``pipelines`` (see docs/architecture.md).
"""

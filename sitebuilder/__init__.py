"""The static site: ``remotejobs site`` turns the database into role, category, salary and job pages.

Layering: this package sits above :mod:`analytics` and :mod:`db` and reads the database only through
:mod:`sitebuilder.data` (the one place that knows table and column names); :mod:`sitebuilder.build`
renders Jinja2 templates (package data beside this file) into a folder any static host can serve.
"""

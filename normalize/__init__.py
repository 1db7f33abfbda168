"""Pure, typed normalisers for salaries, locations, titles and dates.

Each kind has a module with a ``parse(text) -> dict`` function returning the
fields of ``../shared/spec/normalize.md`` (plus explanatory extras); the
command-line interface is ``python -m normalize {salary,location,title,date}``.
"""

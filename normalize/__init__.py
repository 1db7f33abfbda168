"""Pure, typed normalisers for salaries, locations, titles and dates.

Each kind has a module with a ``parse(text) -> dict`` function returning the
fields of ``../shared/spec/normalize.md`` (plus explanatory extras); the
command-line interface is ``python -m normalize {salary,location,title,date}``.
"""

from typing import Any

import yaml

#: libyaml's C loader when PyYAML was built with it (same results, ~10x faster table loads).
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

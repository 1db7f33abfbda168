"""What the normalisers build from their tables, kept between processes.

Every process that normalises (a crawl, its worker pool, ``renormalize``, ``python -m
normalize``) used to build the same tables first, ~1.2 s of CPU: compiling the title tables'
~1,000 patterns (Python's ``re`` parses and builds a pattern's program in Python; only the last
step is C), folding the ~42,000 GeoNames town names for titles and for locations, and reading
the start of every title rule. Those are functions of their inputs, so they are kept in one
file and read back (~30 ms) while the inputs are unchanged:

- :func:`compile` is ``re.compile``; the file keeps the program of each pattern (keyed by the
  pattern, its flags and the interpreter build) and hands it to the C compiler directly;
- :func:`derived` is ``build()`` for a value computed from ``inputs`` (files: the data tables
  *and* the modules whose code computes it; strings: arguments, library versions); it is reused
  only while a digest of all of them, and of the interpreter, is unchanged.

:func:`save` writes the file (``pipelines.normalization.warm_up`` calls it once the tables are
built, and a crawl's worker after its first batch). It holds plain values only (``marshal``: no
code runs when it is read), anything unreadable in it is ignored (built again), and values of
tables edited since drop out of it.
Results never depend on it: tests/normalize/test_build_cache.py compares both ways.

``REMOTEJOBS_CACHE_DIR`` chooses the folder (default ``$XDG_CACHE_HOME/remotejobs``, else
``~/.cache/remotejobs``); ``REMOTEJOBS_CACHE_DIR=off`` builds everything every time.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import hashlib
import logging
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any, TypeVar

import yaml

from normalize import YAML_LOADER

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "REMOTEJOBS_CACHE_DIR"
#: what makes a program or a derived value this interpreter's: its version, re's program format
#: and the Unicode tables (case folding, NFKD) the table builders use
_BUILD = f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|{sys.maxunicode}"
_BUILD_ID = hashlib.sha256(_BUILD.encode()).hexdigest()[:16]

T = TypeVar("T")
#: the arguments of ``_sre.compile`` after the pattern
_Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

_file: dict[str, dict[Any, Any]] | None = None  # as read: {"regex": ..., "derived": ...}
_used: dict[str, dict[Any, Any]] = {"regex": {}, "derived": {}}
_new = 0


def cache_path() -> Path | None:
    """The cache file for this interpreter (None: caching is off)."""
    folder = os.environ.get(CACHE_DIR_ENV)
    if folder == "off":
        return None
    if not folder:
        try:
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home folder (a bare service account): no cache
            return None
        folder = str(Path(base) / "remotejobs")
    return Path(folder) / f"normalize-{sys.implementation.cache_tag}-{_BUILD_ID}.marshal"


def _stored(kind: str) -> dict[Any, Any]:
    global _file
    if _file is None:
        _file = {"regex": {}, "derived": {}}
        path = cache_path()
        if path is not None and path.is_file():
            try:
                data = marshal.loads(path.read_bytes())
                if isinstance(data, dict) and all(isinstance(data.get(k), dict) for k in _file):
                    _file = data
            except (OSError, ValueError, EOFError, TypeError) as exc:
                logger.debug("normalize cache %s not read: %s", path, exc)
    return _file[kind]


def _program(pattern: str, flags: int) -> _Program:
    """What ``re._compiler.compile`` hands to ``_sre.compile`` (same steps, Python 3.11-3.13)."""
    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the cache file's program when it has this pattern."""
    global _new
    key = (pattern, int(flags))
    used = _used["regex"]
    program = used.get(key) or _stored("regex").get(key)
    if program is not None:
        try:
            compiled: re.Pattern[str] = _sre.compile(pattern, *program)
        except (RuntimeError, TypeError, ValueError, OverflowError):  # _sre validates a program
            logger.debug("normalize cache: program of %.60r not usable, compiled again", pattern)
        else:
            used[key] = program
            return compiled
    program = used[key] = _program(pattern, int(flags))
    _new += 1
    return _sre.compile(pattern, *program)  # type: ignore[no-any-return]


def digest(inputs: Sequence[Path | str]) -> str:
    """The digest :func:`derived` keys a value by: the interpreter build and every input."""
    hashed = hashlib.sha256(_BUILD.encode())
    for item in inputs:
        if isinstance(item, Path):
            hashed.update(b"\0file\0" + item.read_bytes())
        else:
            hashed.update(b"\0text\0" + item.encode())
    return hashed.hexdigest()


def derived(name: str, inputs: Sequence[Path | str], build: Callable[[], T]) -> T:
    """``build()``, or the value it gave before for the same ``inputs``. The value must be made of
    what ``marshal`` keeps (str, int, float, bool, None, tuple, list, dict, set, frozenset)."""
    global _new
    if cache_path() is None:
        return build()
    key = digest(inputs)
    stored = _stored("derived").get(name)
    if stored is not None and stored[0] == key:
        _used["derived"][name] = stored
        return stored[1]  # type: ignore[no-any-return]
    value = build()
    try:
        marshal.dumps(value)  # type: ignore[arg-type]
    except ValueError:  # not kept (a date in a YAML table): built again by the next process
        return value
    _used["derived"][name] = (key, value)
    _new += 1
    return value


def yaml_file(path: Path) -> Any:
    """A YAML table's values (PyYAML's safe loader), kept like a :func:`derived` value while the
    file and PyYAML's version are unchanged (the pure-Python half of loading a table costs more
    than reading it back), in a process that reads the cache anyway: one that only needs a small
    table (a crawl process: salary periods in the spiders, places in dedupe) loads the table
    rather than the whole cache (tens of MB once read)."""

    def load() -> Any:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=YAML_LOADER)

    if _file is None:
        return load()
    return derived(f"yaml {path.parent.name}/{path.name}", [path, f"pyyaml {yaml.__version__}"], load)


def save() -> Path | None:
    """Write the cache file when this process built something; returns the file written, if any.

    It keeps what this process used and what it read from the file, unless most of what it read
    went unused (tables edited since): then only what was used, so the file stays near the size of
    the tables in use. Another process may write it at the same time: each replaces it whole."""
    global _new, _file
    path = cache_path()
    if path is None or not _new:
        return None
    keep = {kind: dict(values) for kind, values in _used.items()}
    read = _file or {}
    unused = sum(len(read.get(kind, {}).keys() - keep[kind].keys()) for kind in keep)
    if unused <= sum(map(len, keep.values())):  # a process that used part of the tables keeps the rest
        for kind in keep:
            keep[kind] = {**read.get(kind, {}), **keep[kind]}
    temporary = None
    try:
        data = marshal.dumps(keep)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as out:
            temporary = Path(out.name)
            out.write(data)
        os.replace(temporary, path)
    except (OSError, ValueError) as exc:  # ValueError: a value marshal cannot keep
        logger.warning("normalize cache %s not written: %s", path, exc)
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        return None
    _new = 0
    _file = keep
    return path


def stats() -> dict[str, Any]:
    """For logs and tests: what this process used, and how much of it was built here."""
    return {
        "patterns": len(_used["regex"]),
        "derived": sorted(_used["derived"]),
        "built": _new,
        "file": str(cache_path()),
    }

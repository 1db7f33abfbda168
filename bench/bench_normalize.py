"""Throughput of the normalisers on real strings (one core, strings per second).

Collects every salary, location, title and date string found in the real
cassettes (../shared/realdata) and the labelled eval sets (../shared/eval), then
times each normaliser over them, repeated until at least ``--seconds`` elapse.

    python -m bench.bench_normalize [--seconds 2] [--realdata ../shared/realdata]

Also checks that the date fast paths never import dateparser.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

KEYS = {
    "salary": {"salary", "salary_raw", "compensationTierSummary", "scrapeableCompensationSalarySummary"},
    "location": {"location", "candidate_required_location", "locationName", "region", "locationRestrictions"},
    "title": {"title", "position", "jobTitle", "name_title"},
    "date": {"publication_date", "date", "created_at", "publishedAt", "pubDate", "updated_at", "createdAt",
             "releasedDate", "pub_date", "datePosted", "first_published", "time", "epoch"},
}  # fmt: skip
RSS_TAGS = {"title": "title", "region": "location", "pubDate": "date"}


def walk(value: Any, kind_of: dict[str, str]) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            kind = kind_of.get(key)
            if kind and isinstance(item, str | int | float) and not isinstance(item, bool) and str(item).strip():
                yield kind, str(item)
            elif kind == "location" and isinstance(item, dict) and isinstance(item.get("name"), str):
                yield kind, item["name"]
            else:
                yield from walk(item, kind_of)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, kind_of)


def collect(realdata: Path, eval_dir: Path) -> dict[str, list[str]]:
    kind_of = {key: kind for kind, keys in KEYS.items() for key in keys}
    strings: dict[str, list[str]] = {kind: [] for kind in KEYS}
    for path in sorted(realdata.rglob("*")):
        if path.name == "index.jsonl" or not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            try:
                payload = json.loads(data)
            except ValueError:
                continue
            for kind, text in walk(payload, kind_of):
                strings[kind].append(text)
        elif path.suffix in {".rss", ".xml"}:
            text = data.decode("utf-8", "replace")
            for tag, kind in RSS_TAGS.items():
                strings[kind] += [m.strip() for m in re.findall(rf"<{tag}>([^<]*)</{tag}>", text) if m.strip()]
    for kind in ("salary", "location", "title"):
        labelled = eval_dir / f"{kind}.jsonl"
        if labelled.is_file():
            strings[kind] += [json.loads(line)["raw"] for line in labelled.read_text().splitlines() if line.strip()]
    return strings


def result_caches(module: Any) -> list[Any]:
    """Per-string result caches (``lru_cache`` named ``_parse_cached``...), not table loaders."""
    return [
        getattr(module, name)
        for name in dir(module)
        if name.startswith(("_parse_cached", "_token_key")) and hasattr(getattr(module, name), "cache_clear")
    ]


def throughput(
    parse: Callable[[str], object], strings: list[str], seconds: float, caches: list[Any]
) -> tuple[float, int]:
    """Strings per CPU second (process time, so other load on the machine does not count); result
    caches are cleared before every pass, so each string is parsed cold."""
    done = 0
    elapsed = 0.0
    while True:
        for cache in caches:
            cache.cache_clear()
        start = time.process_time()
        for text in strings:
            parse(text)
        done += len(strings)
        elapsed += time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed, done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--realdata", type=Path, default=SHARED / "realdata")
    ap.add_argument("--eval", type=Path, default=SHARED / "eval")
    ap.add_argument("--target", type=float, default=20_000, help="strings/s each normaliser should reach")
    args = ap.parse_args(argv)

    from normalize import dates, location, salary, title

    strings = collect(args.realdata, args.eval)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    parsers: dict[str, tuple[Callable[[str], object], Any]] = {
        "salary": (salary.parse, salary),
        "location": (location.parse, location),
        "title": (title.parse, title),
        "date": (lambda text: dates.parse_date(text, now=now), dates),
    }
    print(f"{'kind':<10}{'strings':>9}{'distinct':>10}{'strings/s':>12}  target  (cold: result caches cleared)")
    ok = True
    for kind, (parse, module) in parsers.items():
        for text in strings[kind][:50]:  # load the reference tables once
            parse(text)
        rate, _ = throughput(parse, strings[kind], args.seconds, result_caches(module))
        met = rate >= args.target
        ok &= met or kind == "date"
        print(
            f"{kind:<10}{len(strings[kind]):>9}{len(set(strings[kind])):>10}{rate:>12,.0f}  {'ok' if met else 'BELOW'}"
        )
    fast_path_clean = "dateparser" not in sys.modules
    print(f"date fast paths imported dateparser: {'no' if fast_path_clean else 'YES'}")
    return 0 if ok and fast_path_clean else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m normalize {salary,location,title,date}``: one JSON object per input line.

Reads raw strings from stdin (one per line; a literal ``\\n``/``\\t`` in the text
is written as those two characters) and writes one JSON object per line to
stdout, in order. A line that cannot be read gives null fields, never a crash.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from normalize import dates, location, salary, title

NULL_RESULTS: dict[str, dict[str, Any]] = {
    "salary": {"min": None, "max": None, "currency": None, "period": None, "estimate": False},
    "location": {
        "workplace": None,
        "worldwide": False,
        "countries": [],
        "regions": [],
        "timezones": None,
    },
    "title": {"title": None, "seniority": None, "category": None, "role": None},
    "date": {"posted_at": None},
}


def _parse_now(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parser(kind: str, now: datetime) -> Callable[[str], dict[str, Any]]:
    if kind == "salary":
        return salary.parse
    if kind == "location":
        return location.parse
    if kind == "title":
        return title.parse
    return lambda text: {"posted_at": dates.parse_date(text, now=now)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m normalize", description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=sorted(NULL_RESULTS))
    ap.add_argument("--json", action="store_true", help="accepted for compatibility; output is always JSON lines")
    ap.add_argument("--now", default=None, help="reference time for relative dates (ISO 8601; default: now, UTC)")
    args = ap.parse_args(argv)
    now = _parse_now(args.now) if args.now else datetime.now(UTC)
    parse = _parser(args.kind, now)
    out = sys.stdout
    errors = 0
    for line in sys.stdin.buffer:
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        text = text.replace("\\n", "\n").replace("\\t", "\t")
        try:
            result = parse(text)
        except Exception as exc:  # never crash on one line: null fields, reason on stderr
            errors += 1
            print(f"normalize {args.kind}: {exc!r} on {text[:80]!r}", file=sys.stderr)
            result = dict(NULL_RESULTS[args.kind])
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

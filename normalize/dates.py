"""Date normaliser: posting dates to ISO 8601 UTC.

``parse_date(text, now=crawl_time)`` returns e.g. ``"2026-11-22T00:00:00+00:00"`` or
None. Fast paths (no dateparser): ISO dates and datetimes (offset, ``Z`` or naive =
UTC, fractional seconds), Unix epoch seconds or milliseconds (int, float or a
string of digits), RFC 822 (RSS ``pubDate``), and compact relative text ("2 days
ago", "yesterday", "3w", "1mo", "just now", "30+ days ago") resolved against
``now``. Other natural-language text goes to dateparser, imported lazily, with
``now`` as the relative base, in the languages of data/dates/languages.txt. Unreadable
input gives None; nothing raises.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

# Plausible posting dates: epoch values outside are not timestamps.
_MIN_EPOCH = 315_532_800  # 1980-01-01
_MAX_EPOCH = 4_102_444_800  # 2100-01-01

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_ISO_COMPACT_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DIGITS = re.compile(r"[+-]?\d+(?:\.\d+)?")
_RFC822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")

_UNITS: dict[str, timedelta] = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "mo": timedelta(days=30),
    "y": timedelta(days=365),
}
_UNIT_WORDS = {
    "sec": "s", "secs": "s", "second": "s", "seconds": "s", "s": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m", "m": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "mo": "mo", "mos": "mo", "mon": "mo", "month": "mo", "months": "mo",
    "y": "y", "yr": "y", "yrs": "y", "year": "y", "years": "y",
    # German (Arbeitnow and similar boards)
    "sekunde": "s", "sekunden": "s", "minuten": "m", "stunde": "h", "stunden": "h",
    "tag": "d", "tagen": "d", "tage": "d", "woche": "w", "wochen": "w", "monat": "mo", "monaten": "mo",
    "monate": "mo", "jahr": "y", "jahren": "y", "jahre": "y",
}  # fmt: skip
_RELATIVE = re.compile(
    r"^(?:posted\s+|active\s+|updated\s+|vor\s+)?(?P<n>\d+|an?|one|a\s+few|few)\+?\s*"
    r"(?P<unit>[a-z]+)\.?(?:\s+ago)?$"
)
_NOW_WORDS = frozenset(
    {"now", "just now", "today", "just posted", "posted today", "new", "heute", "gerade eben", "soeben"}
)
_YESTERDAY_WORDS = frozenset({"yesterday", "posted yesterday", "gestern"})
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "a few": 3, "few": 3}


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _from_epoch(number: float) -> str | None:
    if _MIN_EPOCH * 1000 <= abs(number) < _MAX_EPOCH * 1000 and abs(number) >= _MAX_EPOCH:
        number /= 1000.0  # milliseconds
    if not _MIN_EPOCH <= number < _MAX_EPOCH:
        return None
    return _iso(datetime.fromtimestamp(number, tz=UTC))


#: What most APIs send ("2026-11-20T09:30:00.000+01:00", "...Z"): read by datetime's own C
#: parser (~5x faster than the fields below); every other ISO shape goes through the fields.
_COMMON_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6})?(?:Z|[+-]\d{2}:\d{2})")
_MAX_OFFSET = timedelta(hours=18)


def _parse_iso(text: str) -> str | None:
    if _COMMON_ISO.fullmatch(text):
        try:
            value = datetime.fromisoformat(text)
        except ValueError:  # out of range ("2026-02-30"): the fields' reading says the same
            return _parse_iso_fields(text)
        offset = value.utcoffset()
        if offset is not None and -_MAX_OFFSET <= offset <= _MAX_OFFSET:
            return value.astimezone(UTC).isoformat()
    return _parse_iso_fields(text)


def _parse_iso_fields(text: str) -> str | None:
    m = _ISO.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
    except ValueError:
        return None
    if zone and zone.upper() not in {"Z", "UTC", "GMT"}:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        if offset > timedelta(hours=18):
            return None
        value = value - sign * offset
    return _iso(value.replace(tzinfo=UTC))


def _parse_relative(low: str, now: datetime) -> str | None:
    if low in _NOW_WORDS:
        return _iso(now)
    if low in _YESTERDAY_WORDS:
        return _iso(now - timedelta(days=1))
    m = _RELATIVE.match(low)
    if m is None:
        return None
    count_text, unit_text = m.group("n"), m.group("unit")
    unit = _UNIT_WORDS.get(unit_text)
    if unit is None:
        return None
    count = _NUMBER_WORDS.get(count_text) if not count_text.isdigit() else int(count_text)
    if count is None or count > 100_000:
        return None
    try:
        return _iso(now - _UNITS[unit] * count)
    except OverflowError:
        return None


LANGUAGES_FILE = Path(__file__).resolve().parents[1] / "data" / "dates" / "languages.txt"


@cache
def _languages() -> list[str]:
    """The languages dateparser tries (data/dates/languages.txt), not all of its locales."""
    lines = LANGUAGES_FILE.read_text(encoding="utf-8").splitlines()
    return [code for line in lines if (code := line.split("#")[0].strip())]


@cache
def _dateparser() -> Any:
    import dateparser  # slow to import: only for natural-language dates

    return dateparser


def _parse_natural(text: str, now: datetime) -> str | None:
    if len(text) > 80 or not re.search(r"[A-Za-zÄÖÜäöü]", text):
        return None
    base = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    settings = {
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "PREFER_DATES_FROM": "past",
    }
    try:
        with warnings.catch_warnings():
            # dateparser (via its tz handling) warns about deprecated stdlib/pytz
            # behaviour on some inputs; the result is unaffected.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            parsed = _dateparser().parse(text, settings=settings, languages=_languages())
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if not isinstance(parsed, datetime):
        return None
    return _iso(parsed)


def parse_date(text: str | int | float | None, *, now: datetime) -> str | None:
    """ISO 8601 UTC timestamp of a posting date, or None when it cannot be read."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        try:
            return _from_epoch(float(text))
        except (OverflowError, ValueError, OSError):
            return None
    if isinstance(text, datetime):
        return _iso(text)
    if isinstance(text, date):
        return _iso(datetime(text.year, text.month, text.day))
    if not isinstance(text, str):
        return None
    value = text.strip()
    if not value or len(value) > 200:
        return None
    try:
        if value[0].isdigit() or value[0] in "+-":
            if _DIGITS.fullmatch(value):
                return _from_epoch(float(value))
            iso = _parse_iso(value)
            if iso is not None:
                return iso
            m = _ISO_COMPACT_DATE.fullmatch(value)
            if m is not None:
                return _iso(datetime(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        if _RFC822.match(value):
            try:
                return _iso(parsedate_to_datetime(value))
            except (TypeError, ValueError, IndexError):
                pass
        low = " ".join(value.lower().split())
        relative = _parse_relative(low, now)
        if relative is not None:
            return relative
        return _parse_natural(value, now)
    except (OverflowError, ValueError, OSError):
        return None

"""Date normaliser: fast paths, relative text, natural language, garbage."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from normalize.dates import _COMMON_ISO, _parse_iso, _parse_iso_fields, parse_date
from tests import forkrun
from tests.conftest import cassette_bodies, json_strings

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)

FAST_PATHS = [
    pytest.param("2026-11-20", "2026-11-20T00:00:00+00:00", id="iso-date"),
    pytest.param("2026-11-20T08:15:00Z", "2026-11-20T08:15:00+00:00", id="iso-datetime-z"),
    pytest.param("2026-11-20T08:15:00", "2026-11-20T08:15:00+00:00", id="iso-naive-is-utc"),
    pytest.param("2026-11-20 08:15", "2026-11-20T08:15:00+00:00", id="iso-space-no-seconds"),
    pytest.param("2026-11-20T10:15:00+02:00", "2026-11-20T08:15:00+00:00", id="iso-offset"),
    pytest.param("2026-11-20T03:15:00-0500", "2026-11-20T08:15:00+00:00", id="iso-offset-no-colon"),
    pytest.param("2026-11-20T08:15:00.250Z", "2026-11-20T08:15:00.250000+00:00", id="iso-fraction"),
    pytest.param("2026-11-20T08:15:00.123456789Z", "2026-11-20T08:15:00.123456+00:00", id="iso-nanoseconds"),
    pytest.param("2026/11/20", "2026-11-20T00:00:00+00:00", id="slashed-date"),
    pytest.param(1_795_133_700, "2026-11-20T00:15:00+00:00", id="epoch-int"),
    pytest.param(1_795_133_700_000, "2026-11-20T00:15:00+00:00", id="epoch-ms-int"),
    pytest.param(1_795_133_700.5, "2026-11-20T00:15:00.500000+00:00", id="epoch-float"),
    pytest.param("1795133700", "2026-11-20T00:15:00+00:00", id="epoch-string"),
    pytest.param("1795133700000", "2026-11-20T00:15:00+00:00", id="epoch-ms-string"),
    pytest.param("Fri, 20 Nov 2026 08:15:00 +0000", "2026-11-20T08:15:00+00:00", id="rfc822"),
    pytest.param("Fri, 20 Nov 2026 09:15:00 +0100", "2026-11-20T08:15:00+00:00", id="rfc822-offset"),
    pytest.param("20 Nov 2026 08:15:00 GMT", "2026-11-20T08:15:00+00:00", id="rfc822-no-weekday"),
]

RELATIVE = [
    pytest.param("today", "2026-11-24T00:00:00+00:00", id="today"),
    pytest.param("Just now", "2026-11-24T00:00:00+00:00", id="just-now"),
    pytest.param("yesterday", "2026-11-23T00:00:00+00:00", id="yesterday"),
    pytest.param("2 days ago", "2026-11-22T00:00:00+00:00", id="days-ago"),
    pytest.param("1 day ago", "2026-11-23T00:00:00+00:00", id="one-day-ago"),
    pytest.param("5 hours ago", "2026-11-23T19:00:00+00:00", id="hours-ago"),
    pytest.param("an hour ago", "2026-11-23T23:00:00+00:00", id="an-hour-ago"),
    pytest.param("3w", "2026-11-03T00:00:00+00:00", id="compact-weeks"),
    pytest.param("4d", "2026-11-20T00:00:00+00:00", id="compact-days"),
    pytest.param("12h", "2026-11-23T12:00:00+00:00", id="compact-hours"),
    pytest.param("1mo", "2026-10-25T00:00:00+00:00", id="compact-month"),
    pytest.param("30+ days ago", "2026-10-25T00:00:00+00:00", id="thirty-plus-days"),
    pytest.param("Posted 6 days ago", "2026-11-18T00:00:00+00:00", id="posted-prefix"),
    pytest.param("vor 2 Tagen", "2026-11-22T00:00:00+00:00", id="german-vor-tagen"),
    pytest.param("gestern", "2026-11-23T00:00:00+00:00", id="german-gestern"),
]

NATURAL = [
    pytest.param("November 18, 2026", "2026-11-18T00:00:00+00:00", id="month-name"),
    pytest.param("18 Nov 2026", "2026-11-18T00:00:00+00:00", id="day-month-year"),
    pytest.param("last friday", "2026-11-20T00:00:00+00:00", id="last-weekday"),
    pytest.param("il y a 3 jours", "2026-11-21T00:00:00+00:00", id="french-relative"),
    pytest.param("hace 2 días", "2026-11-22T00:00:00+00:00", id="spanish-relative"),
    pytest.param("18 novembre 2026", "2026-11-18T00:00:00+00:00", id="french-month-name"),
]

GARBAGE = [
    pytest.param(None, id="none"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("not a date at all", id="words"),
    pytest.param("2026-13-45", id="impossible-iso"),
    pytest.param("-1", id="minus-one"),
    pytest.param("0", id="zero-epoch"),
    pytest.param(12, id="tiny-int"),
    pytest.param(10**30, id="huge-int"),
    pytest.param(float("nan"), id="nan"),
    pytest.param(float("inf"), id="inf"),
    pytest.param(True, id="bool"),
    pytest.param("99999999999999999999999", id="huge-digits"),
    pytest.param("x" * 10_000, id="very-long"),
    pytest.param("2026-11-20T08:15:00+25:00", id="bad-offset"),
]


@pytest.mark.parametrize(("raw", "expected"), FAST_PATHS + RELATIVE + NATURAL)
def test_parse_date(raw: str | int | float, expected: str) -> None:
    assert parse_date(raw, now=NOW) == expected


@pytest.mark.parametrize("raw", GARBAGE)
def test_unreadable_is_none(raw: object) -> None:
    assert parse_date(raw, now=NOW) is None  # type: ignore[arg-type]


def test_relative_uses_the_given_now() -> None:
    other = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    assert parse_date("3 days ago", now=other) == "2025-01-07T12:00:00+00:00"


def test_date_objects() -> None:
    assert parse_date(date(2026, 11, 1), now=NOW) == "2026-11-01T00:00:00+00:00"  # type: ignore[arg-type]


def test_fast_paths_do_not_import_dateparser() -> None:
    code = textwrap.dedent(
        """
        import sys
        from datetime import UTC, datetime
        from normalize.dates import _COMMON_ISO, _parse_iso, _parse_iso_fields, parse_date
        now = datetime(2026, 11, 24, tzinfo=UTC)
        for value in ["2026-11-20", "2026-11-20T08:15:00.5+01:00", 1795133700, "1795133700000",
                      "Fri, 20 Nov 2026 08:15:00 +0000", "2 days ago", "3w", "yesterday", "today", None, ""]:
            parse_date(value, now=now)
        print("dateparser" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_date() -> None:
    lines = "2026-11-22\n2 days ago\nnonsense\n"
    out = forkrun.run(
        [sys.executable, "-m", "normalize", "date", "--now", "2026-11-24T00:00:00Z"], cwd=ROOT, input=lines
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        '{"posted_at": "2026-11-22T00:00:00+00:00"}',
        '{"posted_at": "2026-11-22T00:00:00+00:00"}',
        '{"posted_at": null}',
    ]


def test_dateparser_knows_every_language_of_the_table() -> None:
    # an unknown code would make dateparser raise on every call, read as "unreadable"
    from dateparser.languages.loader import LocaleDataLoader

    from normalize.dates import _languages

    codes = _languages()
    assert "en" in codes and "de" in codes
    assert len(list(LocaleDataLoader().get_locales(languages=codes))) == len(codes)


def common_iso_strings() -> list[str]:
    """Every combination of the common API shape's parts around the edges that matter: day and
    month bounds, leap days, fractions of 3 and 6 digits, Z and offsets up to +-18:00 and past."""
    days = [
        "2024-02-29",
        "2026-02-29",
        "2026-02-30",
        "2026-12-31",
        "2026-13-01",
        "2026-00-10",
        "0001-01-01",
        "9999-12-31",
    ]
    times = ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "09:30:61"]
    fractions = ["", ".000", ".250", ".123456"]
    zones = ["Z", "+00:00", "-00:00", "+05:30", "-09:45", "+18:00", "-18:00", "+18:01", "-19:00", "+23:59", "+24:00"]
    return [f"{d}T{t}{f}{z}" for d in days for t in times for f in fractions for z in zones]


@pytest.mark.parametrize("shape", ["generated", pytest.param("recorded", marks=pytest.mark.realdata)])
def test_common_iso_shape_reads_as_the_fields_do(shape) -> None:
    """The C fast path for "2026-11-20T09:30:00.000+01:00"-shaped dates gives what reading the
    fields gives, on edge cases and on every ISO date string of the real cassettes."""
    if shape == "generated":
        texts = common_iso_strings()
    else:
        folders = ("ashby", "greenhouse-boards", "lever", "remotive", "himalayas", "workable")
        texts = sorted({t for f in folders for t in json_strings(cassette_bodies(f)) if _COMMON_ISO.fullmatch(t)})
        assert len(texts) > 100

    def read(reader, text):
        try:
            return reader(text)
        except OverflowError:
            return "overflow"

    assert sum(bool(_COMMON_ISO.fullmatch(t)) for t in texts) > len(texts) // 2
    assert [read(_parse_iso, t) for t in texts] == [read(_parse_iso_fields, t) for t in texts]

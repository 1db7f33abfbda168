"""Salary normaliser: one rule class per table, one case per row (own examples, not eval strings)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from normalize.salary import normalize_posting_salary, parse, period_of
from tests import forkrun

ROOT = Path(__file__).resolve().parents[2]

Expected = tuple[float | None, float | None, str | None, str | None]


def check(text: str, expected: Expected) -> None:
    got = parse(text)
    assert (got["min"], got["max"], got["currency"], got["period"]) == expected, got


CURRENCIES = [
    pytest.param("$95k-$115k", (95000, 115000, "USD", "year"), id="dollar-alone-usd"),
    pytest.param("CA$88K – CA$102K", (88000, 102000, "CAD", "year"), id="ca-dollar"),
    pytest.param("C$72,000 - C$81,000", (72000, 81000, "CAD", "year"), id="c-dollar"),
    pytest.param("A$135k", (135000, 135000, "AUD", "year"), id="a-dollar"),
    pytest.param("R$190K – R$240K", (190000, 240000, "BRL", "year"), id="r-dollar-brl"),
    pytest.param("€64k - €78k", (64000, 78000, "EUR", "year"), id="euro-sign"),
    pytest.param("£52,500 - £61,000", (52500, 61000, "GBP", "year"), id="pound-sign"),
    pytest.param("₹14,00,000 - ₹19,00,000 per annum", (1400000, 1900000, "INR", "year"), id="rupee-lakh-groups"),
    pytest.param("11 500 - 14 000 zł miesięcznie", (11500, 14000, "PLN", "month"), id="zloty-after"),
    pytest.param("CHF 125'000 – 150'000", (125000, 150000, "CHF", "year"), id="chf-code-before-swiss-apostrophe"),
    pytest.param("NOK 750k - 900k", (750000, 900000, "NOK", "year"), id="code-before"),
    pytest.param("88,000 - 99,000 EUR", (88000, 99000, "EUR", "year"), id="code-after"),
    pytest.param("$210-260k AUD", (210000, 260000, "AUD", "year"), id="code-after-overrides-dollar"),
    pytest.param("SEK 55 000 – SEK 62 000 per month", (55000, 62000, "SEK", "month"), id="code-both-ends"),
    pytest.param("GBP £48K – £57K", (48000, 57000, "GBP", "year"), id="code-and-sign"),
    pytest.param("70,000 euros a year", (70000, 70000, "EUR", "year"), id="currency-word"),
    pytest.param("120k-140k", (120000, 140000, None, "year"), id="no-currency-null"),
]

PERIODS = [
    pytest.param("$38/hr", (38, 38, "USD", "hour"), id="slash-hr"),
    pytest.param("$41.50 per hour", (41.5, 41.5, "USD", "hour"), id="per-hour"),
    pytest.param("Hourly: $27 - $33", (27, 33, "USD", "hour"), id="hourly-before"),
    pytest.param("£58k p.a.", (58000, 58000, "GBP", "year"), id="p-a"),
    pytest.param("Annual base $141K – $166K", (141000, 166000, "USD", "year"), id="annual-before"),
    pytest.param("$99k/yr", (99000, 99000, "USD", "year"), id="slash-yr"),
    pytest.param("$6,500 per month", (6500, 6500, "USD", "month"), id="per-month"),
    pytest.param("RAL 38.000 - 44.000 €", (38000, 44000, "EUR", "year"), id="ral-italian"),
    pytest.param("£47,000 gross per annum", (47000, 47000, "GBP", "year"), id="gross-per-annum"),
    pytest.param("€550/day", (550, 550, "EUR", "day"), id="day-rate"),
    pytest.param("$1,900 weekly", (1900, 1900, "USD", "week"), id="weekly"),
    pytest.param("€4.200 brutto/Monat", (4200, 4200, "EUR", "month"), id="german-monat"),
    pytest.param("$48-57", (48, 57, "USD", "hour"), id="plainly-hourly-default"),
    pytest.param("$3K-5K", (3000, 5000, "USD", None), id="ambiguous-thousands-null"),
    pytest.param("$95K/yr – $105K/yr", (95000, 105000, "USD", "year"), id="period-on-both-ends"),
]

NUMBERS = [
    pytest.param("$110-135k", (110000, 135000, "USD", "year"), id="k-on-one-end"),
    pytest.param("$118k–$142k", (118000, 142000, "USD", "year"), id="k-on-both-ends"),
    pytest.param("$265—$315K", (265000, 315000, "USD", "year"), id="k-at-end-em-dash"),
    pytest.param("$28,4k", (28400, 28400, "USD", "year"), id="decimal-comma-k"),
    pytest.param("€58.000 - €66.000", (58000, 66000, "EUR", "year"), id="thousands-dots"),
    pytest.param("€ 61.500,00 - € 69.000,00", (61500, 69000, "EUR", "year"), id="dots-and-decimal-comma"),
    pytest.param("$127.5K – $149.9K", (127500, 149900, "USD", "year"), id="decimal-point-k"),
    pytest.param("$1.4M OTE", (1400000, 1400000, "USD", "year"), id="million"),
    pytest.param("18-24 LPA", (1800000, 2400000, "INR", "year"), id="lakh-per-annum"),
    pytest.param("between $82,000 and $97,000", (82000, 97000, "USD", "year"), id="between-and"),
    pytest.param("$88k to $104k", (88000, 104000, "USD", "year"), id="to-joiner"),
]

OPEN_ENDS = [
    pytest.param("up to €92k", (None, 92000, "EUR", "year"), id="up-to"),
    pytest.param("Bis zu 81.000 € brutto im Jahr", (None, 81000, "EUR", "year"), id="bis-zu"),
    pytest.param("from $104,000", (104000, None, "USD", "year"), id="from"),
    pytest.param("ab 57.000 EUR", (57000, None, "EUR", "year"), id="ab"),
    pytest.param("$165k+", (165000, None, "USD", "year"), id="plus-open"),
    pytest.param("Starting at $24/hour", (24, None, "USD", "hour"), id="starting-at"),
    pytest.param("$172k + bonus", (172000, 172000, "USD", "year"), id="plus-bonus-is-not-open"),
    pytest.param("base capped at £64k", (None, 64000, "GBP", "year"), id="capped-at"),
    pytest.param("at most $38/hour", (None, 38, "USD", "hour"), id="at-most"),
]

NOISE = [
    pytest.param("$131k–$158k • 0.10%–0.40%", (131000, 158000, "USD", "year"), id="equity-percent-range"),
    pytest.param("0.2% – 0.6% equity", (None, None, None, None), id="equity-only"),
    pytest.param("$93K-$118K base + 0.3-0.9% equity", (93000, 118000, "USD", "year"), id="equity-after"),
    pytest.param("Visa sponsorship + €7k relocation bonus", (None, None, None, None), id="bonus-only"),
    pytest.param("$15k signing bonus, $133k base", (133000, 133000, "USD", "year"), id="bonus-first-then-base"),
    pytest.param("Raised $35M Series B; $150k-$190k", (150000, 190000, "USD", "year"), id="funding-first"),
    pytest.param("OTE $96k - $128k", (96000, 128000, "USD", "year"), id="ote-counts"),
    pytest.param("$72K • Offers Equity • $24K Commission", (72000, 72000, "USD", "year"), id="commission-later"),
    pytest.param("Dental, vision, 6% match, 401(k)", (None, None, None, None), id="retirement-plan"),
    pytest.param("Staff ($205k), Senior ($170k)", (205000, 205000, "USD", "year"), id="several-ranges-first"),
    pytest.param("$140K – $165K • $90K – $110K", (140000, 165000, "USD", "year"), id="two-ranges-first"),
    pytest.param("$74,000 and 28 days holiday", (74000, 74000, "USD", "year"), id="and-days-not-range"),
    pytest.param("36 hrs/week, $31/hr", (31, 31, "USD", "hour"), id="hours-per-week-not-pay"),
    pytest.param("3-5 years of experience, €70k", (70000, 70000, "EUR", "year"), id="years-not-pay"),
    pytest.param("Contract via IR35 £ rate", (None, None, None, None), id="ir35-not-a-figure"),
]

NO_SALARY = [
    pytest.param("Competitive", id="competitive"),
    pytest.param("DOE", id="doe"),
    pytest.param("-1", id="minus-one"),
    pytest.param("", id="empty"),
    pytest.param("0", id="zero"),
    pytest.param("Negotiable depending on experience", id="negotiable"),
    pytest.param("2024 hiring plan", id="year-number"),
]


@pytest.mark.parametrize(("text", "expected"), CURRENCIES)
def test_currency(text: str, expected: Expected) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), PERIODS)
def test_period(text: str, expected: Expected) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_numbers(text: str, expected: Expected) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), OPEN_ENDS)
def test_open_ends(text: str, expected: Expected) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), NOISE)
def test_noise_is_ignored(text: str, expected: Expected) -> None:
    check(text, expected)


@pytest.mark.parametrize("text", NO_SALARY)
def test_no_salary_gives_nulls(text: str) -> None:
    check(text, (None, None, None, None))


@pytest.mark.parametrize(
    ("text", "estimate"),
    [
        pytest.param("$71K-$96K (Glassdoor est.)", True, id="glassdoor-estimate"),
        pytest.param("$71K-$96K (Employer est.)", False, id="employer-estimate-is-not-site"),
        pytest.param("Estimated Base Salary $120K – $140K", False, id="employer-estimated-base"),
        pytest.param("$90k - $100k", False, id="plain"),
    ],
)
def test_estimate_marker(text: str, estimate: bool) -> None:
    assert parse(text)["estimate"] is estimate


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("$" * 500, id="only-signs"),
        pytest.param("1" * 400, id="huge-number"),
        pytest.param("1,2,3,4,5k", id="odd-separators"),
        pytest.param("\x00\ufffd€€ - - k", id="control-chars"),
        pytest.param("9" * 30 + "e999", id="overflowish"),
    ],
)
def test_garbage_never_crashes(text: str) -> None:
    got = parse(text)
    assert set(got) >= {"min", "max", "currency", "period", "estimate"}


# --- posting level --------------------------------------------------------------------------

ON = date(2024, 8, 15)


def posting(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "structured_min": None,
        "structured_max": None,
        "structured_currency": None,
        "structured_period": None,
        "text": None,
        "description": None,
        "on": ON,
    }
    args.update(kw)
    return normalize_posting_salary(**args)


def test_posting_keys_match_item_schema() -> None:
    from crawler.items import NORMALIZED_FIELDS

    assert set(posting()) == {k for k in NORMALIZED_FIELDS if k.startswith("salary_")}


@pytest.mark.parametrize(
    ("kw", "source", "norm"),
    [
        pytest.param(
            {"structured_min": "82000", "structured_max": "96000", "structured_currency": "USD",
             "structured_period": "YEAR", "text": "$10k"},
            "structured", (82000, 96000, "USD", "year"), id="structured-first-strings",
        ),
        pytest.param(
            {"structured_min": 44, "structured_max": 0, "structured_currency": "EUR", "structured_period": "1 HOUR"},
            "structured", (44, 44, "EUR", "hour"), id="structured-zero-max-unknown",
        ),
        pytest.param(
            {"structured_min": 120000, "structured_max": 150000, "text": "$120k - $150k"},
            "structured", (120000, 150000, "USD", "year"), id="structured-currency-from-text",
        ),
        pytest.param(
            {"structured_min": 0, "structured_max": 0, "text": "£61k-£68k"},
            "text", (61000, 68000, "GBP", "year"), id="zero-structured-falls-to-text",
        ),
        pytest.param(
            {"structured_min": 5200, "structured_max": 6100, "structured_currency": "PLN",
             "structured_period": "monthly"},
            "structured", (5200, 6100, "PLN", "month"), id="structured-monthly-word",
        ),
        pytest.param(
            {"description": "About us. Salary range: $128,000 – $152,000 per year. Benefits."},
            "description", (128000, 152000, "USD", "year"), id="description-leading-anchor",
        ),
        pytest.param(
            {"description": "Wir bieten 62.000 € – 71.000 € brutto jährlich und 30 Tage Urlaub."},
            "description", (62000, 71000, "EUR", "year"), id="description-trailing-brutto",
        ),
        pytest.param(
            {"description": "Our platform serves 2,000,000 users; we raised $18M last year."},
            None, (None, None, None, None), id="description-bare-numbers-ignored",
        ),
    ],
)  # fmt: skip
def test_posting_sources(kw: dict[str, Any], source: str | None, norm: Expected) -> None:
    got = posting(**kw)
    assert got["salary_source"] == source
    assert (
        got["salary_norm_min"],
        got["salary_norm_max"],
        got["salary_norm_currency"],
        got["salary_norm_period"],
    ) == norm


@pytest.mark.parametrize(
    ("period", "value", "annual"),
    [
        pytest.param("hour", 50, 104000, id="hour-x2080"),
        pytest.param("day", 400, 104000, id="day-x260"),
        pytest.param("week", 2000, 104000, id="week-x52"),
        pytest.param("month", 8000, 96000, id="month-x12"),
        pytest.param("year", 90000, 90000, id="year-x1"),
    ],
)
def test_annualising(period: str, value: float, annual: float) -> None:
    got = posting(structured_min=value, structured_currency="USD", structured_period=period)
    assert got["salary_annual_min"] == annual
    assert got["salary_usd_min"] == annual
    assert got["salary_fx_rate"] == 1.0


def test_usd_conversion_uses_dated_rate() -> None:
    got = posting(text="€100,000 per year", on=date(2024, 8, 15))
    assert got["salary_fx_date"] == "2024-08-01"  # latest ECB date on or before
    assert got["salary_usd_min"] == pytest.approx(100000 * got["salary_fx_rate"], rel=1e-6)
    assert 1.0 < got["salary_fx_rate"] < 1.2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("$9/month", "implausible: annual USD 108 < 1,000", id="too-small"),
        pytest.param("$4,000,000", "implausible: annual USD 4,000,000 > 2,000,000", id="too-large"),
        pytest.param("Offers equity", "unparsed text", id="unparsed-text"),
    ],
)
def test_unusable_salary_reason(text: str, reason: str) -> None:
    got = posting(text=text)
    assert got["salary_unparsed_reason"] == reason
    assert got["salary_norm_min"] is None and got["salary_usd_min"] is None


def test_no_salary_word_is_not_unparsed() -> None:
    got = posting(text="Competitive")
    assert got["salary_source"] is None and got["salary_unparsed_reason"] is None


def test_cli_one_line_in_one_json_line_out() -> None:
    stdin = "€72k–€84k p.a.\n\x00garbage ))) \\n $$$\n"
    proc = forkrun.run([sys.executable, "-m", "normalize", "salary"], input=stdin, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert (first["min"], first["max"], first["currency"], first["period"]) == (72000, 84000, "EUR", "year")
    assert (second["min"], second["max"], second["currency"], second["period"]) == (None, None, None, None)


# Period fields of structured platform salaries (the one table the spiders also use).
STRUCTURED_PERIODS = [
    pytest.param("YEARLY", "year", id="upper-case-word"),
    pytest.param("per_hour", "hour", id="per-underscore"),
    pytest.param("1 MONTH", "month", id="one-unit"),
    pytest.param("  weekly ", "week", id="padded"),
    pytest.param("Per Day", "day", id="per-words"),
    pytest.param("salary", "year", id="salary-means-yearly"),
    pytest.param("fortnight", None, id="unknown-word"),
    pytest.param("", None, id="empty"),
    pytest.param(None, None, id="none"),
    pytest.param(12, None, id="not-text"),
]


@pytest.mark.parametrize(("word", "expected"), STRUCTURED_PERIODS)
def test_period_of(word: object, expected: str | None) -> None:
    assert period_of(word) == expected


# issue 11: figures that are no salary statement keep the raw text and a reason, never a figure
NOT_SALARY = [
    pytest.param("$30k - $250k", "implausible: range max/min", id="range-too-wide"),
    pytest.param("€15 - €90 per hour", "implausible: range max/min", id="hourly-range-too-wide"),
    pytest.param("$1.50 per hour", "implausible: 1.50 USD per hour", id="hourly-below-bounds"),
    pytest.param("R$ 5 por hora", "implausible:", id="hourly-below-bounds-after-fx"),
    pytest.param("Paid per bounty: $250 per valid bug", "not a salary: bounty", id="bounty"),
    pytest.param("Straight commission, no base", "not a salary: commission only", id="commission-only"),
    pytest.param("Commission-based (20% of each deal)", "not a salary: commission only", id="commission-based"),
    pytest.param("$12 per task completed", "not a salary: gig", id="per-task-gig"),
]


@pytest.mark.parametrize(("text", "reason"), NOT_SALARY)
def test_not_a_salary(text: str, reason: str) -> None:
    got = posting(text=text)
    assert got["salary_unparsed_reason"].startswith(reason)
    assert (got["salary_norm_min"], got["salary_norm_max"], got["salary_usd_min"]) == (None, None, None)


SALARY_NOT_GIG = [
    pytest.param("$90k base + commission", (90000, 90000), id="base-plus-commission"),
    pytest.param("$70k-$110k OTE", (70000, 110000), id="ote-range"),
    pytest.param("$40k - $150k", (40000, 150000), id="range-ratio-within-bounds"),
]


@pytest.mark.parametrize(("text", "figures"), SALARY_NOT_GIG)
def test_salary_with_commission_words(text: str, figures: tuple[int, int]) -> None:
    got = posting(text=text)
    assert (got["salary_norm_min"], got["salary_norm_max"]) == figures
    assert got["salary_unparsed_reason"] is None


# issue 11: explicit pay in a description without an anchor word; never a bare number or one amount
DESCRIPTION_PAY = [
    pytest.param("We ship weekly.\n£70K – £90K • equity", (70000, 90000, "GBP", "year"), id="currency-range-line"),
    pytest.param("Contract role. CAD 9500/month, paid monthly.", (9500, 9500, "CAD", "month"), id="amount-per-unit"),
    pytest.param("We raised $40M last year.", (None, None, None, None), id="funding-is-no-pay"),
    pytest.param("Teams of 2,000 - 5,000 people use it.", (None, None, None, None), id="bare-range-is-no-pay"),
    pytest.param("Get a $5k home-office budget.", (None, None, None, None), id="single-amount-is-no-pay"),
]


@pytest.mark.parametrize(("description", "expected"), DESCRIPTION_PAY)
def test_description_explicit_pay(description: str, expected: Expected) -> None:
    got = posting(description=description)
    assert (got["salary_norm_min"], got["salary_norm_max"], got["salary_norm_currency"], got["salary_norm_period"]) == (
        expected
    )

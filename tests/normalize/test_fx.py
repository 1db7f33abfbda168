"""FX table: dated ECB rates, lookup on or before a date, and the refresh converter."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from normalize import fx

ECB_SAMPLE = (
    "Date,USD,JPY,BGN,CYP,GBP,PLN,\n"
    "2030-02-03,1.2000,150.0,1.9558,N/A,0.8000,4.0000,\n"
    "2030-01-06,1.1000,N/A,1.9558,N/A,0.8800,4.4000,\n"
    "2030-01-02,1.0000,140.0,1.9558,N/A,0.9000,4.5000,\n"
)


@pytest.fixture
def table() -> fx._Table:
    return fx._Table((d, c, float(r)) for d, c, r in fx.convert_ecb(ECB_SAMPLE))


@pytest.mark.parametrize(
    ("currency", "on", "expected"),
    [
        pytest.param("USD", date(2030, 1, 10), (1.0, "2030-01-06"), id="usd-is-one"),
        pytest.param("EUR", date(2030, 1, 10), (1.1, "2030-01-06"), id="eur-on-or-before"),
        pytest.param("GBP", date(2030, 2, 3), (1.2 / 0.8, "2030-02-03"), id="cross-rate-same-day"),
        pytest.param("EUR", date(2029, 6, 1), (1.0, "2030-01-02"), id="before-table-nearest-later"),
        pytest.param("EUR", date(2031, 1, 1), (1.2, "2030-02-03"), id="after-table-latest"),
        pytest.param("EUR", None, (1.2, "2030-02-03"), id="no-date-latest"),
        pytest.param("JPY", date(2030, 1, 10), (1.0 / 140.0, "2030-01-02"), id="skip-na-cell"),
    ],
)
def test_lookup(table: fx._Table, currency: str, on: date | None, expected: tuple[float, str]) -> None:
    got = table.lookup(currency, on)
    assert got is not None
    assert got[0] == pytest.approx(expected[0])
    assert got[1] == expected[1]


def test_unknown_currency(table: fx._Table) -> None:
    assert table.lookup("XXX", None) is None


def test_committed_table_loads() -> None:
    got = fx.usd_rate("EUR", date(2024, 7, 15))
    assert got is not None and got[1] == "2024-07-01"
    assert fx.usd_rate("usd", None) == (1.0, got[1]) or fx.usd_rate("usd", None) is not None
    assert fx.usd_rate("RMB", None) == fx.usd_rate("CNY", None)  # alias
    assert fx.usd_rate("", None) is None
    assert {"EUR", "USD", "GBP", "CAD", "AUD", "BRL", "INR", "PLN", "CHF"} <= fx.known_currencies()


def test_refresh_cli(tmp_path: Path) -> None:
    src = tmp_path / "eurofxref-hist.csv"
    src.write_text(ECB_SAMPLE)
    out = tmp_path / "rates.csv"
    assert fx.main(["--refresh", str(src), "--out", str(out), "--since", "2030-01-01", "--monthly"]) == 0
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["date"] for r in rows} == {"2030-01-02", "2030-02-03"}
    assert rows[0] == {"date": "2030-01-02", "currency": "BGN", "rate_per_eur": "1.9558"}
    assert not any(r["currency"] == "CYP" for r in rows)  # N/A dropped

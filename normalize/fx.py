"""Dated FX rates for salary conversion, from the ECB euro foreign exchange reference rates.

The table ``data/fx/ecb_rates.csv`` has one row per (date, currency) with the ECB
reference rate in units of the currency per 1 EUR (columns ``date,currency,rate_per_eur``).
``usd_rate(currency, on)`` turns that into USD per unit of ``currency`` using the
rates of one ECB publication date: the latest on or before ``on``, falling back to
the nearest later date when ``on`` is older than the table. It returns the rate and
the ISO date of the ECB publication used, so every conversion can store both.

Refresh the table from the ECB's historical file (see ``data/fx/README.md``)::

    python -m normalize.fx --refresh eurofxref-hist.csv      # or eurofxref-hist.zip
"""

from __future__ import annotations

import argparse
import bisect
import csv
import functools
import io
import sys
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

FX_DIR = Path(__file__).resolve().parent.parent / "data" / "fx"
FX_TABLE = FX_DIR / "ecb_rates.csv"

#: ISO code aliases accepted by ``usd_rate`` (not ISO themselves).
_ALIASES = {"RMB": "CNY", "NTD": "TWD"}


class _Table:
    """Rates by publication date: ``dates`` sorted, ``rates[i]`` maps currency -> per-EUR rate."""

    def __init__(self, rows: Iterable[tuple[str, str, float]]) -> None:
        by_date: dict[date, dict[str, float]] = {}
        for day, cur, rate in rows:
            by_date.setdefault(date.fromisoformat(day), {})[cur] = rate
        self.dates = sorted(by_date)
        self.rates = [by_date[d] for d in self.dates]
        self.currencies = frozenset(c for r in self.rates for c in r) | {"EUR"}

    def lookup(self, currency: str, on: date | None) -> tuple[float, str] | None:
        """USD per unit of ``currency`` on the latest date <= ``on`` (else the nearest later one)."""
        if not self.dates or (currency not in self.currencies and currency != "USD"):
            return None
        needed = {"USD"} if currency in ("USD", "EUR") else {"USD", currency}
        start = len(self.dates) if on is None else bisect.bisect_right(self.dates, on)
        order: Iterator[int] = iter([*range(start - 1, -1, -1), *range(start, len(self.dates))])
        for i in order:
            rates = self.rates[i]
            if not needed <= rates.keys():
                continue
            usd_per_eur = rates["USD"]
            if currency == "USD":
                value = 1.0
            elif currency == "EUR":
                value = usd_per_eur
            else:
                value = usd_per_eur / rates[currency]
            return value, self.dates[i].isoformat()
        return None


def _read_table(path: Path) -> _Table:
    rows: list[tuple[str, str, float]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(line for line in fh if not line.startswith("#")):
            try:
                rows.append((rec["date"], rec["currency"].strip().upper(), float(rec["rate_per_eur"])))
            except (KeyError, TypeError, ValueError):
                continue
    return _Table(rows)


@functools.cache
def _table() -> _Table:
    return _read_table(FX_TABLE) if FX_TABLE.exists() else _Table([])


@functools.lru_cache(maxsize=4096)
def usd_rate(currency: str, on: date | None = None) -> tuple[float, str] | None:
    """USD per one unit of ``currency`` and the ISO date of the ECB rate used, or None.

    ``on`` None means the latest rate in the table. Unknown currencies give None.
    """
    if not currency:
        return None
    cur = currency.strip().upper()
    cur = _ALIASES.get(cur, cur)
    return _table().lookup(cur, on)


def known_currencies() -> frozenset[str]:
    """Currencies the table can convert (plus EUR and USD)."""
    return _table().currencies | {"USD"}


# --- refresh: ECB eurofxref-hist.csv (wide) -> data/fx/ecb_rates.csv (long) ---------------


def _open_ecb(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.lower().endswith(".csv"))
            return zf.read(name).decode("utf-8-sig")
    return path.read_text(encoding="utf-8-sig")


def convert_ecb(text: str, *, since: date | None = None, monthly: bool = False) -> list[tuple[str, str, str]]:
    """Rows (date, currency, rate_per_eur) from the ECB's wide ``Date,USD,JPY,...`` CSV.

    ``N/A`` and empty cells are skipped. ``monthly`` keeps the first publication date
    of each month only. Sorted by date, then currency.
    """
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader)]
    out: list[tuple[str, str, str]] = []
    seen_months: set[str] = set()
    records = sorted((r for r in reader if r and r[0].strip()), key=lambda r: r[0].strip())
    for rec in records:
        day = rec[0].strip()
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            continue
        if since and parsed < since:
            continue
        if monthly:
            if day[:7] in seen_months:
                continue
            seen_months.add(day[:7])
        for cur, cell in zip(header[1:], rec[1:], strict=False):
            cell = cell.strip()
            if not cur or not cell or cell.upper() == "N/A":
                continue
            try:
                float(cell)
            except ValueError:
                continue
            out.append((day, cur.upper(), cell))
    out.sort()
    return out


def write_table(rows: list[tuple[str, str, str]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["date", "currency", "rate_per_eur"])
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m normalize.fx", description="Build data/fx/ecb_rates.csv from the ECB's history file."
    )
    ap.add_argument(
        "--refresh",
        metavar="FILE",
        type=Path,
        required=True,
        help="eurofxref-hist.csv or eurofxref-hist.zip downloaded from the ECB",
    )
    ap.add_argument("--out", type=Path, default=FX_TABLE, help=f"output CSV (default {FX_TABLE})")
    ap.add_argument("--since", type=date.fromisoformat, default=date(2021, 1, 1), help="first date kept")
    ap.add_argument("--monthly", action="store_true", help="keep the first ECB date of each month only")
    args = ap.parse_args(argv)
    rows = convert_ecb(_open_ecb(args.refresh), since=args.since, monthly=args.monthly)
    if not rows:
        print(f"no rates found in {args.refresh}", file=sys.stderr)
        return 1
    write_table(rows, args.out)
    days = sorted({r[0] for r in rows})
    print(f"wrote {len(rows)} rates for {len(days)} ECB dates ({days[0]} .. {days[-1]}) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Salary normaliser: raw salary text -> min/max, ISO currency, period (spec "salary").

``parse(text)`` reads one salary string ("$120k–150k + equity", "€60.000 brutto p.a.",
"45-70 USD/hr") into ``{"min", "max", "currency", "period", "estimate"}`` in the stated
unit. ``normalize_posting_salary(...)`` picks the best source of a posting (structured
platform fields, then salary text, then anchored phrases of the description), annualises,
converts to USD through the dated ECB table of ``normalize.fx`` and flags implausible
results. The word lists are rules in ``data/salary.yaml``.

How ``parse`` reads a string:

1. Clean: HTML entities, dash variants -> "-", no-break spaces, "1 000" -> "1000",
   "401(k)" removed.
2. Scan figures: an optional currency sign, a number (thousands separators or a
   decimal point/comma), an optional multiplier (k, M, lakh...).
3. Walk the figures left to right; two figures joined by "-", "to", "and"... form a
   range. The first candidate that is money (currency, multiplier, thousands
   separators or a salary word before it) and not equity/bonus/funding wins.
4. Currency: an ISO code next to the figures wins over a sign ("$300k AUD"), a specific
   sign ("CA$") over "$". Period: words right after the figures, else before them,
   else by magnitude (thousands-scale -> year, small -> hour).
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from normalize import build_cache, fx
from normalize.guard import Guarded

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "salary.yaml"

PERIODS = ("hour", "day", "week", "month", "year")
#: Multipliers to annual figures.
ANNUAL_FACTOR: dict[str, int] = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}
#: Plausible annual USD range; outside it the parsed figures are not stored.
PLAUSIBLE_USD = (1_000.0, 2_000_000.0)

#: Dashes, odd spaces and tabs as the parser reads them. ``str.translate`` with a table looks up
#: every character (~0.3 ms for a 3 KB description); one ``str.replace`` per mapped character
#: that occurs gives the same text ~40x faster (no replacement contains a mapped character).
_DASHES: dict[str, str] = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\ufe58": "-",
    "\ufe63": "-",
    "\uff0d": "-",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\t": " ",
    "\r": " ",
}


def _alt(items: list[str], *, escape: bool) -> str:
    parts = sorted({re.escape(i) if escape else i for i in items}, key=len, reverse=True)
    return "|".join(parts)


@dataclass(frozen=True)
class _Rules:
    token: re.Pattern[str]
    symbol_sizes: tuple[int, ...]
    symbol_last_chars: frozenset[str]
    symbols: Mapping[str, str]
    codes: Mapping[str, str]
    words: Mapping[str, str]
    multipliers: Mapping[str, float]
    mult_currency: Mapping[str, str]
    mult_period: Mapping[str, str]
    code_before: re.Pattern[str]
    currency_after: re.Pattern[str]
    joiner: re.Pattern[str]
    period_after: re.Pattern[str]
    period_before: re.Pattern[str]
    not_after: re.Pattern[str]
    not_before: re.Pattern[str]
    salary_word: re.Pattern[str]
    conjunction: re.Pattern[str]
    salary_before: re.Pattern[str]
    up_to: re.Pattern[str]
    from_: re.Pattern[str]
    estimate: re.Pattern[str]
    no_salary: frozenset[str]
    anchor_lead: Guarded  # tried only where an anchor word starts (a lookbehind-led alternation)
    anchor_trail: re.Pattern[str]
    year_min_usd: float
    hour_max_usd: float


def _period_pattern(periods: Mapping[str, Mapping[str, list[str]]], kinds: tuple[str, ...]) -> re.Pattern[str]:
    groups = []
    for period in PERIODS:
        entries: list[str] = []
        for kind in kinds:
            entries.extend(periods.get(period, {}).get(kind, []) or [])
        if entries:
            groups.append(f"(?P<{period}>{_alt(entries, escape=False)})")
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(groups) + r")(?![A-Za-z])", re.I)


@functools.cache
def _raw_rules() -> dict[str, Any]:
    """``data/salary.yaml`` as read (once); callers must not mutate it."""
    raw: dict[str, Any] = build_cache.yaml_file(RULES_FILE)
    return raw


@functools.cache
def _structured_periods() -> dict[str, str]:
    """Period words of structured platform fields ("annual", "1 year", "per_hour") -> spec period."""
    table: dict[str, list[str]] = _raw_rules()["structured_periods"]
    return {str(word).lower(): period for period, words in table.items() for word in words}


def period_of(word: object) -> str | None:
    """The spec period (hour/day/week/month/year) a platform's period field names, else None.

    The one table of structured period words (``data/salary.yaml`` ``structured_periods``), used by
    the spiders' structured salaries and by ``normalize_posting_salary``: "YEARLY", "per_hour",
    "1 month" and "annum" are all understood; case, underscores and a leading "per" are ignored.
    """
    if not isinstance(word, str):
        return None
    key = " ".join(word.strip().lower().replace("_", " ").split())
    periods = _structured_periods()
    return periods.get(key) or periods.get(key.removeprefix("per "))


@functools.cache
def _rules() -> _Rules:
    raw = _raw_rules()
    symbols: dict[str, str] = {str(k): str(v) for k, v in raw["currency_symbols"].items()}
    codes: dict[str, str] = {str(k): str(v) for k, v in raw["currency_codes"].items()}
    words: dict[str, str] = {str(k).lower(): str(v) for k, v in raw["currency_words"].items()}
    mults: dict[str, float] = {str(k): float(v) for k, v in raw["multipliers"].items()}

    mult_alt = _alt(list(mults), escape=True)
    # figures are found by their digits first (fast), then the sign is looked up just before them
    token = re.compile(r"(?P<num>\d+(?:[.,'’]\d+)*)" rf"(?:[ ]?(?P<mul>{mult_alt})(?![A-Za-z]))?")
    code_alt = _alt(list(codes), escape=True)
    # a code (optionally followed by a sign) right before a figure: "USD 85K", "GBP £54K", "USD85K"
    code_before = re.compile(rf"(?<![A-Za-z])(?P<code>{code_alt})[ ]?(?:[-:=][ ]?)?$")
    sym_after = _alt([s for s in symbols if s != "$" and not s.endswith("$")], escape=True)
    word_alt = _alt(list(words), escape=True)
    currency_after = re.compile(
        rf"[ ]?(?:(?P<code>{code_alt})(?![A-Za-z])|(?P<sym>{sym_after})"
        rf"|(?i:(?P<word>{word_alt}))(?![A-Za-z]))"
    )
    joiners = _alt(raw["range_joiners"], escape=False)
    periods = raw["periods"]
    joiner = re.compile(
        rf"[ ]*(?:(?:{code_alt}|{sym_after})[ ]*)?"  # "$100 USD - $120 USD", "62.000 € - 71.000 €"
        r"(?:(?:/|per[ ]+)[ ]*[a-z]{1,6}\.?[ ]*)?"  # "$50k/yr - $60k/yr"
        rf"(?:{joiners})[ ]*(?:(?:{code_alt})[ ]*)?$",
        re.I,
    )
    not_after = re.compile(
        r"[ ]*(?P<between>(?:[a-z][a-z'-]*[ ]+){0,2}?)(?:" + _alt(raw["not_salary_after"], escape=True) + r")(?![a-z])",
        re.I,
    )
    not_before = re.compile(
        r"(?<![a-z])(?:" + _alt(raw["not_salary_before"], escape=False) + r")[ ]*[:=]?[ ]*(?:of[ ]+)?"
        r"(?:up[ ]+to[ ]+|~[ ]*|about[ ]+|over[ ]+)?$",
        re.I,
    )
    salary_alt = _alt(raw["salary_words"], escape=False)
    up_to = re.compile(r"(?<![a-z])(?:" + _alt(raw["up_to_words"], escape=False) + r")[ ]*[:.]?[ ]*$", re.I)
    from_ = re.compile(r"(?<![a-z])(?:" + _alt(raw["from_words"], escape=False) + r")[ ]*[:.]?[ ]*$", re.I)
    anchors = raw["description_anchors"]
    dflt = raw["default_period"]
    return _Rules(
        token=token,
        symbol_sizes=tuple(sorted({len(k) for k in symbols}, reverse=True)),
        symbol_last_chars=frozenset(k[-1] for k in symbols),
        symbols=symbols,
        codes=codes,
        words=words,
        multipliers=mults,
        mult_currency={str(k): str(v) for k, v in raw["multiplier_currency"].items()},
        mult_period={str(k): str(v) for k, v in raw["multiplier_period"].items()},
        code_before=code_before,
        currency_after=currency_after,
        joiner=joiner,
        period_after=_period_pattern(periods, ("any", "after")),
        period_before=_period_pattern(periods, ("any",)),
        not_after=not_after,
        not_before=not_before,
        salary_word=re.compile(rf"(?<![a-z])(?:{salary_alt})(?![a-z])", re.I),
        conjunction=re.compile(
            r"(?<![a-z])(?:" + _alt(raw["not_salary_conjunctions"], escape=True) + r")(?![a-z])", re.I
        ),
        salary_before=re.compile(rf"(?<![a-z])(?:{salary_alt})(?![a-z])[^•|;\n]{{0,40}}$", re.I),
        up_to=up_to,
        from_=from_,
        estimate=re.compile(_alt(raw["estimate_markers"], escape=False), re.I),
        no_salary=frozenset(str(w).lower() for w in raw["no_salary"]),
        anchor_lead=Guarded(
            re.compile(r"(?<![a-z])(?:" + _alt(anchors["leading"], escape=False) + r")(?![a-z])", re.I)
        ),
        anchor_trail=re.compile(
            r"^[ ]?(?:[a-z]{1,12}[ ]){0,2}?(?:" + _alt(anchors["trailing"], escape=False) + r")(?![a-z])",
            re.I,
        ),
        year_min_usd=float(dflt["year_min_usd"]),
        hour_max_usd=float(dflt["hour_max_usd"]),
    )


# --- cleaning and numbers -------------------------------------------------------------------

_SPACE_THOUSANDS = re.compile(r"(\d{1,3})((?: \d{3})+)(?![\d.,]*\d)")
_WORD_START = re.compile(r"(?<![A-Za-z])[A-Za-z]|/")


def _word_search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """``pattern.search`` tried only where a word (or "/x") starts: much faster for big alternations."""
    for m in _WORD_START.finditer(text):
        hit = pattern.match(text, m.start())
        if hit:
            return hit
    return None


def _join_thousands(m: re.Match[str]) -> str:
    start = m.start()
    if start and m.string[start - 1] in "0123456789.,":
        return m.group(0)
    return m.group(1) + m.group(2).replace(" ", "")


# US retirement plans ("401(k) match"), not pay; a "$401K" figure or range end is kept.
_RETIREMENT = re.compile(r"\b40[13]\s?\([kb]\)|(?<![$€£\d.,~-])(?<![$€£-] )\b40[13][kb](?![\w-])", re.I)
_RETIREMENT_AT_STARTS = Guarded(_RETIREMENT)
_SEGMENT_END = re.compile(r"[•|;\n]|\.\s|\s-\s(?=[A-Za-z])")
_MAX_LEN = 4000


def _undash(text: str) -> str:
    for char, replacement in _DASHES.items():
        if char in text:
            text = text.replace(char, replacement)
    return text


def _clean(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii() or "\t" in text or "\r" in text:
        text = _undash(text)
    if "401" in text or "403" in text:  # every match of _RETIREMENT has one
        text = _RETIREMENT_AT_STARTS.replace_matches(" ", text)  # tried only where "40" starts
    if " " in text:
        text = _SPACE_THOUSANDS.sub(_join_thousands, text)
    return text


def _number(raw: str, has_mul: bool) -> float | None:
    """'1,250.00' -> 1250.0, '60.000' -> 60000, '31,2' (with k) -> 31.2, '12,00,000' -> 1200000."""
    s = raw.replace("'", "").replace("’", "")
    has_comma, has_dot = "," in s, "." in s
    if has_comma and has_dot:
        decimal_comma = s.rfind(",") > s.rfind(".")
        s = s.replace(".", "").replace(",", ".") if decimal_comma else s.replace(",", "")
    elif has_comma or has_dot:
        sep = "," if has_comma else "."
        parts = s.split(sep)
        if len(parts) > 2:  # several separators: thousands (incl. Indian 12,00,000)
            if len(parts[-1]) != 3:
                return None
            s = "".join(parts)
        elif len(parts[1]) == 3 and not (has_mul and sep == "."):
            s = "".join(parts)  # "60.000", "120,000"; but "185.250k" is a decimal
        else:
            s = parts[0] + "." + parts[1]
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(slots=True)
class _Fig:
    """One figure found in the text."""

    start: int  # start of the sign (or number)
    end: int  # end of the multiplier (or number)
    num_start: int
    value: float  # without multiplier
    mul: float  # 1 when none
    mul_word: str | None
    sym: str | None
    separated: bool  # thousands separators written


@dataclass(slots=True)
class Parsed:
    """Result of ``parse_details``: the spec fields plus how they were found."""

    min: float | None = None
    max: float | None = None
    currency: str | None = None
    period: str | None = None
    estimate: bool = False
    period_stated: bool = False
    currency_stated: bool = False
    start: int = -1
    end: int = -1
    rule: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "min": _out(self.min),
            "max": _out(self.max),
            "currency": self.currency,
            "period": self.period,
            "estimate": self.estimate,
        }


def _out(v: float | None) -> float | int | None:
    if v is None:
        return None
    r = round(v, 2)
    return int(r) if r == int(r) else r


def _sign_before(text: str, pos: int, rules: _Rules) -> tuple[str | None, int]:
    """The currency sign written just before a number ("$", "CA$ ", "€~"), and where it starts."""
    j = pos
    for ch in (" ", "~", " "):
        if j > 0 and text[j - 1] == ch:
            j -= 1
    if j == 0 or text[j - 1] not in rules.symbol_last_chars:
        return None, pos
    for size in rules.symbol_sizes:
        k = j - size
        if k < 0:
            continue
        sign = text[k:j]
        if sign in rules.symbols and not (sign[0].isalpha() and k > 0 and text[k - 1].isalpha()):
            return sign, k
    return None, pos


_CODE3 = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_SEPARATED = re.compile(r"\d[.,'’ ]\d{3}")


def _figures(text: str, rules: _Rules) -> list[_Fig]:
    figs: list[_Fig] = []
    for m in rules.token.finditer(text):
        num_start = m.start()
        mul_word = m.group("mul")
        has_mul = mul_word is not None
        value = _number(m.group("num"), has_mul)
        if value is None:
            continue
        lo = max(0, num_start - 10)
        sym, sym_start = _sign_before(text, num_start, rules)
        if sym is None and num_start > 0:
            prev = text[num_start - 1]
            if (prev.isalnum() or prev in "._/#") and not rules.code_before.search(text, lo, num_start):
                continue  # "IR35", "v2.5", "B2B", "24/7"
        figs.append(
            _Fig(
                start=sym_start,
                end=m.end(),
                num_start=num_start,
                value=value,
                mul=rules.multipliers[mul_word] if mul_word else 1.0,
                mul_word=mul_word,
                sym=sym,
                separated=not has_mul and _SEPARATED.search(m.group("num")) is not None,
            )
        )
    return figs


def _segment_start(text: str, pos: int, floor: int) -> int:
    """Start of the segment (after the last •|; or sentence end) that contains ``pos``."""
    lo = max(floor, pos - 80)
    cut = lo
    for m in _SEGMENT_END.finditer(text, lo, pos):
        cut = m.end()
    return cut


def _segment_end(text: str, pos: int, ceiling: int) -> int:
    m = _SEGMENT_END.search(text, pos, min(ceiling, pos + 50))
    return m.start() if m else min(ceiling, pos + 50)


def _currency_after(text: str, pos: int, rules: _Rules) -> tuple[str | None, int]:
    m = rules.currency_after.match(text, pos)
    if not m:
        return None, pos
    if m.group("code"):
        return rules.codes[m.group("code")], m.end()
    if m.group("sym"):
        return rules.symbols[m.group("sym")], m.end()
    return rules.words[m.group("word").lower()], m.end()


def _usd_scale(value: float, currency: str | None) -> float:
    if currency and currency != "USD":
        rate = fx.usd_rate(currency, None)
        if rate:
            return value * rate[0]
    return value


def _default_period(value: float, currency: str | None, rules: _Rules) -> str | None:
    usd = _usd_scale(value, currency)
    if usd >= rules.year_min_usd:
        return "year"
    if usd <= rules.hour_max_usd:
        return "hour"
    return None


def _is_year_like(f: _Fig) -> bool:
    bare = f.sym is None and f.mul_word is None and not f.separated
    return bare and 1900 <= f.value <= 2100 and f.value == int(f.value)


def _range_values(a: _Fig, b: _Fig | None) -> tuple[float, float | None] | None:
    """(low, high) of a figure or range; "k" on one end applies to both ("100-150k").

    None when two joined figures do not make a range ("$70k and 25 days").
    """
    lo = a.value * a.mul
    if b is None:
        return lo, None
    hi = b.value * b.mul
    if a.mul == 1 and b.mul > 1 and a.value < 1000 and a.value * b.mul <= hi:
        lo = a.value * b.mul
    elif b.mul == 1 and a.mul > 1 and b.value < 1000 and b.value * a.mul >= lo:
        hi = b.value * a.mul
    if hi < lo:
        if b.mul == a.mul and b.sym == a.sym and b.sym is not None:
            return hi, lo
        return None
    return lo, hi


def _excluded_after(after_text: str, rules: _Rules) -> bool:
    """Figures followed by bonus/equity/funding words ("€10k signing bonus")."""
    na = rules.not_after.match(after_text)
    if not na:
        return False
    between = na.group("between")
    return not (rules.salary_word.search(between) or rules.conjunction.search(between))


def _candidate(text: str, figs: list[_Fig], i: int, rules: _Rules, prev_end: int) -> tuple[Parsed | None, int]:
    """Try figs[i] (and figs[i+1] as a range). Returns (result or None, figures consumed)."""
    a, b, lo, hi = _pair(text, figs, i, rules)
    used = 2 if b else 1
    last = b or a
    if _not_pay_figures(text, a, b, lo, hi):
        return None, used
    seg_start = a.start if a.start == prev_end else _segment_start(text, a.start, prev_end)
    before = text[seg_start : a.start]
    # currency written after the last figure ("$300-600k AUD", "60.000 €", "50k euros")
    cur_after, after_pos = _currency_after(text, last.end, rules)
    after_text = text[after_pos : after_pos + 60]
    near = before[-40:] if before.strip() else ""
    if (near and rules.not_before.search(near)) or _excluded_after(after_text, rules):
        return None, used
    # a figure glued to letters that are not a currency/period: "5th", "10x", "3years"
    if after_pos == last.end and after_text[:1].isalpha() and not rules.period_after.match(after_text):
        return None, used
    code_m = rules.code_before.search(text, max(0, a.start - 6), a.start)
    currency = _figures_currency(text, a, b, code_m, cur_after, rules)
    pm, direct = _period_match(text, figs, i + used, after_pos, near, rules)
    period = pm.lastgroup if pm is not None else None
    for f in (a, b):
        if period is None and f is not None and f.mul_word is not None and f.mul_word in rules.mult_period:
            period = rules.mult_period[f.mul_word]
    period_stated = period is not None

    # --- is it money at all? (a bare "40" or "2-3" is not)
    figs_used = [f for f in (a, b) if f is not None]
    slash_period = direct and pm is not None and pm.group(0).lstrip().startswith("/")
    money = (
        currency is not None
        or any(f.mul > 1 for f in figs_used)
        or (all(f.separated for f in figs_used) and lo >= 1000)
        or slash_period
        or (near and rules.salary_before.search(near) is not None and (lo >= 1000 or direct))
    )
    if not money:
        return None, used

    res = Parsed(currency=currency, currency_stated=currency is not None, start=a.start, end=last.end)
    if b is not None:
        res.min, res.max, res.rule = lo, hi, "range"
    else:
        before_code = text[seg_start : code_m.start()] if code_m else ""
        _single_bounds(res, text, a, lo, near, before_code if code_m else None, rules)
    if period is None:
        period = _default_period(res.max if res.max is not None else lo, currency, rules)
    res.period = period
    res.period_stated = period_stated
    return res, used


def _pair(text: str, figs: list[_Fig], i: int, rules: _Rules) -> tuple[_Fig, _Fig | None, float, float | None]:
    """figs[i], and figs[i+1] when a range joiner links them; with their values."""
    a = figs[i]
    b: _Fig | None = None
    if i + 1 < len(figs):
        nxt = figs[i + 1]
        gap = text[a.end : nxt.start]
        if rules.joiner.match(gap) and not gap.strip().startswith("+"):
            b = nxt
    values = _range_values(a, b)
    if values is None:
        b, values = None, _range_values(a, None)
        assert values is not None
    return a, b, values[0], values[1]


def _not_pay_figures(text: str, a: _Fig, b: _Fig | None, lo: float, hi: float | None) -> bool:
    """Percentages ("0.05% - 0.25%", "0.8-1.6% equity"), years and non-positive figures."""
    last = b or a
    tail = text[last.end : last.end + 3].lstrip()
    if tail.startswith("%") or text[a.end : a.end + 2].lstrip().startswith("%"):
        return True
    if _is_year_like(a) or (b is not None and _is_year_like(b)):
        return True
    return lo <= 0 or (hi is not None and hi <= 0)


def _figures_currency(
    text: str, a: _Fig, b: _Fig | None, code_m: re.Match[str] | None, cur_after: str | None, rules: _Rules
) -> str | None:
    """A code next to the figures, else a specific sign, else "$"; else a multiplier's currency ("lakh")."""
    code = rules.codes[code_m.group("code")] if code_m else None
    syms = [f.sym for f in (a, b) if f is not None and f.sym]
    sym_cur = rules.symbols[syms[0]] if syms else None
    between_code = None
    if b is not None:
        bm = _CODE3.search(text, a.end, b.start)
        if bm and bm.group(1) in rules.codes:
            between_code = rules.codes[bm.group(1)]
    currency = code or cur_after or between_code
    if currency is None or (sym_cur and sym_cur != "USD" and currency == "USD" and code is None):
        currency = sym_cur or currency
    if currency is None:
        for f in (a, b):
            if f is not None and f.mul_word is not None and f.mul_word in rules.mult_currency:
                currency = rules.mult_currency[f.mul_word]
    return currency


def _period_match(
    text: str, figs: list[_Fig], next_i: int, after_pos: int, near: str, rules: _Rules
) -> tuple[re.Match[str] | None, bool]:
    """A period word right after the figures, then later in the segment, then before them.

    Returns the match and whether it stood right after the figures.
    """
    seg_end = _segment_end(text, after_pos, len(text))
    ws = len(text[after_pos:seg_end]) - len(text[after_pos:seg_end].lstrip())
    pm = rules.period_after.match(text, after_pos + ws, seg_end)
    if pm is not None:
        return pm, True
    window = text[after_pos:seg_end]
    nxt_fig = next((f.start for f in figs[next_i:] if f.start >= after_pos), None)
    if nxt_fig is not None and nxt_fig < seg_end:
        window = text[after_pos:nxt_fig]
    pm = _word_search(rules.period_after, window)
    if pm is None and near:
        pm = _word_search(rules.period_before, near)
    return pm, False


def _single_bounds(
    res: Parsed, text: str, a: _Fig, value: float, near: str, before_code: str | None, rules: _Rules
) -> None:
    """One figure: "up to 90k" is a maximum, "from 60k" / "60k+" a minimum, else both."""
    res.min = res.max = value
    res.rule = "single"
    plus = text[a.end : a.end + 1] == "+" and not rules.not_after.match(text[a.end + 1 : a.end + 40])
    if (near and rules.up_to.search(near[-20:])) or (before_code is not None and rules.up_to.search(before_code)):
        res.min, res.rule = None, "up to"
    elif plus or (near and rules.from_.search(near[-25:])):
        res.max, res.rule = None, "from"


def parse_details(text: str) -> Parsed:
    """Parse one salary string; see the module docstring. Never raises on odd input.

    Results are cached per distinct string (salary texts repeat a lot across postings):
    treat the returned object as read-only.
    """
    if not text or not isinstance(text, str):
        return Parsed()
    if len(text) > 300:
        return _parse_uncached(text)
    return _parse_cached(text)


@functools.lru_cache(maxsize=16384)
def _parse_cached(text: str) -> Parsed:
    return _parse_uncached(text)


def _parse_uncached(text: str) -> Parsed:
    rules = _rules()
    text = _clean(text[:_MAX_LEN])
    estimate = "est" in text.lower() and rules.estimate.search(text) is not None
    figs = _figures(text, rules)
    i = 0
    prev_end = 0
    while i < len(figs):
        res, used = _candidate(text, figs, i, rules, prev_end)
        if res is not None:
            res.estimate = estimate
            return res
        prev_end = figs[min(i + used, len(figs)) - 1].end
        i += used
    out = Parsed(estimate=estimate)
    if text.strip().lower().strip(".!") in rules.no_salary:
        out.rule = "no salary"
    return out


def parse(text: str) -> dict[str, Any]:
    """``{"min", "max", "currency", "period", "estimate"}`` for one raw salary string."""
    try:
        return parse_details(text).as_dict()
    except Exception:  # a normaliser never crashes on input; null fields instead
        return Parsed().as_dict()


# --- posting level: structured fields, then text, then description --------------------------

NULL_POSTING: dict[str, Any] = {
    "salary_source": None,
    "salary_estimate": False,
    "salary_norm_min": None,
    "salary_norm_max": None,
    "salary_norm_currency": None,
    "salary_norm_period": None,
    "salary_annual_min": None,
    "salary_annual_max": None,
    "salary_usd_min": None,
    "salary_usd_max": None,
    "salary_fx_rate": None,
    "salary_fx_date": None,
    "salary_unparsed_reason": None,
}


def _structured_number(value: object) -> float | None:
    """35000, "35000", "35,000.00", "$35k" -> float; 0, -1, None, "" and junk -> None (unknown)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number: float | None = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            got = parse_details(text)
            number = got.min if got.min is not None else got.max
    else:
        return None
    if number is None or not math.isfinite(number) or number <= 0:
        return None
    return number


def _structured_currency(value: object, rules: _Rules) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    if v in rules.symbols:
        return rules.symbols[v]
    up = v.upper()
    if up in rules.codes:
        return rules.codes[up]
    if len(up) == 3 and up.isalpha():
        return up  # an ISO code we have no rule for; FX lookup decides if it converts
    return rules.words.get(v.lower())


def _description_salary(description: str, rules: _Rules) -> Parsed | None:
    """A salary stated next to an anchor word, or explicit pay (a currency range, an amount per unit)."""
    text = _clean(description[:20000])
    # leading anchors: "Salary: $120k-$150k", "Compensation range: ...", "Gehalt: 60.000 €"
    for m in rules.anchor_lead.finditer(text):
        window = text[m.start() : m.end() + 90]
        got = parse_details(window)
        if got.min is None and got.max is None:
            continue
        if got.start - (m.end() - m.start()) > 60:
            continue
        if got.currency_stated or got.period_stated:
            return got
    # trailing anchors: "€60.000 - €70.000 brutto", "$150k base salary"
    rules_figs = _figures(text, rules)
    for f in rules_figs:
        if not f.sym and not f.separated and f.mul == 1:
            continue
        window = text[max(0, f.start - 30) : f.end + 60]
        got = parse_details(window)
        if got.min is None and got.max is None:
            continue
        tail = window[got.end :]
        _cur, pos = _currency_after(tail, 0, rules)
        if rules.anchor_trail.match(tail[pos:]) and (got.currency_stated or got.period_stated):
            return got
    # explicit pay without an anchor word: a range with its currency ("$150K – $225K"), or a figure
    # with its currency and unit ("USD 6700/month"); never a bare number or a single amount
    for f in rules_figs:
        window = text[max(0, f.start - 12) : f.end + 40]
        got = parse_details(window)
        if not got.currency_stated or got.min is None:
            continue
        tail = window[got.end :]
        unit = rules.period_after.match(tail, len(tail) - len(tail.lstrip()))
        is_range = got.max is not None and got.max != got.min
        if (is_range and got.rule == "range") or (unit is not None and tail.lstrip()[:1] in "/pP"):
            return got
    return None


def _annual(value: float | None, period: str | None) -> float | None:
    if value is None or period is None:
        return None
    return value * ANNUAL_FACTOR[period]


def _fill(
    out: dict[str, Any], source: str, got: Parsed, estimate: bool, on: date | None, rules: _Rules
) -> dict[str, Any]:
    lo, hi = got.min, got.max
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    period = got.period
    if period is None:
        period = _default_period(hi if hi is not None else (lo or 0.0), got.currency, rules)
    ann_lo, ann_hi = _annual(lo, period), _annual(hi, period)
    usd_lo = usd_hi = None
    rate: tuple[float, str] | None = None
    if got.currency and (ann_lo is not None or ann_hi is not None):
        rate = fx.usd_rate(got.currency, on)
        if rate:
            usd_lo = ann_lo * rate[0] if ann_lo is not None else None
            usd_hi = ann_hi * rate[0] if ann_hi is not None else None
    out["salary_source"] = source
    # plausibility on annual USD (or annual figures when the currency is unknown)
    check = [v for v in (usd_lo, usd_hi) if v is not None]
    label = "annual USD"
    if not check and got.currency is None:
        check, label = [v for v in (ann_lo, ann_hi) if v is not None], "annual (no currency)"
    for v in check:
        if v < PLAUSIBLE_USD[0]:
            out["salary_unparsed_reason"] = f"implausible: {label} {v:,.0f} < {PLAUSIBLE_USD[0]:,.0f}"
            return out
        if v > PLAUSIBLE_USD[1]:
            out["salary_unparsed_reason"] = f"implausible: {label} {v:,.0f} > {PLAUSIBLE_USD[1]:,.0f}"
            return out
    implausible = _implausible(lo, hi, period, rate[0] if rate else None)
    if implausible is not None:
        out["salary_unparsed_reason"] = f"implausible: {implausible}"
        return out
    out.update(
        salary_estimate=bool(estimate or got.estimate),
        salary_norm_min=_out(lo),
        salary_norm_max=_out(hi),
        salary_norm_currency=got.currency,
        salary_norm_period=period,
        salary_annual_min=_out(ann_lo),
        salary_annual_max=_out(ann_hi),
        salary_usd_min=_out(usd_lo),
        salary_usd_max=_out(usd_hi),
        salary_fx_rate=round(rate[0], 6) if rate else None,
        salary_fx_date=rate[1] if rate else None,
    )
    return out


@functools.cache
def _pay_tables() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], dict[str, tuple[float, float]], float]:
    """(not-salary pay kinds, USD bounds per period, max range ratio) from data/salary.yaml."""
    raw = _raw_rules()
    kinds = tuple(
        (str(kind), re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
        for kind, patterns in raw["not_salary_pay"].items()
    )
    bounds = {str(k): (float(v[0]), float(v[1])) for k, v in raw["plausible_usd_per_period"].items()}
    return kinds, bounds, float(raw["max_range_ratio"])


def not_salary_kind(text: str) -> str | None:
    """ "bounty", "commission only" or "gig" when the pay text describes such pay, else None."""
    for kind, pattern in _pay_tables()[0]:
        if pattern.search(text):
            return kind
    return None


def _implausible(lo: float | None, hi: float | None, period: str | None, usd_rate: float | None) -> str | None:
    """Why figures are no salary statement: a range too wide, or a figure outside its period's bounds."""
    _kinds, bounds, max_ratio = _pay_tables()
    if lo is not None and hi is not None and lo > 0 and hi / lo > max_ratio:
        return f"range max/min {hi / lo:.1f} > {max_ratio:g}"
    if period not in bounds or usd_rate is None:
        return None
    low_bound, high_bound = bounds[period]
    for value in (v for v in (lo, hi) if v is not None):
        usd = value * usd_rate
        if usd < low_bound or usd > high_bound:
            return f"{usd:,.2f} USD per {period} outside {low_bound:,.0f}..{high_bound:,.0f}"
    return None


def normalize_posting_salary(
    *,
    structured_min: object = None,
    structured_max: object = None,
    structured_currency: object = None,
    structured_period: object = None,
    text: str | None = None,
    description: str | None = None,
    estimate: bool = False,
    on: date | None = None,
) -> dict[str, Any]:
    """Normalised salary fields of one posting (``crawler.items.NORMALIZED_FIELDS`` salary_*).

    Priority: structured platform fields (0/None/"" mean unknown), then the salary text
    (``parse``), then the description through anchored phrases only. ``on`` picks the
    FX rate (the posting date; latest on or before it). Implausible results (annual USD
    outside 1,000..2,000,000) keep only ``salary_source`` and ``salary_unparsed_reason``.
    """
    out = dict(NULL_POSTING)
    try:
        rules = _rules()
        text_got = parse_details(text) if isinstance(text, str) and text.strip() else None
        lo, hi = _structured_number(structured_min), _structured_number(structured_max)
        if lo is not None or hi is not None:
            currency = _structured_currency(structured_currency, rules)
            period = period_of(structured_period)
            # a missing currency/period may be written in the salary text of the same posting
            if text_got is not None and text_got.min is not None:
                currency = currency or text_got.currency
                period = period or (text_got.period if text_got.period_stated else None)
            got = Parsed(min=lo, max=hi, currency=currency, period=period, currency_stated=currency is not None)
            if lo is not None and hi is None:
                got.max = lo
            elif hi is not None and lo is None:
                got.min = hi
            return _fill(out, "structured", got, estimate, on, rules)
        kind = not_salary_kind(text) if isinstance(text, str) else None
        if kind is not None:  # bounty, commission-only, gig pay: kept raw, never a salary figure
            out["salary_source"] = "text"
            out["salary_unparsed_reason"] = f"not a salary: {kind}"
            return out
        if text_got is not None and (text_got.min is not None or text_got.max is not None):
            return _fill(out, "text", text_got, estimate, on, rules)
        if isinstance(description, str) and description.strip():
            desc_got = _description_salary(description, rules)
            if desc_got is not None:
                around = description[max(0, desc_got.start - 80) : desc_got.end + 80]
                kind = not_salary_kind(around) if desc_got.start >= 0 else None
                if kind is not None:
                    out["salary_source"] = "description"
                    out["salary_unparsed_reason"] = f"not a salary: {kind}"
                    return out
                return _fill(out, "description", desc_got, estimate, on, rules)
        if text_got is not None and text_got.rule != "no salary":
            out["salary_unparsed_reason"] = "unparsed text"
        return out
    except Exception as exc:  # never let one posting break the pipeline
        fallback = dict(NULL_POSTING)
        fallback["salary_unparsed_reason"] = f"error: {type(exc).__name__}"
        return fallback

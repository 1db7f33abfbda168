"""salary's text cleaning (run on every description it scans) gives exactly what the original
implementation gave, on every string of every real cassette that takes the changed branches."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from normalize import salary
from normalize.salary import _clean
from tests.conftest import json_strings, realdata

REALDATA = realdata("ashby").parent

# The original control flow (before the faster one), kept as the oracle: the same tables and
# patterns, the dash table applied with str.translate and the 401(k) pattern run on any "40".
DASHES = str.maketrans(salary._DASHES)


def original_clean(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii() or "\t" in text or "\r" in text:
        text = text.translate(DASHES)
    if "40" in text:
        text = salary._RETIREMENT.sub(" ", text)
    if " " in text:
        text = salary._SPACE_THOUSANDS.sub(salary._join_thousands, text)
    return text


def changed_branch_texts(folder: Path) -> set[str]:
    """Strings of a cassette's bodies (whole bodies too) with a character the dash table maps or a "40"."""
    texts: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "index.jsonl"):
        body = path.read_bytes().decode("utf-8", errors="replace")
        try:
            strings = list(json_strings(json.loads(body)))
        except ValueError:
            strings = [body]
        texts.update(s for s in strings if not s.isascii() or "\t" in s or "\r" in s or "40" in s)
    return texts


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", sorted(p.name for p in REALDATA.iterdir() if p.is_dir()))
def test_clean_matches_the_original_on_real_text(cassette):
    for text in sorted(changed_branch_texts(REALDATA / cassette)):
        assert _clean(text) == original_clean(text), text[:200]


@pytest.mark.parametrize(
    "text",
    [
        "€60.000\u2013€70.000\u00a0brutto",
        "a\u200b\u2013b\t\r\u2212c",
        "401(k) match and a 401k plan, $401K base",
        "403(b) and 403b; 40 hours",
        "1 250 000 \u2009 and \u202f12 000",
        "no change at all",
        "",
    ],
)
def test_clean_matches_the_original(text):
    assert _clean(text) == original_clean(text)

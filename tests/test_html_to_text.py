"""The fast html_to_text gives exactly the text the original regular expressions gave, on every
description-like string of every real cassette (and on each whole HTML/XML body)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import nh3
import pytest

from pipelines.validate import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, html_to_text, sanitize_html
from tests.conftest import json_strings, realdata

REALDATA = realdata("ashby").parent

# The original implementation (before issue 16), kept as the oracle.
BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|hr)\b[^>]*>", re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]+>")
SPACES = re.compile(r"[ \t\r\f\v]+")
BLANK_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


def regex_html_to_text(clean_html: str) -> str:
    text = BLOCK_TAGS.sub("\n", clean_html)
    text = html.unescape(ANY_TAG.sub(" ", text))
    text = "\n".join(SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return BLANK_LINES.sub("\n\n", text).strip()


def real_texts(folder: Path) -> Iterator[str]:
    """Every string of a cassette's JSON bodies that could be a description, and every other body whole."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "index.jsonl"):
        body = path.read_bytes().decode("utf-8", errors="replace")
        try:
            data = json.loads(body)
        except ValueError:
            yield body
            continue
        yield from (s for s in json_strings(data) if len(s) > 40 or "<" in s or "&" in s)


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", sorted(p.name for p in REALDATA.iterdir() if p.is_dir()))
def test_fast_html_to_text_matches_the_regex_version(cassette):
    texts = list(real_texts(REALDATA / cassette))
    assert texts, f"{cassette}: no text bodies"
    for raw in texts:
        for value in (raw, sanitize_html(raw), html.unescape(raw)):
            assert html_to_text(value) == regex_html_to_text(value), value[:200]


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "\n\n\n",
        "a\n\n\nb",
        "a\n \n\t\n b",
        "<p>a</p><p></p><br><br>b",
        "\u00a0x \u00a0 \ny\u2028",
        "x\x1c\n\x1c\n\x1cy",
        "a&nbsp;&nbsp; b\r\n\r\n\r\nc",
        "<li>one<li>two",
        "&lt;b&gt; tag-like text",
        "\x85\n\n\x85a\x0b \x0cb",
    ],
)
def test_edge_cases_match(value):
    assert html_to_text(value) == regex_html_to_text(value)


@pytest.mark.realdata
@pytest.mark.parametrize("cassette", sorted(p.name for p in REALDATA.iterdir() if p.is_dir()))
def test_the_reused_sanitiser_cleans_as_nh3_clean(cassette):
    """sanitize_html builds nh3's Cleaner once; each real string comes out as ``nh3.clean``
    with the same allow-lists makes it."""
    texts = [raw for raw in real_texts(REALDATA / cassette) if "<" in raw or "&" in raw]
    for raw in texts:
        expected = nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener nofollow")
        assert sanitize_html(raw) == expected, raw[:200]

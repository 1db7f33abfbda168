"""Mojibake repaired in stored titles and description text before normalising (issue 11); raw kept."""

from __future__ import annotations

import json

import pytest
from ftfy import fix_text

from crawler.items import JobPosting
from pipelines.validate import BADNESS_REACH, repair_mojibake, repair_text
from tests.conftest import REALDATA, json_strings, realdata

REPAIRS = [
    pytest.param("Weâ\x80\x99re hiring", "We’re hiring", id="utf8-read-as-cp1252-apostrophe"),
    pytest.param("toolsâ\x80\x94including", "tools—including", id="utf8-read-as-latin1-dash"),
    pytest.param("ZÃ¼rich office", "Zürich office", id="double-encoded-umlaut"),
    pytest.param("CafÃ© team", "Café team", id="double-encoded-accent"),
    pytest.param("Plain “quoted” text – fine", "Plain “quoted” text – fine", id="sound-text-untouched"),
]


@pytest.mark.parametrize(("damaged", "repaired"), REPAIRS)
def test_repair_text(damaged: str, repaired: str) -> None:
    item = JobPosting(title=damaged, description_text=damaged)
    repair_text(item)
    assert (item["title"], item["description_text"]) == (repaired, repaired)


@pytest.mark.realdata
def test_remoteok_descriptions_are_repaired_raw_kept(crawl):
    result = crawl("remoteok", realdata("remoteok"))
    rows = result.query("SELECT description_text, raw_json FROM postings")
    damaged_raw = [r for r in rows if "â\x80" in json.loads(r["raw_json"]).get("description", "")]
    assert len(damaged_raw) > len(rows) / 2  # the recorded payload is mostly damaged, and stays so
    assert not [r for r in rows if "â\x80" in (r["description_text"] or "")]


#: ftfy's line-by-line behaviour that the fast path must keep: each row is compared with ftfy itself.
AS_FTFY = [
    pytest.param("plain ascii line\nand another\n", id="sound-ascii-lines"),
    pytest.param("sound line\nWeâ\x80\x99re hiring\nsound again", id="one-damaged-line-among-sound-ones"),
    pytest.param("R&amp;D team\n<p>x</p>\nR&amp;D again", id="entities-unescaped-until-a-line-with-markup"),
    pytest.param("<b>bold</b>\nR&amp;D", id="entities-kept-after-markup"),
    pytest.param("Windows\r\nline breaks\rhere", id="carriage-returns"),
    pytest.param("bell\x07 and escape \x1b[31mred\x1b[0m", id="control-and-terminal-escapes"),
    pytest.param("ﬁnance ﬂow", id="latin-ligatures"),
    pytest.param("ＦＵＬＬ width", id="fullwidth-characters"),
    pytest.param("Cafe\u0301 decomposed", id="decomposed-accent-to-nfc"),
    pytest.param("tab\tseparated & ampersand", id="tab-and-bare-ampersand"),
    pytest.param("\ufeffbyte-order mark\nline", id="byte-order-mark"),
    pytest.param("price \x80 and \x93quoted\x94", id="c1-controls-as-cp1252"),
    pytest.param("naïve café – “sound” non-ASCII\n", id="sound-non-ascii-line"),
    pytest.param("Ã©tÃ© line\nsound line\n", id="mojibake-line-before-sound-one"),
    pytest.param("sound first line\nÃ a line that starts like mojibake", id="line-start-anchor-after-the-first"),
    pytest.param("R&D and Q&A, no entity\n", id="ampersand-without-entity"),
    pytest.param("", id="empty"),
    pytest.param("x" * 300 + " naïve " + "y" * 300 + " CafÃ© " + "z" * 300, id="mojibake-far-into-a-long-line"),
    pytest.param("“quoted” " * 40 + "\nline two – ZÃ¼rich\n", id="many-sound-runs-then-mojibake"),
    pytest.param("é" + " " * 5 + "Ã©", id="mojibake-just-past-a-window"),
    pytest.param("Ã \nsecond line", id="line-start-anchor-at-text-start"),
]


@pytest.mark.parametrize("text", AS_FTFY)
def test_repair_mojibake_is_ftfy(text: str) -> None:
    assert repair_mojibake(text) == fix_text(text, uncurl_quotes=False)


def test_badness_matches_are_short_and_hold_a_non_ascii_character() -> None:
    """What the windowed check in repair_mojibake relies on, read off ftfy's own pattern: every
    alternative of BADNESS_RE is at most BADNESS_REACH + 1 characters wide and has a non-ASCII
    character at top level (so a match sits within BADNESS_REACH of one)."""
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    from ftfy.badness import BADNESS_RE

    def non_ascii_only(node: tuple[object, object]) -> bool:
        op, arg = node
        if op is sre.LITERAL:
            return int(arg) >= 128  # type: ignore[call-overload]
        if op is sre.IN:
            return all(
                (o is sre.LITERAL and a >= 128) or (o is sre.RANGE and a[0] >= 128)
                for o, a in arg  # type: ignore[attr-defined]
            )
        return False

    tree = _parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    ((op, (_, branches)),) = tree.data
    assert op is sre.BRANCH and len(branches) > 20
    for branch in branches:
        assert branch.getwidth()[1] <= BADNESS_REACH + 1, branch
        assert any(non_ascii_only(node) for node in branch.data), branch


@pytest.mark.realdata
def test_repair_mojibake_is_ftfy_on_real_text() -> None:
    """The long strings of every real cassette (descriptions, HTML, feeds), 15 a cassette."""
    texts: list[str] = []
    for index in sorted(REALDATA.glob("*/index.jsonl")):
        found: list[str] = []
        for line in index.read_text().splitlines():
            if not line.strip() or line.startswith("#") or len(found) >= 15:
                continue
            body = (index.parent / json.loads(line)["body"]).read_bytes().decode("utf-8", "replace")
            try:
                candidates = list(json_strings(json.loads(body)))
            except ValueError:
                candidates = [body[:5000]]
            found += [text for text in candidates if len(text) > 200][: 15 - len(found)]
        texts += found
    assert len(texts) > 250
    expected = [fix_text(text, uncurl_quotes=False) for text in texts]
    assert expected != texts, "no real text needs a repair: the comparison would only test sound text"
    assert [repair_mojibake(text) for text in texts] == expected

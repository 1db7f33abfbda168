"""The raw record is serialised once: the spider's JSON check keeps ``json.dumps(raw)`` on the
posting (crawler/items.py ``RAW_TEXT``), and the spider hash and the stored ``raw_json`` start from
it (db/postings.py). The values must be exactly those of serialising the record again."""

from __future__ import annotations

import json
import pickle

import pytest

from crawler.items import RAW_TEXT, JobPosting, drop_raw_text, keep_raw_text, raw_text_of
from db.postings import json_text_of_ascii, posting_row, raw_json, spider_hash
from tests.conftest import realdata
from tests.spiders.responses import replay_spider

#: Real cassettes of several API shapes (JSON APIs, an ATS board list, RSS) and languages.
SPIDERS = {
    "arbeitnow": ["arbeitnow-2026-02-12a"],
    "ashby": ["ashby"],
    "greenhouse": ["greenhouse", "greenhouse-boards"],
    "remoteok": ["remoteok"],
    "remotive": ["remotive"],
    "weworkremotely": ["weworkremotely"],
}


def serialised_again(item: JobPosting) -> tuple[str, str]:
    """The spider hash and ``raw_json`` as computed from the record itself."""
    return spider_hash(dict(item)), json.dumps(item["raw"], ensure_ascii=False, default=str)


@pytest.fixture(scope="module")
def postings() -> dict[str, list[JobPosting]]:
    return {
        name: replay_spider(name, *(realdata(folder) for folder in folders), pipelines=False).postings
        for name, folders in SPIDERS.items()
    }


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(SPIDERS))
def test_the_kept_text_gives_the_values_of_serialising_again(postings, name) -> None:
    items = postings[name]
    assert items
    for item in items:
        text = raw_text_of(item)
        assert text == json.dumps(item["raw"])  # kept by the spider, for every posting
        assert (spider_hash(dict(item), text), raw_json(item["raw"], text)) == serialised_again(item)
        row = posting_row(dict(item), text)
        assert row["raw_json"] == posting_row(dict(item))["raw_json"] == serialised_again(item)[1]


@pytest.mark.realdata
def test_real_records_take_every_path(postings) -> None:
    """Plain ASCII records, records with escapes to write as characters, and records whose
    text cannot tell (emoji: a surrogate pair) all occur on real data."""
    texts = [raw_text_of(item) for items in postings.values() for item in items]
    paths = {"ascii": 0, "unescaped": 0, "serialised again": 0}
    for text in texts:
        assert text is not None
        converted = json_text_of_ascii(text)
        paths["ascii" if converted is text else "serialised again" if converted is None else "unescaped"] += 1
    assert all(paths.values()), paths


CASES = [
    pytest.param({"a": "plain"}, id="ascii"),
    pytest.param({"city": "Zürich", "quote": "“remote”", "dash": "2–3"}, id="latin-and-punctuation"),
    pytest.param({"name": "東京"}, id="cjk"),
    pytest.param({"path": "C:\\u00e9 stays six characters"}, id="escaped-backslash-before-u"),
    pytest.param({"path": "\\\\u00e9"}, id="two-escaped-backslashes-before-u"),
    pytest.param({"path": "\\é"}, id="escaped-backslash-then-a-character"),
    pytest.param({"bell": "a\x07b", "nul": "\x00", "unit": "\x1f"}, id="control-characters-stay-escaped"),
    pytest.param({"del": "a\x7fb"}, id="delete-is-written-as-it-is"),
    pytest.param({"nbsp": "a\xa0b", "last-bmp": "\uffff"}, id="bmp-edges"),
    pytest.param({"lone": "a\udc80b"}, id="lone-low-surrogate"),
    pytest.param({"é-key": ["é", 1, 2.5, None, True]}, id="keys-and-lists"),
]


@pytest.mark.parametrize("value", CASES)
def test_json_text_of_ascii_is_dumps_without_ensure_ascii(value) -> None:
    assert json_text_of_ascii(json.dumps(value)) == json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"emoji": "🚀"}, id="astral-character"),
        pytest.param({"pair": "\ud83d\ude80"}, id="two-lone-surrogates-that-look-like-one"),
    ],
)
def test_a_surrogate_pair_is_serialised_again(value) -> None:
    """Both values give the same ASCII text but different ``ensure_ascii=False`` texts."""
    assert json_text_of_ascii(json.dumps(value)) is None
    assert raw_json(value, json.dumps(value)) == json.dumps(value, ensure_ascii=False)


def _posting(raw: object) -> JobPosting:
    item = JobPosting(source="remotive", source_id="1", url="https://example.org/1", title="T", raw=raw)
    keep_raw_text(item, raw, json.dumps(raw))
    return item


def test_a_replaced_raw_record_is_serialised_again() -> None:
    item = _posting({"v": 1})
    assert raw_text_of(item) == '{"v": 1}'
    item["raw"] = {"v": 2}
    assert raw_text_of(item) is None
    assert spider_hash(dict(item), raw_text_of(item)) == spider_hash(dict(item))


def test_the_kept_text_travels_with_its_record_and_is_dropped_with_it() -> None:
    """Pickled (to a worker and back) the kept record stays the posting's own; dropped, it takes
    no copy of the record along."""
    item = _posting({"city": "Zürich"})
    copy = pickle.loads(pickle.dumps(item))
    assert raw_text_of(copy) == '{"city": "Z\\u00fcrich"}'
    copy["raw"] = None
    drop_raw_text(copy)
    assert getattr(copy, RAW_TEXT, None) is None
    assert b"Z\\u00fcrich" not in pickle.dumps(copy)

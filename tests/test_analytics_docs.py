"""docs/schema.md, data/datasette.yml and docs/analysts.md stay true to the database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from db.docs import datasette_yaml, schema_markdown, schema_objects, table_docs, undocumented
from db.schema import open_db
from tests import test_analytics as base
from tests.test_analytics import rows

ROOT = Path(__file__).resolve().parents[1]
SQL_BLOCK = re.compile(r"^## (\d+|Bonus)[^\n]*\n.*?```sql\n(.*?)```", re.S | re.M)
real_db = base.real_db  # the real-cassette database fixture
#: Questions whose answer is never empty on the real cassettes.
NON_EMPTY = {"1", "2", "3", "5", "6", "8", "9", "10"}


@pytest.fixture(scope="module")
def fresh_db():
    db = open_db(":memory:")
    yield db
    db.close()


def test_every_column_is_documented(fresh_db):
    assert undocumented(fresh_db) == []


def test_no_documentation_for_missing_tables(fresh_db):
    assert set(table_docs()) - set(schema_objects(fresh_db)) == set()


def test_posting_columns_come_from_the_item_schema():
    from crawler.items import NORMALIZED_FIELDS, PLATFORM_FIELDS

    columns = table_docs()["postings"][1]
    for name, doc in {**PLATFORM_FIELDS, **NORMALIZED_FIELDS}.items():
        if name != "raw":
            assert columns[name] == doc


@pytest.mark.parametrize(
    ("path", "render"),
    [
        pytest.param("docs/schema.md", schema_markdown, id="schema-md"),
        pytest.param("data/datasette.yml", datasette_yaml, id="datasette-yml"),
    ],
)
def test_generated_files_are_current(fresh_db, path, render):
    assert (ROOT / path).read_text(encoding="utf-8") == render(fresh_db), f"{path} is stale: run `python -m db.docs`"


def test_datasette_metadata_describes_every_table(fresh_db):
    meta = yaml.safe_load((ROOT / "data/datasette.yml").read_text(encoding="utf-8"))
    tables = meta["databases"]["jobs"]["tables"]
    assert set(tables) == set(schema_objects(fresh_db))
    assert all(entry["description"] and entry["columns"] for entry in tables.values())


def analyst_queries() -> list[tuple[str, str]]:
    text = (ROOT / "docs/analysts.md").read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in SQL_BLOCK.finditer(text)]


def test_ten_questions():
    numbers = [n for n, _ in analyst_queries()]
    assert numbers[:10] == [str(i) for i in range(1, 11)]


@pytest.mark.realdata
@pytest.mark.parametrize(("number", "sql"), analyst_queries(), ids=[f"q{n}" for n, _ in analyst_queries()])
def test_analyst_query_runs(real_db, number, sql):
    result = rows(real_db, sql)
    if number in NON_EMPTY:
        assert result, f"question {number} returned nothing"

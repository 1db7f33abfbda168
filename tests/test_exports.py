"""A Scrapy CSV feed (`scrapy crawl SPIDER -O out.csv`) and `remotejobs export` encode cells alike."""

from __future__ import annotations

import csv
import io
import json

import pytest

from crawler.cli.main import main
from crawler.exporters import cell
from tests.conftest import realdata, run_scrapy


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["a", "b,c"], '["a", "b,c"]', id="list"),
        pytest.param({"id": 1, "name": "Zürich"}, '{"id": 1, "name": "Zürich"}', id="mapping-keeps-unicode"),
        pytest.param(True, 1, id="bool"),
        pytest.param(0, 0, id="int-unchanged"),
        pytest.param("x", "x", id="text-unchanged"),
    ],
)
def test_cell(value, expected):
    assert cell(value) == expected


@pytest.mark.realdata
def test_feed_and_export_agree(tmp_path, capsys):
    db = tmp_path / "jobs.db"
    feed = tmp_path / "feed.csv"
    result = run_scrapy(["crawl", "remotive", "-O", str(feed)], db, [realdata("remotive")])
    assert result.returncode == 0, result.log[-3000:]
    assert main(["export", "--table", "postings", "--format", "csv", "--db", str(db)]) == 0
    exported = {row["source_id"]: row for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    with feed.open(encoding="utf-8", newline="") as fh:
        fed = list(csv.DictReader(fh))
    assert fed and len(fed) == len(exported)
    stored_raw = {
        r["source_id"]: json.loads(r["raw_json"]) for r in result.query("SELECT source_id, raw_json FROM postings")
    }
    for row in fed:
        other = exported[row["source_id"]]
        for name in ("tags", "countries", "regions", "remote", "worldwide", "title", "salary_usd_min"):
            if name in row and name in other:
                assert row[name] == other[name] or float(row[name]) == float(other[name]), (name, row[name])
        assert json.loads(row["raw"]) == stored_raw[row["source_id"]]
    assert any(row["tags"].startswith("[") for row in fed)

"""The Datasette app (`datasette data/jobs.db -m data/datasette.yml`) through Datasette's test client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import test_analytics as base

datasette_app = pytest.importorskip("datasette.app")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def jobs_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A copy of the real-cassette database, named jobs.db as Datasette names it 'jobs'."""
    return base.copy_db(base.real_db_template(tmp_path_factory), tmp_path)


def get(db_path: Path, *paths: str) -> list[Any]:
    """GET each path on a Datasette serving db_path with data/datasette.yml; (status, body) pairs."""
    metadata = yaml.safe_load((ROOT / "data" / "datasette.yml").read_text(encoding="utf-8"))

    async def run() -> list[Any]:
        ds = datasette_app.Datasette([str(db_path)], metadata=metadata)
        out = []
        for path in paths:
            response = await ds.client.get(path)
            body = response.json() if ".json" in path else response.text
            out.append((response.status_code, body))
        return out

    return asyncio.run(run())


CANNED = [
    pytest.param("/jobs/salary_index.json?_shape=array", {"scope", "key", "n", "median"}, id="salary-index"),
    pytest.param("/jobs/salary_index.json?scope=role&_shape=array", {"scope", "key", "n"}, id="salary-index-roles"),
    pytest.param("/jobs/search.json?q=engineer&_shape=array", {"title", "company", "sources", "url"}, id="search"),
    pytest.param(
        "/jobs/remote_from_my_country.json?country=de&_shape=array",
        {"open_via", "title", "company", "url"},
        id="remote-from-germany",
    ),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("path", "columns"), CANNED)
def test_canned_queries_return_rows(jobs_db, path, columns):
    [(status, body)] = get(jobs_db, path)
    assert status == 200, body
    assert body, f"{path} returned no rows"
    assert columns <= set(body[0])


@pytest.mark.realdata
def test_canned_query_answers_match_the_views(jobs_db):
    [(_, roles), (_, germany)] = get(
        jobs_db,
        "/jobs/salary_index.json?scope=role&_shape=array",
        "/jobs/remote_from_my_country.json?country=DE&_shape=array&_size=max",
    )
    db = base.open_test_db(jobs_db)
    try:
        assert {r["key"] for r in roles} == {
            r["key"] for r in base.rows(db, "SELECT key FROM salary_index WHERE scope = 'role' AND published = 1")
        }
        expected = base.rows(
            db,
            "SELECT count(*) AS n FROM listings_open_to_country WHERE country = 'DE' "
            "AND (workplace IS NULL OR workplace = 'remote')",
        )[0]["n"]
    finally:
        db.close()
    assert len(germany) == min(expected, 500)
    assert {r["open_via"] for r in germany} <= {"worldwide", "country", "region"}


@pytest.mark.realdata
def test_descriptions_facets_and_table_search(jobs_db):
    (status, listings), (_, postings_search), (_, page) = get(
        jobs_db,
        "/jobs/listings.json?_size=1",
        "/jobs/postings.json?_search=python&_shape=objects&_size=1",
        "/jobs/listings",
    )
    assert status == 200
    assert {"category", "seniority", "workplace"} <= set(listings["facet_results"])
    assert postings_search["rows"], "postings_fts powers Datasette's table search"
    assert "One row per real-world job" in page
    assert "JSON list of ISO 3166-1 alpha-2 codes" in page  # a column description

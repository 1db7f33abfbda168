"""The Datasette app as `remotejobs datasette` serves it, through Datasette's test client, on a
database file that is not called jobs.db (metadata must follow the file's name)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.cli.datasette import PLUGINS_DIR, metadata_for_file
from crawler.cli.main import main
from db.docs import ANALYSTS_MD, analyst_queries
from tests import test_analytics as base


def datasette_class() -> Any:
    """Datasette (a dev dependency), imported by the worker that runs these tests only (~1 s)."""
    return pytest.importorskip("datasette.app").Datasette


ROOT = Path(__file__).resolve().parents[1]
NAME = "remote-2026"  # Datasette's name for remote-2026.db


@pytest.fixture
def jobs_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A copy of the real-cassette database under a name other than jobs.db."""
    target = tmp_path / f"{NAME}.db"
    shutil.copyfile(base.real_db_template(tmp_path_factory), target)
    return target


def get(db_path: Path, *paths: str) -> list[Any]:
    """GET each path on a Datasette set up as `remotejobs datasette --db db_path` sets it up
    (generated metadata, the link plugin); (status, body) pairs. ``/jobs/`` in a path is the database."""
    metadata = metadata_for_file(db_path)

    async def run() -> list[Any]:
        ds = datasette_class()([str(db_path)], metadata=metadata, plugins_dir=str(PLUGINS_DIR))
        out = []
        for path in paths:
            path = path.replace("/jobs/", f"/{NAME}/").replace("/jobs.json", f"/{NAME}.json")
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
    assert 'data-column-description="JSON list of ISO 3166-1 alpha-2 codes' in page  # on the column header
    assert "dl.column-descriptions" in page  # ... and the long list above the rows is hidden by CSS


ANALYST_QUESTIONS = analyst_queries(ANALYSTS_MD.read_text(encoding="utf-8"))


def test_every_analyst_question_is_a_canned_query():
    sections = ANALYSTS_MD.read_text(encoding="utf-8").split("\n## ")[1:]
    headings = [section for section in sections if "```sql" in section]  # questions, not the method section
    assert len(ANALYST_QUESTIONS) == len(headings) >= 11
    checked_in = yaml.safe_load((ROOT / "data" / "datasette.yml").read_text(encoding="utf-8"))
    assert set(ANALYST_QUESTIONS) <= set(checked_in["databases"]["jobs"]["queries"])  # python -m db.docs was run


@pytest.mark.realdata
def test_analyst_canned_queries_run_with_readable_numbers(jobs_db):
    names = list(ANALYST_QUESTIONS)
    answers = get(jobs_db, *(f"/jobs/{name}.json?_shape=array" for name in names))
    for name, (status, body) in zip(names, answers, strict=True):
        assert status == 200, (name, body)
        for row in body:
            for column in ("p25", "median", "p75", "salary_usd_min", "salary_usd_max"):
                assert not isinstance(row.get(column), float), (name, column, row[column])
    with_rows = [name for name, (_, body) in zip(names, answers, strict=True) if body]
    assert len(with_rows) >= len(names) - 1, with_rows  # the real data answers (nearly) every question


@pytest.mark.realdata
def test_metadata_follows_the_file_name_and_hides_internal_tables(jobs_db):
    [(status, database)] = get(jobs_db, "/jobs.json")
    assert status == 200
    hidden = {t["name"] for t in database["tables"] if t["hidden"]}
    shown = {t["name"] for t in database["tables"] if not t["hidden"]}
    assert {"posting_keys", "posting_refs", "postings_fts"} <= hidden
    assert {"listings", "crawl_runs", "salary_index"} <= shown
    assert {"postings", "open_listings"} <= {v["name"] for v in database["views"]}
    assert {"posting_fields", "posting_texts"} <= hidden  # postings' two halves: read through the view
    assert {"salary_index", "search", *ANALYST_QUESTIONS} <= {q["name"] for q in database["queries"]}


@pytest.mark.realdata
def test_ids_link_listings_postings_and_runs(jobs_db):
    db = base.open_test_db(jobs_db)
    try:
        posting = base.rows(db, "SELECT id, listing_id, last_run_id FROM postings WHERE listing_id IS NOT NULL")[0]
        listing = base.rows(db, "SELECT id, canonical_posting_id FROM listings WHERE postings_count > 1")[0]
    finally:
        db.close()
    [(_, posting_page), (_, listing_page)] = get(
        jobs_db, f"/jobs/postings?id={posting['id']}", f"/jobs/listings/{listing['id']}"
    )  # postings is a view: its row is the view filtered by id
    assert f'href="/{NAME}/listings/{posting["listing_id"]}"' in posting_page
    assert f'href="/{NAME}/crawl_runs/{posting["last_run_id"]}"' in posting_page
    assert f'href="/{NAME}/postings?id={listing["canonical_posting_id"]}"' in listing_page
    assert f'href="/{NAME}/postings?listing_id={listing["id"]}"' in listing_page


@pytest.mark.realdata
def test_salary_charts_plugin_is_loaded(jobs_db):
    pytest.importorskip("datasette_vega")
    [(status, plugins)] = get(jobs_db, "/-/plugins.json")
    assert status == 200
    assert {"datasette-vega", "remotejobs_links.py"} <= {p["name"] for p in plugins}


@pytest.mark.realdata
def test_write_metadata_for_any_file_name(jobs_db, tmp_path, capsys):
    out = tmp_path / "meta.yml"
    assert main(["datasette", "--db", str(jobs_db), "--write-metadata", str(out)]) == 0
    metadata = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert list(metadata["databases"]) == [NAME]
    assert "q1_what_does_a_typical_job_in" in metadata["databases"][NAME]["queries"]

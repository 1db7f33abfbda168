"""`remotejobs search` filters and errors, `remotejobs show`, global options, on the real-cassette database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.cli import analytics as cli_analytics
from tests import test_analytics as base
from tests.test_cli_analytics import NOW, query, run

pytestmark = pytest.mark.realdata


@pytest.fixture
def db_path(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(cli_analytics, "now_utc", lambda: NOW)
    return base.copy_db(base.real_db_template(tmp_path_factory), tmp_path)


def search_ids(capsys, db_path: Path, *argv: str) -> set[int]:
    code, out, err = run(capsys, "search", *argv, "--limit", "100000", "--json", "--db", str(db_path))
    assert code == 0, err
    return {row["id"] for row in json.loads(out)}


def open_ids(db_path: Path, where: str, params=()) -> set[int]:
    return {r["id"] for r in query(db_path, f"SELECT id FROM listings l WHERE closed_at IS NULL AND ({where})", params)}


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        pytest.param(["--workplace", "hybrid"], "workplace = 'hybrid'", id="workplace"),
        pytest.param(["--workplace", "remote,onsite"], "workplace IN ('remote', 'onsite')", id="workplaces"),
        pytest.param(["--role", "backend engineer"], "role = 'backend engineer'", id="role"),
        pytest.param(["--seniority", "Senior"], "seniority = 'senior'", id="seniority-any-case"),
        pytest.param(
            ["--region", "europe"],
            "EXISTS (SELECT 1 FROM json_each(l.regions) j WHERE j.value IN ('europe', 'eu'))",
            id="region-includes-eu",
        ),
        pytest.param(
            ["--since", "2026-03-01"],
            "EXISTS (SELECT 1 FROM postings p WHERE p.listing_id = l.id "
            "AND coalesce(p.posted_at, p.first_seen_at) >= '2026-03-01')",
            id="posted-since-date",
        ),
    ],
)
def test_each_filter_selects_what_it_says(db_path, capsys, argv, where):
    expected = open_ids(db_path, where)
    assert expected, f"the real data should have listings for {argv}"
    assert search_ids(capsys, db_path, *argv) == expected


def test_company_contains_any_case(db_path, capsys):
    busiest = query(
        db_path,
        "SELECT company FROM listings WHERE closed_at IS NULL GROUP BY company ORDER BY count(*) DESC LIMIT 1",
    )[0]["company"]
    part = busiest[1:-1].upper()
    expected = open_ids(db_path, "instr(lower(company), ?) > 0", [part.lower()])
    assert len(expected) > 1
    assert search_ids(capsys, db_path, "--company", part) == expected


def test_filters_combine(db_path, capsys):
    got = search_ids(capsys, db_path, "--category", "software-engineering", "--workplace", "remote", "--region", "eu")
    assert got == open_ids(
        db_path,
        "category = 'software-engineering' AND workplace = 'remote' "
        "AND EXISTS (SELECT 1 FROM json_each(l.regions) j WHERE j.value = 'eu')",
    )


def test_since_is_posting_date_and_seen_since_is_crawl_time(db_path, capsys):
    # the cassettes were recorded months before they were replayed: posted long ago, seen "now"
    crawled = query(db_path, "SELECT min(first_seen_at) AS t FROM listings")[0]["t"][:10]
    everything = open_ids(db_path, "1")
    assert search_ids(capsys, db_path, "--seen-since", crawled) == everything
    posted_since_crawl = search_ids(capsys, db_path, "--since", crawled)
    assert posted_since_crawl < everything
    assert posted_since_crawl == open_ids(
        db_path,
        "EXISTS (SELECT 1 FROM postings p WHERE p.listing_id = l.id AND coalesce(p.posted_at, p.first_seen_at) >= ?)",
        [crawled],
    )


@pytest.mark.parametrize(
    ("argv", "listed"),
    [
        pytest.param(["--category", "software"], "software-engineering, writing", id="category-lists-all"),
        pytest.param(["--workplace", "remote-first"], "valid values: hybrid, onsite, remote", id="workplace"),
        pytest.param(["--seniority", "senior,guru"], "intern, junior, mid, senior", id="seniority-in-rank-order"),
        pytest.param(["--region", "emia"], "emea", id="region"),
        pytest.param(["--role", "backend"], "did you mean: backend engineer", id="role-suggests"),
    ],
)
def test_unknown_filter_value_lists_valid_ones(db_path, capsys, argv, listed):
    code, out, err = run(capsys, "search", *argv, "--db", str(db_path))
    assert code == 2 and out == ""
    assert f"{argv[0]}: unknown value" in err and listed in err
    assert "Traceback" not in err


def test_list_values(db_path, capsys):
    code, out, _ = run(capsys, "search", "--list-values", "role", "--json", "--db", str(db_path))
    assert code == 0
    roles = json.loads(out)
    assert set(roles) >= {
        r["role"] for r in query(db_path, "SELECT DISTINCT role FROM listings WHERE role IS NOT NULL")
    }


def test_symbol_words_match_as_written(db_path, capsys):
    literal = open_ids(
        db_path,
        "EXISTS (SELECT 1 FROM postings p WHERE p.listing_id = l.id AND "
        "(p.title LIKE '%c++%' OR p.tags LIKE '%c++%' OR p.description_text LIKE '%c++%'))",
    )
    only_c_sharp = open_ids(
        db_path,
        "EXISTS (SELECT 1 FROM postings p WHERE p.listing_id = l.id AND p.title LIKE '%c#%') AND NOT EXISTS "
        "(SELECT 1 FROM postings p WHERE p.listing_id = l.id AND (p.title || coalesce(p.tags, '') || "
        "coalesce(p.description_text, '')) LIKE '%c++%')",
    )
    got = search_ids(capsys, db_path, "c++")
    assert got == literal and got
    assert only_c_sharp and not got & only_c_sharp


def test_table_has_urls_and_posting_dates(db_path, capsys):
    code, out, _ = run(capsys, "search", "engineer", "--limit", "5", "--db", str(db_path))
    assert code == 0
    header, _rule, *body = out.split("\n\n")[0].splitlines()
    assert header.split()[-3:] == ["posted", "sources", "url"]
    assert len(body) == 5 and all(re.search(r"https?://\S+$", line) for line in body)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["search", "engineer", "--limit", "3", "--json", "-v", "--db", "{db}"], id="after"),
        pytest.param(["-v", "--json", "--db", "{db}", "search", "engineer", "--limit", "3"], id="before"),
    ],
)
def test_global_options_before_or_after_the_sub_command(db_path, capsys, argv):
    code, out, err = run(capsys, *(a.format(db=db_path) for a in argv))
    assert code == 0, err
    assert len(json.loads(out)) == 3


def test_json_everywhere(db_path, capsys):
    for argv in (["stats"], ["salaries"], ["show", "1"], ["search", "--list-values", "workplace"]):
        code, out, err = run(capsys, *argv, "--json", "--db", str(db_path))
        assert code == 0, (argv, err)
        json.loads(out)


def test_show_a_listing_with_its_postings_and_match_reasons(db_path, capsys):
    listing = query(db_path, "SELECT * FROM listings WHERE postings_count > 1 ORDER BY id LIMIT 1")[0]
    postings = query(db_path, "SELECT id, url, source FROM postings WHERE listing_id = ?", [listing["id"]])
    matches = {
        r["posting_id"]: r["rule"]
        for r in query(db_path, "SELECT posting_id, rule FROM listing_matches WHERE listing_id = ?", [listing["id"]])
    }
    code, out, _ = run(capsys, "show", str(listing["id"]), "--json", "--db", str(db_path))
    assert code == 0
    shown = json.loads(out)
    assert shown["title"] == listing["title"] and shown["apply_urls"] == json.loads(listing["apply_urls"])
    assert {p["id"]: p["url"] for p in shown["postings"]} == {p["id"]: p["url"] for p in postings}
    assert {p["id"]: p["match_rule"] for p in shown["postings"]} == matches
    assert shown["postings"][0]["id"] == listing["canonical_posting_id"]
    first = shown["postings"][0]
    assert "location_raw" in first and "countries" in first  # as published beside normalised
    code, text, _ = run(capsys, "show", str(listing["id"]), "--db", str(db_path))
    assert code == 0
    for posting in postings:
        assert f"Posting {posting['id']} on {posting['source']}" in text and posting["url"] in text
    for link in json.loads(listing["apply_urls"]):
        assert link["url"] in text
    assert all(f"matched by: {rule}" in text for rule in matches.values())


def test_show_raw_and_unknown_listing(db_path, capsys):
    code, out, _ = run(capsys, "show", "1", "--raw", "--json", "--db", str(db_path))
    assert code == 0
    raw = json.loads(out)["postings"][0]["raw_json"]
    assert isinstance(raw, dict) and raw
    code, _, err = run(capsys, "show", "999999", "--db", str(db_path))
    assert code == 2 and "no listing 999999" in err


@pytest.mark.parametrize("command", ["stats", "export", "show", "datasette", "search"])
def test_sub_commands_describe_themselves(capsys, command):
    with pytest.raises(SystemExit):
        run(capsys, command, "--help")
    out = capsys.readouterr().out
    usage_and_args = out.split("\n\n")
    assert len(usage_and_args) >= 3 and len(usage_and_args[1]) > 80, out  # a description paragraph

"""``remotejobs boards`` (add, disable, list, count, scan) and ``remotejobs platforms`` (scrapy list by kind)."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.cli.main import main
from db.schema import open_db
from tests.spiders.test_all_spiders import spider_names


def test_add_disable_list_count(tmp_path, capsys):
    db = str(tmp_path / "jobs.db")
    assert main(["boards", "--db", db, "add", "greenhouse", "acme"]) == 0
    assert main(["boards", "--db", db, "add", "lever", "eu:globex", "--reason", "from a recruiter"]) == 0
    assert main(["boards", "--db", db, "disable", "greenhouse", "ACME", "--reason", "not remote"]) == 0
    capsys.readouterr()
    assert main(["boards", "--db", db, "list", "--status", "disabled"]) == 0
    out = capsys.readouterr().out
    assert "greenhouse" in out and "acme" in out and "not remote" in out and "1 boards" in out
    assert main(["boards", "--db", db, "count"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["greenhouse", "0", "0", "1", "1"] and lines[2].split() == ["lever", "1", "0", "0", "1"]
    assert main(["boards", "--db", db, "add", "greenhouse", "acme"]) == 0  # re-activates
    assert "re-activated" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status, consecutive_404s FROM boards WHERE board = 'acme'").fetchone() == ("active", 0)
    conn.close()


def test_unknown_ats_or_board_is_a_user_error(tmp_path, capsys):
    db = str(tmp_path / "jobs.db")
    assert main(["boards", "--db", db, "add", "monster", "acme"]) == 2
    assert main(["boards", "--db", db, "disable", "lever", "nobody"]) == 2
    assert "no board lever nobody" in capsys.readouterr().err


def test_scan_finds_boards_in_postings_already_stored(tmp_path, capsys):
    db_path = tmp_path / "jobs.db"
    db = open_db(db_path)
    db.execute(  # through the postings view: its INSTEAD OF trigger fills both tables
        "INSERT INTO postings (source, source_id, url, apply_url, description_html) VALUES (?, ?, ?, ?, ?)",
        ["remotive", "1", "https://remotive.com/1", None, '<a href="https://acme.bamboohr.com/careers/12">Apply</a>'],
    )
    db.close()
    assert main(["boards", "--db", str(db_path), "scan"]) == 0
    assert "1 new boards" in capsys.readouterr().out
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT ats, board, found_in_posting FROM boards").fetchall() == [("bamboohr", "acme", 1)]
    conn.close()


@pytest.mark.parametrize("kind", ["applicant-tracking systems", "job boards", "JSON-LD", "forum threads"])
def test_platforms_groups_every_spider(capsys, kind):
    assert main(["platforms"]) == 0
    out = capsys.readouterr().out
    assert kind in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert sorted(listed) == sorted(spider_names()) and f"{len(spider_names())} platforms" in out

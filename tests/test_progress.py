"""Progress on long work: a live display (counts, ETA) in a terminal, none without one, where a
single key=value summary line is printed instead. Terminals are real pseudo-terminals (pty)."""

from __future__ import annotations

import os
import pty
import re
import select
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest

from crawler.cli.progress import logfmt
from tests import forkrun
from tests import test_analytics as base
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "RECORD_DIR", "JOBS_DB"}}
    out.update({"TERM": "xterm", "COLUMNS": "120"})
    return out


def in_terminal(argv: list[str]) -> tuple[int, str]:
    """Run argv with stdout and stderr on a pseudo-terminal; (exit status, everything it wrote)."""
    leader, follower = pty.openpty()
    # our follower stays open until the command ends: the command opens the terminal by its name
    proc = forkrun.start(argv, cwd=ROOT, env=env(), terminal=os.ttyname(follower))
    chunks = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            chunks.append(os.read(leader, 65536))
        elif proc.poll() is not None:
            break
    else:
        proc.kill()
    os.close(follower)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def in_pipe(argv: list[str]) -> forkrun.Completed:
    return forkrun.run(argv, cwd=ROOT, env=env(), timeout=240)


def summary(line: str) -> dict[str, str]:
    """The fields of a key=value line (values JSON-quoted where needed, as shell-style quoting reads them)."""
    assert re.fullmatch(r'([^\s="]+=("[^"]*"|[^\s"=]+)( |$))+', line), line
    return dict(part.split("=", 1) for part in shlex.split(line))


def test_logfmt_quotes_what_needs_it():
    line = logfmt({"command": "x", "failed": "", "names": "a b", "n": 3, "share": 0.5})
    assert line == 'command=x failed="" names="a b" n=3 share=0.5'
    assert summary(line) == {"command": "x", "failed": "", "names": "a b", "n": "3", "share": "0.5"}


@pytest.fixture
def real_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return base.copy_db(base.real_db_template(tmp_path_factory), tmp_path)


def remotejobs(*argv: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *argv]


@pytest.mark.realdata
def test_dedupe_rebuild_progress(real_db, tmp_path):
    postings = base.rows(base.open_test_db(real_db), "SELECT count(*) AS n FROM postings")[0]["n"]
    code, screen = in_terminal(remotejobs("dedupe", "--rebuild", "--db", str(real_db)))
    assert code == 0, screen
    plain = ANSI.sub("", screen)
    assert f"{postings}/{postings}" in plain and "placing" in plain and "ETA" in plain
    assert "postings placed in" in plain
    other = tmp_path / "again.db"
    shutil.copyfile(real_db, other)
    piped = in_pipe(remotejobs("dedupe", "--rebuild", "--db", str(other)))
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == "" and "\x1b[" not in piped.stdout
    [line] = piped.stdout.splitlines()
    fields = summary(line)
    assert fields["command"] == "dedupe" and fields["mode"] == "rebuild" and int(fields["postings"]) == postings


@pytest.mark.realdata
def test_renormalize_progress(real_db, tmp_path):
    postings = base.rows(base.open_test_db(real_db), "SELECT count(*) AS n FROM postings")[0]["n"]
    code, screen = in_terminal(remotejobs("renormalize", "--db", str(real_db)))
    assert code == 0, screen
    plain = ANSI.sub("", screen)
    assert f"{postings}/{postings}" in plain and "renormalising" in plain and "ETA" in plain
    assert f"renormalised {postings} postings" in plain
    piped = in_pipe(remotejobs("renormalize", "--db", str(real_db)))
    assert piped.returncode == 0 and piped.stderr == "" and "\x1b[" not in piped.stdout
    [line] = piped.stdout.splitlines()
    assert summary(line)["postings"] == str(postings)


def test_crawlall_progress_and_quiet_log(tmp_path):
    argv = [sys.executable, "-m", "scrapy", "crawlall", "jobicy", "hackernews",
            "-s", f"REPLAY_DIR={DEMO}"]  # fmt: skip
    code, screen = in_terminal([*argv, "-s", f"JOBS_DB={tmp_path / 'tty.db'}"])
    assert code == 0, screen
    plain = ANSI.sub("", screen)
    assert "spiders" in plain and "2/2" in plain and "ETA" in plain and "records" in plain
    piped = in_pipe([*argv, "-s", f"JOBS_DB={tmp_path / 'pipe.db'}"])
    assert piped.returncode == 0, piped.stderr
    assert "\x1b[" not in piped.stdout + piped.stderr
    assert "INFO" not in piped.stderr  # crawlall logs at WARNING unless asked
    assert len((piped.stdout + piped.stderr).splitlines()) < 15
    fields = summary(piped.stdout.splitlines()[-1])
    assert fields["command"] == "crawlall" and fields["ok"] == "2" and fields["new"] == "5"

"""normalize.build_cache: tables read back from the cache file give the same results as tables
built from scratch, and a changed input, a damaged file or ``off`` builds them again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.items import JobPosting
from normalize import build_cache
from tests.conftest import cassette_bodies

ROOT = Path(__file__).resolve().parents[2]


def reopened(monkeypatch) -> None:
    """As a new process would start: nothing used yet, the file read again (restored afterwards)."""
    monkeypatch.setattr(build_cache, "_file", None)
    monkeypatch.setattr(build_cache, "_used", {"regex": {}, "derived": {}})
    monkeypatch.setattr(build_cache, "_new", 0)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """This process's cache state emptied and its file in tmp_path."""
    monkeypatch.setenv(build_cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    reopened(monkeypatch)
    return tmp_path / "cache"


NORMALISE_SCRIPT = """
import json, sys
from normalize import build_cache, location, title
from pipelines.normalization import warm_up
warm_up()
texts = json.loads(sys.stdin.read())
out = {"titles": [title.parse(t) for t in texts["titles"]],
       "locations": [location.parse(t) for t in texts["locations"]],
       "stats": build_cache.stats()}
print(json.dumps(out, sort_keys=True, default=str))
"""


def normalised_in_a_new_process(cache_dir: str, texts: dict[str, list[str]]) -> dict:
    env = {**os.environ, build_cache.CACHE_DIR_ENV: cache_dir}
    done = subprocess.run(
        [sys.executable, "-c", NORMALISE_SCRIPT], input=json.dumps(texts), capture_output=True, text=True,
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    return json.loads(done.stdout)


@pytest.mark.realdata
def test_real_titles_and_locations_read_the_same_through_a_warm_cache(tmp_path):
    """Three processes: no cache, one that builds and writes it, one that reads it back."""
    jobs = [job for body in cassette_bodies("remotive") for job in body["jobs"]]
    jobs += [job for body in cassette_bodies("ashby") for job in body.get("jobs", [])]
    texts = {
        "titles": sorted({job["title"] for job in jobs}),
        "locations": sorted({str(job.get("candidate_required_location") or job.get("location") or "") for job in jobs}),
    }
    assert len(texts["titles"]) > 100 and len(texts["locations"]) > 20
    uncached = normalised_in_a_new_process("off", texts)
    building = normalised_in_a_new_process(str(tmp_path), texts)
    [cache_file] = tmp_path.iterdir()  # written whole (no temporary left beside it)
    written = cache_file.stat().st_mtime_ns
    warm = normalised_in_a_new_process(str(tmp_path), texts)
    assert uncached["stats"]["file"] == "None"
    derived = warm["stats"]["derived"]
    # (the title vocabulary read back, so the place names it was built from are not needed)
    assert [name for name in derived if not name.startswith("yaml ")] == [
        "location.towns", "title.roles", "title.seniority", "title.vocabulary"]  # fmt: skip
    assert {"yaml titles/roles.yaml", "yaml titles/markers.yaml"} <= set(derived)
    assert warm["stats"]["patterns"] > 500
    assert cache_file.stat().st_mtime_ns == written  # the warm process built nothing, so wrote nothing
    for key in ("titles", "locations"):
        assert warm[key] == uncached[key]
        assert building[key] == uncached[key]


def test_a_program_read_back_is_the_compiled_pattern(fresh_cache, monkeypatch):
    patterns = [
        (r"(?P<low>\d+)\s*[-–]\s*(?P<high>\d+)\s*k\b", re.IGNORECASE),
        (r"(?:senior|sr\.?)(?!\w)()|(?:lead)(?!\w)()", 0),
        (r"\bremote\b(?=.*(?:us|eu))", re.IGNORECASE | re.DOTALL),
    ]
    text = "Senior Engineer, remote (US), 120-150k; sr. lead 90 – 110K, Remote EU"
    fresh = [build_cache.compile(p, f) for p, f in patterns]
    assert build_cache.save() == build_cache.cache_path()
    reopened(monkeypatch)
    read_back = [build_cache.compile(p, f) for p, f in patterns]
    assert build_cache.stats()["built"] == 0
    for (pattern, flags), a, b in zip(patterns, fresh, read_back, strict=True):
        plain = re.compile(pattern, flags)
        for compiled in (a, b):
            assert (compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex) == (
                plain.pattern, plain.flags, plain.groups, plain.groupindex)  # fmt: skip
            assert [(m.span(), m.groups()) for m in compiled.finditer(text)] == [
                (m.span(), m.groups()) for m in plain.finditer(text)
            ]


def test_a_changed_input_builds_the_value_again(fresh_cache, monkeypatch, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("name\nBerlin\n")
    builds = []

    def build() -> dict[str, int]:
        builds.append(table.read_text())
        return {line: len(line) for line in table.read_text().split()}

    assert build_cache.derived("t", [table, "v1"], build) == {"name": 4, "Berlin": 6}
    build_cache.save()
    reopened(monkeypatch)
    assert build_cache.derived("t", [table, "v1"], build) == {"name": 4, "Berlin": 6}
    assert len(builds) == 1  # read back
    table.write_text("name\nParis\n")
    assert build_cache.derived("t", [table, "v1"], build) == {"name": 4, "Paris": 5}
    assert build_cache.derived("t", [table, "v2"], build) == {"name": 4, "Paris": 5}
    assert len(builds) == 3  # the file's bytes and the text are both inputs


def test_a_damaged_file_or_program_is_built_again(fresh_cache, monkeypatch):
    pattern = r"\b(?:remote|hybrid)\b"
    build_cache.compile(pattern)
    path = build_cache.save()
    assert path is not None
    reopened(monkeypatch)
    build_cache._stored("regex")[(pattern, 0)] = (0, [17, 99, 3], 0, {}, ())  # not a program of this re
    assert build_cache.compile(pattern).findall("Remote or hybrid, remote") == ["hybrid", "remote"]
    path.write_bytes(b"\x00not marshal data")
    reopened(monkeypatch)
    assert build_cache.derived("d", ["x"], lambda: [1, 2]) == [1, 2]
    assert build_cache.compile(pattern).findall("hybrid") == ["hybrid"]
    assert build_cache.stats()["built"] == 2


def test_off_keeps_no_file(fresh_cache, monkeypatch):
    monkeypatch.setenv(build_cache.CACHE_DIR_ENV, "off")
    build_cache.compile(r"x+")
    assert build_cache.cache_path() is None and build_cache.save() is None
    assert not fresh_cache.exists()


def test_a_process_that_used_part_of_the_file_keeps_the_rest(fresh_cache, monkeypatch):
    """A crawl's worker compiles only the title heads its postings start; what it read stays.
    Tables edited since (most of the file unused) drop out."""
    for pattern in ("alpha", "beta", "gamma"):
        build_cache.compile(pattern)
    build_cache.save()
    reopened(monkeypatch)
    build_cache.compile("alpha")
    build_cache.compile("delta")
    build_cache.save()
    reopened(monkeypatch)
    assert {p for p, _ in build_cache._stored("regex")} == {"alpha", "beta", "gamma", "delta"}
    build_cache.compile("epsilon")
    build_cache.save()
    reopened(monkeypatch)
    assert {p for p, _ in build_cache._stored("regex")} == {"epsilon"}


@pytest.mark.realdata
def test_a_crawl_worker_saves_the_tables_after_its_first_batch(monkeypatch):
    from pipelines import prepare

    saves = []
    monkeypatch.setattr(prepare, "_saved_tables", False)
    monkeypatch.setattr(build_cache, "save", lambda: saves.append(1))
    jobs = cassette_bodies("ashby")[0]["jobs"][:4]
    for job in jobs:
        item = JobPosting(source="ashby", source_id=job["id"], url=job["jobUrl"], title=job["title"],
                          description_html=job.get("descriptionHtml"), raw=job)  # fmt: skip
        results, *_ = prepare.prepare_batch([item], "ashby")
        assert results[0]["title_clean"]
    assert saves == [1]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "data").rglob("*.yaml")), ids=lambda p: str(p.relative_to(ROOT / "data"))
)
def test_a_yaml_table_reads_back_as_pyyaml_reads_it(fresh_cache, monkeypatch, path) -> None:
    import yaml

    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert build_cache.yaml_file(path) == expected  # no cache read yet in this process: loaded
    assert build_cache.stats()["derived"] == []
    build_cache.compile(r"\d+")  # a process that reads the cache...
    assert build_cache.yaml_file(path) == expected  # ...keeps the table in it
    build_cache.save()
    reopened(monkeypatch)
    build_cache.compile(r"\d+")
    assert build_cache.yaml_file(path) == expected
    assert build_cache.stats()["built"] == 0  # read back, not loaded again
    assert any(name.endswith(path.name) for name in build_cache.stats()["derived"])


def test_a_value_marshal_cannot_keep_is_built_each_time(fresh_cache, monkeypatch, tmp_path) -> None:
    """A date in a YAML table: the value is returned, never written (the file stays writable)."""
    table = tmp_path / "dated.yaml"
    table.write_text("published: 2025-04-25\nrates: [1, 2]\n", encoding="utf-8")
    build_cache.compile(r"\w+")  # the cache read: a table would be kept in it
    first = build_cache.yaml_file(table)
    assert str(first["published"]) == "2025-04-25" and first["rates"] == [1, 2]
    assert build_cache.save() == build_cache.cache_path()  # written (the pattern), the table left out
    reopened(monkeypatch)
    build_cache.compile(r"\w+")
    assert build_cache.yaml_file(table) == first
    assert not [name for name in build_cache.stats()["derived"] if "dated" in name]  # loaded again


def test_a_crawl_process_reads_salary_periods_and_places_without_loading_the_cache(tmp_path) -> None:
    """Spiders read salary periods and dedupe reads place tables in the crawl process; the whole
    cache (tens of MB once read) is for the processes that normalise."""
    script = (
        "import spiders.base\n"
        "from normalize import build_cache\n"
        "from normalize.salary import period_of\n"
        "from listings.keys import place_of, title_core_from, title_key\n"
        "assert period_of('per year') == 'year'\n"
        "assert place_of('Berlin, Germany', ['DE'], False).countries == frozenset({'DE'})\n"
        "assert title_key('Senior Software Engineer') and title_core_from('Senior Software Engineer')\n"
        "print(build_cache._file is None and build_cache.stats()['derived'] == [])\n"
    )
    env = {**os.environ, build_cache.CACHE_DIR_ENV: str(tmp_path)}
    (tmp_path / "x").write_bytes(b"")  # a folder that exists, with no cache file yet
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"

"""``remotejobs new-spider``: the scaffold is importable, lint-clean and shaped like the other spiders."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from crawler.cli.common import CliError
from crawler.cli.main import main
from crawler.cli.new_spider import scaffold
from spiders import base
from tests.conftest import ROOT

SHAPES = [
    pytest.param("json", base.JsonApiSpider, id="json"),
    pytest.param("rss", base.RssSpider, id="rss"),
    pytest.param("ats", base.AtsBoardSpider, id="ats"),
    pytest.param("jsonld", base.JsonLdSpider, id="jsonld"),
]


@pytest.fixture
def root(tmp_path):
    for folder in ("spiders", "tests/spiders", "data/boards"):
        (tmp_path / folder).mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize(("shape", "base_class"), SHAPES)
def test_scaffold_writes_spider_test_and_cassette_folder(root, shape, base_class):
    written = scaffold("acme_jobs", shape, root=root)
    spider_file = root / "spiders" / "acme_jobs.py"
    assert spider_file in written and (root / "tests/spiders/test_acme_jobs.py") in written
    assert (root / "tests" / "cassettes" / "acme_jobs").is_dir()
    assert ((root / "data/boards/acme_jobs.txt").is_file()) == (shape in ("ats", "jsonld"))
    spec = importlib.util.spec_from_file_location("scaffolded_acme_jobs", spider_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cls = module.AcmeJobsSpider
    assert issubclass(cls, base_class) and cls.name == "acme_jobs"
    assert "Rate limits" in (module.__doc__ or "") and len(spider_file.read_text().splitlines()) < 60
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"), str(root)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout


def test_refuses_to_overwrite_and_bad_names(root):
    scaffold("acme", "json", root=root)
    with pytest.raises(CliError, match="exists"):
        scaffold("acme", "json", root=root)
    scaffold("acme", "rss", root=root, force=True)
    with pytest.raises(CliError, match="identifier"):
        scaffold("Acme-Jobs", "json", root=root)


def test_cli_rejects_an_unknown_shape(capsys):
    with pytest.raises(SystemExit):
        main(["new-spider", "acme", "--shape", "soap"])
    assert "invalid choice" in capsys.readouterr().err

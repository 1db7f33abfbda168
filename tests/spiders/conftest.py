"""Fixtures of the spider tests."""

from __future__ import annotations

import pytest

from tests.conftest import REALDATA, realdata
from tests.spiders.endtoend import CASSETTES, EndToEnd, run_end_to_end


@pytest.fixture(scope="session")
def end_to_end(tmp_path_factory: pytest.TempPathFactory) -> EndToEnd:
    """Every spider's end-to-end replay, run once per test session (tests only read it)."""
    for folder in CASSETTES.values():
        if folder.is_relative_to(REALDATA):
            realdata(folder.name)  # skips (fails in CI) without ../shared/realdata
    return run_end_to_end(tmp_path_factory.mktemp("end_to_end"))

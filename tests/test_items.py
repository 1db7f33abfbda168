"""The item classes read like the Mapping they are: ``get`` and ``in`` (answered from the item's
values without the Mapping mixin's KeyError round trip) give what ``collections.abc.Mapping``'s
own methods give, for set fields, fields set to None, unset fields and names that are no field."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from crawler.items import JobPosting, RejectedRecord, SeenBody, SeenPosting

ITEMS = [
    pytest.param(JobPosting(title="Engineer", company=None, tags=[]), id="posting"),
    pytest.param(RejectedRecord(source="remotive", reason="missing url"), id="reject"),
    pytest.param(SeenPosting(source="ashby", source_id="1"), id="seen-posting"),
    pytest.param(SeenBody(source="ashby", source_ids=[]), id="seen-body"),
]
NAMES = ["title", "company", "tags", "source", "source_id", "reason", "source_ids", "url", "board", "not_a_field"]


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("name", NAMES)
def test_get_and_in_answer_as_the_mapping_mixin(item, name) -> None:
    assert item.get(name) == Mapping.get(item, name)
    assert item.get(name, "default") == Mapping.get(item, name, "default")
    assert (name in item) is Mapping.__contains__(item, name)

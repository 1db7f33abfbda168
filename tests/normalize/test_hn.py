"""Hacker News comment headers: one class of header per row (examples written for these tests)."""

from __future__ import annotations

import pytest

from normalize import title
from normalize.hn import Header, parse_comment, split_header


def _c(header: str, *body: str) -> str:
    """A comment as the API gives it: paragraphs separated by <p>."""
    return "<p>".join([header, *body])


SPLITS = [
    pytest.param("Acme | Backend Engineer | Remote", ["Acme", "Backend Engineer", "Remote"], id="pipes"),
    pytest.param("Acme — Data Engineer — Lisbon", ["Acme", "Data Engineer", "Lisbon"], id="em-dashes"),
    pytest.param("Acme – Designer – Oslo", ["Acme", "Designer", "Oslo"], id="en-dashes"),
    pytest.param("Acme - SRE - Remote (EU)", ["Acme", "SRE", "Remote (EU)"], id="spaced-hyphens"),
    pytest.param("Acme / iOS Engineer / Paris", ["Acme", "iOS Engineer", "Paris"], id="spaced-slashes"),
    pytest.param("Acme | Remote (US/CA - East)", ["Acme", "Remote (US/CA - East)"], id="not-inside-parentheses"),
    pytest.param("Acme | €60–80k", ["Acme", "€60–80k"], id="dash-inside-a-range"),
    pytest.param("Acme | $120k - $150k | NYC", ["Acme", "$120k-$150k", "NYC"], id="spaced-range-joined"),
    pytest.param("Full-Stack Developer | Graz", ["Full-Stack Developer", "Graz"], id="hyphenated-word-kept"),
]


@pytest.mark.parametrize(("line", "parts"), SPLITS)
def test_split_header(line: str, parts: list[str]) -> None:
    assert split_header(line) == parts


HEADERS = [
    pytest.param(
        _c("Bramblewood | Senior Backend Engineer | Remote (EU) | €80k-€100k"),
        Header(True, "Senior Backend Engineer", "Bramblewood", (), "Remote (EU)", "€80k-€100k"),
        id="classic-order",
    ),
    pytest.param(
        _c("Quayside — Lead Mobile Developer — £70–95k — Hybrid"),
        Header(True, "Lead Mobile Developer", "Quayside", (), "Hybrid", "£70–95k"),
        id="em-dash-header-keeps-company-and-pay",
    ),
    pytest.param(
        _c("Tidewater | Boston, MA | ONSITE | Data Scientist, Product Designer"),
        Header(True, "Data Scientist", "Tidewater", ("Product Designer",), "Boston, MA | ONSITE", None),
        id="several-roles-first-is-title",
    ),
    pytest.param(
        _c("Harbor Labs | Copenhagen | Onsite", "We are looking for a Senior Platform Engineer to run our clusters."),
        Header(True, "Senior Platform Engineer", "Harbor Labs", (), "Copenhagen | Onsite", None),
        id="role-from-the-body",
    ),
    pytest.param(
        _c("Kelpie Heat | Remote (UK) | Installers", "We fit 40,000 heat pumps a year across the country."),
        Header(True, "Kelpie Heat", "Kelpie Heat", (), "Remote (UK)", None),
        id="figure-without-currency-is-no-pay",
    ),
    pytest.param(
        _c("Marlin Finance | QA Engineer | Remote"),
        Header(True, "QA Engineer", "Marlin Finance", (), "Remote", None),
        id="company-with-a-broad-role-word",
    ),
    pytest.param(
        _c("Fernhill | Compilers / Generalist Engineers (Rust) | Remote"),
        Header(True, "Compilers / Generalist Engineers (Rust)", "Fernhill", (), "Remote", None),
        id="field-of-work-is-no-role",
    ),
    pytest.param(
        _c("Brightline | Data / Platform Engineers | Remote (EU)"),
        Header(True, "Data Engineers", "Brightline", ("Platform Engineers",), "Remote (EU)", None),
        id="shared-job-noun",
    ),
    pytest.param(
        _c("Staff ML Engineer | Remote (US) | $200k"),
        Header(True, "Staff ML Engineer", None, (), "Remote (US)", "$200k"),
        id="role-first-no-company",
    ),
]


@pytest.mark.parametrize(("comment", "expected"), HEADERS)
def test_parse_comment(comment: str, expected: Header) -> None:
    assert parse_comment(comment) == expected


def test_field_of_work_gives_the_role_of_its_job_noun() -> None:
    assert title.parse(parse_comment(_c("Fernhill | Compilers / Generalist Engineers (Rust) | Remote")).title or "")[
        "role"
    ] == ("software engineer")


NOT_JOBS = [
    pytest.param("Has anyone heard back from these folks yet?", id="question"),
    pytest.param("This thread gets longer every month.", id="remark"),
    pytest.param("&gt; 3 days in office<p>That is not remote.", id="quoted-reply"),
    pytest.param("thanks!", id="bare-word"),
    pytest.param("Your designer was really rude to me", id="sentence-naming-a-role"),
]


@pytest.mark.parametrize("comment", NOT_JOBS)
def test_not_a_job(comment: str) -> None:
    assert parse_comment(comment).is_job is False


def test_role_announced_in_a_sentence_ends_at_the_comma() -> None:
    got = parse_comment("We are a two-person shop hiring a freelance Rust developer, part time. Mail us.")
    assert got.title == "freelance Rust developer"


JOBS_WITHOUT_HEADER = [
    pytest.param("We at Pinecrest are hiring in Denver for an onsite welder.", id="hiring-sentence"),
    pytest.param("Orchard Robotics | https://orchard.example.com", id="header-with-a-link-only"),
]


@pytest.mark.parametrize("comment", JOBS_WITHOUT_HEADER)
def test_job_without_role_header(comment: str) -> None:
    assert parse_comment(comment).is_job is True

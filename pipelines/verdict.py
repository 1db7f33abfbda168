"""A crawl run's status and health verdict, from what the run counted (pure).

``status`` says how the run ended (``finished``, ``partial``, ``failed``); the **verdict** says
whether the source is healthy, so that a platform going quiet is not mistaken for a quiet day:

- ``ok``: records read and stored, no errors;
- ``empty``: the source answered, without a single record;
- ``changed``: the source answered in its format but without the record list (a renamed key),
  or most records could not be mapped (required fields missing);
- ``blocked``: answers were 401/403/429, or a challenge or login page, and no posting came in;
- ``partial``: postings came in, but some requests, bodies or after-crawl steps failed;
- ``failed``: the crawl stopped early, or nothing readable came in.

Each verdict comes with a reason for the operator (``crawl_runs.verdict_reason``).
"""

from __future__ import annotations

from dataclasses import dataclass

VERDICTS = ("ok", "empty", "changed", "blocked", "partial", "failed")
#: Most records of a run rejected: the platform probably changed a field.
CHANGED_REJECT_SHARE = 0.5


@dataclass(frozen=True)
class RunCounts:
    """What a run counted (Scrapy stats ``jobs/*`` and the store's counts)."""

    finish_reason: str | None
    records: int = 0
    postings: int = 0
    rejected: int = 0
    request_errors: int = 0
    bad_responses: int = 0
    blocked: int = 0
    shape_changed: int = 0
    decode_errors: int = 0
    after_crawl_failed: tuple[str, ...] = ()


def run_status(finish_reason: str | None, request_errors: int, bad_responses: int, items: int) -> str:
    """finished: clean; partial: finished with errors; failed: stopped early or nothing readable."""
    if finish_reason != "finished":
        return "failed"
    if request_errors or bad_responses:
        return "partial" if items else "failed"
    return "finished"


def judge(counts: RunCounts) -> tuple[str, str, str]:
    """(status, verdict, reason) of a run."""
    c = counts
    status = run_status(c.finish_reason, c.request_errors, c.bad_responses, c.postings)
    problems = []
    if c.request_errors:
        problems.append(f"{c.request_errors} failed requests")
    if c.bad_responses:
        problems.append(f"{c.bad_responses} unreadable bodies")
    if c.blocked:
        problems.append(f"{c.blocked} blocked answers (401/403/429, challenge or login page)")
    if c.decode_errors:
        problems.append(f"{c.decode_errors} bytes not in the declared encoding (replaced)")
    if c.after_crawl_failed:
        problems.append(f"after-crawl step(s) failed: {', '.join(c.after_crawl_failed)}")
        status = "partial" if c.postings and status != "failed" else "failed"
    detail = "; ".join(problems)
    if c.finish_reason != "finished":
        return status, "failed", f"crawl stopped: {c.finish_reason}" + (f"; {detail}" if detail else "")
    if c.blocked and not c.postings:
        return status, "blocked", detail
    if c.shape_changed and not c.postings:
        return status, "changed", f"{c.shape_changed} answers in the expected format had no record list"
    if c.records and c.rejected > CHANGED_REJECT_SHARE * c.records:
        share = c.rejected / c.records
        return status, "changed", f"{share:.0%} of {c.records} records rejected (fields missing or renamed?)"
    if status == "failed":
        return status, "failed", detail or "nothing readable"
    if status == "partial":
        return status, "partial", detail
    if not c.records:
        return status, "empty", "the source answered without any record"
    return status, "ok", f"{c.postings} postings from {c.records} records" + (f"; {detail}" if detail else "")

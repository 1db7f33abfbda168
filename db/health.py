"""Per-source health from ``crawl_runs`` (read by ``remotejobs health``).

For each spider: its last runs' verdicts, the last ``ok`` run, the current streak, and the
postings of its last run against the median of its last 7 ``ok`` runs (a drop over half is
flagged: a platform that quietly stopped listing most jobs). Runs recorded before verdicts
existed are judged by their status; ``skipped`` and ``running`` runs say nothing about health.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import sqlite_utils

#: The verdicts that make a source failing / degraded (the rest: healthy).
FAILING = ("failed", "blocked")
DEGRADED = ("partial", "empty", "changed")
#: A last run with fewer than this share of the median clean run's postings is a drop.
DROP_SHARE = 0.5
MEDIAN_OF = 7

_STATUS_VERDICT = {"finished": "ok", "partial": "partial", "failed": "failed"}


@dataclass
class SourceHealth:
    spider: str
    #: newest first: (run id, started_at, verdict, reason, postings)
    runs: list[tuple[int, str, str, str, int]] = field(default_factory=list)
    last_ok_at: str | None = None
    streak: int = 0
    median_clean: float | None = None

    @property
    def verdict(self) -> str:
        return self.runs[0][2] if self.runs else "none"

    @property
    def items(self) -> int:
        return self.runs[0][4] if self.runs else 0

    @property
    def dropped(self) -> bool:
        return bool(self.median_clean) and self.items < DROP_SHARE * float(self.median_clean or 0)

    @property
    def level(self) -> int:
        """0 healthy, 1 degraded, 2 failing."""
        if self.verdict in FAILING:
            return 2
        if self.verdict in DEGRADED or self.dropped:
            return 1
        return 0


def source_health(db: sqlite_utils.Database, runs: int = 5) -> list[SourceHealth]:
    """Health of every spider that has crawl runs, by name."""
    by_spider: dict[str, SourceHealth] = {}
    clean: dict[str, list[int]] = {}
    rows = db.execute(
        "SELECT id, spider, started_at, status, verdict, COALESCE(verdict_reason, lifecycle_note, ''), "
        "COALESCE(items_scraped, 0) FROM crawl_runs WHERE status NOT IN ('running', 'skipped') ORDER BY id DESC"
    ).fetchall()
    for run_id, spider, started_at, status, verdict, reason, items in rows:
        health = by_spider.setdefault(spider, SourceHealth(spider))
        verdict = verdict or _STATUS_VERDICT.get(status, status)
        if len(health.runs) < runs:
            health.runs.append((int(run_id), started_at, verdict, reason, int(items)))
        if verdict == "ok":
            health.last_ok_at = health.last_ok_at or started_at
            if len(clean.setdefault(spider, [])) < MEDIAN_OF and run_id != health.runs[0][0]:
                clean[spider].append(int(items))
    for spider, health in by_spider.items():
        first = health.runs[0][2]
        streak = 0
        for _, _, verdict, _, _ in _all_verdicts(rows, spider):
            if verdict != first:
                break
            streak += 1
        health.streak = streak
        if clean.get(spider):
            health.median_clean = statistics.median(clean[spider])
    return [by_spider[name] for name in sorted(by_spider)]


def _all_verdicts(rows: list[tuple[object, ...]], spider: str) -> list[tuple[object, str, str, str, int]]:
    return [
        (r[0], str(r[2]), str(r[4] or _STATUS_VERDICT.get(str(r[3]), str(r[3]))), str(r[5]), int(str(r[6])))
        for r in rows
        if r[1] == spider
    ]


def overall_level(health: list[SourceHealth]) -> int:
    """0 healthy, 1 degraded, 2 failing: the worst source decides."""
    return max((h.level for h in health), default=0)

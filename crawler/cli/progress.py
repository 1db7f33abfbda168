"""Progress on long work (``crawlall``, ``dedupe --rebuild``, ``renormalize``) and its summary.

On a terminal: a rich progress bar per phase with counts, rate and ETA on stderr, then a
sentence. Without one (cron, a pipe): nothing while working, then one machine-readable
``key=value`` summary line on stdout that a log collector can parse. ``--json`` replaces
either summary with one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressReport:
    """A progress display that is live only on a terminal; ``update(phase, done, total)`` is the
    plain callable that lower layers (``listings.build.rebuild``) accept."""

    def __init__(self, command: str, *, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.command = command
        self.stream = stream if stream is not None else sys.stderr
        self.live = is_terminal(self.stream) if live is None else live
        self.started = time.perf_counter()
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressReport:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("•"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream, force_terminal=True),
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def update(self, phase: str, done: int, total: int | None) -> None:
        """``total`` None: a count with no known end (no bar, no ETA)."""
        if self._progress is None:
            return
        task = self._tasks.get(phase)
        if task is None:
            task = self._tasks[phase] = self._progress.add_task(phase, total=total)
        self._progress.update(task, completed=done, total=total)

    __call__ = update

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.started, 1)

    def summary(
        self, sentence: str, fields: dict[str, Any], *, as_json: bool = False, out: TextIO | None = None
    ) -> None:
        """The outcome: JSON with ``--json``; a sentence on a terminal; else one ``key=value`` line."""
        out = out if out is not None else sys.stdout
        record = {"command": self.command, **fields, "seconds": self.seconds}
        if as_json:
            print(json.dumps(record, ensure_ascii=False), file=out)
        elif self.live:
            print(sentence, file=out)
        else:
            print(logfmt(record), file=out)


def logfmt(record: dict[str, Any]) -> str:
    """``key=value`` pairs on one line; values with spaces or quotes are JSON-quoted."""
    parts = []
    for key, value in record.items():
        text = json.dumps(value) if not isinstance(value, str) else value
        if not text or any(ch in text for ch in ' "=\n'):
            text = json.dumps(text if isinstance(value, str) else value)
        parts.append(f"{key}={text}")
    return " ".join(parts)

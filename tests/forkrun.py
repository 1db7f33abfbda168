"""Our commands (``python -m scrapy …``, ``python -m crawler.cli …``) in a child forked from a warm process.

A fresh ``python -m scrapy crawl`` spends about 2 of its 2.6 CPU seconds importing Scrapy, Twisted,
dateparser and our packages and compiling the normalisers' tables, before it reads one cassette.
Here a fork server (multiprocessing's ``forkserver``: one clean, single-threaded process per
test worker) does that once (tests/warm.py), and each command runs in a child forked from it:
its own process, its own reactor, exit status, signals and output, exactly as a subprocess
would have them, without the start-up cost. The child gets the command's environment and
working directory and re-imports the settings module, which reads the environment at import.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import shutil
import sys
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["tests.warm"])


class TimeoutExpired(AssertionError):
    pass


@dataclass
class Completed:
    """What ``subprocess.run(..., capture_output=True, text=True)`` returns, for our commands."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def module_argv(argv: Sequence[str]) -> tuple[str, list[str]]:
    """``[python, "-m", module, *args]`` (or ``["scrapy", *args]``) → (module, args)."""
    if argv[0] == "scrapy":
        return "scrapy", list(argv[1:])
    if len(argv) >= 3 and argv[1] == "-m":
        return argv[2], list(argv[3:])
    raise ValueError(f"not a `python -m <module>` command: {argv!r}")


def _child(
    module: str, args: list[str], env: dict[str, str], cwd: str, out: str, err: str, stdin: str, terminal: str
) -> None:
    if terminal:  # a pseudo-terminal's follower side, as stdin, stdout and stderr
        target = os.open(terminal, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(target, fd)
        os.close(target)
    else:
        for fd, path, flags in ((0, stdin, os.O_RDONLY), (1, out, os.O_WRONLY), (2, err, os.O_WRONLY)):
            target = os.open(path, flags | (os.O_CREAT | os.O_APPEND if fd else 0), 0o644)
            os.dup2(target, fd)
            os.close(target)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the process's own stdin, read by the command)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    # settings modules read the environment when imported: import them again under this one
    for name in ("crawler.settings", env.get("SCRAPY_SETTINGS_MODULE", "")):
        sys.modules.pop(name, None)
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


class Child:
    """A running command: ``pid``, ``send_signal``, ``kill``, ``wait``, ``communicate`` like ``Popen``
    (text mode; stderr merged into stdout unless ``separate``)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None,
        cwd: Path,
        separate: bool,
        output: Path | None,
        stdin: str = "",
        terminal: str = "",
    ) -> None:
        self.args = list(argv)
        module, args = module_argv(argv)
        folder = tempfile.mkdtemp(prefix="forkrun-")
        weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        self._out = str(output) if output else os.path.join(folder, "stdout")
        self._err = self._out if not separate else os.path.join(folder, "stderr")
        stdin_path = os.path.join(folder, "stdin")
        Path(stdin_path).write_text(stdin)
        environment = dict(os.environ if env is None else env)
        self._process: BaseProcess = _context.Process(
            target=_child, args=(module, args, environment, str(cwd), self._out, self._err, stdin_path, terminal)
        )
        self._process.start()
        self.pid = self._process.pid
        self.returncode: int | None = None

    def send_signal(self, signum: int) -> None:
        if self._process.pid is not None and self._process.exitcode is None:
            os.kill(self._process.pid, signum)

    def kill(self) -> None:
        self._process.kill()

    def poll(self) -> int | None:
        self.returncode = self._process.exitcode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            self._process.kill()
            self._process.join(10)
            tail = self._read(self._out)[-3000:]
            raise TimeoutExpired(f"{' '.join(self.args)} still running after {timeout} s:\n{tail}")
        self.returncode = self._process.exitcode
        return self.returncode

    def _read(self, path: str) -> str:
        try:
            return Path(path).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        out = self._read(self._out)
        err = "" if self._err == self._out else self._read(self._err)
        return out, err


def start(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    separate: bool = False,
    output: Path | None = None,
    terminal: str = "",
) -> Child:
    """Start a command; its stdout and stderr go to ``output`` when given (kept), else to a
    temporary file that ``communicate`` reads; or all three to ``terminal`` (a pty's follower path)."""
    return Child(argv, env, cwd, separate, output, terminal=terminal)


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 240,
    input: str = "",
) -> Completed:
    """Like ``subprocess.run(argv, cwd=cwd, env=env, input=input, capture_output=True, text=True,
    timeout=timeout)``."""
    child = Child(argv, env, cwd, True, None, stdin=input)
    out, err = child.communicate(timeout)
    assert child.returncode is not None
    return Completed(list(argv), child.returncode, out, err)


def warm() -> None:
    """Start the fork server now and wait until it is warm (for a test that times a command)."""
    child = start([sys.executable, "-m", "tests.warm"])
    out, _ = child.communicate(120)
    assert child.returncode == 0, out

"""Run the test suite: ``python3 -m tests.run [unit|e2e|all] [-k PATTERN] [-q | -v] [--serial]``.

unit: every ``tests/test_*.py`` except the end-to-end ones (under a minute).
e2e:  ``tests/test_e2e_*.py``, whole harness runs (real time, and the simulator).

Prints one line per test file: its name, a mark per test (``.`` passed, ``F`` failed,
``E`` error, ``s`` skipped), then its counts and time. Then the failures in full, the total
time, and a plain closing ``N passed, N failed, N skipped`` line. ``-q`` keeps only the
failures and the closing lines; ``-v`` names every test.

Test files run side by side, each in a process of its own, as much of them at once as the
machine holds. A test module (or class) says how much of the machine it needs in
``TEST_LOAD``:

- ``"light"`` (a quarter of a core): real-time harness runs that mostly wait (low rates,
  few nodes), whose assertions do not depend on the machine being idle;
- ``"heavy"`` (a core): CPU-bound work: unit tests, simulator runs and sweeps, real-time
  runs at rate 1000 or with 25 nodes;
- ``"alone"`` (the whole machine): figures that need an idle machine. The default for an
  end-to-end module that says nothing.

A class whose ``TEST_LOAD`` differs from its module's runs as a job of its own. Files
finish in any order; each one's line is printed when it has. ``--serial`` runs everything
in this process, one test at a time, as the line appears.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

TESTS = Path(__file__).resolve().parent
CORES = 2.0                                 # what the scheduler may fill at once
LOADS = {"light": 0.25, "heavy": 1.0, "alone": CORES}
DEFAULT_E2E_LOAD = "alone"
MARKS = {"passed": ".", "failed": "F", "error": "E", "skipped": "s"}
SEVERITY = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def suite(kind: str, pattern: str | None) -> unittest.TestSuite:
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f"*{pattern}*"]
    root = str(TESTS.parent)
    s = unittest.TestSuite()
    if kind in ("unit", "all"):
        for f in sorted(TESTS.glob("test_*.py")):
            if not f.name.startswith("test_e2e"):
                s.addTests(loader.discover(str(TESTS), pattern=f.name, top_level_dir=root))
    if kind in ("e2e", "all"):
        s.addTests(loader.discover(str(TESTS), pattern="test_e2e*.py", top_level_dir=root))
    return s


class CompactResult(unittest.TextTestResult):
    """unittest's result, printing one line per test file instead of one per test.

    A file's line opens when its first test starts and closes, with its counts and time,
    when a test of another file starts (or the run ends)."""

    NAME_WIDTH = 52

    def __init__(self, stream: TextIO, detail: str, by_class: bool = False, started: float | None = None):
        super().__init__(stream, descriptions=False, verbosity=2 if detail == "verbose" else 0)
        self.detail = detail
        self.by_class = by_class    # a line per test class (module.Class) rather than per file
        self.started = started      # when the first file's time starts (its setUpClass included)
        self.file: str | None = None
        self.file_started = 0.0
        self.file_counts: dict[str, int] = {}
        self.counts = dict.fromkeys(MARKS, 0)   # tests by outcome, the whole run
        self.outcome: str | None = None     # the current test's, worst of its subtests

    # -- one line per file -------------------------------------------------------------------
    def startTest(self, test: unittest.TestCase) -> None:
        name = type(test).__module__.rpartition(".")[2]
        if self.by_class:
            name += "." + type(test).__name__
        if name != self.file:
            self._close_file()
            self.file, self.file_started = name, self.started or time.monotonic()
            self.started = None
            self.file_counts = dict.fromkeys(MARKS, 0)
            if self.detail == "compact":
                self.stream.write(f"{name:<{self.NAME_WIDTH}} ")
                self.stream.flush()
        self.outcome = None
        super().startTest(test)

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        outcome = self.outcome or "passed"
        self.file_counts[outcome] += 1
        self.counts[outcome] += 1
        if self.detail == "compact":
            self.stream.write(MARKS[outcome])
            self.stream.flush()

    def close(self) -> None:
        self._close_file()

    def _close_file(self) -> None:
        if self.file is None or self.detail != "compact":
            return
        counts = ", ".join(f"{n} {outcome}" for outcome, n in self.file_counts.items()
                           if n or outcome == "passed")
        self.stream.writeln(f"  {counts}  {time.monotonic() - self.file_started:.1f} s")
        self.file = None

    # -- outcomes ----------------------------------------------------------------------------
    def _mark(self, outcome: str) -> None:
        """A test's outcome is the worst of its own and its subtests'."""
        if self.outcome is None or SEVERITY[outcome] > SEVERITY[self.outcome]:
            self.outcome = outcome

    def addFailure(self, test, err) -> None:
        super().addFailure(test, err)
        self._mark("failed")

    def addError(self, test, err) -> None:
        super().addError(test, err)
        self._mark("error")

    def addSkip(self, test, reason) -> None:
        super().addSkip(test, reason)
        self._mark("skipped")

    def addUnexpectedSuccess(self, test) -> None:
        super().addUnexpectedSuccess(test)
        self._mark("failed")

    def addSubTest(self, test, subtest, err) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._mark("failed" if issubclass(err[0], test.failureException) else "error")


def run(tests: unittest.TestSuite, detail: str, stream: TextIO = sys.stdout) -> int:
    """Runs ``tests`` in this process, printing as the module docstring says; 0 if all
    passed (and any ran)."""
    out = unittest.runner._WritelnDecorator(stream)
    result = CompactResult(out, detail)
    started = time.monotonic()
    unittest.registerResult(result)
    failed = _run_suite(tests, result)
    result.printErrors()
    return _close(out, result.testsRun, result.counts["passed"], failed, result.counts["skipped"],
                  time.monotonic() - started)


def _run_suite(tests: unittest.TestSuite, result: "CompactResult") -> int:
    """Runs ``tests`` into ``result``; how many failed or erred."""
    result.startTestRun()
    try:
        tests(result)
    finally:
        result.close()
        result.stopTestRun()
    return result.counts["failed"] + result.counts["error"]


def _close(out, ran: int, passed: int, failed: int, skipped: int, elapsed: float) -> int:
    minutes = f" ({int(elapsed // 60)} min {elapsed % 60:.0f} s)" if elapsed >= 60 else ""
    out.writeln(f"\nRan {ran} tests in {elapsed:.1f} s{minutes}")
    out.writeln(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed + skipped > 0 else 1


# --- running files side by side ---------------------------------------------------------------
@dataclass
class Job:
    """Test files (or classes) run together in one process, and what they need of the machine."""
    names: list[str]                 # dotted names for unittest: modules or module.Class
    load: str
    size: int = 0                    # how many tests (the longer jobs start first)
    report: dict = field(default_factory=dict)
    output: str = ""
    process: subprocess.Popen | None = None


def _load_of(obj, default: str) -> str:
    load = getattr(obj, "TEST_LOAD", default)
    if load not in LOADS:
        raise ValueError(f"{obj.__name__}: TEST_LOAD must be one of {', '.join(LOADS)}, got {load!r}")
    return load


def jobs(kind: str) -> list[Job]:
    """The jobs of a run: the unit tests in two halves (they mostly wait: light), and every
    end-to-end test class at its load (its own ``TEST_LOAD``, else its module's). Those that
    need more of the machine go first, and within a load the classes with more tests."""
    out = []
    if kind in ("unit", "all"):
        units = [f"tests.{f.stem}" for f in sorted(TESTS.glob("test_*.py")) if not f.name.startswith("test_e2e")]
        half = (len(units) + 1) // 2
        out += [Job(units[:half], "light"), Job(units[half:], "light")]
    if kind in ("e2e", "all"):
        loader = unittest.TestLoader()
        for f in sorted(TESTS.glob("test_e2e*.py")):
            name = f"tests.{f.stem}"
            module = importlib.import_module(name)
            module_load = _load_of(module, DEFAULT_E2E_LOAD)
            for c in vars(module).values():
                if isinstance(c, type) and issubclass(c, unittest.TestCase) and c.__module__ == name:
                    count = len(loader.getTestCaseNames(c))
                    if count:
                        out.append(Job([f"{name}.{c.__name__}"], _load_of(c, module_load), size=count))
    order = {"alone": 0, "heavy": 1, "light": 2}
    return sorted(out, key=lambda j: (order[j.load], -j.size))


def _run_job(job: Job, pattern: str | None, detail: str) -> None:
    with tempfile.NamedTemporaryFile(prefix="glomers-tests-", suffix=".json", delete=False) as f:
        report = f.name
    command = [sys.executable, "-m", "tests.run", "--job", report, "--detail", detail, *job.names]
    if pattern:
        command += ["-k", pattern]
    # A session of its own, so that an interrupted run can stop the job and what it started.
    proc = job.process = subprocess.Popen(command, cwd=TESTS.parent, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                          start_new_session=True)
    stdout, stderr = proc.communicate()
    job.output = stdout
    try:
        job.report = json.loads(Path(report).read_text())
    except (OSError, ValueError):
        job.report = {"ran": 0, "passed": 0, "failed": 1, "skipped": 0, "errors":
                      [f"{' '.join(job.names)}: the test process ended with status {proc.returncode}\n"
                       f"{stdout[-3000:]}{stderr[-3000:]}"]}
    finally:
        Path(report).unlink(missing_ok=True)


def run_side_by_side(kind: str, pattern: str | None, detail: str, stream: TextIO = sys.stdout) -> int:
    """Every job in a process of its own, as many at once as their loads fit in CORES."""
    out = unittest.runner._WritelnDecorator(stream)
    started = time.monotonic()
    pending, running, done = jobs(kind), [], []
    finished = threading.Condition()

    def work(job: Job) -> None:
        try:
            _run_job(job, pattern, detail)
        finally:
            with finished:
                running.remove(job)
                done.append(job)
                finished.notify()

    printed = 0
    try:
        _schedule(pending, running, done, finished, work, detail, stream)
    except KeyboardInterrupt:
        for job in list(running):   # SIGTERM: a harness run then stops its nodes
            if job.process is not None:
                try:
                    os.killpg(job.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        raise
    totals = {k: sum(j.report.get(k, 0) for j in done) for k in ("ran", "passed", "failed", "skipped")}
    errors = [e for j in done for e in j.report.get("errors", [])]
    for text in errors:
        out.writeln(unittest.TextTestResult.separator1)
        out.writeln(text)
    return _close(out, totals["ran"], totals["passed"], totals["failed"], totals["skipped"],
                  time.monotonic() - started)


def _schedule(pending: list[Job], running: list[Job], done: list[Job], finished: threading.Condition,
              work, detail: str, stream: TextIO) -> None:
    """Start jobs while they fit; print each one's lines once it is done."""
    printed = 0
    with finished:
        while pending or running:
            used = sum(LOADS[j.load] for j in running)
            # The first pending job that fits; a job wanting the whole machine waits for it.
            fits = next((j for j in pending if used + LOADS[j.load] <= CORES + 1e-9), None)
            if fits is not None and not (pending[0].load == "alone" and fits is not pending[0]):
                pending.remove(fits)
                running.append(fits)
                threading.Thread(target=work, args=(fits,), daemon=True).start()
                continue
            finished.wait()
            for job in done[printed:]:
                if detail != "quiet" and job.output:
                    stream.write(job.output)
                    stream.flush()
            printed = len(done)
    for job in done[printed:]:
        if detail != "quiet" and job.output:
            stream.write(job.output)


def run_job(names: list[str], pattern: str | None, detail: str, report: str) -> int:
    """One job's process: its tests, one line per file on stdout, the totals and the
    failures in full into ``report``."""
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f"*{pattern}*"]
    tests = unittest.TestSuite(loader.loadTestsFromName(name) for name in names)
    out = unittest.runner._WritelnDecorator(sys.stdout)
    result = CompactResult(out, detail, by_class=len(names) == 1 and names[0].count(".") == 2,
                           started=time.monotonic())
    failed = _run_suite(tests, result)
    errors = [f"{kind}: {result.getDescription(test)}\n{unittest.TextTestResult.separator2}\n{text}"
              for kind, problems in (("ERROR", result.errors), ("FAIL", result.failures))
              for test, text in problems]
    Path(report).write_text(json.dumps({"ran": result.testsRun, "passed": result.counts["passed"],
                                        "failed": failed, "skipped": result.counts["skipped"],
                                        "errors": errors}))
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m tests.run")
    p.add_argument("kind", nargs="?", default="all", choices=("unit", "e2e", "all"))
    p.add_argument("-k", dest="pattern", help="only tests whose name contains PATTERN")
    detail = p.add_mutually_exclusive_group()
    detail.add_argument("-q", dest="detail", action="store_const", const="quiet",
                        help="only the failures and the closing lines")
    detail.add_argument("-v", dest="detail", action="store_const", const="verbose",
                        help="one line per test")
    p.add_argument("--serial", action="store_true", help="one test at a time, in this process")
    if argv[:1] == ["--job"]:   # one job's process (run_side_by_side starts it)
        j = argparse.ArgumentParser()
        j.add_argument("--job")
        j.add_argument("--detail")
        j.add_argument("-k", dest="pattern")
        j.add_argument("names", nargs="+")
        a = j.parse_args(argv)
        return run_job(a.names, a.pattern, a.detail, a.job)
    a = p.parse_args(argv)
    if a.serial:
        return run(suite(a.kind, a.pattern), a.detail or "compact")
    return run_side_by_side(a.kind, a.pattern, a.detail or "compact")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

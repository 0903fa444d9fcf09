"""Run the test suite: ``python3 -m tests.run [unit|e2e|all] [-k PATTERN] [-q | -v]``.

unit: every ``tests/test_*.py`` except the end-to-end ones (under a minute).
e2e:  ``tests/test_e2e_*.py``, whole harness runs at the official parameters (minutes).

Prints one line per test file as it runs: its name, a mark per test (``.`` passed, ``F``
failed, ``E`` error, ``s`` skipped), then its counts and time. Then the failures in full,
the total time, and a plain closing ``N passed, N failed, N skipped`` line. ``-q`` keeps
only the failures and the closing lines; ``-v`` names every test.
"""
from __future__ import annotations

import argparse
import sys
import time
import unittest
from pathlib import Path
from typing import TextIO

TESTS = Path(__file__).resolve().parent
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

    NAME_WIDTH = 34

    def __init__(self, stream: TextIO, detail: str):
        super().__init__(stream, descriptions=False, verbosity=2 if detail == "verbose" else 0)
        self.detail = detail
        self.file: str | None = None
        self.file_started = 0.0
        self.file_counts: dict[str, int] = {}
        self.counts = dict.fromkeys(MARKS, 0)   # tests by outcome, the whole run
        self.outcome: str | None = None     # the current test's, worst of its subtests

    # -- one line per file -------------------------------------------------------------------
    def startTest(self, test: unittest.TestCase) -> None:
        name = type(test).__module__.rpartition(".")[2]
        if name != self.file:
            self._close_file()
            self.file, self.file_started = name, time.monotonic()
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
    """Runs ``tests``, printing as the module docstring says; 0 if all passed (and any ran)."""
    out = unittest.runner._WritelnDecorator(stream)
    result = CompactResult(out, detail)
    started = time.monotonic()
    unittest.registerResult(result)
    result.startTestRun()
    try:
        tests(result)
    finally:
        result.close()
        result.stopTestRun()
    elapsed = time.monotonic() - started
    result.printErrors()
    passed, skipped = result.counts["passed"], result.counts["skipped"]
    failed = result.counts["failed"] + result.counts["error"]
    minutes = f" ({int(elapsed // 60)} min {elapsed % 60:.0f} s)" if elapsed >= 60 else ""
    out.writeln(f"\nRan {result.testsRun} tests in {elapsed:.1f} s{minutes}")
    out.writeln(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed + skipped > 0 else 1


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m tests.run")
    p.add_argument("kind", nargs="?", default="all", choices=("unit", "e2e", "all"))
    p.add_argument("-k", dest="pattern", help="only tests whose name contains PATTERN")
    detail = p.add_mutually_exclusive_group()
    detail.add_argument("-q", dest="detail", action="store_const", const="quiet",
                        help="only the failures and the closing lines")
    detail.add_argument("-v", dest="detail", action="store_const", const="verbose",
                        help="one line per test")
    a = p.parse_args(argv)
    return run(suite(a.kind, a.pattern), a.detail or "compact")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

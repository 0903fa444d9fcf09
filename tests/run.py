"""Run the test suite: ``python3 -m tests.run [unit|e2e|all] [-k PATTERN]``.

unit: every ``tests/test_*.py`` except the end-to-end ones (under a minute).
e2e:  ``tests/test_e2e_*.py``, whole harness runs at the official parameters (minutes).
Ends with a plain ``N passed, N failed, N skipped`` line.
"""
from __future__ import annotations

import argparse
import sys
import unittest
from pathlib import Path

TESTS = Path(__file__).resolve().parent


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


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m tests.run")
    p.add_argument("kind", nargs="?", default="all", choices=("unit", "e2e", "all"))
    p.add_argument("-k", dest="pattern", help="only tests whose name contains PATTERN")
    p.add_argument("-q", action="store_true", help="dots instead of one line per test")
    a = p.parse_args(argv)
    result = unittest.TextTestRunner(verbosity=1 if a.q else 2, stream=sys.stdout).run(suite(a.kind, a.pattern))
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What ``make test`` prints (tests/run.py): one line per test file with a mark per test and
its counts, then the failures in full, the total time, and the plain closing counts line
that CI reads."""
from __future__ import annotations

import io
import re
import unittest

from tests.run import run


def case(module: str, **tests) -> type[unittest.TestCase]:
    """A TestCase class that looks as if it came from ``tests.<module>``."""
    cls = type("Case", (unittest.TestCase,), {f"test_{name}": body for name, body in tests.items()})
    cls.__module__ = f"tests.{module}"
    return cls


def passes(self): pass
def fails(self): self.assertEqual(1, 2)
def skips(self): self.skipTest("not here")


def two_of_three_subtests_fail(self):
    for i in range(3):
        with self.subTest(i=i):
            self.assertLess(i, 1)


def printed(*classes, detail: str = "compact") -> tuple[int, str]:
    loader = unittest.TestLoader()
    suite = unittest.TestSuite(loader.loadTestsFromTestCase(c) for c in classes)
    out = io.StringIO()
    return run(suite, detail, out), out.getvalue()


class RunOutput(unittest.TestCase):
    def test_one_line_per_file_with_a_mark_per_test_and_its_counts(self):
        code, text = printed(case("test_alpha", a=passes, b=passes), case("test_beta", a=fails, b=skips))
        self.assertRegex(text, r"(?m)^test_alpha +\.\.  2 passed  \d+\.\d s$")
        self.assertRegex(text, r"(?m)^test_beta +Fs  0 passed, 1 failed, 1 skipped  \d+\.\d s$")
        self.assertEqual(code, 1)

    def test_ends_with_the_time_then_the_plain_counts_line(self):
        code, text = printed(case("test_alpha", a=passes, b=skips))
        last = text.rstrip("\n").split("\n")[-2:]
        self.assertRegex(last[0], r"^Ran 2 tests in \d+\.\d s$")
        self.assertEqual(last[1], "1 passed, 0 failed, 1 skipped")
        self.assertEqual(code, 0)

    def test_a_failure_is_shown_in_full_before_the_counts(self):
        _, text = printed(case("test_alpha", a=fails))
        self.assertIn("FAIL: test_a", text)
        self.assertIn("AssertionError: 1 != 2", text)
        self.assertLess(text.index("AssertionError"), text.index("Ran 1 tests"))

    def test_a_test_counts_once_however_many_of_its_subtests_fail(self):
        _, text = printed(case("test_alpha", a=two_of_three_subtests_fail, b=passes))
        self.assertTrue(text.endswith("1 passed, 1 failed, 0 skipped\n"))
        self.assertEqual(text.count("FAIL: test_a"), 2)   # each failing subtest shown

    def test_quiet_prints_no_file_lines(self):
        _, text = printed(case("test_alpha", a=passes), detail="quiet")
        self.assertNotIn("test_alpha", text)
        self.assertTrue(text.endswith("1 passed, 0 failed, 0 skipped\n"))

    def test_verbose_names_every_test(self):
        _, text = printed(case("test_alpha", a=passes, b=passes), detail="verbose")
        self.assertEqual(len(re.findall(r"(?m)^test_[ab] .* \.\.\. ok$", text)), 2)

    def test_no_test_at_all_is_a_failure(self):
        code, text = printed()
        self.assertEqual(code, 1)
        self.assertTrue(text.endswith("0 passed, 0 failed, 0 skipped\n"))


if __name__ == "__main__":
    unittest.main()

"""`analyze` never finds a verdict in a run that did not finish."""
from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

from tests.harness.analyze import why_unfinished
from tests.harness.store import write_aborted


def run_dir(*files: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix="glomers-analyze-unit-"))
    (d / "test.json").write_text(json.dumps({"argv": ["-w", "echo", "--bin", "x"], "seed": 1}))
    for name in files:
        (d / name).write_text("")
    return d


class Unfinished(unittest.TestCase):
    def test_an_aborted_run_gives_its_recorded_reason(self):
        d = run_dir("history.jsonl")
        write_aborted(d, "node n0 exited with status 3", [])
        self.assertEqual(why_unfinished(d), "node n0 exited with status 3")

    def test_a_run_without_a_history_was_interrupted(self):
        self.assertIn("interrupted", why_unfinished(run_dir()))

    def test_an_unreadable_abort_record_still_counts_as_aborted(self):
        d = run_dir("history.jsonl")
        (d / "aborted.json").write_text("[1, 2")
        self.assertIn("aborted", why_unfinished(d))

    def test_a_finished_run_has_no_reason(self):
        self.assertIsNone(why_unfinished(run_dir("history.jsonl")))


if __name__ == "__main__":
    unittest.main()

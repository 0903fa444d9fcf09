"""`analyze` never finds a verdict in a run that did not finish, nor in one it cannot read."""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

from tests.harness.analyze import main as analyze_main, why_unfinished
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

    def test_a_run_without_a_verdict_was_interrupted(self):
        self.assertIn("interrupted", why_unfinished(run_dir("history.jsonl")))

    def test_an_unreadable_abort_record_still_counts_as_aborted(self):
        d = run_dir("history.jsonl")
        (d / "aborted.json").write_text("[1, 2")
        self.assertIn("aborted", why_unfinished(d))

    def test_a_finished_run_has_no_reason(self):
        self.assertIsNone(why_unfinished(run_dir("history.jsonl", "results.json")))



class DamagedStores(unittest.TestCase):
    """`analyze` on a store that cannot be read back answers exit 255 naming the file and
    what is wrong with it (issue 20: each of these printed a traceback and exited 1, the
    code for an invalid run)."""

    OP = {"index": 0, "time": 1, "type": "invoke", "process": 0, "f": "echo", "value": "x"}
    OK = {"index": 1, "time": 2, "type": "ok", "process": 0, "f": "echo", "value": {"type": "echo_ok", "echo": "x"}}
    EVENT = {"event": "send", "time": 1, "message": {"id": 0, "src": "c0", "dest": "n0", "body": {}}}

    def stored(self, test=None, history=None, journal=None) -> Path:
        """A finished run: ``None`` for a file means the good one, ``b""`` no file at all."""
        d = run_dir("results.json")
        self.addCleanup(shutil.rmtree, d, True)
        files = {"test.json": test, "history.jsonl": history, "net-journal.jsonl": journal}
        good = {"test.json": json.dumps({"argv": ["-w", "echo", "--bin", "x"], "seed": 1}).encode(),
                "history.jsonl": "".join(json.dumps(op) + "\n" for op in (self.OP, self.OK)).encode(),
                "net-journal.jsonl": (json.dumps(self.EVENT) + "\n").encode()}
        for name, data in files.items():
            if data == b"":
                (d / name).unlink(missing_ok=True)
            else:
                (d / name).write_bytes(good[name] if data is None else data)
        return d

    def analyze(self, d: Path) -> tuple[int, str]:
        out = io.StringIO()
        with redirect_stdout(out):
            code = analyze_main(["-t", str(d)])
        return code, out.getvalue()

    def assert_damaged(self, d: Path, *named: str) -> None:
        code, out = self.analyze(d)
        self.assertEqual(code, 255, out)
        for text in named:
            self.assertIn(text, out)

    def test_an_undamaged_store_is_checked_again(self):
        self.assertEqual(self.analyze(self.stored())[0], 0)

    def test_a_history_cut_mid_line(self):
        self.assert_damaged(self.stored(history=(json.dumps(self.OP) + "\n" + json.dumps(self.OK)[:20]).encode()),
                            "history.jsonl line 2", "cut short")

    def test_a_history_line_that_is_not_utf8(self):
        self.assert_damaged(self.stored(history=json.dumps(self.OP).encode() + b"\n\xff\xfe\n"),
                            "history.jsonl line 2", "not UTF-8")

    def test_test_json_missing(self):
        self.assert_damaged(self.stored(test=b""), "test.json is missing")

    def test_test_json_not_an_object(self):
        self.assert_damaged(self.stored(test=b"[1, 2]"), "test.json is not a JSON object")

    def test_test_json_with_an_argv_that_is_not_a_command_line(self):
        self.assert_damaged(self.stored(test=json.dumps({"argv": ["-w", "nonsense"]}).encode()),
                            "test.json: its argv is not a test command line")

    def test_test_json_with_an_argv_that_is_not_a_list_of_words(self):
        self.assert_damaged(self.stored(test=json.dumps({"argv": "-w echo"}).encode()),
                            "its argv is not a list of strings")

    def test_a_history_that_is_a_fifo_is_refused_not_waited_on(self):
        d = self.stored()
        (d / "history.jsonl").unlink()
        os.mkfifo(d / "history.jsonl")
        self.assert_damaged(d, "history.jsonl cannot be read", "not a regular file")

    def test_the_journal_missing(self):
        self.assert_damaged(self.stored(journal=b""), "net-journal.jsonl is missing")

    def test_a_journal_line_that_is_not_an_event(self):
        self.assert_damaged(self.stored(journal=b'{"event": "send"}\n'), "net-journal.jsonl line 1")


if __name__ == "__main__":
    unittest.main()

"""Every invalid or unknown verdict explains itself: console lines, the run page's section
and results.json's ``explanation``, from the stored history and journal."""
from __future__ import annotations

import json
import random
import tempfile
import unittest
from pathlib import Path

from tests.harness import store
from tests.harness.explain import EXPLANATION_FILE, explain, explain_run
from tests.harness.options import Options
from tests.harness.workloads import load
from tests.test_tracing import JOURNAL, drop, recv, send


def op(index: int, time: int, kind: str, process, f: str, value=None, **extra) -> dict:
    return {"index": index, "time": time, "type": kind, "process": process, "f": f, "value": value, **extra}


def stored_run(history: list[dict], journal: list[tuple], workload: str = "broadcast", **opts) -> tuple[Path, Options]:
    run_dir = Path(tempfile.mkdtemp(prefix="glomers-explain-"))
    store.write_history(run_dir, history)
    store.write_journal(run_dir, journal)
    options = Options(workload=workload, nodes=["n0", "n1", "n2"], concurrency=3, **opts)
    return run_dir, options


def explained(run_dir: Path, opts: Options, results: dict):
    workload = load(opts.workload)(opts, random.Random(1))
    return explain(run_dir, results, opts, workload)


# Process 0 (thread 0, node n0) broadcasts 5 during a partition that cuts n2 off; the final
# reads on n0 and n1 have it, n2's does not.
BROADCAST_HISTORY = [
    op(0, 0, "info", "nemesis", "start-partition", ["isolated", {"n0": [], "n1": [], "n2": ["n0", "n1"]}]),
    op(1, 1, "invoke", 0, "broadcast", 5), op(2, 2, "ok", 0, "broadcast", 5),
    op(3, 4, "info", "nemesis", "stop-partition", "network-healed"),
    op(4, 20, "invoke", 0, "read", None, **{"final?": True}), op(5, 21, "ok", 0, "read", [5], **{"final?": True}),
    op(6, 22, "invoke", 1, "read", None, **{"final?": True}), op(7, 23, "ok", 1, "read", [5], **{"final?": True}),
    op(8, 24, "invoke", 2, "read", None, **{"final?": True}), op(9, 25, "ok", 2, "read", [], **{"final?": True}),
]
LOST = {"workload": {"valid?": False, "lost": [5], "lost-count": 1, "attempt-count": 1, "stable-count": 0},
        "availability": {"valid?": True}, "stats": {"valid?": True}, "valid?": False}


class LostBroadcastValues(unittest.TestCase):
    def setUp(self):
        self.run_dir, self.opts = stored_run(BROADCAST_HISTORY, JOURNAL[:8])
        self.explanation = explained(self.run_dir, self.opts, json.loads(json.dumps(LOST)))

    def test_the_console_names_the_value_who_acknowledged_it_and_where_its_messages_died(self):
        lines = "\n".join(self.explanation.lines)
        self.assertIn("Why it is invalid:", lines)
        self.assertIn("1 of 1 values were lost", lines)
        self.assertIn("value 5: acknowledged by n0 at 0.000 s; reached n0 and n1; its last messages to n2 "
                      "were dropped by the partition from 0.000 s to 0.000 s", lines)

    def test_results_hold_each_lost_value_with_its_path_and_the_final_reads_lacking_it(self):
        lost = self.explanation.data()["workload"]["lost"][0]
        self.assertEqual(lost["added"]["acknowledged-by"], "n0")
        self.assertEqual([h["node"] for h in lost["had"]], ["n0", "n1"])
        self.assertEqual(lost["never-had"][0]["last"]["reason"], "partition")
        self.assertEqual(lost["final-reads-lacking"], [{"process": 2, "node": "n2", "time-ns": 25}])

    def test_the_pattern_says_nothing_carried_it_again_after_the_drop(self):
        self.assertIn("nothing carried it there afterwards", " ".join(self.explanation.data()["workload"]["patterns"]))

    def test_the_run_page_section_and_the_value_diagram_are_written(self):
        page = (self.run_dir / EXPLANATION_FILE).read_text()
        self.assertIn("Why it is invalid", page)
        self.assertIn('src="explain-value-5.svg"', page)
        svg = (self.run_dir / "explain-value-5.svg").read_text()
        self.assertIn("Value 5 (lost)", svg)
        self.assertIn("dropped by the partition in force", svg)


class NothingRead(unittest.TestCase):
    def test_a_set_run_whose_reads_never_saw_a_value_is_unknown_and_says_so(self):
        history = [op(0, 0, "invoke", 0, "broadcast", 5), op(1, 1, "ok", 0, "broadcast", 5),
                   op(2, 2, "invoke", 1, "read", None), op(3, 3, "fail", 1, "read", None, error="net-timeout")]
        run_dir, opts = stored_run(history, [])
        results = {"workload": {"valid?": "unknown", "attempt-count": 1, "stable-count": 0, "lost-count": 0,
                                "never-read-count": 1}, "valid?": "unknown"}
        explanation = explained(run_dir, opts, results)
        self.assertEqual(explanation.lines[0], "Why it is unknown:")
        self.assertIn("No value was ever seen by a read (1 added, 1 never read)", explanation.lines[1])


class KilledHolders(unittest.TestCase):
    def test_a_value_whose_holders_were_all_killed_afterwards_says_so(self):
        history = [op(0, 0, "invoke", 0, "broadcast", 5), op(1, 2, "ok", 0, "broadcast", 5),
                   op(2, 9, "info", "nemesis", "kill", {"n0": "killed", "n1": "killed"}),
                   op(3, 20, "invoke", 2, "read", None, **{"final?": True}),
                   op(4, 21, "ok", 2, "read", [], **{"final?": True})]
        run_dir, opts = stored_run(history, JOURNAL[:6])
        explanation = explained(run_dir, opts, json.loads(json.dumps(LOST)))
        self.assertIn("value 5: acknowledged by n0 at 0.000 s; reached n0 (killed at 0.000 s) and n1 (killed at 0.000 s)",
                      "\n".join(explanation.lines))
        self.assertIn("every node that had it was killed afterwards", " ".join(explanation.data()["workload"]["patterns"]))


class Availability(unittest.TestCase):
    def results(self, **parts) -> dict:
        return {"workload": {"valid?": True}, "availability": {"valid?": True}, "stats": {"valid?": True},
                **parts, "valid?": False}

    def test_the_dominant_error_codes_are_given_with_their_meanings(self):
        history = [op(0, 0, "invoke", 0, "read", [1, None]),
                   op(1, 1, "fail", 0, "read", [1, None], error=["key-does-not-exist", "no such key"]),
                   op(2, 2, "invoke", 1, "write", [1, 3]), op(3, 3, "info", 1, "write", [1, 3], error="net-timeout"),
                   op(4, 4, "invoke", 2, "cas", [1, [3, 4]]),
                   op(5, 5, "fail", 2, "cas", [1, [3, 4]], error=["key-does-not-exist", "no such key"])]
        run_dir, opts = stored_run(history, [], "lin-kv", availability=0.99)
        part = explained(run_dir, opts, self.results(availability={"valid?": False, "ok-fraction": 0.0})).parts[0]
        self.assertEqual([e["code"] for e in part.data["errors"]], [20, 0])
        self.assertIn("normal in lin-kv", part.data["errors"][0]["meaning"])
        self.assertIn("--availability 0.99", part.lines[0])
        self.assertIn("2 error 20 from n0 and n2", part.lines[1])

    def test_an_op_kind_that_never_succeeded_is_named(self):
        history = [op(0, 0, "invoke", 0, "echo", "x"), op(1, 1, "info", 0, "echo", "x", error=["crash", "KeyError"])]
        run_dir, opts = stored_run(history, [], "echo")
        stats = {"valid?": False, "by-f": {"echo": {"valid?": False}}}
        part = explained(run_dir, opts, self.results(stats=stats)).parts[0]
        self.assertEqual(part.key, "stats")
        self.assertIn("No 'echo' op ever succeeded", part.lines[0])
        self.assertIn("tracebacks in node-logs/n0.log", part.lines[1])


class Always(unittest.TestCase):
    def test_a_valid_run_has_no_explanation(self):
        run_dir, opts = stored_run([], [])
        results = {"workload": {"valid?": True}, "valid?": True}
        explain_run(run_dir, results, opts, load("broadcast")(opts, random.Random(1)))
        self.assertNotIn("explanation", results)
        self.assertFalse((run_dir / EXPLANATION_FILE).exists())

    def test_a_checker_that_could_not_decide_says_why(self):
        run_dir, opts = stored_run([], [], "lin-kv")
        results = {"workload": {"valid?": "unknown", "error": "search budget exceeded"}, "valid?": "unknown"}
        explanation = explained(run_dir, opts, results)
        self.assertEqual(explanation.lines[0], "Why it is unknown:")
        self.assertIn("could not decide: search budget exceeded", explanation.lines[1])

    def test_an_explainer_that_fails_is_reported_and_the_verdict_stands(self):
        run_dir, opts = stored_run([], [])
        (run_dir / "history.jsonl").write_text("not json\n")
        results = json.loads(json.dumps(LOST))
        explain_run(run_dir, results, opts, load("broadcast")(opts, random.Random(1)))
        self.assertIs(results["valid?"], False)
        self.assertIn("could not explain this run", " ".join(results["explanation"]["lines"]))

    def test_an_old_explanation_is_replaced(self):
        run_dir, opts = stored_run(BROADCAST_HISTORY, JOURNAL[:8])
        (run_dir / "explain-value-99.svg").write_text("old")
        explained(run_dir, opts, json.loads(json.dumps(LOST)))
        self.assertFalse((run_dir / "explain-value-99.svg").exists())


if __name__ == "__main__":
    unittest.main()

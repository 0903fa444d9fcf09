"""The store directory and its files (docs/maelstrom.md §5.4, §10), and the EDN they are written in."""
from __future__ import annotations

import json
import os
import re
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

from tests.harness import edn, store

HISTORY = [
    {"index": 0, "time": 10, "type": "invoke", "process": 0, "f": "read", "value": None},
    {"index": 1, "time": 20, "type": "invoke", "process": 1, "f": "add", "value": 3},
    {"index": 2, "time": 30, "type": "fail", "process": 0, "f": "read", "value": None,
     "error": "net-timeout"},
    {"index": 3, "time": 35, "type": "info", "process": "nemesis", "f": "start-partition",
     "value": "majority"},
    {"index": 4, "time": 40, "type": "info", "process": 1, "f": "add", "value": 3,
     "error": "indeterminate: Client read timeout",
     "exception": {"class": "RPCTimeout", "message": "Client read timeout"}},
    {"time": 50, "process": 2, "index": 5, "type": "invoke", "f": "read", "value": None,
     "final?": True},
    {"index": 6, "time": 60, "type": "fail", "process": 2, "f": "read", "value": None,
     "final?": True, "error": ["key-does-not-exist", "key does not exist"]},
]

JOURNAL = [
    ("send", -1500, {"id": 0, "src": "c1", "dest": "n1", "body": {"type": "init"}}),
    ("recv", -1400, {"id": 0, "src": "c1", "dest": "n1", "body": {"type": "init"}}),
]

RESULTS = {
    "stats": {"count": 4, "by-f": {"read": {"valid?": False}}, "valid?": False},
    "workload": {"valid?": "unknown", "lost": {1, 2}, "error": 'bad "quote"'},
    "net": {"servers": {"msgs-per-op": 3.5}, "valid?": True},
    "latencies": {"0.5": 12, "n1": [1, 2]},
    "valid?": False,
}


class TempStore(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.base = Path(tmp.name) / "store"


class RunDirectory(TempStore):
    def test_is_named_for_workload_and_local_time_with_node_logs(self):
        run = store.new_run_dir("echo", self.base)
        self.assertEqual(run.parent, self.base / "echo")
        self.assertRegex(run.name, r"^\d{8}T\d{6}\.\d{3}[+-]\d{4}$")
        self.assertTrue((run / "node-logs").is_dir())

    def test_symlinks_are_relative_and_follow_the_newest_run(self):
        store.new_run_dir("echo", self.base)
        run = store.new_run_dir("broadcast", self.base)
        self.assertEqual(os.readlink(self.base / "latest"), f"broadcast/{run.name}")
        self.assertEqual(os.readlink(self.base / "current"), f"broadcast/{run.name}")
        self.assertEqual(os.readlink(self.base / "broadcast" / "latest"), run.name)
        self.assertEqual((self.base / "latest").resolve(), run.resolve())

    def test_leaves_no_temporary_links_behind(self):
        store.new_run_dir("echo", self.base)
        store.new_run_dir("echo", self.base)
        self.assertEqual(sorted(p.name for p in self.base.iterdir()),
                         ["current", "echo", "latest"])

    def test_runs_in_the_same_millisecond_do_not_collide(self):
        instant = datetime(2024, 1, 31, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=1)))
        with mock.patch.object(store, "datetime") as clock:
            clock.now.return_value = instant
            first = store.new_run_dir("echo", self.base)
            second = store.new_run_dir("echo", self.base)
        self.assertNotEqual(first, second)
        self.assertEqual(first.name, instant.astimezone().strftime("%Y%m%dT%H%M%S.123%z"))


class HistoryFiles(TempStore):
    def setUp(self):
        super().setUp()
        self.run = store.new_run_dir("echo", self.base)
        store.write_history(self.run, HISTORY)

    def lines(self, name: str) -> list[str]:
        return (self.run / name).read_text(encoding="utf-8").splitlines()

    def test_round_trips(self):
        self.assertEqual(list(store.read_history(self.run)), HISTORY)

    def test_jsonl_puts_the_standard_keys_first(self):
        keys = list(json.loads(self.lines("history.jsonl")[5]))
        self.assertEqual(keys, ["index", "time", "type", "process", "f", "value", "final?"])

    def test_txt_is_tab_separated_process_type_f_value_error(self):
        lines = self.lines("history.txt")
        self.assertEqual(lines[0], "0\t:invoke\t:read\tnil")
        self.assertEqual(lines[2], "0\t:fail\t:read\tnil\t:net-timeout")
        # Jepsen writes the nemesis's values as keywords (":nemesis :info :pause :one").
        self.assertEqual(lines[3], ':nemesis\t:info\t:start-partition\t:majority')
        self.assertEqual(lines[4], '1\t:info\t:add\t3\t"indeterminate: Client read timeout"')
        self.assertEqual(lines[6],
                         '2\t:fail\t:read\tnil\t[:key-does-not-exist "key does not exist"]')

    def test_a_nemesis_ops_outcomes_are_keywords_and_its_nodes_stay_strings(self):
        run = store.new_run_dir("echo", self.base)
        store.write_history(run, [
            {"index": 0, "time": 1, "type": "info", "process": "nemesis", "f": "kill", "value": "majority"},
            {"index": 1, "time": 2, "type": "info", "process": "nemesis", "f": "kill",
             "value": {"n1": "killed", "n3": "killed"}}])
        txt = (run / "history.txt").read_text().splitlines()
        self.assertEqual(txt, [':nemesis\t:info\t:kill\t:majority',
                               ':nemesis\t:info\t:kill\t{"n1" :killed, "n3" :killed}'])
        self.assertIn(':value {"n1" :killed, "n3" :killed}', (run / "history.edn").read_text())

    def test_edn_has_one_op_map_per_line(self):
        lines = self.lines("history.edn")
        self.assertEqual(len(lines), len(HISTORY))
        self.assertEqual(lines[5], "{:index 5, :time 50, :type :invoke, :process 2, :f :read,"
                                   " :value nil, :final? true}")
        self.assertIn(':exception {:class "RPCTimeout", :message "Client read timeout"}',
                      lines[4])


class JournalFile(TempStore):
    def test_round_trips(self):
        run = store.new_run_dir("echo", self.base)
        store.write_journal(run, JOURNAL)
        self.assertEqual(list(store.read_journal(run)), JOURNAL)

    def test_has_one_event_object_per_line(self):
        run = store.new_run_dir("echo", self.base)
        store.write_journal(run, JOURNAL)
        first = (run / "net-journal.jsonl").read_text().splitlines()[0]
        self.assertEqual(json.loads(first), {"event": "send", "time": -1500,
                                             "message": JOURNAL[0][2]})


class ResultFiles(TempStore):
    def setUp(self):
        super().setUp()
        self.run = store.new_run_dir("echo", self.base)
        store.write_results(self.run, RESULTS)

    def test_json_round_trips_with_keys_in_order(self):
        back = store.read_results(self.run)
        self.assertEqual(list(back), list(RESULTS))
        self.assertEqual(back["workload"]["lost"], [1, 2])   # a set becomes a sorted list
        self.assertEqual(back["stats"], RESULTS["stats"])

    def test_edn_is_written_beside_it(self):
        text = (self.run / "results.edn").read_text(encoding="utf-8")
        self.assertEqual(text, edn.dumps(RESULTS) + "\n")


class Edn(unittest.TestCase):
    def test_keyword_shaped_keys_become_keywords(self):
        self.assertEqual(edn.dumps({"valid?": True, "msgs-per-op": 2.5}, compact=True),
                         "{:valid? true, :msgs-per-op 2.5}")

    def test_node_ids_stay_strings_and_quantiles_become_numbers(self):
        self.assertEqual(edn.dumps({"n1": 1, "c12": 2, "0.95": 3, 7: 4}, compact=True),
                         '{"n1" 1, "c12" 2, 0.95 3, 7 4}')

    def test_unknown_validity_is_a_keyword_but_other_strings_stay_strings(self):
        self.assertEqual(edn.dumps({"valid?": "unknown", "f": "unknown"}, compact=True),
                         '{:valid? :unknown, :f "unknown"}')

    def test_keyword_values_turns_keyword_shaped_strings_into_keywords(self):
        self.assertEqual(edn.dumps(["G0", "a b", 1], keyword_values=True, compact=True),
                         '[:G0 "a b" 1]')

    def test_scalars_vectors_and_sets(self):
        self.assertEqual(edn.dumps([None, False, (1, 2), {3, 1}], compact=True),
                         "[nil false [1 2] #{1 3}]")

    def test_strings_are_escaped(self):
        self.assertEqual(edn.dumps('say "hi"\\\n'), r'"say \"hi\"\\\n"')

    def test_pretty_breaks_a_wide_map_one_entry_per_line(self):
        text = edn.dumps(RESULTS)
        self.assertEqual(text.splitlines()[0], "{:stats {:count 4, :by-f {:read {:valid? false}},"
                                               " :valid? false},")
        self.assertTrue(all(re.match(r" :[a-z?-]+ ", line) for line in text.splitlines()[1:]),
                        text)
        self.assertTrue(text.endswith(":valid? false}"))

    def test_pretty_nests_under_the_key_that_holds_it(self):
        wide = {"workload": {"lost": list(range(40)), "valid?": False}}
        lines = edn.dumps(wide).splitlines()
        self.assertTrue(lines[0].startswith("{:workload {:lost [0 1 2"))
        self.assertTrue(all(len(line) <= edn.WIDTH for line in lines), lines)
        self.assertEqual(lines[-1], " " * len("{:workload {") + ":valid? false}}")

    def test_compact_is_one_line(self):
        self.assertNotIn("\n", edn.dumps({"lost": list(range(100))}, compact=True))


if __name__ == "__main__":
    unittest.main()

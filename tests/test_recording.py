"""The journal and history are written to disk as the run goes and read back one line at a
time; only running counts stay in memory (issue 20: a message storm once took the harness
to 4.57 GB holding them)."""
from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

from tests.harness import store
from tests.harness.network import Envelope, Lateness, message_text
from tests.harness.recording import BATCH_LINES, HANDOFF_BYTES, OTHER_TYPES, TYPES_PER_SENDER, History, Journal
from tests.harness.store import DamagedFile


def temp_dir(case: unittest.TestCase) -> Path:
    tmp = tempfile.TemporaryDirectory(prefix="glomers-recording-unit-")
    case.addCleanup(tmp.cleanup)
    return Path(tmp.name)


def text(msg_id: int, src: str, dest: str, body: dict) -> str:
    envelope = Envelope(id=msg_id, src=src, dest=dest, body=body)
    return message_text(envelope, None)


class JournalOnDisk(unittest.TestCase):
    def setUp(self):
        self.dir = temp_dir(self)
        self.journal = Journal(self.dir / "net-journal.jsonl")
        self.addCleanup(self.journal.close)

    def send(self, msg_id: int, src: str, dest: str, body: dict, time_ns: int = 0) -> None:
        self.journal.send(time_ns, text(msg_id, src, dest, body), src, body.get("type"),
                          src.startswith("c") or dest.startswith("c"))

    def test_events_reach_the_file_as_the_run_goes_not_at_its_end(self):
        pad = "x" * 1000
        count = HANDOFF_BYTES // 1000 + BATCH_LINES
        for i in range(count):
            self.send(i, "n0", "n1", {"type": "gossip", "pad": pad})
        self.journal.lines._writer.wait_written()   # what was handed over, written; no flush
        written = len((self.dir / "net-journal.jsonl").read_text().splitlines())
        self.assertGreater(written, 0)
        self.assertLess(written, count)   # the last lines wait for the next hand-over

    def test_a_failed_write_is_raised_when_the_file_is_closed(self):
        journal = Journal(Path("/dev/full"))
        journal.send(0, text(0, "n0", "n1", {}), "n0", None, False)
        with self.assertRaises(OSError):
            journal.close()

    def test_what_is_written_reads_back_as_the_events_in_order(self):
        self.send(0, "c1", "n1", {"type": "echo", "echo": "\u00e9t\u00e9", "msg_id": 1}, 5)
        self.journal.recv(7, text(0, "c1", "n1", {"type": "echo", "echo": "\u00e9t\u00e9", "msg_id": 1}), True)
        self.journal.close()
        self.assertEqual(list(store.read_journal(self.dir)), [
            ("send", 5, {"id": 0, "src": "c1", "dest": "n1", "body": {"type": "echo", "echo": "\u00e9t\u00e9", "msg_id": 1}}),
            ("recv", 7, {"id": 0, "src": "c1", "dest": "n1", "body": {"type": "echo", "echo": "\u00e9t\u00e9", "msg_id": 1}})])

    def test_net_counts_split_client_and_server_traffic_as_events_are_written(self):
        self.send(0, "c1", "n1", {"type": "read"})
        self.send(1, "n1", "n2", {"type": "gossip"})
        self.journal.recv(2, text(1, "n1", "n2", {"type": "gossip"}), False)
        self.assertEqual((self.journal.net.sends, self.journal.net.recvs), ([1, 1], [1, 0]))

    def test_each_sender_is_counted_per_body_type(self):
        for _ in range(3):
            self.send(0, "n1", "n2", {"type": "gossip"})
        self.send(0, "n1", "c1", {"type": "read_ok"})
        self.assertEqual(self.journal.sent["n1"], {"gossip": 3, "read_ok": 1})
        self.assertEqual(self.journal.sent_by("n1"), 4)
        self.assertEqual(self.journal.sent_by("n9"), 0)

    def test_a_sender_of_endless_distinct_types_takes_bounded_memory(self):
        for i in range(TYPES_PER_SENDER * 3):
            self.send(i, "n1", "n2", {"type": f"t{i}"})
        self.assertEqual(len(self.journal.sent["n1"]), TYPES_PER_SENDER + 1)
        self.assertEqual(self.journal.sent["n1"][OTHER_TYPES], TYPES_PER_SENDER * 2)

    def test_a_type_that_is_not_a_string_is_counted_under_its_text(self):
        self.send(0, "n1", "n2", {"type": ["not", "hashable"]})
        self.send(1, "n1", "n2", {})
        self.assertEqual(self.journal.sent["n1"], {"['not', 'hashable']": 1, "None": 1})

    def test_without_a_path_only_the_counts_are_kept(self):
        journal = Journal()
        journal.send(0, text(0, "n1", "n2", {"type": "x"}), "n1", "x", False)
        journal.close()
        self.assertEqual(journal.net.sends, [1, 0])


class HistoryOnDisk(unittest.TestCase):
    def setUp(self):
        self.dir = temp_dir(self)
        self.history = History(self.dir / "history.jsonl")
        self.addCleanup(self.history.close)

    def test_an_op_is_recorded_as_it_was_when_recorded(self):
        op = {"index": 0, "time": 1, "type": "invoke", "process": 0, "f": "add", "value": [1]}
        self.history.append(op)
        op["value"].append(2)
        self.history.close()
        self.assertEqual(next(store.read_history(self.dir))["value"], [1])

    def test_len_counts_the_ops_recorded(self):
        for i in range(3):
            self.history.append({"index": i, "time": i, "type": "invoke", "process": 0, "f": "read"})
        self.assertEqual(len(self.history), 3)

    def test_a_lone_surrogate_from_a_node_survives_the_round_trip(self):
        op = {"index": 0, "time": 1, "type": "ok", "process": 0, "f": "echo", "value": "a\ud800b"}
        self.history.append(op)
        self.history.close()
        self.assertEqual(list(store.read_history(self.dir)), [op])


class DamagedFiles(unittest.TestCase):
    """A file that cannot be read back is named, with the line and what is wrong; the
    reader never fails with a bare JSON or Unicode error."""

    OP = '{"index": 0, "time": 1, "type": "invoke", "process": 0, "f": "read", "value": null}\n'

    def setUp(self):
        self.dir = temp_dir(self)

    def history_error(self, data: bytes) -> str:
        (self.dir / "history.jsonl").write_bytes(data)
        with self.assertRaises(DamagedFile) as caught:
            list(store.read_history(self.dir))
        return str(caught.exception)

    def test_a_history_cut_in_the_middle_of_a_line(self):
        message = self.history_error((self.OP + self.OP[:30]).encode())
        self.assertIn("history.jsonl line 2: not JSON, cut short", message)

    def test_a_line_that_is_not_utf8(self):
        self.assertIn("history.jsonl line 2: not UTF-8", self.history_error((self.OP + "\xe9t\xe9\n").encode("latin-1")))

    def test_a_line_that_is_not_an_object(self):
        self.assertIn("line 1: not a JSON object", self.history_error(b"[1, 2]\n"))

    def test_an_object_that_is_not_an_op(self):
        self.assertIn("line 1: not a history op", self.history_error(b'{"type": "invoke"}\n'))

    def test_a_missing_file(self):
        with self.assertRaises(DamagedFile) as caught:
            list(store.read_journal(self.dir))
        self.assertIn("net-journal.jsonl is missing", str(caught.exception))

    def test_a_journal_event_without_a_message(self):
        (self.dir / "net-journal.jsonl").write_text('{"event": "send", "time": 3}\n')
        with self.assertRaises(DamagedFile) as caught:
            list(store.read_journal(self.dir))
        self.assertIn("net-journal.jsonl line 1: not a journal event", str(caught.exception))


class LatenessHistogram(unittest.TestCase):
    def filled(self, samples_us: list[int]) -> Lateness:
        lateness = Lateness()
        for us in samples_us:
            if -1000 < us < 1000:
                lateness.counts[us] = lateness.counts.get(us, 0) + 1
            else:
                lateness.add_coarse(us)
        return lateness

    def test_below_a_millisecond_quantiles_are_exact_to_the_microsecond(self):
        samples = list(range(1, 1000))   # p50 is the 500th smallest (rank 499), p99 rank 989
        self.assertEqual(self.filled(samples).quantiles_ms(),
                         {"count": 999, "p50": 0.5, "p99": 0.99, "max": 0.999})

    def test_above_a_millisecond_three_significant_digits_and_the_exact_maximum(self):
        lateness = self.filled([100] * 98 + [14_537, 250_321])
        self.assertEqual(lateness.quantiles_ms(), {"count": 100, "p50": 0.1, "p99": 250.0, "max": 250.321})
        self.assertEqual(set(lateness.counts), {100, 14_500, 250_000})

    def test_memory_grows_with_the_decades_spanned_not_the_deliveries(self):
        lateness = self.filled([k % 900 for k in range(100_000)] + [5_000 + k for k in range(200_000)])
        # below 1 ms: 900 values; 5-10 ms: 500 buckets; 10-100 ms: 900; 100-205 ms: 105
        self.assertEqual(len(lateness.counts), 900 + 500 + 900 + 105)

    def test_no_deliveries_give_only_a_count(self):
        self.assertEqual(Lateness().quantiles_ms(), {"count": 0})


class JournalLayout(unittest.TestCase):
    def test_a_journal_line_is_one_compact_event_object(self):
        d = temp_dir(self)
        journal = Journal(d / "net-journal.jsonl")
        journal.send(12, text(3, "n1", "n2", {"type": "gossip"}), "n1", "gossip", False)
        journal.close()
        line = (d / "net-journal.jsonl").read_text()
        self.assertEqual(line, '{"event":"send","time":12,"message":'
                               '{"id":3,"src":"n1","dest":"n2","body":{"type":"gossip"}}}\n')
        self.assertEqual(json.loads(line)["message"]["body"], {"type": "gossip"})


if __name__ == "__main__":
    unittest.main()

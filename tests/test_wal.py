"""common.wal: a node's durable state is written before it is applied (and before the reply),
replayed at the next start before init_ok, and survives torn tails and compaction."""
from __future__ import annotations

import json
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from common import Message, Node
from common.testing import NodeDriver
from common.wal import Lives, WriteAheadLog


def adder(compact_at: int = 1 << 16) -> tuple[Node, WriteAheadLog, list]:
    """A node that sums the deltas it is sent, its total in a write-ahead log whose snapshot
    is the total; ``applied`` lists every record apply was given."""
    node = Node()
    total = [0]
    applied: list = []

    def apply(record):
        applied.append(record)
        total[0] = record["set"] if "set" in record else total[0] + record["add"]

    wal = WriteAheadLog(node, "adds", apply=apply, snapshot=lambda: [{"set": total[0]}],
                        compact_at=compact_at)

    @node.on("add", delta=int)
    def add(msg: Message) -> None:
        wal.append({"add": msg.body["delta"]})
        node.reply(msg, {"type": "add_ok"})

    @node.on("read")
    def read(msg: Message) -> None:
        node.reply(msg, {"type": "read_ok", "value": total[0]})

    return node, wal, applied


def add(driver: NodeDriver, *deltas: int) -> None:
    for delta in deltas:
        assert driver.rpc("c1", {"type": "add", "delta": delta})["type"] == "add_ok"


def total(driver: NodeDriver) -> int:
    return driver.rpc("c1", {"type": "read"})["value"]


class WalTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(self.enterContext(tempfile.TemporaryDirectory()))

    def start(self, compact_at: int = 1 << 16) -> tuple[NodeDriver, WriteAheadLog, list]:
        """A fresh process of the adder node on this test's disk, initialised."""
        node, wal, applied = adder(compact_at)
        driver = self.enterContext(NodeDriver(node, data_dir=self.dir))
        driver.init("n0")
        return driver, wal, applied


class ReplayTest(WalTest):
    def test_a_restarted_node_is_back_where_it_was_at_its_last_reply(self):
        first, _, _ = self.start()
        add(first, 1, 2, 3)
        first.close()
        second, _, _ = self.start()
        self.assertEqual(total(second), 6)

    def test_replay_happens_before_init_ok(self):
        first, _, _ = self.start()
        add(first, 5)
        first.close()
        _, _, applied = self.start()   # start() returns once init_ok has arrived
        self.assertEqual(applied, [{"add": 5}])

    def test_a_record_is_on_disk_before_the_reply(self):
        driver, wal, _ = self.start()
        add(driver, 7)   # the process is still running: nothing was flushed at exit
        self.assertEqual(wal.path.read_text(), '{"add":7}\n')

    def test_apply_is_given_the_record_as_replay_will_give_it(self):
        node, seen = Node(), []
        wal = WriteAheadLog(node, "shapes", apply=seen.append)

        @node.on("go")
        def go(msg: Message) -> None:
            wal.append((1, {2: "two"}))
            node.reply(msg, {"type": "go_ok"})

        with NodeDriver(node, data_dir=self.dir) as driver:
            driver.init("n0")
            driver.rpc("c1", {"type": "go"})
        self.assertEqual(seen, [[1, {"2": "two"}]])   # JSON: lists, and keys are strings

    def test_each_node_has_its_own_log_in_a_shared_directory(self):
        node, _, _ = adder()
        with NodeDriver(node, data_dir=self.dir) as n1:
            n1.init("n1", ["n0", "n1"])
            add(n1, 100)
        first, _, _ = self.start()
        self.assertEqual(total(first), 0)

    def test_a_log_from_another_run_is_not_replayed(self):
        # Maelstrom starts the nodes of every run in one temporary directory; a run's logs
        # carry the id of the process that started its nodes.
        (self.dir / "n0-adds.1.wal").write_text('{"add":9}\n')
        driver, wal, _ = self.start()
        self.assertEqual(total(driver), 0)
        self.assertEqual(wal.path.name, f"n0-adds.{os.getppid()}.wal")


class TornTailTest(WalTest):
    def write_log(self, text: str) -> Path:
        path = self.dir / f"n0-adds.{os.getppid()}.wal"
        path.write_text(text)
        return path

    def test_a_last_record_without_its_newline_is_dropped(self):
        self.write_log('{"add":1}\n{"add":2}\n{"ad')
        driver, _, _ = self.start()
        self.assertEqual(total(driver), 3)
        self.assertIn("dropped a torn last record of 4 bytes", driver.logs())

    def test_a_record_that_parses_but_lacks_its_newline_is_dropped(self):
        self.write_log('{"add":1}\n12')   # "12" could be the start of "123"
        _, _, applied = self.start()
        self.assertEqual(applied, [{"add": 1}])

    def test_the_torn_tail_is_cut_off_so_the_next_record_starts_a_line(self):
        path = self.write_log('{"add":1}\n{"add":')
        driver, _, _ = self.start()
        add(driver, 4)
        self.assertEqual(path.read_text(), '{"add":1}\n{"add":4}\n')

    def test_replay_stops_at_a_line_that_is_not_json(self):
        # What a machine crash without fsync can leave: a line of zeros where data was due.
        self.write_log('{"add":1}\n\0\0\0\n{"add":2}\n')
        driver, _, _ = self.start()
        self.assertEqual(total(driver), 1)


class CompactionTest(WalTest):
    def test_a_log_grown_to_compact_at_bytes_is_rewritten_as_the_snapshot(self):
        driver, wal, _ = self.start(compact_at=40)
        add(driver, 1, 1, 1)   # 10 bytes a record
        self.assertEqual(wal.size, 30)
        add(driver, 1)
        self.assertEqual(wal.path.read_text(), '{"set":4}\n')

    def test_after_that_a_log_is_rewritten_when_twice_its_last_snapshot(self):
        driver, wal, _ = self.start(compact_at=20)
        add(driver, 1000, 0)    # 23 bytes: rewritten as {"set":1000}, 13 bytes
        add(driver, 0)          # 23 bytes, under twice 13: kept as it is
        self.assertEqual(wal.path.read_text(), '{"set":1000}\n{"add":0}\n')
        add(driver, 0)          # 33 bytes: rewritten
        self.assertEqual(wal.path.read_text(), '{"set":1000}\n')

    def test_state_after_compaction_replays_the_same(self):
        first, _, _ = self.start(compact_at=40)
        add(first, *range(10))
        first.close()
        second, _, _ = self.start(compact_at=40)
        self.assertEqual(total(second), 45)

    def test_a_long_log_is_compacted_at_start(self):
        first, wal, _ = self.start()
        add(first, *[1] * 12)
        first.close()
        _, wal, _ = self.start(compact_at=100)
        self.assertEqual(wal.path.read_text(), '{"set":12}\n')

    def test_a_kill_during_compaction_leaves_the_old_log_whole(self):
        first, wal, _ = self.start()
        add(first, 2, 3)
        first.close()
        # Killed while writing the snapshot: the new file is half written, never renamed.
        wal.path.with_name(wal.path.name + ".new").write_text('{"set":99')
        second, _, _ = self.start()
        self.assertEqual(total(second), 5)

    def test_a_log_without_snapshot_is_never_rewritten(self):
        node, seen = Node(), []
        wal = WriteAheadLog(node, "values", apply=seen.append, compact_at=2)

        @node.on("add", delta=int)
        def put(msg: Message) -> None:
            wal.append(msg.body["delta"])
            node.reply(msg, {"type": "add_ok"})

        with NodeDriver(node, data_dir=self.dir) as driver:
            driver.init("n0")
            add(driver, 1, 2, 3)
            self.assertEqual(wal.path.read_text(), "1\n2\n3\n")


class PolicyTest(WalTest):
    def test_policy_none_writes_nothing_so_a_restart_forgets(self):
        with mock.patch.dict(os.environ, {"GLOMERS_DURABILITY": "none"}):
            first, _, _ = self.start()
            add(first, 3)
            first.close()
            second, _, _ = self.start()
        self.assertEqual(total(second), 0)
        self.assertEqual(list(self.dir.iterdir()), [])

    def test_policy_fsync_syncs_each_record_before_the_reply(self):
        with mock.patch.dict(os.environ, {"GLOMERS_DURABILITY": "fsync"}), \
                mock.patch("common.wal.os.fdatasync", wraps=os.fdatasync) as fdatasync:
            driver, _, _ = self.start()
            add(driver, 1, 2)
        self.assertEqual(fdatasync.call_count, 2)

    def test_policy_write_does_not_sync(self):
        with mock.patch("common.wal.os.fdatasync") as fdatasync:
            driver, _, _ = self.start()
            add(driver, 1)
        fdatasync.assert_not_called()

    def test_an_unknown_policy_is_refused_naming_the_choices(self):
        with mock.patch.dict(os.environ, {"GLOMERS_DURABILITY": "sometimes"}), \
                self.assertRaisesRegex(ValueError, "one of write, fsync, none"):
            adder()


class LivesTest(WalTest):
    def start_lives(self) -> Lives:
        node = Node()
        lives = Lives(node)
        self.enterContext(NodeDriver(node, data_dir=self.dir)).init("n0")
        return lives

    def test_the_first_start_is_life_1_and_each_restart_one_more(self):
        self.assertEqual([self.start_lives().number for _ in range(3)], [1, 2, 3])

    def test_the_life_is_on_disk_before_init_ok(self):
        lives = self.start_lives()
        path = self.dir / f"n0-lives.{os.getppid()}.wal"
        self.assertEqual([json.loads(line) for line in path.read_text().splitlines()],
                         [lives.number])


if __name__ == "__main__":
    unittest.main()

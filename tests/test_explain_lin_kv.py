"""lin-kv's explanation: a minimal set of ops that cannot be linearized, and why."""
from __future__ import annotations

import time
import unittest

from tests.harness.workloads.lin_kv.explain import linearizable, precedences, sentence, shrink


def pair(index: int, process: int, f: str, value, start: int, end: int | None, returned=None, kind="ok"):
    invoke = {"index": index, "time": start, "type": "invoke", "process": process, "f": f, "value": value}
    done = None if end is None else {"index": index + 1, "time": end, "type": kind, "process": process, "f": f,
                                     "value": returned if f == "read" else value}
    return invoke, done


# Processes 0-2 write 1, 2 and 3 one after another; process 3 reads 1 after all of them
# (a stale read), while process 4's concurrent reads of 2 and 3 are fine.
HISTORY = [pair(0, 0, "write", 1, 0, 10), pair(2, 1, "write", 2, 20, 30), pair(4, 4, "read", None, 25, 35, 2),
           pair(6, 2, "write", 3, 40, 50), pair(8, 4, "read", None, 55, 60, 3), pair(10, 3, "read", None, 70, 80, 1)]


class Shrinking(unittest.TestCase):
    def setUp(self):
        self.found, self.minimal = shrink(HISTORY, time.monotonic() + 5)

    def test_the_set_left_cannot_be_linearized_and_is_minimal(self):
        self.assertIs(linearizable(self.found), False)
        self.assertTrue(self.minimal)
        for k in range(len(self.found)):
            rest = self.found[:k] + self.found[k + 1:]
            self.assertTrue(linearizable(rest) is True or not any(
                p[0]["f"] == "write" and p[0]["value"] == 1 for p in rest))

    def test_the_write_a_read_needs_is_never_shrunk_away(self):
        # Alone, "read 1" cannot be linearized either (nobody wrote 1), which says nothing.
        self.assertIn(HISTORY[0], self.found)
        self.assertIn(HISTORY[-1], self.found)

    def test_the_sentence_names_the_real_time_order_and_the_register_state(self):
        text = " ".join(sentence(0, self.found, True)[0])
        self.assertIn("1 finished before 2 began", text)
        self.assertIn("can't read 1 from register", text)
        self.assertIn("process 3's read → 1", text)

    def test_precedences_leave_out_what_other_edges_imply(self):
        chain = [HISTORY[0], HISTORY[1], HISTORY[3]]
        self.assertEqual(precedences(chain), [(0, 1), (1, 2)])


if __name__ == "__main__":
    unittest.main()

"""The main phase's timing rules (Jepsen 0.3.7 jepsen.generator: Stagger, Any, TimeLimit), on a fake clock."""
from __future__ import annotations

import random
import unittest

from tests.harness.schedule import PENDING, Stagger, Step, next_step


class FixedDraw(random.Random):
    """random() always returns ``x``; choice() takes the last candidate."""

    def __init__(self, x: float):
        super().__init__(0)
        self.x = x

    def random(self) -> float:
        return self.x

    def choice(self, seq):
        return seq[-1]


class StaggerSpacing(unittest.TestCase):
    def test_the_first_op_is_due_at_once(self):
        self.assertEqual(Stagger(0.5, FixedDraw(0.5)).due_at(7.0), 7.0)

    def test_the_next_gap_runs_from_when_the_op_actually_went_not_from_when_it_was_due(self):
        # Stagger: once (:time op) >= next-time the op goes and next-time becomes
        # (:time op) + rand dt, so a 3 ms timer overshoot delays the next op by 3 ms too.
        s = Stagger(0.5, FixedDraw(0.5))       # gaps uniform on [0, 1): this draw gives 0.5
        s.invoked(0.0)
        self.assertEqual(s.due_at(0.1), 0.5)
        s.invoked(0.503)                       # went 3 ms late
        self.assertAlmostEqual(s.due_at(0.6), 1.003)

    def test_an_op_that_waited_for_a_thread_goes_when_asked_and_the_gap_runs_from_there(self):
        s = Stagger(0.5, FixedDraw(0.25))
        s.invoked(0.0)                          # next due at 0.25
        self.assertEqual(s.due_at(2.0), 2.0)    # no thread was free until 2.0
        s.invoked(2.0)
        self.assertEqual(s.due_at(2.0), 2.25)

    def test_gaps_are_uniform_on_zero_to_twice_the_mean(self):
        s = Stagger(0.01, random.Random(3))
        gaps, t = [], 0.0
        for _ in range(5000):
            s.invoked(t)
            nxt = s.due_at(t)
            gaps.append(nxt - t)
            t = nxt
        self.assertTrue(all(0 <= g < 0.02 for g in gaps))
        self.assertAlmostEqual(sum(gaps) / len(gaps), 0.01, delta=0.0005)


class MergedStreams(unittest.TestCase):
    rng = random.Random(1)

    def test_the_nemesis_goes_on_time_while_every_client_thread_is_busy(self):
        self.assertEqual(next_step(3.0, 10.0, PENDING, 3.0, self.rng), Step("nemesis"))

    def test_with_every_thread_busy_it_waits_for_the_nemesis_due_time_or_a_free_thread(self):
        self.assertEqual(next_step(3.0, 10.0, PENDING, 4.5, self.rng), Step("wait", 4.5))

    def test_with_every_thread_busy_and_no_nemesis_it_waits_for_a_thread(self):
        self.assertEqual(next_step(3.0, 10.0, PENDING, None, self.rng), Step("wait"))

    def test_the_sooner_stream_goes_first(self):
        self.assertEqual(next_step(3.0, 10.0, 3.0, 3.5, self.rng), Step("client"))
        self.assertEqual(next_step(3.0, 10.0, 3.5, 3.0, self.rng), Step("nemesis"))

    def test_equal_times_are_decided_at_random(self):
        rng = random.Random(5)
        picks = {next_step(3.0, 10.0, 3.0, 3.0, rng).action for _ in range(50)}
        self.assertEqual(picks, {"client", "nemesis"})

    def test_nothing_due_yet_means_waiting_until_the_sooner_due_time(self):
        self.assertEqual(next_step(3.0, 10.0, 3.2, 3.7, self.rng), Step("wait", 3.2))

    def test_an_exhausted_client_stream_leaves_the_nemesis(self):
        self.assertEqual(next_step(3.0, 10.0, None, 3.0, self.rng), Step("nemesis"))
        self.assertEqual(next_step(3.0, 10.0, None, None, self.rng), Step("done"))


class TimeLimit(unittest.TestCase):
    rng = random.Random(1)

    def test_an_op_due_at_the_cutoff_is_never_released(self):
        self.assertEqual(next_step(9.0, 10.0, 10.0, None, self.rng), Step("done"))

    def test_an_op_asked_for_after_the_cutoff_is_never_released(self):
        # The wait overshot: the op's :time is now, and now is past the cutoff.
        self.assertEqual(next_step(10.004, 10.0, 9.99, None, self.rng), Step("done"))

    def test_a_thread_freed_after_the_cutoff_gets_no_op(self):
        self.assertEqual(next_step(11.5, 10.0, 2.0, None, self.rng), Step("done"))

    def test_pending_clients_wait_for_a_thread_when_the_nemesis_falls_past_the_cutoff(self):
        # TimeLimit yields nil for the nemesis op, but with ops outstanding Jepsen's
        # interpreter (run!) keeps the same generator and asks again after a completion.
        self.assertEqual(next_step(9.0, 10.0, PENDING, 10.2, self.rng), Step("wait"))

    def test_a_thread_freed_before_the_cutoff_gets_its_op_though_the_nemesis_is_past_it(self):
        self.assertEqual(next_step(9.001, 10.0, 9.0, 10.2, self.rng), Step("client"))

    def test_pending_clients_with_no_nemesis_wait_until_the_cutoff_then_stop(self):
        self.assertEqual(next_step(10.0, 10.0, PENDING, None, self.rng), Step("done"))

    def test_past_the_cutoff_pending_clients_stop_whatever_the_nemesis(self):
        # Asked again after a completion, every op's :time is now, past the cutoff: nil.
        self.assertEqual(next_step(10.3, 10.0, PENDING, 10.2, self.rng), Step("done"))


if __name__ == "__main__":
    unittest.main()

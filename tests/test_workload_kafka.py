"""The kafka workload's generator and client (docs/maelstrom.md §6.7), against a scripted fake client."""
from __future__ import annotations

import asyncio
import random
import unittest
from collections import Counter
from unittest import mock

from tests.harness.errors import MalformedResponse, RPCError, RPCTimeout
from tests.harness.options import Options
from tests.harness.workloads.kafka import workload as kafka_workload
from tests.harness.workloads.kafka import Kafka


class FakeClient:
    """Answers each request with ``handler(body)``; an exception instance is raised instead."""

    def __init__(self, handler=None, client_id="c9"):
        self.id = client_id
        self.node = "n0"
        self.requests: list[dict] = []
        self.handler = handler or (lambda body: {"type": body["type"] + "_ok"})

    async def rpc(self, body, timeout=5.0):
        self.requests.append(body)
        reply = self.handler(body)
        if isinstance(reply, Exception):
            raise reply
        return {**reply, "in_reply_to": len(self.requests)}


def workload(seed=1, **options) -> Kafka:
    return Kafka(Options(**{"concurrency": 2, "nodes": ["n0"], **options}), random.Random(seed))


def run(coro):
    return asyncio.run(coro)


def main_ops(w: Kafka, n: int) -> list[dict]:
    """The next ``n`` sends and polls, with crashes and assigns taken out."""
    ops = []
    while len(ops) < n:
        op = w.next_op(0.001)
        if op["f"] in ("send", "poll"):
            ops.append(op)
    return ops


def ok(f, value, process=0, **extra) -> dict:
    return {"type": "ok", "process": process, "f": f, "value": value, **extra}


class CrashStream(unittest.TestCase):
    def test_the_first_op_is_a_crash(self):
        self.assertEqual(workload().next_op(0.0), {"f": "crash", "value": None})

    def test_crashes_come_at_gaps_below_twice_thirty_seconds_over_the_concurrency(self):
        w = workload(concurrency=4)
        w.next_op(0.0)
        crash_times, now = [], 0.0
        while len(crash_times) < 50:
            now += 0.01
            if w.next_op(now)["f"] == "crash":
                crash_times.append(now)
        gaps = [b - a for a, b in zip(crash_times, crash_times[1:])]
        self.assertLess(max(gaps), 2 * 30 / 4 + 0.02)
        self.assertAlmostEqual(sum(gaps) / len(gaps), 30 / 4, delta=2.0)


class SendsAndPolls(unittest.TestCase):
    def test_about_half_the_ops_are_sends(self):
        fs = Counter(op["f"] for op in main_ops(workload(), 2000))
        self.assertAlmostEqual(fs["send"] / 2000, 0.5, delta=0.05)

    def test_sends_carry_string_keys_and_values_counting_up_per_key(self):
        last: dict[str, int] = {}
        for op in main_ops(workload(), 300):
            if op["f"] == "send":
                [[mop, key, value]] = op["value"]
                self.assertEqual(mop, "send")
                self.assertIsInstance(key, str)
                self.assertEqual(value, last.get(key, 0) + 1)
                last[key] = value

    def test_polls_are_a_single_poll_mop(self):
        polls = [op for op in main_ops(workload(), 50) if op["f"] == "poll"]
        self.assertTrue(polls)
        self.assertTrue(all(op["value"] == [["poll"]] for op in polls))

    def test_a_key_is_retired_for_a_fresh_one_after_max_writes_per_key(self):
        w = workload(key_count=1, max_writes_per_key=3)
        sends = [op["value"][0] for op in main_ops(w, 40) if op["f"] == "send"]
        self.assertEqual([(k, v) for _, k, v in sends[:7]],
                         [("0", 1), ("0", 2), ("0", 3), ("1", 1), ("1", 2), ("1", 3), ("2", 1)])

    def test_keys_follow_the_exponential_distribution_newest_slot_likeliest(self):
        w = workload(key_count=3, max_writes_per_key=10 ** 9)
        keys = Counter(op["value"][0][1] for op in main_ops(w, 14000) if op["f"] == "send")
        total = sum(keys.values())
        for key, p in (("0", 1 / 7), ("1", 2 / 7), ("2", 4 / 7)):
            self.assertAlmostEqual(keys[key] / total, p, delta=0.02)


class InterleavedAssigns(unittest.TestCase):
    def test_an_assign_takes_the_key_of_the_op_it_stands_in_for_which_comes_next(self):
        plain, interleaved = workload(seed=1), workload(seed=1)
        plain.next_op(0.0), interleaved.next_op(0.0)   # the first crashes
        with mock.patch.object(kafka_workload, "ASSIGN_PROBABILITY", 0.0):
            expected = plain.next_op(0.001)
        with mock.patch.object(kafka_workload, "ASSIGN_PROBABILITY", 1.0), \
                mock.patch.object(kafka_workload, "UNPOLLED_ASSIGN_PROBABILITY", 0.0):
            assign = interleaved.next_op(0.001)
        with mock.patch.object(kafka_workload, "ASSIGN_PROBABILITY", 0.0):
            deferred = interleaved.next_op(0.001)
        self.assertEqual(expected["f"], "send")   # seed 1 starts with a send
        self.assertEqual(assign, {"f": "assign", "value": [expected["value"][0][1]]})
        self.assertEqual(deferred, expected)

    def test_assigns_come_about_once_in_sixty_four_ops(self):
        w = workload()
        fs = Counter(w.next_op(0.001)["f"] for _ in range(20000))
        self.assertAlmostEqual(fs["assign"] / 20000, 1 / 64, delta=0.004)

    def test_an_assign_may_add_keys_with_acknowledged_but_unpolled_sends(self):
        w = workload()
        w.next_op(0.0)
        w.update({}, ok("send", [["send", "7", [3, 4]]]))
        with mock.patch.object(kafka_workload, "ASSIGN_PROBABILITY", 1.0), \
                mock.patch.object(kafka_workload, "UNPOLLED_ASSIGN_PROBABILITY", 1.0):
            assign = w.next_op(0.001)
        self.assertEqual(assign["value"][0], "7")
        self.assertEqual(assign["unseen"], {"7": {"polled": -1, "sent": 3}})

    def test_a_key_polled_up_to_its_last_send_is_no_longer_unpolled(self):
        w = workload()
        w.next_op(0.0)
        w.update({}, ok("send", [["send", "7", [3, 4]]]))
        w.update({}, ok("poll", [["poll", {"7": [[2, 3], [3, 4]]}]]))
        with mock.patch.object(kafka_workload, "ASSIGN_PROBABILITY", 1.0), \
                mock.patch.object(kafka_workload, "UNPOLLED_ASSIGN_PROBABILITY", 1.0):
            assign = w.next_op(0.001)
        self.assertNotIn("unseen", assign)
        self.assertEqual(len(assign["value"]), 1)


class Client(unittest.TestCase):
    def test_send_reports_the_offset_with_the_value(self):
        client = FakeClient(lambda body: {"type": "send_ok", "offset": 12})
        done = run(workload().invoke(client, {"f": "send", "value": [["send", "3", 5]]}))
        self.assertEqual(client.requests, [{"type": "send", "key": "3", "msg": 5}])
        self.assertEqual(done, {"type": "ok", "value": [["send", "3", [12, 5]]]})

    def test_a_send_timeout_is_indeterminate_and_keeps_the_bare_value(self):
        client = FakeClient(lambda body: RPCTimeout(5.0))
        done = run(workload().invoke(client, {"f": "send", "value": [["send", "3", 5]]}))
        self.assertEqual(done, {"type": "info", "value": [["send", "3", 5]], "error": "net-timeout"})

    def test_a_send_reply_with_an_extra_field_is_malformed(self):
        client = FakeClient(lambda body: {"type": "send_ok", "offset": 1, "extra": 2})
        with self.assertRaises(MalformedResponse):
            run(workload().invoke(client, {"f": "send", "value": [["send", "3", 5]]}))

    def test_poll_asks_from_the_local_offsets_then_commits_the_highest_polled(self):
        w = workload()
        replies = iter([{"type": "poll_ok", "msgs": {"1": [[0, 5], [1, 6]], "2": []}},
                        {"type": "commit_offsets_ok"},
                        {"type": "poll_ok", "msgs": {}}])
        client = FakeClient(lambda body: next(replies))
        run(w.invoke(client, {"f": "assign", "value": ["1", "2"], "seek-to-beginning?": True}))
        done = run(w.invoke(client, {"f": "poll", "value": [["poll"]]}))
        run(w.invoke(client, {"f": "poll", "value": [["poll"]]}))
        self.assertEqual(client.requests, [
            {"type": "poll", "offsets": {"1": 0, "2": 0}},
            {"type": "commit_offsets", "offsets": {"1": 1}},
            {"type": "poll", "offsets": {"1": 2, "2": 0}}])
        self.assertEqual(done, {"type": "ok", "value": [["poll", {"1": [[0, 5], [1, 6]], "2": []}]]})

    def test_a_poll_returning_nothing_commits_nothing(self):
        client = FakeClient(lambda body: {"type": "poll_ok", "msgs": {"1": None}})
        done = run(workload().invoke(client, {"f": "poll", "value": [["poll"]]}))
        self.assertEqual(len(client.requests), 1)
        self.assertEqual(done["type"], "ok")

    def test_poll_messages_must_be_an_object_of_offset_message_pairs(self):
        for msgs in (None, {"1": [[0]]}, {"1": [["0", 5]]}, {"1": [[0, 5, 6]]}):
            client = FakeClient(lambda body, msgs=msgs: {"type": "poll_ok", "msgs": msgs})
            with self.subTest(msgs=msgs), self.assertRaises(MalformedResponse):
                run(workload().invoke(client, {"f": "poll", "value": [["poll"]]}))

    def test_a_definite_commit_error_fails_the_poll_but_keeps_the_advanced_offsets(self):
        w = workload()
        replies = iter([{"type": "poll_ok", "msgs": {"1": [[0, 5]]}},
                        RPCError({"type": "error", "code": 11, "text": "busy"}),
                        {"type": "poll_ok", "msgs": {}}])
        client = FakeClient(lambda body: next(replies))
        done = run(w.invoke(client, {"f": "poll", "value": [["poll"]]}))
        run(w.invoke(client, {"f": "poll", "value": [["poll"]]}))
        self.assertEqual(done, {"type": "fail", "value": [["poll"]],
                                "error": ["temporarily-unavailable", "busy"]})
        self.assertEqual(client.requests[-1], {"type": "poll", "offsets": {"1": 1}})

    def test_a_poll_timeout_is_indeterminate(self):
        client = FakeClient(lambda body: RPCTimeout(5.0))
        done = run(workload().invoke(client, {"f": "poll", "value": [["poll"]]}))
        self.assertEqual(done, {"type": "info", "value": [["poll"]], "error": "net-timeout"})

    def test_assign_without_seek_keeps_offsets_of_kept_keys_and_ignores_committed_ones(self):
        w = workload()
        replies = iter([{"type": "poll_ok", "msgs": {"1": [[3, 5]], "2": [[0, 1]]}},
                        {"type": "commit_offsets_ok"},
                        {"type": "list_committed_offsets_ok", "offsets": {"1": 9, "3": 9}},
                        {"type": "poll_ok", "msgs": {}}])
        client = FakeClient(lambda body: next(replies))
        run(w.invoke(client, {"f": "poll", "value": [["poll"]]}))
        done = run(w.invoke(client, {"f": "assign", "value": ["1", "3"]}))
        run(w.invoke(client, {"f": "poll", "value": [["poll"]]}))
        self.assertEqual(client.requests[2], {"type": "list_committed_offsets", "keys": ["1", "3"]})
        self.assertEqual(done, {"type": "ok", "value": ["1", "3"]})
        self.assertEqual(client.requests[3], {"type": "poll", "offsets": {"1": 4, "3": 0}})

    def test_assign_is_idempotent_so_a_timeout_fails_it(self):
        client = FakeClient(lambda body: RPCTimeout(5.0))
        done = run(workload().invoke(client, {"f": "assign", "value": ["1"]}))
        self.assertEqual(done["type"], "fail")

    def test_crash_completes_indeterminate_without_any_request(self):
        client = FakeClient()
        done = run(workload().invoke(client, {"f": "crash", "value": None}))
        self.assertEqual(done, {"type": "info", "value": None})
        self.assertEqual(client.requests, [])

    def test_each_client_has_its_own_offsets(self):
        w = workload()
        a = FakeClient(lambda body: {"type": "poll_ok", "msgs": {}}, client_id="c1")
        b = FakeClient(lambda body: {"type": "poll_ok", "msgs": {}}, client_id="c2")
        run(w.invoke(a, {"f": "assign", "value": ["1"], "seek-to-beginning?": True}))
        run(w.invoke(b, {"f": "poll", "value": [["poll"]]}))
        self.assertEqual(b.requests, [{"type": "poll", "offsets": {}}])


class FinalPhase(unittest.TestCase):
    def test_with_nothing_seen_a_thread_does_nothing(self):
        self.assertEqual(list(workload().final_ops(0)), [])

    def test_a_thread_crashes_assigns_every_seen_key_from_the_start_then_polls(self):
        w = workload()
        w.update({}, ok("send", [["send", "10", [4, 5]]]))
        w.update({}, ok("poll", [["poll", {"2": [[0, 1]]}]]))
        ops = w.final_ops(1)
        self.assertEqual(next(ops), {"f": "crash", "value": None})
        self.assertEqual(next(ops), {"f": "assign", "value": ["2", "10"], "seek-to-beginning?": True})
        poll = next(ops)
        self.assertEqual((poll["f"], poll["value"]), ("poll", [["poll"]]))
        gaps = [next(ops)["_gap"] for _ in range(200)]
        self.assertTrue(all(0 <= g < 0.4 for g in gaps))

    def test_a_thread_stops_once_its_own_ok_polls_reach_every_target(self):
        w = workload()
        w.update({}, ok("send", [["send", "1", [2, 3]]]))
        ops = w.final_ops(1)
        next(ops), next(ops), next(ops)
        w.update({}, ok("poll", [["poll", {"1": [[0, 1], [1, 2]]}]], process=3))
        next(ops)
        w.update({}, ok("poll", [["poll", {"1": [[2, 3]]}]], process=3))
        self.assertEqual(list(ops), [])

    def test_other_threads_polls_do_not_count(self):
        w = workload()
        w.update({}, ok("send", [["send", "1", [0, 1]]]))
        ops = w.final_ops(1)
        next(ops), next(ops), next(ops)
        w.update({}, ok("poll", [["poll", {"1": [[0, 1]]}]], process=2))   # thread 0
        self.assertEqual(next(ops)["f"], "poll")

    def test_the_target_is_what_was_seen_when_the_final_phase_began(self):
        w = workload()
        w.update({}, ok("send", [["send", "1", [0, 1]]]))
        first = w.final_ops(0)
        next(first)
        w.update({}, ok("send", [["send", "2", [0, 1]]]))
        ops = w.final_ops(1)
        next(ops)
        self.assertEqual(next(ops)["value"], ["1"])


if __name__ == "__main__":
    unittest.main()

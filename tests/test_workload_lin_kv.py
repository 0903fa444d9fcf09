"""The lin-kv workload's generator and client (docs/maelstrom.md §6.8), without nodes or the engine."""
from __future__ import annotations

import asyncio
import random
import unittest

from tests.harness.errors import RPCError, RPCTimeout
from tests.harness.options import Options
from tests.harness.workloads.lin_kv import LinKv
from tests.harness.workloads.lin_kv.generator import GeneratorAssertion, IndependentKeys
from tests.test_workload_clients import FakeClient, reply


def nodes(n: int) -> list[str]:
    return [f"n{i}" for i in range(n)]


class Generator(unittest.TestCase):
    def test_the_first_n_threads_only_read(self):
        g = IndependentKeys(3, 6, random.Random(1))
        for _ in range(20):
            self.assertEqual({g.op(t)["f"] for t in range(3)}, {"read"})
        self.assertNotIn("read", {g.op(t)["f"] for t in range(3, 6) for _ in range(20)})

    def test_writers_write_a_third_of_the_time_values_0_to_4(self):
        g = IndependentKeys(1, 2, random.Random(1))
        ops = [g.op(1) for _ in range(3000)]
        writes = [o for o in ops if o["f"] == "write"]
        self.assertAlmostEqual(len(writes) / len(ops), 1 / 3, delta=0.03)
        values = {o["value"][1] for o in writes} | {v for o in ops if o["f"] == "cas" for v in o["value"][1]}
        self.assertEqual(values, set(range(5)))

    def test_values_carry_their_key(self):
        g = IndependentKeys(1, 2, random.Random(1))
        self.assertEqual(g.op(0), {"f": "read", "value": [0, None]})
        self.assertEqual(g.op(1)["value"][0], 0)

    def test_each_group_of_2n_threads_has_its_own_key_and_only_the_first_has_readers(self):
        g = IndependentKeys(2, 8, random.Random(1))
        self.assertEqual([g.op(t)["value"][0] for t in range(8)], [0, 0, 0, 0, 1, 1, 1, 1])
        # Quirk: readers are threads 0..N-1 of the whole test, so group 1 never reads.
        self.assertNotIn("read", {g.op(t)["f"] for t in range(4, 8) for _ in range(20)})

    def test_a_key_is_retired_when_its_group_has_held_more_than_20_processes(self):
        # 2 nodes: 4 threads start as processes 0..3; each info op gives a thread a new
        # process (+4). With 20 distinct processes the key stays; the 21st retires it.
        g = IndependentKeys(2, 4, random.Random(1))
        self.assertEqual(g.op(0)["value"][0], 0)
        process = [0, 1, 2, 3]
        for crash in range(16):
            t = crash % 4
            process[t] += 4
            g.process_changed(t, process[t])
            self.assertEqual(g.op(t)["value"][0], 0, f"after {crash + 1} crashes")
        g.process_changed(0, process[0] + 4)
        self.assertEqual(g.op(1)["value"][0], 1)

    def test_a_retired_key_goes_to_the_next_unused_one(self):
        g = IndependentKeys(1, 4, random.Random(1))    # two groups: keys 0 and 1
        keys = []
        for p in range(4, 84, 4):                      # thread 0 crashes 20 times
            g.process_changed(0, p)
            keys.append(g.op(0)["value"][0])
        # Processes 1, 4, 8, ..., 80 were seen (process 0 never got an op): the 21st retires
        # key 0, and group 0 takes key 2, the first that group 1 (on key 1) has not taken.
        self.assertEqual(keys, [0] * 19 + [2])
        self.assertEqual(g.op(2)["value"][0], 1)

    def test_concurrency_below_2n_is_refused_with_jepsens_assertion(self):
        with self.assertRaisesRegex(GeneratorAssertion, "With 4 worker threads.*at least 6"):
            IndependentKeys(3, 4, random.Random(1)).check_concurrency()

    def test_concurrency_not_a_multiple_of_2n_is_refused(self):
        with self.assertRaisesRegex(GeneratorAssertion, "has 8 threads.*only use 6.*multiple of 6"):
            IndependentKeys(3, 8, random.Random(1)).check_concurrency()

    def test_more_than_10_nodes_is_refused_where_maelstrom_would_hang(self):
        with self.assertRaisesRegex(GeneratorAssertion, "Maelstrom hangs"):
            IndependentKeys(11, 22, random.Random(1)).check_concurrency()

    def test_2n_threads_on_10_nodes_are_accepted(self):
        IndependentKeys(10, 20, random.Random(1)).check_concurrency()


def invoke(op: dict, *replies, latency: int = 0) -> tuple[dict, FakeClient]:
    workload = LinKv(Options(nodes=nodes(1), concurrency=2, latency=latency), random.Random(1))
    client = FakeClient(*replies)
    return asyncio.run(workload.invoke(client, op)), client


def error(code: int) -> RPCError:
    return RPCError({"type": "error", "code": code, "text": "no"})


class Client(unittest.TestCase):
    def test_a_read_sends_the_key_and_completes_with_key_and_value(self):
        done, client = invoke({"f": "read", "value": [3, None]}, reply("read_ok", value=4))
        self.assertEqual(client.sent[0][0], {"type": "read", "key": 3})
        self.assertEqual(done, {"type": "ok", "value": [3, 4]})

    def test_write_and_cas_requests(self):
        _, client = invoke({"f": "write", "value": [0, 2]}, reply("write_ok"))
        self.assertEqual(client.sent[0][0], {"type": "write", "key": 0, "value": 2})
        done, client = invoke({"f": "cas", "value": [0, [2, 3]]}, reply("cas_ok"))
        self.assertEqual(client.sent[0][0], {"type": "cas", "key": 0, "from": 2, "to": 3})
        self.assertEqual(done, {"type": "ok", "value": [0, [2, 3]]})

    def test_the_rpc_timeout_is_ten_latencies_but_at_least_a_second(self):
        _, client = invoke({"f": "write", "value": [0, 2]}, reply("write_ok"))
        self.assertEqual(client.sent[0][1], 1.0)
        _, client = invoke({"f": "write", "value": [0, 2]}, reply("write_ok"), latency=300)
        self.assertEqual(client.sent[0][1], 3.0)

    def test_a_read_that_times_out_fails(self):
        done, _ = invoke({"f": "read", "value": [0, None]}, RPCTimeout(1.0))
        self.assertEqual(done["type"], "fail")

    def test_a_write_or_cas_that_times_out_is_indeterminate(self):
        self.assertEqual(invoke({"f": "write", "value": [0, 1]}, RPCTimeout(1.0))[0]["type"], "info")
        self.assertEqual(invoke({"f": "cas", "value": [0, [1, 2]]}, RPCTimeout(1.0))[0]["type"], "info")

    def test_errors_20_and_22_fail_the_op(self):
        done, _ = invoke({"f": "read", "value": [0, None]}, error(20))
        self.assertEqual((done["type"], done["error"]), ("fail", ["key-does-not-exist", "no"]))
        done, _ = invoke({"f": "cas", "value": [0, [1, 2]]}, error(22))
        self.assertEqual(done["type"], "fail")

    def test_a_crash_error_leaves_a_cas_indeterminate(self):
        self.assertEqual(invoke({"f": "cas", "value": [0, [1, 2]]}, error(13))[0]["type"], "info")

    def test_a_reply_with_extra_fields_is_malformed(self):
        from tests.harness.errors import MalformedResponse
        with self.assertRaises(MalformedResponse):
            invoke({"f": "write", "value": [0, 1]}, reply("write_ok", value=1))

    def test_info_completions_move_the_thread_to_a_new_process(self):
        workload = LinKv(Options(nodes=nodes(1), concurrency=2), random.Random(1))
        workload.update({}, {"type": "info", "process": 1})
        self.assertEqual(workload.generator.process, [0, 3])


if __name__ == "__main__":
    unittest.main()

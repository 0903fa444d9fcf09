"""The simulated network: latency, delivery order, partitions decided at take time, journal."""
from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import unittest
from pathlib import Path

from tests.harness.clock import Clock
from tests.harness.network import DELIVERIES_PER_TURN, MS, Latency, Network, UnknownId, lateness_warning, whole_ms
from tests.harness.recording import Journal
from tests.harness.store import read_journal

JOURNALS = tempfile.TemporaryDirectory(prefix="glomers-network-unit-")


def make_network(latency_ms: int = 0, dist: str = "constant") -> Network:
    journal = Journal(Path(tempfile.mkdtemp(dir=JOURNALS.name)) / "net-journal.jsonl")
    return Network(Latency(latency_ms, dist, random.Random(1)), Clock(), log=lambda line: None,
                   journal=journal)


def journaled(net: Network) -> list[tuple[str, int, dict]]:
    """The events the network wrote to its journal file, read back."""
    net.journal.close()
    return list(read_journal(net.journal.lines.path.parent))


class Inbox:
    """Collects delivered messages with the loop time they arrived at."""

    def __init__(self) -> None:
        self.got: list[tuple[float, dict]] = []

    def __call__(self, msg: dict) -> None:
        self.got.append((asyncio.get_running_loop().time(), msg))

    def bodies(self) -> list:
        return [m["body"] for _, m in self.got]


def run(coro):
    return asyncio.run(coro)


class LatencyDistributions(unittest.TestCase):
    def test_constant_is_exactly_the_mean(self):
        lat = Latency(100, "constant", random.Random(1))
        self.assertEqual({lat.draw_ms() for _ in range(100)}, {100})

    def test_uniform_covers_zero_to_twice_the_mean_minus_one(self):
        lat = Latency(10, "uniform", random.Random(1))
        draws = [lat.draw_ms() for _ in range(20000)]
        self.assertEqual((min(draws), max(draws)), (0, 19))
        self.assertAlmostEqual(statistics.mean(draws), 9.5, delta=0.2)

    def test_exponential_has_the_mean_and_whole_milliseconds(self):
        lat = Latency(50, "exponential", random.Random(1))
        draws = [lat.draw_ms() for _ in range(20000)]
        self.assertTrue(all(isinstance(d, int) and d >= 0 for d in draws))
        self.assertAlmostEqual(statistics.mean(draws), 49.5, delta=2.0)

    def test_zero_mean_means_no_delay_for_every_distribution(self):
        for dist in ("constant", "uniform", "exponential"):
            self.assertEqual(Latency(0, dist, random.Random(1)).draw_ms(), 0)


class Delivery(unittest.TestCase):
    def test_inter_node_messages_wait_for_their_latency(self):
        async def scenario():
            net, inbox = make_network(30), Inbox()
            net.register("n0", lambda m: None)
            net.register("n1", inbox)
            sent = asyncio.get_running_loop().time()
            net.send({"src": "n0", "dest": "n1", "body": {"type": "x"}})
            await asyncio.sleep(0.1)
            await net.close()
            return sent, inbox
        sent, inbox = run(scenario())
        self.assertEqual(len(inbox.got), 1)
        # Maelstrom's recv! sleeps the time left truncated to whole ms: up to 1 ms early.
        self.assertGreaterEqual(inbox.got[0][0] - sent, 0.029)

    def test_client_traffic_has_no_latency(self):
        async def scenario():
            net, inbox = make_network(1000), Inbox()
            net.register("c1", lambda m: None)
            net.register("n1", inbox)
            net.send({"src": "c1", "dest": "n1", "body": {"type": "x"}})
            await asyncio.sleep(0.05)
            await net.close()
            return inbox
        self.assertEqual(len(run(scenario()).got), 1)

    def test_messages_to_one_receiver_arrive_in_send_order_with_constant_latency(self):
        async def scenario():
            net, inbox = make_network(5), Inbox()
            net.register("n0", lambda m: None)
            net.register("n1", inbox)
            for i in range(50):
                net.send({"src": "n0", "dest": "n1", "body": {"i": i}})
            await asyncio.sleep(0.1)
            await net.close()
            return inbox
        self.assertEqual([b["i"] for b in run(scenario()).bodies()], list(range(50)))

    def test_a_message_waits_behind_a_head_that_is_not_yet_due(self):
        async def scenario():
            net, inbox = make_network(50), Inbox()
            net.register("n0", lambda m: None)
            net.register("c1", lambda m: None)
            net.register("n1", inbox)
            net.send({"src": "n0", "dest": "n1", "body": {"i": "slow"}})
            await asyncio.sleep(0.005)
            net.send({"src": "c1", "dest": "n1", "body": {"i": "instant"}})
            await asyncio.sleep(0.1)
            await net.close()
            return inbox
        self.assertEqual([b["i"] for b in run(scenario()).bodies()], ["slow", "instant"])

    def test_messages_already_due_are_delivered_together_then_flushed_once(self):
        async def scenario():
            net, inbox, flushes = make_network(0), Inbox(), []
            net.register("n0", lambda m: None)
            net.register("n1", inbox, lambda: flushes.append(len(inbox.got)))
            for i in range(5):
                net.send({"src": "n0", "dest": "n1", "body": {"i": i}})
            await asyncio.sleep(0.02)
            await net.close()
            return inbox, flushes
        inbox, flushes = run(scenario())
        self.assertEqual([b["i"] for b in inbox.bodies()], [0, 1, 2, 3, 4])
        self.assertEqual(flushes, [5])

    def test_a_turn_delivers_at_most_its_limit_and_the_rest_follow_in_order_at_once(self):
        # The bound that keeps a simulated zero-latency storm from living in one callback.
        count = DELIVERIES_PER_TURN + 5

        async def scenario():
            net, inbox, flushes = make_network(0), Inbox(), []
            net.register("n0", lambda m: None)
            net.register("n1", inbox, lambda: flushes.append(len(inbox.got)))
            for i in range(count):
                net.send({"src": "n0", "dest": "n1", "body": {"i": i}})
            await asyncio.sleep(0.02)
            await net.close()
            return inbox, flushes
        inbox, flushes = run(scenario())
        self.assertEqual([b["i"] for b in inbox.bodies()], list(range(count)))
        self.assertEqual(flushes, [DELIVERIES_PER_TURN, count])

    def test_unknown_source_or_destination_is_rejected_and_not_journaled(self):
        async def scenario():
            net = make_network()
            net.register("n0", lambda m: None)
            with self.assertRaises(UnknownId):
                net.send({"src": "n0", "dest": "n9", "body": {}})
            with self.assertRaises(UnknownId):
                net.send({"src": "n9", "dest": "n0", "body": {}})
            await net.close()
            return journaled(net)
        self.assertEqual(run(scenario()), [])

    def test_message_ids_are_global_and_start_at_zero(self):
        async def scenario():
            net = make_network()
            net.register("n0", lambda m: None)
            net.register("n1", lambda m: None)
            for _ in range(3):
                net.send({"src": "n0", "dest": "n1", "body": {}})
            await asyncio.sleep(0.01)
            await net.close()
            return journaled(net)
        sends = [m["id"] for kind, _, m in run(scenario()) if kind == "send"]
        self.assertEqual(sends, [0, 1, 2])


class DeliveryTime(unittest.TestCase):
    """Maelstrom 0.2.4 net.clj recv!: dt = (deadline - now) / 1e6 ms, then (Thread/sleep (long dt))."""

    def test_the_sleep_is_the_time_left_truncated_to_whole_milliseconds(self):
        self.assertEqual(whole_ms(30 * MS + MS // 2), 30)
        self.assertEqual(whole_ms(30 * MS - 1), 29)

    def test_less_than_a_millisecond_left_means_no_sleep(self):
        self.assertEqual(whole_ms(MS - 1), 0)

    def test_an_overdue_message_is_delivered_at_once(self):
        self.assertEqual(whole_ms(-5 * MS), 0)
        self.assertEqual(whole_ms(0), 0)


class LatenessWarning(unittest.TestCase):
    def test_a_p99_above_10_ms_says_the_latency_figures_are_not_trustworthy(self):
        warning = lateness_warning({"count": 100, "p50": 0.1, "p99": 14.5, "max": 25.0})
        self.assertIn("14.5 ms", warning)
        self.assertIn("not trustworthy", warning)

    def test_a_p99_of_10_ms_or_less_gives_no_warning(self):
        self.assertIsNone(lateness_warning({"count": 100, "p50": 0.1, "p99": 10.0, "max": 40.0}))

    def test_a_run_without_deliveries_gives_no_warning(self):
        self.assertIsNone(lateness_warning({"count": 0}))


class Partitions(unittest.TestCase):
    def test_a_message_sent_during_a_partition_is_dropped_and_never_redelivered(self):
        async def scenario():
            net, inbox = make_network(0), Inbox()
            net.register("n0", lambda m: None)
            net.register("n1", inbox)
            net.partition({"n1": {"n0"}})
            net.send({"src": "n0", "dest": "n1", "body": {"i": 1}})
            await asyncio.sleep(0.02)
            net.heal()
            await asyncio.sleep(0.02)
            await net.close()
            return net, inbox
        net, inbox = run(scenario())
        self.assertEqual(inbox.got, [])
        self.assertEqual([k for k, _, _ in journaled(net)], ["send", "drop"])

    def test_a_dropped_message_is_journalled_with_its_id_ends_and_reason(self):
        async def scenario():
            net = make_network(0)
            net.register("n0", lambda m: None)
            net.register("n1", lambda m: None)
            net.partition({"n1": {"n0"}})
            net.send({"src": "n0", "dest": "n1", "body": {"i": 1}})
            await asyncio.sleep(0.02)
            await net.close()
            return net
        drop = journaled(run(scenario()))[-1]
        self.assertEqual((drop[0], drop[2]),
                         ("drop", {"id": 0, "src": "n0", "dest": "n1", "reason": "partition"}))

    def test_a_message_already_taken_before_the_partition_is_still_delivered(self):
        async def scenario():
            net, inbox = make_network(40), Inbox()
            net.register("n0", lambda m: None)
            net.register("n1", inbox)
            net.send({"src": "n0", "dest": "n1", "body": {"i": 1}})
            await asyncio.sleep(0.01)          # taken, now sleeping until its deadline
            net.partition({"n1": {"n0"}})
            await asyncio.sleep(0.08)
            await net.close()
            return inbox
        self.assertEqual(run(scenario()).bodies(), [{"i": 1}])

    def test_a_message_queued_behind_the_head_is_judged_when_it_is_taken(self):
        async def scenario():
            net, inbox = make_network(40), Inbox()
            net.register("n0", lambda m: None)
            net.register("n1", inbox)
            net.send({"src": "n0", "dest": "n1", "body": {"i": 1}})
            await asyncio.sleep(0.01)
            net.send({"src": "n0", "dest": "n1", "body": {"i": 2}})   # queued behind i=1
            net.partition({"n1": {"n0"}})
            await asyncio.sleep(0.12)
            await net.close()
            return inbox
        self.assertEqual(run(scenario()).bodies(), [{"i": 1}])

    def test_discarding_a_queue_journals_each_queued_message_as_dropped_with_the_reason(self):
        async def scenario():
            net, inbox = make_network(40), Inbox()
            net.register("n0", lambda m: None)
            net.register("n1", inbox)
            for i in range(3):
                net.send({"src": "n0", "dest": "n1", "body": {"i": i}})
            await asyncio.sleep(0.01)          # the first is taken and held until it is due
            net.discard("n1", "receiver-down")
            await asyncio.sleep(0.06)
            await net.close()
            return net, inbox
        net, inbox = run(scenario())
        self.assertEqual(inbox.got, [])
        self.assertEqual([(k, m["id"], m.get("reason")) for k, _, m in journaled(net) if k == "drop"],
                         [("drop", 0, "receiver-down"), ("drop", 1, "receiver-down"), ("drop", 2, "receiver-down")])

    def test_a_grudge_is_one_way(self):
        async def scenario():
            net, to_n0, to_n1 = make_network(0), Inbox(), Inbox()
            net.register("n0", to_n0)
            net.register("n1", to_n1)
            net.partition({"n1": {"n0"}})
            net.send({"src": "n0", "dest": "n1", "body": {}})
            net.send({"src": "n1", "dest": "n0", "body": {}})
            await asyncio.sleep(0.02)
            await net.close()
            return to_n0, to_n1
        to_n0, to_n1 = run(scenario())
        self.assertEqual((len(to_n0.got), len(to_n1.got)), (1, 0))


class DownNodes(unittest.TestCase):
    """A killed node's queue (docs/maelstrom.md §4.5): still registered, never taken."""

    def test_a_halted_queue_takes_nothing_until_a_fresh_one_replaces_it_and_drops_what_waited(self):
        async def scenario():
            net, old, new = make_network(0), Inbox(), Inbox()
            net.register("c0", lambda m: None)
            net.register("n1", old)
            net.halt("n1")
            for i in range(3):
                net.send({"src": "c0", "dest": "n1", "body": {"i": i}})   # accepted, not delivered
            await asyncio.sleep(0.02)
            lost = net.register("n1", new)
            net.send({"src": "c0", "dest": "n1", "body": {"i": 3}})
            await asyncio.sleep(0.02)
            await net.close()
            return net, old, new, lost
        net, old, new, lost = run(scenario())
        self.assertEqual((old.bodies(), new.bodies(), lost), ([], [{"i": 3}], 3))
        self.assertEqual([(m["id"], m["reason"]) for k, _, m in journaled(net) if k == "drop"],
                         [(0, "receiver-down"), (1, "receiver-down"), (2, "receiver-down")])

    def test_a_message_to_a_closed_client_is_rejected_saying_the_client_was_closed(self):
        net = make_network(0)
        net.register("n0", lambda m: None)
        net.register("c4", lambda m: None)
        net.unregister("c4")
        with self.assertRaisesRegex(UnknownId, "c4 is a client that has already been closed"):
            net.send({"src": "n0", "dest": "c4", "body": {"type": "echo_ok"}})
        with self.assertRaises(UnknownId) as never:
            net.send({"src": "n0", "dest": "c9", "body": {}})
        self.assertNotIn("closed", str(never.exception))


if __name__ == "__main__":
    unittest.main()

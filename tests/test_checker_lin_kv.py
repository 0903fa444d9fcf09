"""The lin-kv checker (docs/maelstrom.md §6.8) on hand-made histories of compare-and-set registers.

Each history is a sequence of events ``(type, process, f, value)`` in real-time order; a
read's invoke carries nil and its ok the value read. Each test says what Knossos'
cas-register analysis (``knossos.model/cas-register`` from nil, as Maelstrom runs it)
returns for the same history, and why.
"""
from __future__ import annotations

import unittest

from tests.harness.workloads.lin_kv.checker import check_independent, check_register
from tests.lin_kv_bursts import burst_history


def events(*evs: tuple) -> list[dict]:
    return [{"index": i, "time": i * 1_000_000, "type": t, "process": p, "f": f, "value": v}
            for i, (t, p, f, v) in enumerate(evs)]


def op(p, f, v, kind="ok") -> list[tuple]:
    """An op with nothing concurrent to it: its invoke directly followed by its completion."""
    return [("invoke", p, f, None if f == "read" else v), (kind, p, f, v)]


def seq(*ops: list[tuple]) -> list[dict]:
    return events(*(e for o in ops for e in o))


class Linearizable(unittest.TestCase):
    def test_an_empty_history_is_linearizable(self):
        # Knossos: nothing to linearize, {:valid? true}.
        self.assertIs(check_register([])["valid?"], True)

    def test_concurrent_reads_may_see_either_side_of_an_overlapping_write(self):
        # w1 ok, then w2 overlaps two reads: one sees 1 (before w2 takes effect), one sees 2.
        # Knossos finds the order w1, r1, w2, r2: valid.
        h = events(("invoke", 0, "write", 1), ("ok", 0, "write", 1),
                   ("invoke", 0, "write", 2), ("invoke", 1, "read", None),
                   ("invoke", 2, "read", None), ("ok", 2, "read", 2),
                   ("ok", 1, "read", 1), ("ok", 0, "write", 2))
        self.assertIs(check_register(h)["valid?"], True)

    def test_a_successful_cas_from_the_current_value_is_linearizable(self):
        # w1; cas 1->3; read 3: the sequential specification itself. Knossos: valid.
        h = seq(op(0, "write", 1), op(1, "cas", [1, 3]), op(2, "read", 3))
        result = check_register(h)
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["model"], {"value": 3})

    def test_a_read_of_nil_constrains_nothing(self):
        # cas-register's read step accepts a nil value in any state, so a nil read after a
        # write is valid in Knossos (a node answering null for a key it has is not caught).
        h = seq(op(0, "write", 1), op(1, "read", None))
        self.assertIs(check_register(h)["valid?"], True)


class NotLinearizable(unittest.TestCase):
    def test_a_stale_read_is_not_linearizable(self):
        # w1; then w2 overlaps a read that sees 2; a later read sees 1 again. After seeing 2,
        # 1 can only come back through a new write; there is none. Knossos: invalid, the
        # :op it cannot linearize is that last read, and the :previous-ok the read of 2.
        h = events(("invoke", 0, "write", 1), ("ok", 0, "write", 1),
                   ("invoke", 0, "write", 2), ("invoke", 1, "read", None),
                   ("ok", 1, "read", 2), ("ok", 0, "write", 2),
                   ("invoke", 2, "read", None), ("ok", 2, "read", 1))
        result = check_register(h)
        self.assertIs(result["valid?"], False)
        self.assertEqual((result["op"]["index"], result["op"]["value"]), (7, 1))
        self.assertEqual(result["previous-ok"]["index"], 5)

    def test_a_lost_write_is_not_linearizable(self):
        # w1 and w2 both acknowledged, in that order; a read after both sees 1, as if w2 had
        # been lost. Knossos: invalid at the read, "can't read 1 from register 2".
        h = seq(op(0, "write", 1), op(1, "write", 2), op(2, "read", 1))
        result = check_register(h)
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["op"]["index"], 5)
        self.assertEqual(result["final-paths"][0][-1]["model"],
                         {"inconsistent": "can't read 1 from register 2"})

    def test_a_cas_from_a_value_nobody_wrote_is_not_linearizable(self):
        # The register holds 1 and nobody ever wrote 3, yet cas 3->4 succeeded.
        # Knossos: invalid at that cas, "can't CAS 1 from 3 to 4".
        h = seq(op(0, "write", 1), op(1, "cas", [3, 4]))
        result = check_register(h)
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["op"]["f"], "cas")
        self.assertEqual(result["final-paths"][0][-1]["model"],
                         {"inconsistent": "can't CAS 1 from 3 to 4"})

    def test_reading_a_value_before_any_write_is_not_linearizable(self):
        # The register starts at nil; reading 2 with no write of 2 anywhere is impossible.
        h = seq(op(0, "read", 2))
        self.assertIs(check_register(h)["valid?"], False)

    def test_values_compare_as_in_clojure(self):
        # JSON 1.0 decodes to a double and 1 to a long; Clojure's = (and so Knossos)
        # tells them apart, where Python's == would not.
        h = seq(op(0, "write", 1), op(1, "read", 1.0))
        self.assertIs(check_register(h)["valid?"], False)


class IndeterminateOps(unittest.TestCase):
    def test_an_info_write_that_was_read_must_have_happened(self):
        # w2 timed out (info) but a later read sees 2: Knossos linearizes the info write
        # before the read. Valid.
        h = seq(op(0, "write", 1), op(1, "write", 2, "info"), op(2, "read", 2))
        self.assertIs(check_register(h)["valid?"], True)

    def test_an_info_write_may_take_effect_long_after_it_was_invoked(self):
        # An info op never returns, so it stays concurrent with everything after it: the
        # reads see 1, then 2, so w2 took effect between them. Knossos: valid.
        h = seq(op(0, "write", 1), op(1, "write", 2, "info"), op(2, "read", 1),
                op(3, "read", 1), op(2, "read", 2))
        self.assertIs(check_register(h)["valid?"], True)

    def test_an_info_write_that_nobody_saw_may_never_have_happened(self):
        # The reads after w2's timeout all see 1: Knossos leaves w2 unlinearized. Valid.
        h = seq(op(0, "write", 1), op(1, "write", 2, "info"), op(2, "read", 1), op(3, "read", 1))
        self.assertIs(check_register(h)["valid?"], True)

    def test_an_info_op_cannot_take_effect_before_it_was_invoked(self):
        # The read of 2 completed before w2 was even invoked. Knossos: invalid.
        h = seq(op(0, "write", 1), op(2, "read", 2), op(1, "write", 2, "info"))
        self.assertIs(check_register(h)["valid?"], False)

    def test_an_info_cas_takes_effect_only_from_its_from_value(self):
        # cas 3->2 timed out while the register held 1, and nobody wrote 3: it cannot have
        # happened, so the read of 2 is impossible. Knossos: invalid.
        h = seq(op(0, "write", 1), op(1, "cas", [3, 2], "info"), op(2, "read", 2))
        self.assertIs(check_register(h)["valid?"], False)

    def test_failed_ops_did_not_happen(self):
        # A :fail write is removed before the search, so a read of its value is impossible.
        # Knossos: invalid (history/without-failures).
        h = seq(op(0, "write", 1), op(1, "write", 2, "fail"), op(2, "read", 2))
        self.assertIs(check_register(h)["valid?"], False)

    def test_failed_cas_and_failed_reads_are_ignored(self):
        # A cas refused with error 22 and a read that failed leave the register alone.
        h = seq(op(0, "write", 1), op(1, "cas", [4, 2], "fail"), op(2, "read", None, "fail"),
                op(2, "read", 1))
        self.assertIs(check_register(h)["valid?"], True)


    def test_the_same_info_write_may_be_needed_twice(self):
        # Two timed-out writes of 2: the register goes 1, 2, 1, 2, which takes both of
        # them (only one ok write of 1 lies between). Knossos: valid.
        h = seq(op(0, "write", 1), op(1, "write", 2, "info"), op(2, "write", 2, "info"),
                op(3, "read", 2), op(4, "write", 1), op(3, "read", 1), op(3, "read", 2))
        self.assertIs(check_register(h)["valid?"], True)

    def test_info_ops_may_chain(self):
        # A timed-out write of 3 and a timed-out cas 3->4 explain a read of 4. Valid.
        h = seq(op(0, "write", 3, "info"), op(1, "cas", [3, 4], "info"), op(2, "read", 4))
        self.assertIs(check_register(h)["valid?"], True)


def brute_force(history: list[dict]) -> bool:
    """Linearizability by trying every order of every subset of info ops: the definition."""
    from itertools import permutations
    ops, open_ops = [], {}
    for o in history:
        if o["type"] == "invoke":
            open_ops[o["process"]] = o
            continue
        inv = open_ops.pop(o["process"])
        if o["type"] == "fail" or (o["f"] == "read" and (o["type"] == "info" or o["value"] is None)):
            continue
        end = o["index"] if o["type"] == "ok" else float("inf")
        ops.append((inv["index"], end, o["f"], o["value"], o["type"] == "info"))
    infos = [i for i, o in enumerate(ops) if o[4]]
    for mask in range(1 << len(infos)):
        chosen = [o for i, o in enumerate(ops) if not o[4] or mask >> infos.index(i) & 1]
        for order in permutations(chosen):
            if any(a[1] < b[0] for i, b in enumerate(order) for a in order[i + 1:]):
                continue   # a later op in the order completed before an earlier one began
            state, ok = None, True
            for _, _, f, v, _ in order:
                if f == "write":
                    state = v
                elif f == "read":
                    ok = v == state and type(v) is type(state)
                else:
                    ok = state == v[0]
                    state = v[1]
                if not ok:
                    break
            if ok:
                return True
    return False


class AgreesWithTheDefinition(unittest.TestCase):
    def test_small_random_histories_get_the_brute_force_verdict(self):
        import random
        rng = random.Random(7)
        verdicts = set()
        for trial in range(400):
            evs, busy, process = [], {}, [0, 1, 2]
            for _ in range(12):
                t = rng.randrange(3)
                if t in busy:
                    f, v = busy.pop(t)
                    kind = rng.choice(["ok", "ok", "ok", "info", "fail"])
                    if f == "read":
                        v = rng.choice([None, 0, 1, 2])
                    evs.append((kind, process[t], f, v))
                    if kind == "info":
                        process[t] += 3
                elif len(evs) < 10:
                    f = rng.choice(["read", "write", "cas"])
                    v = None if f == "read" else rng.randrange(3) if f == "write" else [rng.randrange(3), rng.randrange(3)]
                    busy[t] = (f, v)
                    evs.append(("invoke", process[t], f, v))
            for t, (f, v) in busy.items():   # close what is still open, as an ok
                evs.append(("ok", process[t], f, rng.choice([0, 1]) if f == "read" else v))
            h = events(*evs)
            expected = brute_force(h)
            verdicts.add(expected)
            self.assertIs(check_register(h)["valid?"], expected, f"trial {trial}: {evs}")
        self.assertEqual(verdicts, {True, False})


    def test_histories_full_of_identical_concurrent_ops_get_the_brute_force_verdict(self):
        # The search tries only one order of identical ops whose places can be swapped;
        # five clients and two values make such ops common, nested and overlapping.
        import random
        rng = random.Random(11)
        verdicts = set()
        for trial in range(300):
            evs, busy, process = [], {}, [0, 1, 2, 3, 4]
            while len(evs) < 12 or busy:
                t = rng.randrange(5)
                if t in busy:
                    f, v = busy.pop(t)
                    kind = rng.choice(["ok", "ok", "ok", "ok", "info"])
                    if f == "read":
                        v = rng.choice([0, 1])
                    evs.append((kind, process[t], f, v))
                    if kind == "info":
                        process[t] += 5
                elif len(evs) < 12:
                    f = rng.choice(["read", "write", "write", "cas"])
                    v = None if f == "read" else rng.randrange(2) if f == "write" else [rng.randrange(2), rng.randrange(2)]
                    busy[t] = (f, v)
                    evs.append(("invoke", process[t], f, v))
            h = events(*evs)
            expected = brute_force(h)
            verdicts.add(expected)
            self.assertIs(check_register(h)["valid?"], expected, f"trial {trial}: {evs}")
        self.assertEqual(verdicts, {True, False})


class ConcurrentBursts(unittest.TestCase):
    """k acknowledged ops in flight at once, then a read no order of them explains
    (tests/lin_kv_bursts.py). Knossos and Porcupine say not linearizable; Porcupine's
    search, which tries every subset of the burst, takes 14 to 22 s at k = 20 here."""

    def test_bursts_of_18_and_20_ops_and_an_impossible_read_are_refuted(self):
        for k in (18, 20):
            for mix in ("writes", "mixed"):
                for ending in ("unwritten", "overwritten"):
                    with self.subTest(k=k, mix=mix, ending=ending):
                        result = check_independent(burst_history(k, 1, mix, ending))
                        self.assertIs(result["valid?"], False)
                        self.assertEqual(result["failures"], [0])

    def test_concurrent_identical_writes_are_tried_in_one_order(self):
        # 20 concurrent writes of 5 values: 2^20 subsets for a plain search, at most
        # 5 * 5^5 configurations when identical writes are interchangeable.
        h = burst_history(20, 1, "writes", "overwritten")
        self.assertIs(check_register(_unkeyed(h), max_configs=20_000)["valid?"], False)

    def test_a_burst_that_some_order_explains_is_linearizable(self):
        h = burst_history(20, 2, "mixed")[:-2]     # without the impossible read
        self.assertIs(check_register(_unkeyed(h))["valid?"], True)


def _unkeyed(history: list[dict]) -> list[dict]:
    return [{**op, "value": op["value"][1]} for op in history]


class SearchBudget(unittest.TestCase):
    def test_running_out_of_budget_answers_unknown_not_a_guess(self):
        # Knossos answers {:valid? :unknown, :cause ...} when its search is cut short; here
        # the budget is one configuration, and this history needs three.
        h = seq(op(0, "write", 1), op(1, "write", 2), op(2, "read", 2))
        result = check_register(h, max_configs=1)
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("budget", result["cause"])


class IndependentKeys(unittest.TestCase):
    def test_keys_are_checked_apart_and_merged(self):
        # Key 0 alone is linearizable; key 1 reads a value nobody wrote to key 1 (it was
        # written to key 0). jepsen.independent: {:valid? false, :failures [1]}.
        h = seq(op(0, "write", [0, 3]), op(1, "read", [0, 3]), op(2, "write", [1, 1]),
                op(3, "read", [1, 3]))
        h[2]["value"] = [0, None]   # a read's invoke carries [k nil]
        h[6]["value"] = [1, None]
        result = check_independent(h)
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["failures"], [1])
        self.assertIs(result["results"][0]["valid?"], True)
        self.assertIs(result["results"][1]["linearizable"]["valid?"], False)

    def test_an_unknown_key_makes_the_whole_result_unknown_but_not_a_failure(self):
        # jepsen.independent merges with merge-valid (false > unknown > true) and lists
        # under :failures only the keys whose :valid? is falsey.
        h = seq(op(0, "write", [0, 1]), op(1, "write", [0, 2]), op(2, "write", [5, 1]))
        result = check_independent(h, max_configs=1)
        self.assertEqual(result["valid?"], "unknown")
        self.assertEqual(result["failures"], [])

    def test_nemesis_ops_are_not_client_ops(self):
        h = events(("info", "nemesis", "start-partition", "majority"),
                   ("invoke", 0, "write", [0, 1]), ("ok", 0, "write", [0, 1]))
        result = check_independent(h)
        self.assertEqual(list(result["results"]), [0])
        self.assertIs(result["valid?"], True)

    def test_a_history_without_client_ops_is_valid(self):
        self.assertEqual(check_independent([]), {"valid?": True, "results": {}, "failures": []})


if __name__ == "__main__":
    unittest.main()

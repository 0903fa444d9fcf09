"""Maelstrom's built-in services (docs/maelstrom.md §7)."""
from __future__ import annotations

import random
import unittest

from tests.harness.services import LinKV, LinTSO, LwwKV, SeqKV, clj_str, make_services, pr_str


class ScriptedRandom:
    """Stands in for random.Random: returns queued choices, else the newest/first option,
    and records the bounds it was asked about."""

    def __init__(self) -> None:
        self.choices: list[int] = []
        self.asked: list[tuple[int, int]] = []

    def randint(self, low: int, high: int) -> int:
        self.asked.append((low, high))
        return self.choices.pop(0) if self.choices else high

    def randrange(self, stop: int) -> int:
        return self.choices.pop(0) if self.choices else 0


def read(key, msg_id=1):
    return {"type": "read", "key": key, "msg_id": msg_id}


def write(key, value, msg_id=1):
    return {"type": "write", "key": key, "value": value, "msg_id": msg_id}


def cas(key, old, new, msg_id=1, **extra):
    return {"type": "cas", "key": key, "from": old, "to": new, "msg_id": msg_id, **extra}


def missing(msg_id=1):
    return {"type": "error", "code": 20, "text": "key does not exist", "in_reply_to": msg_id}


def mismatch(text, msg_id=1):
    return {"type": "error", "code": 22, "text": text, "in_reply_to": msg_id}


def value_of(reply):
    """The value a read returned, or None when the key did not exist."""
    return reply["value"] if reply["type"] == "read_ok" else None


class KeyValueRulesTest(unittest.TestCase):
    """§7.1, on lin-kv (seq-kv shares these rules; see SeqKVTest for where it differs)."""

    def setUp(self):
        self.kv = LinKV()

    def test_read_of_missing_key_is_error_20(self):
        self.assertEqual(self.kv.handle("n1", read("k", 3)), missing(3))

    def test_write_replies_write_ok_and_read_returns_the_value(self):
        self.assertEqual(self.kv.handle("n1", write("k", [1, "x"], 4)),
                         {"type": "write_ok", "in_reply_to": 4})
        self.assertEqual(self.kv.handle("n1", read("k", 5)),
                         {"type": "read_ok", "value": [1, "x"], "in_reply_to": 5})

    def test_null_is_a_value_that_can_be_stored(self):
        self.kv.handle("n1", write("k", None))
        self.assertEqual(self.kv.handle("n1", read("k")), {"type": "read_ok", "value": None,
                                                           "in_reply_to": 1})

    def test_cas_with_matching_from_replies_cas_ok_and_sets_to(self):
        self.kv.handle("n1", write("k", 1))
        self.assertEqual(self.kv.handle("n1", cas("k", 1, 2, 6)), {"type": "cas_ok", "in_reply_to": 6})
        self.assertEqual(value_of(self.kv.handle("n1", read("k"))), 2)

    def test_cas_with_other_from_is_error_22_and_changes_nothing(self):
        self.kv.handle("n1", write("k", 1))
        self.assertEqual(self.kv.handle("n1", cas("k", 3, 4)), mismatch("current value 1 is not 3"))
        self.assertEqual(value_of(self.kv.handle("n1", read("k"))), 1)

    def test_cas_error_prints_values_as_clojure_does(self):
        self.kv.handle("n1", write("k", {"a": [1, "b\n"], "c": None}))
        self.assertEqual(self.kv.handle("n1", cas("k", "x", 0))["text"],
                         'current value {"a" [1 "b\\n"], "c" nil} is not "x"')

    def test_cas_on_missing_key_is_error_20(self):
        self.assertEqual(self.kv.handle("n1", cas("k", 1, 2)), missing())

    def test_cas_create_if_not_exists_false_or_null_is_error_20(self):
        for flag in (False, None):
            self.assertEqual(self.kv.handle("n1", cas("k", 1, 2, create_if_not_exists=flag)),
                             missing(), flag)

    def test_cas_create_if_not_exists_creates_with_clojure_truthiness_ignoring_from(self):
        for flag in (True, 0, "", [], {}):
            kv = LinKV()
            self.assertEqual(kv.handle("n1", cas("k", "ignored", 9, create_if_not_exists=flag)),
                             {"type": "cas_ok", "in_reply_to": 1}, flag)
            self.assertEqual(value_of(kv.handle("n1", read("k"))), 9, flag)

    def test_reply_to_request_without_msg_id_has_null_in_reply_to_and_no_msg_id(self):
        reply = self.kv.handle("n1", {"type": "write", "key": "k", "value": 1})
        self.assertEqual(reply, {"type": "write_ok", "in_reply_to": None})

    def test_unknown_type_gets_no_reply_and_changes_nothing(self):
        self.assertIsNone(self.kv.handle("n1", {"type": "delete", "key": "k", "msg_id": 1}))
        self.assertIsNone(self.kv.handle("n1", {"key": "k", "value": 1, "msg_id": 2}))
        self.assertEqual(self.kv.handle("n1", read("k")), missing())

    def test_string_int_float_boolean_and_null_keys_are_distinct(self):
        keys = ["1", 1, 1.0, True, None]
        for i, key in enumerate(keys):
            self.kv.handle("n1", write(key, i))
        self.assertEqual([value_of(self.kv.handle("n1", read(key))) for key in keys],
                         [0, 1, 2, 3, 4])

    def test_false_zero_and_empty_string_keys_are_distinct(self):
        for i, key in enumerate([False, 0, 0.0, ""]):
            self.kv.handle("n1", write(key, i))
        self.assertEqual(value_of(self.kv.handle("n1", read(0.0))), 2)

    def test_structured_keys_are_equal_by_content(self):
        self.kv.handle("n1", write({"a": 1, "b": [2]}, "v"))
        self.assertEqual(value_of(self.kv.handle("n1", read({"b": [2], "a": 1}))), "v")
        self.assertEqual(self.kv.handle("n1", read({"b": [2.0], "a": 1})), missing())

    def test_cas_from_compares_ints_floats_and_booleans_as_distinct(self):
        self.kv.handle("n1", write("k", 1))
        self.assertEqual(self.kv.handle("n1", cas("k", 1.0, 2)), mismatch("current value 1 is not 1.0"))
        self.assertEqual(self.kv.handle("n1", cas("k", True, 2)), mismatch("current value 1 is not true"))
        self.kv.handle("n1", write("k", [0]))
        self.assertEqual(self.kv.handle("n1", cas("k", [False], 2)),
                         mismatch("current value [0] is not [false]"))


class ClojurePrintingTest(unittest.TestCase):
    def test_scalars(self):
        self.assertEqual([pr_str(v) for v in (None, True, False, -7, "a\"b\\c\t")],
                         ["nil", "true", "false", "-7", '"a\\"b\\\\c\\t"'])

    def test_doubles_follow_java(self):
        cases = {1.0: "1.0", -0.0: "-0.0", 0.001: "0.001", 1234567.5: "1234567.5",
                 1e7: "1.0E7", 12345678.0: "1.2345678E7", 1.5e-5: "1.5E-5", -2.5e300: "-2.5E300"}
        self.assertEqual({x: pr_str(x) for x in cases}, cases)

    def test_collections(self):
        self.assertEqual(pr_str([1, [2.5, "x"], {}]), '[1 [2.5 "x"] {}]')
        self.assertEqual(pr_str({"a": 1, "b": None}), '{"a" 1, "b" nil}')

    def test_str_leaves_strings_bare_and_nil_empty(self):
        self.assertEqual([clj_str("x"), clj_str(None), clj_str(["x"])], ["x", "", '["x"]'])


class LinTSOTest(unittest.TestCase):
    def test_timestamps_count_up_from_zero(self):
        tso = LinTSO()
        replies = [tso.handle(f"n{i % 2}", {"type": "ts", "msg_id": i}) for i in range(4)]
        self.assertEqual(replies, [{"type": "ts_ok", "ts": i, "in_reply_to": i} for i in range(4)])

    def test_other_types_get_no_reply_and_use_no_timestamp(self):
        tso = LinTSO()
        self.assertIsNone(tso.handle("n1", {"type": "read", "msg_id": 1}))
        self.assertEqual(tso.handle("n1", {"type": "ts", "msg_id": 2})["ts"], 0)


class SeqKVTest(unittest.TestCase):
    def writes(self, kv, src, values, key="k"):
        for value in values:
            self.assertEqual(kv.handle(src, write(key, value))["type"], "write_ok")

    def test_shares_the_key_value_rules(self):
        kv = SeqKV(random.Random(1))
        self.assertEqual(kv.handle("n1", read("k")), missing())
        self.assertEqual(kv.handle("n1", cas("k", 0, 5, create_if_not_exists=True))["type"], "cas_ok")
        self.assertEqual(kv.handle("n1", cas("k", 4, 6)), mismatch("current value 5 is not 4"))
        self.assertIsNone(kv.handle("n1", {"type": "nope", "msg_id": 1}))

    def test_other_nodes_can_read_stale_values(self):
        kv = SeqKV(random.Random(1))
        stale = 0
        for value in range(1, 30):
            self.writes(kv, "n1", [value])
            stale += value_of(kv.handle("n2", read("k"))) != value
        self.assertGreater(stale, 0)

    def test_each_node_sees_values_in_order_within_the_window(self):
        kv = SeqKV(random.Random(2))
        seen = []
        for value in range(1, 31):            # 31 states: all still buffered
            self.writes(kv, "n1", [value])
            for _ in range(3):
                seen.append(value_of(kv.handle("n2", read("k"))) or 0)
        self.assertEqual(seen, sorted(seen))
        self.assertLess(len(set(seen)), 30)   # stale reads did happen

    def test_a_write_moves_the_writer_to_the_newest_state(self):
        kv = SeqKV(random.Random(3))
        self.writes(kv, "n1", range(1, 11))
        self.writes(kv, "n2", ["x"], key="other")
        self.assertEqual({value_of(kv.handle("n2", read("k"))) for _ in range(20)}, {10})

    def test_reads_choose_between_callers_index_and_the_newest_state(self):
        rng = ScriptedRandom()
        kv = SeqKV(rng)
        self.writes(kv, "n1", [1, 2, 3])
        rng.choices = [1]
        self.assertEqual(value_of(kv.handle("n2", read("k"))), 1)
        kv.handle("n2", read("k"))
        self.assertEqual(rng.asked[-2:], [(0, 3), (1, 3)])

    def test_write_of_the_value_an_old_state_holds_is_absorbed(self):
        rng = ScriptedRandom()
        kv = SeqKV(rng)
        self.writes(kv, "n1", [1, 2])
        rng.choices = [1]                     # n2 lands on state 1, where k is already 1
        self.assertEqual(kv.handle("n2", write("k", 1))["type"], "write_ok")
        self.assertEqual(value_of(kv.handle("n3", read("k"))), 2)
        self.assertEqual(rng.asked[-1], (0, 2))   # no state was added

    def test_cas_that_keeps_an_old_states_value_succeeds_there(self):
        rng = ScriptedRandom()
        kv = SeqKV(rng)
        self.writes(kv, "n1", [1, 2])
        rng.choices = [1]                     # on state 1, from 1 to 1 changes nothing
        self.assertEqual(kv.handle("n2", cas("k", 1, 1)), {"type": "cas_ok", "in_reply_to": 1})
        kv.handle("n3", read("k"))
        self.assertEqual(rng.asked[-1], (0, 2))   # no state was added

    def test_cas_can_fail_against_a_stale_state(self):
        rng = ScriptedRandom()
        kv = SeqKV(rng)
        self.writes(kv, "n1", [1, 2])
        rng.choices = [1]
        self.assertEqual(kv.handle("n2", cas("k", 2, 3)), mismatch("current value 1 is not 2"))

    def test_change_to_an_old_state_is_redone_on_the_newest_and_appended(self):
        rng = ScriptedRandom()
        kv = SeqKV(rng)
        self.writes(kv, "n1", [1, 2])
        rng.choices = [1]
        # From 1 to 5 would succeed on state 1, so it runs on state 2 instead, and fails there.
        self.assertEqual(kv.handle("n2", cas("k", 1, 5)), mismatch("current value 2 is not 1"))
        kv.handle("n2", read("k"))
        self.assertEqual(rng.asked[-1], (3, 3))   # a third state was appended, and n2 is on it

    def test_index_older_than_the_window_wraps_around_modulo_the_buffer(self):
        rng = ScriptedRandom()
        kv = SeqKV(rng)
        self.writes(kv, "n1", range(1, 41))       # states 0..40; 9..40 remain buffered
        rng.choices = [3]                         # (3 - 40 - 1) mod 32 = 26 -> state 35
        self.assertEqual(value_of(kv.handle("n2", read("k"))), 35)

    def test_callers_far_behind_can_see_time_go_backwards(self):
        kv = SeqKV(random.Random(4))
        readers = [f"r{i}" for i in range(20)]
        for reader in readers:                # each reader observes state 0 ...
            kv.handle(reader, read("k"))
        self.writes(kv, "n1", range(1, 101))  # ... which then falls out of the window
        backwards = 0
        for reader in readers:
            first, second = (value_of(kv.handle(reader, read("k"))) for _ in range(2))
            backwards += second < first
        self.assertGreater(backwards, 0)


class LwwKVTest(unittest.TestCase):
    def test_replicas_never_converge(self):
        kv = LwwKV(random.Random(5))
        kv.handle("n1", write("k", 1))
        for _ in range(3):
            outcomes = {value_of(kv.handle("n1", read("k"))) for _ in range(40)}
            self.assertEqual(outcomes, {None, 1})

    def test_each_replica_follows_the_key_value_rules(self):
        kv = LwwKV(ScriptedRandom())
        self.assertEqual(kv.handle("n1", write("k", "a", 2)), {"type": "write_ok", "in_reply_to": 2})
        self.assertEqual(kv.handle("n1", read("k", 3)), {"type": "read_ok", "value": "a", "in_reply_to": 3})
        self.assertEqual(kv.handle("n1", cas("k", "a", "b", 4)), {"type": "cas_ok", "in_reply_to": 4})
        self.assertEqual(value_of(kv.handle("n1", read("k"))), "b")

    def test_cas_on_missing_key_is_error_20_even_with_create_if_not_exists(self):
        kv = LwwKV(random.Random(6))
        self.assertEqual(kv.handle("n1", cas("k", 1, 2, create_if_not_exists=True)), missing())

    def test_cas_error_prints_from_without_quotes(self):
        kv = LwwKV(ScriptedRandom())
        kv.handle("n1", write("k", "a"))
        self.assertEqual(kv.handle("n1", cas("k", "b", "c")), mismatch('current value "a" is not b'))

    def test_distinct_key_types(self):
        kv = LwwKV(ScriptedRandom())
        for i, key in enumerate([1, 1.0, "1"]):
            kv.handle("n1", write(key, i))
        self.assertEqual([value_of(kv.handle("n1", read(key))) for key in [1, 1.0, "1"]], [0, 1, 2])

    def test_unknown_type_gets_no_reply(self):
        self.assertIsNone(LwwKV(random.Random(7)).handle("n1", {"type": "ts", "msg_id": 1}))


class MakeServicesTest(unittest.TestCase):
    def test_names_each_service_by_its_network_id(self):
        services = make_services(random.Random(1))
        self.assertEqual({name: type(s) for name, s in services.items()},
                         {"lin-kv": LinKV, "seq-kv": SeqKV, "lww-kv": LwwKV, "lin-tso": LinTSO})

    def test_services_start_empty_and_independent(self):
        services = make_services(random.Random(1))
        services["lin-kv"].handle("n1", write("k", 1))
        for name in ("seq-kv", "lww-kv"):
            self.assertEqual(services[name].handle("n1", read("k")), missing(), name)
        self.assertEqual(services["lin-tso"].handle("n1", {"type": "ts", "msg_id": 1})["ts"], 0)


if __name__ == "__main__":
    unittest.main()

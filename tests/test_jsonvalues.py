"""Decoded JSON values compared as Clojure compares them."""
from __future__ import annotations

import unittest

from tests.harness.jsonvalues import json_compare, json_equal, json_key, json_sorted_by


class Equality(unittest.TestCase):
    def test_booleans_are_not_numbers(self):
        self.assertNotEqual(json_key(True), json_key(1))

    def test_json_equal_is_clojure_equality(self):
        self.assertTrue(json_equal({"a": [1, 2.0]}, {"a": [1, 2.0]}))
        self.assertFalse(json_equal(1, 1.0))
        self.assertFalse(json_equal(0, False))
        self.assertFalse(json_equal([1], [True]))

    def test_equal_objects_have_one_key_whatever_their_entry_order(self):
        self.assertEqual(json_key({"a": 1, "b": [2]}), json_key({"b": [2], "a": 1}))


class Order(unittest.TestCase):
    def test_strings_compare_by_utf16_code_units_as_java_does(self):
        # U+FB01 is one code unit above the surrogates that encode U+1F600, unlike in code points.
        self.assertGreater(json_compare("\ufb01", "\U0001f600"), 0)

    def test_values_of_different_kinds_are_incomparable(self):
        with self.assertRaises(TypeError):
            json_compare("1", 2)

    def test_sorted_by_orders_items_by_the_chosen_value(self):
        items = [("b", 2.5), ("n", None), ("a", 1)]
        self.assertEqual(json_sorted_by(items, lambda item: item[1]),
                         [("n", None), ("a", 1), ("b", 2.5)])


if __name__ == "__main__":
    unittest.main()

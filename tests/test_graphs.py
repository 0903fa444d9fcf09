"""Strongly connected components (tests/harness/workloads/elle/graphs.py), which the kafka and
transaction checkers look for cycles in."""
from __future__ import annotations

import unittest

from tests.harness.workloads.elle.graphs import strongly_connected_components


def components(edges: dict, vertices=None) -> list[list]:
    """The components of a graph given as vertex -> successors, members sorted."""
    found = strongly_connected_components(edges if vertices is None else vertices,
                                          lambda v: edges.get(v, ()))
    return [sorted(c) for c in found]


class StronglyConnectedComponentsTest(unittest.TestCase):
    def test_a_graph_without_cycles_has_one_singleton_per_vertex(self):
        self.assertEqual(sorted(components({1: [2, 3], 2: [3], 3: []})), [[1], [2], [3]])

    def test_the_vertices_of_a_cycle_form_one_component(self):
        self.assertEqual(components({1: [2], 2: [3], 3: [1]}), [[1, 2, 3]])

    def test_a_component_comes_out_before_the_components_that_reach_it(self):
        # {1, 2} -> {3, 4} -> 5: Tarjan finishes 5 first, then {3, 4}, then {1, 2}.
        edges = {1: [2], 2: [1, 3], 3: [4], 4: [3, 5], 5: []}
        self.assertEqual(components(edges), [[5], [3, 4], [1, 2]])

    def test_a_self_loop_is_a_singleton_like_any_other(self):
        self.assertEqual(components({1: [1]}), [[1]])

    def test_vertices_reachable_from_the_roots_are_included_without_being_listed(self):
        self.assertEqual(components({1: [2], 2: [3], 3: [2]}, vertices=[1]), [[2, 3], [1]])

    def test_each_vertex_is_in_one_component_however_often_it_is_listed(self):
        self.assertEqual(components({1: [2], 2: [1]}, vertices=[1, 2, 1, 2]), [[1, 2]])

    def test_vertices_can_be_any_hashable_values(self):
        edges = {"a": ["b"], "b": ["a", ("t", 1)], ("t", 1): []}
        self.assertEqual(components(edges, vertices=["a"]), [[("t", 1)], ["a", "b"]])

    def test_paths_longer_than_the_recursion_limit_are_searched(self):
        n = 100_000
        ring = {v: [(v + 1) % n] for v in range(n)}
        [component] = components(ring)
        self.assertEqual(len(component), n)


if __name__ == "__main__":
    unittest.main()

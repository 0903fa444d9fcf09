"""Partition shapes of Maelstrom's partition nemesis (docs/maelstrom.md §4.4), as Jepsen computes them.

A *grudge* maps each receiving node to the set of senders whose messages it drops. Like
Jepsen's, the grudges built here name **every** node, with an empty set for a node that
drops nothing, so the history's ``[:isolated {...}]`` value lists the whole cluster.
When the start and stop ops happen is ``combined.py``'s job; this module only draws shapes.
"""
from __future__ import annotations

import random

Grudge = dict[str, set[str]]

SHAPES = ("one", "minority-third", "majority", "majorities-ring")

# Up to this many nodes, majorities-ring uses exact ring windows; above it, a random graph.
_LARGEST_PERFECT_RING = 5


def majority(n: int) -> int:
    """The smallest integer strictly greater than n/2."""
    return n // 2 + 1


def minority_third(n: int) -> int:
    """The largest integer strictly less than n/3 (0 for an empty cluster)."""
    return max(n - 1, 0) // 3


def _complete_grudge(components: list[list[str]]) -> Grudge:
    """Every node drops everything from outside its own component."""
    everyone = {node for component in components for node in component}
    return {node: everyone - set(component)
            for component in components for node in component}


def _shuffled(nodes: list[str], rng: random.Random) -> list[str]:
    order = list(nodes)
    rng.shuffle(order)
    return order


def _one(nodes: list[str], rng: random.Random) -> Grudge:
    loner = rng.choice(nodes)
    return _complete_grudge([[loner], [node for node in nodes if node != loner]])


def _split_after(count: int, nodes: list[str], rng: random.Random) -> Grudge:
    order = _shuffled(nodes, rng)
    return _complete_grudge([order[:count], order[count:]])


def _perfect_ring(nodes: list[str], rng: random.Random) -> Grudge:
    """Shuffle the nodes into a ring; each window of ``m`` consecutive nodes is the view of
    its middle node, which drops everyone outside it. Views need not be mutual (n = 3)."""
    ring = _shuffled(nodes, rng)
    n, m = len(ring), majority(len(ring))
    everyone = set(ring)
    grudge: Grudge = {}
    for start in range(n):
        window = [ring[(start + offset) % n] for offset in range(m)]
        grudge[window[m // 2]] = everyone - set(window)
    return grudge


def _stochastic_ring(nodes: list[str], rng: random.Random) -> Grudge:
    """Link least-connected nodes until each is linked to a majority (itself included);
    each node then drops everyone it is not linked to. Links are mutual."""
    m = majority(len(nodes))
    linked = {node: {node} for node in nodes}
    while True:
        # Nodes by ascending degree, in random order within a degree. Groups are drawn in
        # node-list order before shuffling so that a seed fixes the outcome (set order of
        # strings changes between Python processes).
        by_degree: list[str] = []
        for degree in sorted({len(links) for links in linked.values()}):
            by_degree += _shuffled([x for x in nodes if len(linked[x]) == degree], rng)
        a = by_degree[0]
        if len(linked[a]) >= m:
            break
        b = next(x for x in by_degree if x not in linked[a])
        linked[a].add(b)
        linked[b].add(a)
    everyone = set(nodes)
    return {node: everyone - linked[node] for node in nodes}


def _majorities_ring(nodes: list[str], rng: random.Random) -> Grudge:
    """Every node still hears a majority (itself included), but not the same one as others."""
    if len(nodes) <= _LARGEST_PERFECT_RING:
        return _perfect_ring(nodes, rng)
    return _stochastic_ring(nodes, rng)


def grudge(shape: str, nodes: list[str], rng: random.Random) -> Grudge:
    """The grudge of one partition of the given shape over ``nodes`` (non-empty).

    - ``one``: one random node is cut off from all others, both ways.
    - ``majority``: a random ``floor(n/2)`` nodes are cut off from the rest, both ways.
    - ``minority-third``: a random ``floor((n-1)/3)`` nodes are cut off (none for n <= 3).
    - ``majorities-ring``: overlapping majorities, see :func:`_majorities_ring`.
    """
    if shape == "one":
        return _one(nodes, rng)
    if shape == "minority-third":
        return _split_after(minority_third(len(nodes)), nodes, rng)
    if shape == "majority":
        return _split_after(len(nodes) // 2, nodes, rng)
    if shape == "majorities-ring":
        return _majorities_ring(nodes, rng)
    raise ValueError(f"unknown partition shape {shape!r}; expected one of {', '.join(SHAPES)}")


def random_grudge(nodes: list[str], rng: random.Random) -> tuple[str, Grudge]:
    """A uniformly chosen shape and a grudge of that shape, as each start-partition op draws."""
    shape = rng.choice(SHAPES)
    return shape, grudge(shape, nodes, rng)


def describe(grudge: Grudge) -> dict[str, list[str]]:
    """The grudge as recorded in the history value ``["isolated", {...}]``: sorted, JSON-ready."""
    return {node: sorted(grudge[node]) for node in sorted(grudge)}

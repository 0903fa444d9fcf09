"""Broadcast topologies (docs/maelstrom.md §6.3): the neighbour map sent in each node's ``topology`` message.

Each function takes the server nodes in CLI order and returns ``{node: [neighbour, ...]}``
with neighbours in the order Maelstrom lists them.
"""
from __future__ import annotations

from math import isqrt


def line(nodes: list[str]) -> dict[str, list[str]]:
    """Each node is linked to the one before and the one after it."""
    if len(nodes) < 2:
        return {}
    neighbours = {nodes[0]: [nodes[1]]}
    for previous, node, following in zip(nodes, nodes[1:], nodes[2:]):
        neighbours[node] = [previous, following]
    neighbours[nodes[-1]] = [nodes[-2]]
    return neighbours


def grid(nodes: list[str]) -> dict[str, list[str]]:
    """Rows of ``ceil(sqrt(n))`` nodes filled in order; links go down, up, right, left."""
    n = len(nodes)
    side = isqrt(n)
    if side * side < n:
        side += 1

    def at(row: int, column: int) -> str | None:
        # The last row may be partial, so rows are bounded by the node count, not by side.
        if row < 0 or not 0 <= column < side or row * side + column >= n:
            return None
        return nodes[row * side + column]

    neighbours = {}
    for index, node in enumerate(nodes):
        row, column = divmod(index, side)
        around = [at(row + 1, column), at(row - 1, column), at(row, column + 1), at(row, column - 1)]
        neighbours[node] = [other for other in around if other is not None]
    return neighbours


def tree(branching: int, nodes: list[str]) -> dict[str, list[str]]:
    """A tree filled level by level in node order; a node's neighbours are its parent, then
    its children.

    Maelstrom fills tiers of 1, b, b², ... nodes and gives the k-th node of a tier the k-th
    group of b nodes of the next tier. In one flat list that is heap order: the node at
    position i has children at b·i+1 ... b·i+b, and the parent (i-1) // b."""
    neighbours = {}
    for index, node in enumerate(nodes):
        parent = [nodes[(index - 1) // branching]] if index > 0 else []
        children = nodes[branching * index + 1: branching * index + branching + 1]
        neighbours[node] = parent + children
    return neighbours


def total(nodes: list[str]) -> dict[str, list[str]]:
    """Every node is linked to every other node."""
    return {node: [other for other in nodes if other != node] for node in nodes}


TOPOLOGIES = {
    "line": line,
    "grid": grid,
    "tree": lambda nodes: tree(2, nodes),
    "tree2": lambda nodes: tree(2, nodes),
    "tree3": lambda nodes: tree(3, nodes),
    "tree4": lambda nodes: tree(4, nodes),
    "total": total,
}


def topology(name: str, nodes: list[str]) -> dict[str, list[str]]:
    """The topology called ``name`` (as given to ``--topology``) over ``nodes``."""
    try:
        build = TOPOLOGIES[name]
    except KeyError:
        raise ValueError(f"unknown topology {name!r}; expected one of {', '.join(TOPOLOGIES)}") from None
    return build(nodes)

"""Graph algorithms shared by the checkers: strongly connected components.

Histories give graphs with tens of thousands of vertices and long paths, more than Python's
recursion limit allows a recursive depth-first search, so the search keeps its own stack.
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, TypeVar

V = TypeVar("V", bound=Hashable)


def strongly_connected_components(vertices: Iterable[V],
                                  successors: Callable[[V], Iterable[V]]) -> list[list[V]]:
    """Tarjan's algorithm, without recursion. Every vertex reachable from ``vertices`` is in
    exactly one component; singletons are included. Components come out in the order Tarjan
    completes them (a component before any that reaches it), roots tried in the order given."""
    index: dict[V, int] = {}      # discovery order
    low: dict[V, int] = {}        # the lowest index reachable through the search tree
    on_stack: set[V] = set()
    stack: list[V] = []
    components = []
    for root in vertices:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors(root)))]
        while work:
            v, succs = work[-1]
            for w in succs:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(successors(w))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:   # every successor of v is done: v is finished
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    components.append(component)
    return components

"""Consistency models and the anomalies each rules out, related as Elle relates them.

Three tables, drawn from the literature (Adya; Adya, Liskov and O'Neil; Bailis et al.;
Cerone et al.; Daudjee and Salem; Fekete et al.), in canonical model names:

* ``MODEL_IMPLIES``: a model -> the weaker models every history satisfying it satisfies;
* ``MODEL_PROSCRIBES``: a model -> the anomalies it rules out itself;
* ``ANOMALY_IMPLIES``: an anomaly -> the anomalies its presence implies.

From them: which anomalies a set of models prohibits (`prohibited_anomalies`, what makes a
history invalid), and which models a set of anomalies rules out (`ruled_out_models`,
`boundary`). A name no table knows is an error, as it is for Elle.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable


class CheckerError(Exception):
    """The history cannot be analysed (Elle throws): the verdict is "unknown"."""


def unknown_where_elle_throws(check: Callable[[], dict]) -> dict:
    """``check()``, or ``{"valid?": "unknown", "error": ...}`` if it raises CheckerError."""
    try:
        return check()
    except CheckerError as e:
        return {"valid?": "unknown", "error": str(e)}


# Friendly model names -> the canonical names the tables below use.
CANONICAL_MODEL = {
    "consistent-view": "PL-2+", "conflict-serializable": "PL-3", "cursor-stability": "PL-CS",
    "forward-consistent-view": "PL-FCV", "monotonic-snapshot-read": "PL-MSR",
    "monotonic-view": "PL-2L", "read-committed": "PL-2", "read-uncommitted": "PL-1",
    "repeatable-read": "PL-2.99", "serializable": "PL-3", "snapshot-isolation": "PL-SI",
    "strict-serializable": "PL-SS", "strong-serializable": "PL-SS",
    "update-serializable": "PL-3U",
    "strong-session-read-uncommitted": "strong-session-PL-1",
    "strong-session-read-committed": "strong-session-PL-2",
    "strong-read-uncommitted": "strong-PL-1", "strong-read-committed": "strong-PL-2",
}
# Canonical -> the name results use; two friendly names share PL-3 and PL-SS.
FRIENDLY_MODEL = {**{c: f for f, c in CANONICAL_MODEL.items()},
                  "PL-3": "serializable", "PL-SS": "strict-serializable"}


def canonical_model(model: str) -> str:
    return CANONICAL_MODEL.get(model, model)


def _canonical_graph(graph: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = defaultdict(set)
    for model, weaker in graph.items():
        merged[canonical_model(model)].update(canonical_model(w) for w in weaker)
    return dict(merged)


# A model -> the weaker models every history satisfying it also satisfies.
MODEL_IMPLIES = _canonical_graph({
    "causal-cerone": ("read-atomic",),
    "consistent-view": ("cursor-stability", "monotonic-view"),
    "conflict-serializable": ("view-serializable",),
    "cursor-stability": ("read-committed",),
    "forward-consistent-view": ("consistent-view",),
    "read-committed": ("read-uncommitted",),
    "serializable": ("repeatable-read", "update-serializable", "snapshot-isolation",
                     "view-serializable"),
    "update-serializable": ("forward-consistent-view",),
    "monotonic-atomic-view": ("read-committed",),
    "monotonic-view": ("read-committed",),
    "monotonic-snapshot-read": ("read-committed",),
    "parallel-snapshot-isolation": ("causal-cerone", "update-atomic"),
    "prefix": ("causal-cerone",),
    "read-atomic": ("monotonic-atomic-view",),
    "repeatable-read": ("cursor-stability", "monotonic-atomic-view"),
    "update-atomic": ("read-atomic",),
    "session-serializable": ("1SR",),
    "snapshot-isolation": ("forward-consistent-view", "monotonic-atomic-view",
                           "monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"),
    "strict-serializable": ("serializable", "linearizable", "snapshot-isolation",
                            "strong-snapshot-isolation", "strong-session-serializable",
                            "session-serializable"),
    "strong-session-PL-1": ("read-uncommitted",),
    "strong-session-PL-2": ("read-committed", "strong-session-PL-1"),
    "strong-PL-1": ("strong-session-PL-1",),
    "strong-PL-2": ("strong-session-PL-2", "strong-PL-1"),
    "strong-session-serializable": ("serializable", "strong-session-snapshot-isolation"),
    "strong-session-snapshot-isolation": ("snapshot-isolation", "strong-session-PL-2"),
    "strong-snapshot-isolation": ("strong-session-snapshot-isolation", "strong-PL-2"),
    "linearizable": ("sequential",),
    "sequential": ("causal",),
    "causal": ("writes-follow-reads", "PRAM"),
    "PRAM": ("monotonic-reads", "monotonic-writes", "read-your-writes"),
})

# A model -> the anomalies it rules out itself (those of weaker models come on top).
MODEL_PROSCRIBES = _canonical_graph({
    "causal-cerone": ("internal", "G1a"),
    "cursor-stability": ("G1", "G-cursor", "lost-update"),
    "monotonic-view": ("G1", "G-monotonic"),
    "monotonic-snapshot-read": ("G1", "G-MSR"),
    "consistent-view": ("G1", "G-single"),
    "forward-consistent-view": ("G1", "G-SIb"),
    "parallel-snapshot-isolation": ("internal", "G1a"),
    "serializable": ("G1", "G2", "predicate-read-miss", "PL-3-cycle-exists", "internal"),
    "read-committed": ("G1", "PL-2-cycle-exists"),
    "read-uncommitted": ("G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"),
    "prefix": ("internal", "G1a"),
    "snapshot-isolation": ("internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"),
    "read-atomic": ("internal", "G1a", "future-read"),
    "repeatable-read": ("G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"),
    "update-atomic": ("lost-update",),
    "strict-serializable": ("G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"),
    "strong-session-PL-1": ("strong-session-PL-1-cycle-exists", "G0-process"),
    "strong-session-PL-2": ("strong-session-PL-2-cycle-exists", "G1c-process"),
    "strong-PL-1": ("strong-PL-1-cycle-exists", "G0-realtime"),
    "strong-PL-2": ("strong-PL-2-cycle-exists", "G1c-realtime"),
    "strong-session-snapshot-isolation": ("internal", "G1-process", "G-nonadjacent-process",
                                          "strong-session-snapshot-isolation-cycle-exists"),
    "strong-snapshot-isolation": ("internal", "G1-realtime", "G-nonadjacent-realtime",
                                  "strong-snapshot-isolation-cycle-exists"),
    "strong-session-serializable": ("G1-process", "G2-process",
                                    "strong-session-serializable-cycle-exists"),
    "update-serializable": ("G1", "G-update"),
})

# An anomaly -> anomalies its presence implies (a G0 cycle is also a G1c, G1c is part of
# G1, anything in one process is also visible in real time, ...).
ANOMALY_IMPLIES: dict[str, tuple[str, ...]] = {
    "G0": ("G1c", "G0-process"), "G0-process": ("G1c-process", "G0-realtime"),
    "G0-realtime": ("G1c-realtime",),
    "G1a": ("G1",), "G1b": ("G1",), "G1c": ("G1", "G1c-process"),
    "G1c-process": ("G1c-realtime", "G1-process"), "G1c-realtime": ("G1-realtime",),
    "G1": ("G1-process",), "G1-process": ("G1-realtime",),
    "G-single-item": ("G-single", "G-single-item-process", "G-nonadjacent-item"),
    "G-single-item-process": ("G-single-process", "G-single-item-realtime",
                              "G-nonadjacent-item-process"),
    "G-single-item-realtime": ("G-single-realtime", "G-nonadjacent-item-realtime"),
    "G-single": ("G-nonadjacent", "GSIb", "G-single-process"),
    "G-single-process": ("G-nonadjacent-process", "G-single-realtime"),
    "G-single-realtime": ("G-nonadjacent-realtime",),
    "G-nonadjacent-item": ("G-nonadjacent", "G2-item", "G-nonadjacent-item-process"),
    "G-nonadjacent-item-process": ("G-nonadjacent-process", "G2-item-process",
                                   "G-nonadjacent-item-realtime"),
    "G-nonadjacent-item-realtime": ("G2-item-realtime", "G-nonadjacent-realtime"),
    "G-nonadjacent": ("G2", "G-nonadjacent-process"),
    "G-nonadjacent-process": ("G2-process", "G-nonadjacent-realtime"),
    "G-nonadjacent-realtime": ("G2-realtime",),
    "G2": ("G2-process",), "G2-item": ("G2", "G2-item-process"),
    "G2-item-process": ("G2-process", "G2-item-realtime"), "G2-item-realtime": ("G2-realtime",),
    "G2-process": ("G2-realtime",),
    "GSIa": ("GSI",), "GSIb": ("GSI",),
    "incompatible-order": ("G1a",), "future-read": ("G1c",), "dirty-update": ("G1a",),
    "lost-update": ("write-skew", "G2-item"), "write-skew": ("G2",),
}

# Not implications, only "usually worse than": with ANOMALY_IMPLIES it orders the search,
# most severe class first.
ANOMALY_SEVERITY: dict[str, tuple[str, ...]] = {
    "G0": ("G1c",), "G0-process": ("G1c-process",), "G0-realtime": ("G1c-realtime",),
    "G1c": ("G-single", "G2-item"), "G1c-process": ("G-single-process", "G2-item-process"),
    "G1c-realtime": ("G-single-realtime", "G2-item-realtime"),
    "G2": ("G0-process",), "G2-process": ("G0-realtime",),
}

# Reported whatever the models, but only ever making a result unknown (in Elle).
UNKNOWN_ANOMALIES = frozenset({"empty-transaction-graph", "cycle-search-timeout"})


def reachable(graph: dict[str, Iterable[str]], starts: Iterable[str]) -> set[str]:
    """``starts`` and everything reachable from them."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _reversed(graph: dict[str, Iterable[str]]) -> dict[str, set[str]]:
    rev: dict[str, set[str]] = defaultdict(set)
    for a, bs in graph.items():
        for b in bs:
            rev[b].add(a)
    return dict(rev)


MODEL_IMPLIED_BY = _reversed(MODEL_IMPLIES)
PROSCRIBED_BY = _reversed(MODEL_PROSCRIBES)
ANOMALY_IMPLIED_BY = _reversed(ANOMALY_IMPLIES)
KNOWN_MODELS = frozenset(MODEL_IMPLIES) | frozenset(MODEL_IMPLIED_BY) | \
    frozenset(CANONICAL_MODEL) | frozenset(CANONICAL_MODEL.values())


def validate_models(models: Iterable[str]) -> list[str]:
    """``models`` as a list; CheckerError if one of them is unknown."""
    models = list(models)
    unknown = [m for m in models if m not in KNOWN_MODELS]
    if unknown:
        raise CheckerError(f"Unknown consistency model {unknown}; known models are: "
                           f"{sorted(KNOWN_MODELS)}")
    return models


def prohibited_anomalies(models: Iterable[str]) -> frozenset[str]:
    """Every anomaly that cannot occur if all of ``models`` hold."""
    implied = reachable(MODEL_IMPLIES, (canonical_model(m) for m in validate_models(models)))
    direct = {a for m in implied for a in MODEL_PROSCRIBES.get(m, ())}
    return frozenset(reachable(ANOMALY_IMPLIED_BY, direct))


def anomaly_scope(models: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The anomalies ``models`` rule out, and those a checker reports: the ruled-out ones plus
    the ones that make a verdict unknown. Raises CheckerError for an unknown model."""
    prohibited = prohibited_anomalies(validate_models(models))
    return prohibited, prohibited | UNKNOWN_ANOMALIES


def stronger_models(model: str) -> set[str]:
    """A model and every model that implies it: all that fall when it does."""
    return reachable(MODEL_IMPLIED_BY, [canonical_model(model)])


def ruled_out_models(anomalies: Iterable[str]) -> set[str]:
    """Every (canonical) model that cannot hold once ``anomalies`` were seen."""
    implied = reachable(ANOMALY_IMPLIES, anomalies)
    direct = {m for a in implied for m in PROSCRIBED_BY.get(a, ())}
    return reachable(MODEL_IMPLIED_BY, direct)


def boundary(anomalies: Iterable[str]) -> dict[str, list[str]]:
    """``not``: the weakest models the anomalies rule out; ``also-not``: the stronger rest."""
    impossible = ruled_out_models(anomalies)
    weakest = {m for m in impossible
               if not (reachable(MODEL_IMPLIES, [m]) - {m}) & impossible}
    friendly = lambda ms: sorted({FRIENDLY_MODEL.get(m, m) for m in ms})  # noqa: E731
    return {"not": friendly(weakest), "also-not": friendly(impossible - weakest)}


def severity_depths() -> dict[str, int]:
    """Each anomaly's layer in the implication and severity DAG (0: below nothing); the
    cycle search looks for shallower, more severe classes first."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source in (ANOMALY_IMPLIES, ANOMALY_SEVERITY):
        for a, bs in source.items():
            graph[a].update(bs)
    vertices = set(graph) | {b for bs in graph.values() for b in bs}
    indegree = {v: 0 for v in vertices}
    for bs in graph.values():
        for b in bs:
            indegree[b] += 1
    depths, layer, depth = {}, [v for v in vertices if indegree[v] == 0], 0
    while layer:
        nxt = []
        for v in layer:
            depths[v] = depth
            for b in graph.get(v, ()):
                indegree[b] -= 1
                if indegree[b] == 0:
                    nxt.append(b)
        layer, depth = nxt, depth + 1
    return depths

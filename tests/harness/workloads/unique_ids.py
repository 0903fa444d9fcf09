"""unique-ids (spec §6.2): nodes answer ``generate`` with ids that must be globally unique.

Ids may be any JSON value, so the checker needs Clojure's view of decoded JSON: equality
that keeps ``1`` and ``1.0`` apart and compares arrays and objects structurally
(:func:`json_key`), and ``compare``'s total order, which only some pairs of values have
(:func:`json_compare`). The set-full checker uses them for its elements too.
"""
from __future__ import annotations

import json
from functools import cmp_to_key
from typing import Any, Callable, Hashable, Iterable, TypeVar

from ..schema import check_response, is_any
from .base import Workload, with_errors

T = TypeVar("T")

# Maelstrom reports only some of the duplicated ids, to keep results small.
MAX_DUPLICATES_SHOWN = 48


def json_key(value: Any) -> Hashable:
    """A hashable stand-in for a decoded JSON value, equal exactly when Clojure's ``=`` is.

    Types are tagged so that ``1``, ``1.0`` and ``true`` stay three different values."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, json_key(v)) for k, v in value.items()))
    raise TypeError(f"not a decoded JSON value: {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sign(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def json_compare(a: Any, b: Any) -> int:
    """Clojure's ``compare`` on decoded JSON: negative, zero or positive.

    null sorts before everything; numbers compare by value whatever their type; strings
    by UTF-16 code units, as Java does; arrays first by length, then item by item.
    Everything else (objects, or values of different kinds) raises TypeError, as the
    ClassCastException Clojure throws there."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    if _is_number(a) and _is_number(b):
        return _sign(a, b)
    if isinstance(a, str) and isinstance(b, str):
        return _sign(a.encode("utf-16-be"), b.encode("utf-16-be"))
    if isinstance(a, bool) and isinstance(b, bool):
        return _sign(a, b)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return _sign(len(a), len(b))
        for x, y in zip(a, b):
            order = json_compare(x, y)
            if order:
                return order
        return 0
    raise TypeError(f"cannot compare {json.dumps(a)} with {json.dumps(b)}")


def json_sorted_by(items: Iterable[T], value: Callable[[T], Any]) -> list[T]:
    """``items`` ordered by ``json_compare`` on ``value(item)`` (TypeError if incomparable)."""
    return sorted(items, key=cmp_to_key(lambda a, b: json_compare(value(a), value(b))))


def _extremes(values: list) -> list:
    """``[smallest, largest]`` as Jepsen's range fold finds them: nulls are skipped, and each
    value is compared only with the extremes so far. ``[None, None]`` for no values."""
    low = high = None
    for value in values:
        if value is None:
            continue
        if low is None:
            low = high = value
            continue
        if json_compare(value, low) <= 0:
            low = value
        if json_compare(value, high) >= 0:
            high = value
    return [low, high]


def _result_key(value: Any) -> str:
    """How an id is written as a key of the ``duplicated`` map: JSON object keys are strings."""
    return value if isinstance(value, str) else json.dumps(value)


class UniqueIds(Workload):
    name = "unique-ids"
    reusable_client = True

    def next_op(self, now: float) -> dict:
        return {"f": "generate", "value": None}

    async def invoke(self, client, op):
        async def call():
            body = await client.rpc({"type": "generate"})
            check_response(body, "generate_ok", {"id": is_any})
            return {"type": "ok", "value": body["id"]}
        return await with_errors(False, op["value"], call)

    def check(self, history: list[dict]) -> dict:
        attempted = 0
        acknowledged: list = []
        counts: dict[Hashable, list] = {}   # json_key(id) -> [id, count], in first-seen order
        for op in history:
            if op["f"] != "generate":
                continue
            if op["type"] == "invoke":
                attempted += 1
            elif op["type"] == "ok":
                acknowledged.append(op["value"])
                entry = counts.setdefault(json_key(op["value"]), [op["value"], 0])
                entry[1] += 1
        duplicates = [entry for entry in counts.values() if entry[1] > 1]
        try:
            id_range = _extremes(acknowledged)
            most_frequent = sorted(duplicates, key=lambda entry: -entry[1])[:MAX_DUPLICATES_SHOWN]
            shown = json_sorted_by(most_frequent, lambda entry: entry[0])
        except TypeError as e:
            # Jepsen's range fold throws on incomparable ids; the checker then has no verdict.
            return {"valid?": "unknown", "error": f"ids are not mutually comparable: {e}"}
        return {
            "valid?": not duplicates,
            "attempted-count": attempted,
            "acknowledged-count": len(acknowledged),
            "duplicated-count": len(duplicates),
            "duplicated": {_result_key(value): count for value, count in shown},
            "range": id_range,
        }


WORKLOAD = UniqueIds

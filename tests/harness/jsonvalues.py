"""Decoded JSON values as Clojure sees them.

Maelstrom and Jepsen are written in Clojure, so their checkers and services compare the
values nodes send with Clojure's ``=`` and ``compare``. Clojure's equality keeps ``1``,
``1.0`` and ``true`` apart (and so ``[1]``, ``[1.0]`` and ``[true]``); Python's does not
(``1 == 1.0 == True``). Every place in the harness that compares such values goes through
:func:`json_key` (equality and hashing) or :func:`json_compare` (order).
"""
from __future__ import annotations

import json
from functools import cmp_to_key
from typing import Any, Callable, Hashable, Iterable, TypeVar

T = TypeVar("T")


def json_key(value: Any) -> Hashable:
    """A hashable stand-in for a decoded JSON value, equal exactly when Clojure's ``=`` is.

    Types are tagged so that ``1``, ``1.0`` and ``true`` stay three different values;
    arrays and objects compare structurally."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):          # before int: bool is an int subclass
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
        # Decoded object keys are always strings, so they need no tag of their own.
        return ("object", frozenset((k, json_key(v)) for k, v in value.items()))
    raise TypeError(f"not a decoded JSON value: {value!r}")


def json_equal(a: Any, b: Any) -> bool:
    """Clojure's ``=`` on two decoded JSON values."""
    return json_key(a) == json_key(b)


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

"""The shapes a handler declares for its requests, checked before the handler runs.

A handler names each body field it reads and what that field must hold, with ordinary type
expressions::

    @node.on("broadcast", message=int)
    @node.on("txn", txn=list[tuple[Literal["r", "w"], int, int | None]])

``int`` is an integer (not a boolean), ``float`` any number, ``str``, ``bool``, ``None``
(null), ``object`` any JSON value; ``list[X]`` a list of X, ``dict[str, X]`` an object of X,
``tuple[X, Y]`` a list of exactly those, ``X | Y`` either, ``Literal[...]`` one of the given
values, a ``TypedDict`` an object with those fields (fields that travel together are checked
together), and `Natural` an integer >= 0. A field whose shape names null (``int | None``) may
also be missing; any other declared field is required.

The node library answers a request that does not fit with error 12 (malformed request),
naming the field, what it must be and what it was, and never calls the handler: a handler
sees only input it can trust, and a refused request changes nothing. Extra fields are
allowed, as Maelstrom adds some (``msg_id``) and may add others.
"""
from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

Problem = str | None              # None: the value fits
Check = Callable[[Any, str], Problem]


class _Natural:
    """The shape of an integer >= 0 (a count, a delta of a grow-only counter)."""


Natural = _Natural()


class Shape:
    """The declared fields of one request type."""

    def __init__(self, fields: dict[str, Any]):
        self._fields = [(name, *_compile(spec)) for name, spec in fields.items()]

    def problem(self, body: dict) -> Problem:
        """Why ``body`` does not fit, or None if it does."""
        for name, check, description, optional in self._fields:
            if name in body:
                problem = check(body[name], name)
                if problem:
                    return problem
            elif not optional:
                return f"missing field {name!r} ({description})"
        return None


def _compile(spec: Any) -> tuple[Check, str, bool]:
    """(check, description, whether the field may be missing: its shape names null)."""
    check, description = _checker(spec)
    return check, description, spec is None or type(None) in typing.get_args(spec)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SIMPLE: dict[Any, tuple[Callable[[Any], bool], str]] = {
    int: (_is_int, "an integer"),
    float: (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    str: (lambda v: isinstance(v, str), "a string"),
    bool: (lambda v: isinstance(v, bool), "a boolean"),
    None: (lambda v: v is None, "null"),
    list: (lambda v: isinstance(v, list), "a list"),
    dict: (lambda v: isinstance(v, dict), "an object"),
    object: (lambda v: True, "any value"),
    Natural: (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
}


def _checker(spec: Any) -> tuple[Check, str]:
    if spec in _SIMPLE:
        test, description = _SIMPLE[spec]
        return (lambda v, path: None if test(v) else _wrong(path, description, v)), description
    origin, args = typing.get_origin(spec), typing.get_args(spec)
    if origin in (types.UnionType, typing.Union):
        return _either([_checker(None if a is type(None) else a) for a in args])
    if origin is Literal:
        description = "one of " + ", ".join(map(json.dumps, args))
        return (lambda v, path: None if v in args and type(v) in map(type, args)
                else _wrong(path, description, v)), description
    if origin is list:
        return _each(list, "a list", *_checker(args[0]))
    if origin is dict:
        return _each(dict, "an object", *_checker(args[1]))
    if origin is tuple:
        return _row(args)
    if typing.is_typeddict(spec):
        return _fields(spec)
    raise TypeError(f"no request shape for {spec!r}")


def _either(options: list[tuple[Check, str]]) -> tuple[Check, str]:
    description = " or ".join(d for _, d in options)

    def check(value: Any, path: str) -> Problem:
        if any(fits(value, path) is None for fits, _ in options):
            return None
        return _wrong(path, description, value)
    return check, description


def _each(container: type, noun: str, item: Check, item_description: str) -> tuple[Check, str]:
    """A list (by position) or an object (by key) whose every element fits ``item``."""
    description = f"{noun} of {item_description}"

    def check(value: Any, path: str) -> Problem:
        if not isinstance(value, container):
            return _wrong(path, description, value)
        for at, element in value.items() if container is dict else enumerate(value):
            if problem := item(element, f"{path}[{json.dumps(at)}]"):
                return problem
        return None
    return check, description


def _row(specs: tuple) -> tuple[Check, str]:
    columns = [_checker(spec) for spec in specs]
    description = "[" + ", ".join(d for _, d in columns) + "]"

    def check(value: Any, path: str) -> Problem:
        if not isinstance(value, list) or len(value) != len(columns):
            return _wrong(path, description, value)
        for i, ((fits, _), element) in enumerate(zip(columns, value)):
            if problem := fits(element, f"{path}[{i}]"):
                return problem
        return None
    return check, description


def _fields(spec: Any) -> tuple[Check, str]:
    """An object with the fields a TypedDict declares (those it marks NotRequired may be missing)."""
    columns = {name: _checker(hint) for name, hint in typing.get_type_hints(spec).items()}
    required = spec.__required_keys__
    description = "an object with " + ", ".join(columns)

    def check(value: Any, path: str) -> Problem:
        if not isinstance(value, dict):
            return _wrong(path, description, value)
        for name, (fits, field_description) in columns.items():
            if name in value:
                if problem := fits(value[name], f"{path}[{json.dumps(name)}]"):
                    return problem
            elif name in required:
                return f"{path} lacks field {name!r} ({field_description})"
        return None
    return check, description


def _wrong(path: str, description: str, value: Any) -> str:
    shown = json.dumps(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{path} must be {description}, not {shown}"

"""Closed response schemas (docs/maelstrom.md §2.3).

A schema maps each field a response must carry to a type check. A response may carry
exactly those fields, plus ``type``, ``in_reply_to`` (an integer) and an optional
``msg_id`` (an integer). Anything else is malformed, as in Maelstrom.
"""
from __future__ import annotations

from typing import Any, Callable

from .errors import MalformedResponse

Check = Callable[[Any], bool]


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_any(v: Any) -> bool:
    return True


def is_array(v: Any) -> bool:
    """Maelstrom accepts null wherever it expects an array."""
    return v is None or isinstance(v, list)


def is_object(v: Any) -> bool:
    return isinstance(v, dict)


def is_string(v: Any) -> bool:
    return isinstance(v, str)


def array_of(item: Check) -> Check:
    return lambda v: is_array(v) and all(item(x) for x in (v or ()))


def object_of(value: Check) -> Check:
    return lambda v: is_object(v) and all(value(x) for x in v.values())


def check_response(body: Any, reply_type: str, fields: dict[str, Check]) -> dict:
    """Return ``body`` if it is a well-formed ``reply_type`` reply, else raise MalformedResponse."""
    if not isinstance(body, dict):
        raise MalformedResponse(f"response body is not an object: {body!r}")
    if body.get("type") != reply_type:
        raise MalformedResponse(f"expected type {reply_type!r}, got {body.get('type')!r} in {body!r}")
    for key, value in body.items():
        if key == "type":
            continue
        if key in ("in_reply_to", "msg_id"):
            if not is_int(value):
                raise MalformedResponse(f"{key} must be an integer in {body!r}")
            continue
        check = fields.get(key)
        if check is None:
            raise MalformedResponse(f"unexpected field {key!r} in {body!r}")
        if not check(value):
            raise MalformedResponse(f"field {key!r} has the wrong type in {body!r}")
    missing = [k for k in fields if k not in body]
    if missing:
        raise MalformedResponse(f"missing field(s) {missing} in {body!r}")
    return body

"""Decoding input lines, with the limits that keep one bad line from harming a node.

`Lines` cuts the input stream into lines; `decode` turns a line into a message dict, or
says why it will not. Three things Python's json module would let through, or choke on, are
refused with a reason instead:

* non-finite numbers (``NaN``, ``Infinity`` and overflowing ones such as ``1e400``): stored,
  they would make every later reply that contains them unencodable, since Maelstrom rejects
  them and then stops reading the node;
* values nested deeper than `MAX_DEPTH`: past about 1000 levels json raises `RecursionError`,
  and deep values would overflow the encoder later anyway;
* integers longer than Python converts (4300 digits).

A refused line whose envelope is still readable (its ``src``, ``dest`` and body ``msg_id``)
comes back as ``(envelope, reason)``, so the sender can be told why (error 12). The checks
that need a second look run only on lines that failed the fast path, so good lines pay one
decode and a bracket count.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 100   # far beyond any Maelstrom message, far below json's recursion limit

_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')   # strings (skipped whole) and brackets


class _Refused(ValueError):
    pass


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {text[:40]} does not fit a double")
    return number


def _non_finite(text: str) -> float:
    raise _Refused(f"{text} is not a JSON number")


_strict = json.JSONDecoder(parse_float=_finite, parse_constant=_non_finite).decode


def decode(line: bytes) -> tuple[Any, str | None]:
    """``(message, None)`` for an acceptable line; ``(envelope or None, reason)`` if not.
    Raises ValueError for a line that is not JSON at all."""
    try:
        if line.count(b"[") + line.count(b"{") > MAX_DEPTH and _depth(line) > MAX_DEPTH:
            raise _Refused(f"a value is nested deeper than {MAX_DEPTH} levels")
        return _strict(line.decode()), None
    except (_Refused, RecursionError, ValueError) as problem:
        if isinstance(problem, ValueError) and not isinstance(problem, _Refused) \
                and "integer string conversion" not in str(problem):
            raise   # not JSON at all (or not UTF-8)
        return _envelope(line), _reason(problem)


def _reason(problem: Exception) -> str:
    if isinstance(problem, _Refused):
        return str(problem)
    if isinstance(problem, RecursionError):
        return f"a value is nested deeper than {MAX_DEPTH} levels"
    return "an integer has more than 4300 digits"


def _depth(line: bytes) -> int:
    depth = deepest = 0
    for token in _TOKENS.finditer(line):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in (b"]", b"}"):
            depth -= 1
    return deepest


def _envelope(line: bytes) -> dict | None:
    """The line's src, dest and body ``msg_id``/``type``, read with every over-deep value,
    over-long integer and non-finite number replaced; None if even that fails."""
    kept, depth, start = [], 0, 0
    for token in _TOKENS.finditer(line):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth == 3:   # inside the body: nothing below here is needed
                kept.append(line[start:token.start()])
        elif bracket in (b"]", b"}"):
            depth -= 1
            if depth == 2:
                kept.append(b"null")
                start = token.end()
    kept.append(line[start:])
    try:
        raw = json.loads(b"".join(kept), parse_int=_small_int,
                         parse_float=lambda _: None, parse_constant=lambda _: None)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), dict):
        return None
    body = raw["body"]
    return {"src": raw.get("src"), "dest": raw.get("dest"),
            "body": {k: body[k] for k in ("msg_id", "type") if k in body}}


def _small_int(text: str) -> int | None:
    return int(text) if len(text) < 4300 else None


class Lines:
    """Cuts a byte stream into lines. The pieces of a line that spans many reads are kept
    apart and joined once, when its newline arrives: joining on every read would copy a
    long line once per read, quadratic in its length (a 40 MB line took 20 s)."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []   # the line still awaiting its newline

    def feed(self, chunk: bytes) -> list[bytes]:
        """The lines that ``chunk`` completes."""
        lines = chunk.split(b"\n")
        if len(lines) == 1:
            self.pieces.append(chunk)
            return []
        if self.pieces:
            lines[0] = b"".join([*self.pieces, lines[0]])
        rest = lines.pop()
        self.pieces = [rest] if rest else []
        return lines

    def rest(self) -> bytes:
        """What came after the last newline (at the end of the stream)."""
        return b"".join(self.pieces)

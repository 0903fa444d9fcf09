"""Render Python data as EDN, the Clojure data notation Maelstrom writes its files in.

Only people and ``results.edn``/``history.edn`` consume this text; programs read the JSON
twins (``results.json``, ``history.jsonl``). So the rules below aim at looking like
Maelstrom's files, not at a lossless encoding:

- dict keys of keyword shape (``"valid?"``, ``"msgs-per-op"``, ``"G-single"``) become
  keywords (``:valid?``); numeric strings (quantiles such as ``"0.5"``) become numbers; node
  and client ids (``"n1"``, ``"c4"``) and any other key stay strings;
- ``True``/``False``/``None`` become ``true``/``false``/``nil``; lists and tuples become
  vectors, sets ``#{...}``;
- string values stay strings, because real values (message bodies, echo payloads, unique
  ids) hold strings that merely look like keywords. ``keyword_values=True`` turns every
  keyword-shaped string value into a keyword, for data known to consist of keywords (an op's
  ``:f``, an error name, a nemesis op's value), node and client ids excepted. The one
  exception is validity: ``"unknown"`` under a ``"valid?"`` key always renders as ``:unknown``;
- anything else is rendered as the string of ``str(obj)``, so that writing a result never
  fails at the end of a long run.

Pretty output breaks a collection over several lines only when it does not fit in
``WIDTH`` columns, putting each map entry on its own line in the style of Clojure's
pretty printers.
"""
from __future__ import annotations

import math
import re
from typing import Any

WIDTH = 80

_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_*!?<>=+.-]*\Z")
_NODE_ID = re.compile(r"[nc][0-9]+\Z")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_JUST_INTS = {int}   # (not bool, whose type is its own)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def dumps(obj: Any, keyword_values: bool = False, compact: bool = False) -> str:
    """EDN text for ``obj``: pretty-printed, or on one line when ``compact``."""
    if compact:
        return (_COMPACT_KEYWORDS if keyword_values else _COMPACT).flat(obj)
    return _Printer(keyword_values, WIDTH).render(obj, 0)


def error_to_edn(error: Any) -> str:
    """An op's ``error``: a keyword (``:net-timeout``), a string, or ``[:name "text"]``.

    The history stores keywords as plain strings; an error string of keyword shape was a
    keyword (free-text errors such as ``"indeterminate: ..."`` contain spaces)."""
    if isinstance(error, (list, tuple)) and error:
        return "[" + " ".join([dumps(error[0], keyword_values=True, compact=True),
                               *(dumps(e, compact=True) for e in error[1:])]) + "]"
    return dumps(error, keyword_values=True, compact=True)


def op_to_edn(op: dict) -> str:
    """One history op as one line of ``history.edn``:
    ``{:index 7, :time 123, :type :ok, :process 0, :f :read, :value [1 2]}``."""
    entries = []
    nemesis = op.get("process") == "nemesis"
    for key, value in op.items():
        # The nemesis's values are keywords in Jepsen's histories: :majority, {"n1" :killed}.
        if key in ("type", "f", "process") or (key == "value" and nemesis):
            text = dumps(value, keyword_values=True, compact=True)
        elif key == "error":
            text = error_to_edn(value)
        else:
            text = dumps(value, compact=True)
        entries.append(f"{_key(key)} {text}")
    return "{" + ", ".join(entries) + "}"


def _key(key: Any) -> str:
    if isinstance(key, str):
        if _NUMBER.match(key):
            return key
        if _KEYWORD.match(key) and not _NODE_ID.match(key):
            return ":" + key
    return _scalar(key, keyword_values=False)


def _scalar(obj: Any, keyword_values: bool) -> str:
    if obj is None:
        return "nil"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        if math.isnan(obj):
            return "##NaN"
        if math.isinf(obj):
            return "##Inf" if obj > 0 else "##-Inf"
        return repr(obj)
    if not isinstance(obj, str):
        obj = str(obj)
    if keyword_values and _KEYWORD.match(obj) and not _NODE_ID.match(obj):
        return ":" + obj
    if _NEEDS_ESCAPE.search(obj) is None:
        return '"' + obj + '"'
    return '"' + "".join(_escape(ch) for ch in obj) + '"'


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ord(ch) < 0x20:
        return f"\\u{ord(ch):04x}"
    return ch


def _is_collection(obj: Any) -> bool:
    return isinstance(obj, (dict, list, tuple, set, frozenset))


class _Printer:
    def __init__(self, keyword_values: bool, width: int | None):
        self.keyword_values = keyword_values
        self.width = width

    def render(self, obj: Any, column: int) -> str:
        """``obj`` as it appears when its first character sits at ``column``."""
        flat = self.flat(obj)
        if self.width is None or not _is_collection(obj) or not obj \
                or column + len(flat) <= self.width:
            return flat
        if isinstance(obj, dict):
            inner = column + 1
            entries = []
            for key, value in obj.items():
                k = _key(key)
                entries.append(f"{k} {self._entry_value(key, value, inner + len(k) + 1)}")
            return "{" + (",\n" + " " * inner).join(entries) + "}"
        opening, closing = ("#{", "}") if isinstance(obj, (set, frozenset)) else ("[", "]")
        inner = column + len(opening)
        items = self._items(obj)
        if not any(_is_collection(item) for item in items):
            lines = self._fill([self.flat(item) for item in items], inner)
        else:
            lines = [self.render(item, inner) for item in items]
        return opening + ("\n" + " " * inner).join(lines) + closing

    def flat(self, obj: Any) -> str:
        if isinstance(obj, dict):
            return "{" + ", ".join(f"{_key(k)} {self._entry_value(k, v, None)}"
                                   for k, v in obj.items()) + "}"
        if isinstance(obj, (list, tuple)):
            if obj and set(map(type, obj)) == _JUST_INTS:   # a read's values: the common big case
                return "[" + " ".join(map(str, obj)) + "]"
            return "[" + " ".join(self.flat(item) for item in obj) + "]"
        if isinstance(obj, (set, frozenset)):
            return "#{" + " ".join(self.flat(item) for item in self._items(obj)) + "}"
        return _scalar(obj, self.keyword_values)

    def _entry_value(self, key: Any, value: Any, column: int | None) -> str:
        if key == "valid?" and value == "unknown":
            return ":unknown"
        return self.flat(value) if column is None else self.render(value, column)

    def _items(self, obj: Any) -> list:
        # A set has no order of its own; sort by rendering so the output is reproducible.
        if isinstance(obj, (set, frozenset)):
            return sorted(obj, key=self.flat)
        return list(obj)

    def _fill(self, words: list[str], column: int) -> list[str]:
        """Scalars packed into as few lines as fit, like a paragraph."""
        lines = [words[0]]
        for word in words[1:]:
            if column + len(lines[-1]) + 1 + len(word) <= self.width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return lines


# One line, strings as strings or keywords as keywords (dumps(..., compact=True)).
_COMPACT = _Printer(False, None)
_COMPACT_KEYWORDS = _Printer(True, None)

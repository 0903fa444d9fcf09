"""unique-ids (docs/maelstrom.md §6.2): nodes answer ``generate`` with ids that must be globally unique.

Ids may be any JSON value, so the checker compares them as Clojure does (see
:mod:`tests.harness.jsonvalues`): ``1`` and ``1.0`` are different ids, and ``compare``'s
order, used for the range and the listing of duplicates, exists only between some pairs of
values.
"""
from __future__ import annotations

import json
from typing import Any, Hashable

from ...jsonvalues import json_compare, json_key, json_sorted_by
from ...schema import check_response, is_any
from ..base import Workload, with_errors
from .explain import explain_unique_ids

# Maelstrom reports only some of the duplicated ids, to keep results small.
MAX_DUPLICATES_SHOWN = 48


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

    def explain(self, ctx):
        return explain_unique_ids(ctx)

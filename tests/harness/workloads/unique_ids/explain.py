"""Why a unique-ids run is invalid: each duplicated id with the ops that received it."""
from __future__ import annotations

import json
from typing import Any

from ...explain import Context, Part, names, para, plural, seconds, table
from ...jsonvalues import json_key

CONSOLE_IDS = 3


def _key_of_reported(key: str) -> Any:
    """The id behind a key of the checker's ``duplicated`` map (non-strings are JSON text)."""
    try:
        return json_key(json.loads(key))
    except ValueError:
        return json_key(key)


def explain_unique_ids(ctx: Context) -> Part | None:
    result = ctx.results.get("workload") or {}
    duplicated = result.get("duplicated") or {}
    if result.get("valid?") is not False or not duplicated:
        return None
    # A reported key may be a string id or the JSON text of another id: accept either.
    wanted = {json_key(k) for k in duplicated} | {_key_of_reported(k) for k in duplicated}
    holders: dict[Any, dict] = {}
    for op in ctx.history():
        if op.get("f") != "generate" or op.get("type") != "ok":
            continue
        try:
            key = json_key(op.get("value"))
        except TypeError:
            continue
        if key in wanted:
            entry = holders.setdefault(key, {"id": op.get("value"), "received-by": []})
            entry["received-by"].append({"process": op["process"], "node": ctx.node_of(op["process"]),
                                         "time-ns": op["time"]})
    found = sorted(holders.values(), key=lambda e: e["received-by"][0]["time-ns"])
    across = sum(1 for e in found if len({r["node"] for r in e["received-by"]}) > 1)
    headline = (f"{plural(result.get('duplicated-count', len(found)), 'id')} went to more than one op "
                f"(of {result.get('acknowledged-count')} acknowledged); the first {len(found)} shown.")
    lines = [headline]
    if found and across == len(found):
        lines.append("Every duplicate was handed out by different nodes, none by one node twice: ids must also "
                     "differ between nodes (include something that tells nodes apart, such as the node id).")
    elif found and across == 0:
        lines.append("Every duplicate was handed out twice by one node.")
    for e in found[:CONSOLE_IDS]:
        lines.append(f"id {json.dumps(e['id'])}: " + names(
            [f"{r['node']} (process {r['process']}) at {seconds(r['time-ns'])}" for r in e["received-by"]], 4))
    page = "".join(para(line) for line in lines[:2]) + table(
        ["id", "received by (node, process, time)"],
        [[json.dumps(e["id"]), "; ".join(f"{r['node']}, process {r['process']}, {seconds(r['time-ns'])}"
                                         for r in e["received-by"])] for e in found])
    return Part("workload", "Duplicated ids", lines, {"summary": headline, "duplicates": found}, page)

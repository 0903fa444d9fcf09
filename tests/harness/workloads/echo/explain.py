"""Why an echo run is invalid: each echo that came back different from what was sent."""
from __future__ import annotations

import json

from ...explain import Context, Part, para, plural, seconds, table
from ..base import invokes_and_completions

CONSOLE_ITEMS = 3
KEPT = 1000


def explain_echo(ctx: Context) -> Part | None:
    result = ctx.results.get("workload") or {}
    if result.get("valid?") is not False:
        return None
    wrong, count = [], 0
    for invoke, done in invokes_and_completions(ctx.history()):
        if invoke.get("f") != "echo" or done["type"] != "ok":
            continue
        got = done.get("value")
        if not (isinstance(got, dict) and "echo" in got and got["echo"] == invoke.get("value")):
            count += 1
            if len(wrong) < KEPT:
                wrong.append({"process": invoke["process"], "node": ctx.node_of(invoke["process"]),
                              "time-ns": invoke["time"], "sent": invoke.get("value"), "received": got})
    headline = f"{plural(count, 'echo', 'echoes')} came back different from what was sent."
    lines = [headline, *(f"{w['node']} answered {w['sent']!r} with {json.dumps(w['received'])}"
                         for w in wrong[:CONSOLE_ITEMS])]
    page = para(headline) + table(["at", "node", "sent", "received body"],
                                  [[seconds(w["time-ns"]), w["node"], w["sent"], json.dumps(w["received"])]
                                   for w in wrong])
    return Part("workload", "Wrong echoes", lines, {"summary": headline, "count": count, "mismatches": wrong}, page)

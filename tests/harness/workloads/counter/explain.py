"""Why a g-counter or pn-counter run is invalid: the acknowledged adds the final reads do not
account for, per node.

Each final read should equal the sum of every acknowledged add (plus any subset of the
indeterminate ones). The explanation lists, per node, the adds acknowledged through it and
the final reads taken there, and for each read outside the acceptable sums, whose adds it
is missing: when the read equals exactly the adds acknowledged through some of the nodes
(searched over every subset for up to ``SUBSET_NODES`` nodes), the other nodes' adds are
the ones it never counted.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any

from ...explain import Context, Part, names, para, plural, seconds, table

SUBSET_NODES = 12
CONSOLE_READS = 3


def per_node_adds(ctx: Context) -> tuple[dict[str, dict], list[dict]]:
    """node -> counts and sums of its acknowledged and indeterminate adds; the final reads."""
    nodes = {n: {"ok-count": 0, "ok-sum": 0, "info-count": 0, "info-sum": 0} for n in ctx.opts.nodes}
    reads, invokes = [], {}
    for op in ctx.history():
        p = op.get("process")
        if p == "nemesis":
            continue
        if op["type"] == "invoke":
            invokes[p] = op
            continue
        invoke = invokes.pop(p, None)
        node = ctx.node_of(p)
        if op.get("f") == "add" and op["type"] in ("ok", "info") and node in nodes \
                and isinstance(op.get("value"), int):
            kind = "ok" if op["type"] == "ok" else "info"
            nodes[node][f"{kind}-count"] += 1
            nodes[node][f"{kind}-sum"] += op["value"]
        elif op.get("f") == "read" and op.get("final?") and op["type"] == "ok":
            reads.append({"process": p, "node": node, "value": op.get("value"),
                          "time-ns": invoke["time"] if invoke else op["time"]})
    return nodes, reads


def accounted_by(value: Any, nodes: dict[str, dict], reader: str | None = None) -> list[str] | None:
    """The smallest set of nodes whose acknowledged adds sum to exactly ``value`` (ignoring
    indeterminate adds), preferring among equally small ones a set with the ``reader``'s
    own node; None if there is none or too many nodes to search."""
    if not isinstance(value, int) or len(nodes) > SUBSET_NODES:
        return None
    order = sorted(nodes)
    for size in range(0, len(order) + 1):
        found = [list(subset) for subset in combinations(order, size)
                 if sum(nodes[n]["ok-sum"] for n in subset) == value]
        if found:
            return next((s for s in found if reader in s), found[0])
    return None


def explain_counter(ctx: Context) -> Part | None:
    result = ctx.results.get("workload") or {}
    if result.get("valid?") is not False:
        return None
    nodes, reads = per_node_adds(ctx)
    acceptable = result.get("acceptable") or []
    ranges = ", ".join(f"{lo}..{hi}" if lo != hi else f"{lo}" for lo, hi in acceptable) or "none"
    total = sum(n["ok-sum"] for n in nodes.values())
    pending = sum(n["info-count"] for n in nodes.values())
    wrong = [r for r in reads if not any(lo <= r["value"] <= hi for lo, hi in acceptable
                                         if isinstance(r["value"], int))]
    headline = (f"{len(wrong)} of {plural(len(reads), 'final read')} did not count every acknowledged add: "
                f"the acknowledged adds sum to {total}"
                + (f" (with {plural(pending, 'indeterminate add')}, any of {ranges} is acceptable)" if pending else "")
                + ".")
    details = []
    for r in wrong:
        line = f"{r['node']} read {r['value']} at {seconds(r['time-ns'])}"
        subset = accounted_by(r["value"], nodes, r["node"])
        if subset is not None:
            missing = [n for n in sorted(nodes) if n not in subset and nodes[n]["ok-count"]]
            own = " itself" if subset == [r["node"]] else ""
            line += (f", the sum of the adds acknowledged by {names(subset) if subset else 'no node'}{own}: as if "
                     f"it missed the {sum(nodes[n]['ok-sum'] for n in missing)} acknowledged by {names(missing)} "
                     f"({plural(sum(nodes[n]['ok-count'] for n in missing), 'add')})")
            r["accounts-for"], r["missing-adds-of"] = subset, missing
        elif isinstance(r["value"], int):
            line += f": {abs(total - r['value'])} {'short of' if r['value'] < total else 'more than'} the acknowledged sum"
        details.append(line)
    same = [r for r in wrong if r.get("accounts-for") == [r["node"]]]
    if same and len(same) == len(wrong):
        details.insert(0, "Every wrong read is the sum of the adds acknowledged by the node it was taken on, "
                          "as if the nodes never learned of each other's adds.")
    rows = [[n, v["ok-count"], v["ok-sum"], v["info-count"], v["info-sum"],
             ", ".join(str(r["value"]) for r in reads if r["node"] == n) or "–"] for n, v in sorted(nodes.items())]
    page = para(headline) + "".join(para(d) for d in details) + table(
        ["node", "acknowledged adds", "their sum", "indeterminate adds", "their sum", "final reads there"], rows)
    data = {"summary": headline, "acknowledged-sum": total, "acceptable": acceptable,
            "per-node": nodes, "wrong-reads": wrong}
    return Part("workload", "Final reads that miss acknowledged adds", [headline, *details[:CONSOLE_READS + 1]],
                data, page)

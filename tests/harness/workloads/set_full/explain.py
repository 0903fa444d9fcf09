"""Why a broadcast or g-set run lost values (or was slow): each value's whole path.

For every lost value (the set-full checker's ``lost``): the op that added it and the node
that acknowledged it, when; which nodes had it, since when and from whom; for each node that
never had it, how many messages carrying it were sent there and what became of the last one
(delivered, dropped by the partition in force, dropped because its receiver was down, or
still in flight at the end); and the final reads that lacked it. For a run that misses its
challenge's latency limits, the same for the slowest stable values: how long each took to
reach the last node, and along which path. A small message diagram per value draws only
the messages whose body carries it (tests/harness/tracing.py says how they are found).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ... import footer
from ...explain import Context, Part, esc, figure, latency_failed, names, para, plural, seconds, table
from ...messages_svg import Window, messages_svg, participant_order
from ...plots import NS_PER_MS
from ...tracing import Hop, Trace, Tracer, diagram_events

TRACED_MAX = 2000        # lost values followed through the journal (the page lists them all)
DIAGRAMS = 3             # per-value message diagrams drawn
SLOWEST = 3              # slowest stable values explained when a latency limit is missed
CONSOLE_VALUES = 3


class Faults:
    """The faults of a run's history: partitions (to say which one was in force at a moment)
    and the times each node was killed."""

    def __init__(self) -> None:
        self.periods: list[list] = []     # [start ns, end ns or None, {receiver: [senders]}]
        self.kills: dict[str, list[int]] = {}     # node -> when the nemesis killed it
        self.starts: dict[str, list[int]] = {}    # node -> when the nemesis started it again

    def see(self, op: dict) -> None:
        if op.get("process") != "nemesis":
            return
        value = op.get("value")
        if op.get("f") == "start-partition" and isinstance(value, list) and len(value) == 2 \
                and isinstance(value[1], dict):
            self.periods.append([op["time"], None, value[1]])
        elif op.get("f") == "stop-partition" and value == "network-healed" and self.periods \
                and self.periods[-1][1] is None:
            self.periods[-1][1] = op["time"]
        elif op.get("f") == "kill" and isinstance(value, dict):
            for node, what in value.items():
                if what == "killed":
                    self.kills.setdefault(node, []).append(op["time"])
        elif op.get("f") == "start" and isinstance(value, dict):
            for node, what in value.items():
                if what == "started":
                    self.starts.setdefault(node, []).append(op["time"])

    def killed_after(self, node: str, since: int) -> int | None:
        """When ``node`` was first killed after ``since`` (ns), if it was."""
        return next((t for t in self.kills.get(node, ()) if t >= since), None)

    def down_since(self, node: str, at: int) -> int | None:
        """When ``node`` was killed, if it was down at ``at`` (ns): killed, not started since."""
        killed = max((t for t in self.kills.get(node, ()) if t <= at), default=None)
        if killed is None or any(killed <= t <= at for t in self.starts.get(node, ())):
            return None
        return killed

    def period(self, hop: Hop) -> str:
        """The partition that dropped ``hop``, as ``from … to …``."""
        for start, end, grudge in reversed(self.periods):
            if start <= (hop.at or 0) and hop.src in grudge.get(hop.dest, ()):
                return f"from {seconds(start)} to {seconds(end) if end is not None else 'the end'}"
        return "in force"

    def cut(self, hop: Hop) -> str:
        """Which partition dropped ``hop``, in a few words."""
        return f"{hop.dest} did not hear {hop.src} in the partition {self.period(hop)}"


def fate(hop: Hop, faults: Faults) -> str:
    if hop.fate == "delivered":
        return f"delivered at {seconds(hop.at)}"
    if hop.fate == "dropped":
        if hop.reason == "partition":
            return f"dropped at {seconds(hop.at)}: {faults.cut(hop)}"
        if hop.reason == "receiver-down":
            return f"dropped at {seconds(hop.at)}: {hop.dest} was down"
        return f"dropped at {seconds(hop.at)} ({hop.reason})"
    down = faults.down_since(hop.dest, hop.sent)
    if down is not None:
        return f"sent at {seconds(hop.sent)} to {hop.dest}, down since {seconds(down)}: never delivered"
    return "still in flight when the run ended"


class FinalReads:
    """Each client thread's last ok read (broadcast: its final? reads), reduced to which
    traced values it held."""

    def __init__(self, ctx: Context, traced: set) -> None:
        self.ctx, self.traced = ctx, traced
        self.concurrency = max(ctx.opts.concurrency, 1)
        self.last: dict[int, dict] = {}
        self.final_flagged = False

    def see(self, op: dict) -> None:
        if op.get("f") != "read" or op.get("type") != "ok" or not isinstance(op.get("process"), int):
            return
        flagged = bool(op.get("final?"))
        if self.final_flagged and not flagged:
            return
        if flagged and not self.final_flagged:
            self.final_flagged, self.last = True, {}
        values = op.get("value") or []
        held = {v for v in values if type(v) is int and v in self.traced}
        self.last[op["process"] % self.concurrency] = {
            "process": op["process"], "node": self.ctx.node_of(op["process"]), "time": op["time"], "held": held}

    def lacking(self, value: Any) -> list[dict]:
        return sorted((r for r in self.last.values() if value not in r["held"]), key=lambda r: r["time"])


def read_history(ctx: Context, traced: set) -> tuple[dict, FinalReads, Faults]:
    """The add op of each traced value, the final reads and the faults."""
    adds: dict[Any, dict] = {}
    invokes: dict[Any, dict] = {}
    reads = FinalReads(ctx, traced)
    faults = Faults()
    for op in ctx.history():
        faults.see(op)
        reads.see(op)
        p = op.get("process")
        if op.get("f") not in ("broadcast", "add") or p == "nemesis":
            continue
        if op["type"] == "invoke":
            invokes[p] = op
        else:
            invoke = invokes.pop(p, None)
            if invoke is not None and type(invoke.get("value")) is int and invoke["value"] in traced:
                adds[invoke["value"]] = {"process": p, "node": ctx.node_of(p), "invoked": invoke["time"],
                                         "type": op["type"], "completed": op["time"]}
    return adds, reads, faults


def value_facts(value: int, trace: Trace, add: dict | None, lacking: list[dict],
                nodes: list[str], faults: Faults) -> dict:
    """What happened to one value, as data for results.json."""
    had = sorted(trace.had.items(), key=lambda item: item[1][0])
    missing = [n for n in nodes if n not in trace.had]
    facts: dict[str, Any] = {"value": value}
    if add:
        facts["added"] = {**add, "acknowledged-by": trace.ack.src if trace.ack else None,
                          "acknowledged-ns": trace.ack.sent if trace.ack else None}
    facts["had"] = [{"node": n, "since-ns": t, "from": via.src if via else "client",
                     **({"message": via.id} if via else {}),
                     **({"killed-ns": k} if (k := faults.killed_after(n, t)) is not None else {})}
                    for n, (t, via) in had]
    facts["never-had"] = [{"node": n, "messages-sent-there": trace.sent_to.get(n, 0),
                           **({"last": _last(trace.last_to[n], faults)} if n in trace.last_to else {})}
                          for n in missing]
    facts["messages"] = trace.carriers
    facts["final-reads-lacking"] = [{"process": r["process"], "node": r["node"], "time-ns": r["time"]}
                                    for r in lacking]
    return facts


def _last(hop: Hop, faults: Faults) -> dict:
    last = {**hop.as_data(), "fate-text": fate(hop, faults)}
    if hop.reason == "partition":
        last["partition"] = faults.period(hop)
    return last


def _where_it_died(never: list[dict]) -> list[str]:
    """The nodes that never had a value, grouped by what became of the last message there."""
    groups: dict[str, list[str]] = {}
    for n in never:
        last = n.get("last")
        if last is None:
            key = "nothing carried it to {}"
        elif last.get("reason") == "partition":
            key = f"its last messages to {{}} were dropped by the partition {last['partition']}"
        elif last.get("reason") == "receiver-down":
            key = "its last messages to {} were dropped: the receiver was down"
        elif last["fate"] == "in-flight" and "down since" in last["fate-text"]:
            key = "its last messages to {} went to a node that was down and never delivered"
        elif last["fate"] == "in-flight":
            key = "its messages to {} were still in flight when the run ended"
        else:
            key = f"its last messages to {{}} were {last['fate-text']}"
        groups.setdefault(key, []).append(n["node"])
    return [key.format(names(nodes)) for key, nodes in groups.items()]


def brief(facts: dict) -> str:
    """The console line of one value: where it got and where its messages died."""
    parts = []
    add = facts.get("added")
    if add and add.get("acknowledged-by") and add.get("acknowledged-ns") is not None:
        parts.append(f"acknowledged by {add['acknowledged-by']} at {seconds(add['acknowledged-ns'])}")
    had = [h["node"] + (f" (killed at {seconds(h['killed-ns'])})" if "killed-ns" in h else "") for h in facts["had"]]
    parts.append(f"reached {names(had) if had else 'no node'}")
    parts += _where_it_died(facts["never-had"])
    return f"value {facts['value']}: " + "; ".join(parts)


def sentence(facts: dict) -> str:
    """The page's line of one value: the console's, with the message count and the final
    reads that lacked it."""
    line = brief(facts) + f"; {plural(facts['messages'], 'message')} carried it in all"
    lacking = facts["final-reads-lacking"]
    if lacking:
        line += f"; final reads lacking it: {names(sorted({str(r['node']) for r in lacking}, key=participant_order), 12)}"
    return line


def patterns(all_facts: list[dict]) -> list[str]:
    """What the lost values have in common, most widespread first."""
    n = len(all_facts)

    def share(count: int) -> str:
        return "all" if count == n else f"{count} of the"

    def last_reason(f: dict, reason: str) -> bool:
        return any(nv.get("last", {}).get("reason") == reason for nv in f["never-had"])

    found: list[tuple[int, str]] = []
    alone = sum(1 for f in all_facts if len(f["had"]) <= 1 and f["messages"] == 0)
    if alone:
        it = "them" if alone > 1 else "it"
        found.append((alone, f"{share(alone).capitalize()} {n} never left the node that received {it}: "
                             f"no message carried {it} anywhere."))
    dropped = sum(1 for f in all_facts if last_reason(f, "partition"))
    if dropped:
        healed = all("the end" not in nv["last"].get("partition", "") for f in all_facts for nv in f["never-had"]
                     if nv.get("last", {}).get("reason") == "partition")
        found.append((dropped, f"For {share(dropped)} {n}, the last message carrying it to a node that never had it "
                               f"was dropped by a partition, and nothing carried it there afterwards"
                               + (", though the partition healed: a value must be sent again until its receiver "
                                  "confirms it." if healed else ".")))
    down = sum(1 for f in all_facts if last_reason(f, "receiver-down"))
    if down:
        found.append((down, f"For {share(down)} {n}, the last message carrying it to a node that never had it was "
                            f"dropped because that node was down, and nothing carried it there after it restarted."))
    forgotten = sum(1 for f in all_facts if f["had"] and all("killed-ns" in h for h in f["had"]))
    if forgotten:
        found.append((forgotten, f"For {share(forgotten)} {n}, every node that had it was killed afterwards, and no "
                                 f"later read shows it: a node must keep what it acknowledged (on disk) across a restart."))
    return [text for _, text in sorted(found, key=lambda item: -item[0])]


def path_picture(ctx: Context, facts: dict, trace: Trace, kind: str) -> str:
    events = diagram_events(trace)
    title = (f"Value {facts['value']} ({kind}): only the messages that carried it — "
             f"its add, the first message to reach each node, the last one to each node that never had it")
    svg = messages_svg(events, window=Window(events), title=title)
    return ctx.picture(f"explain-value-{facts['value']}.svg", svg)


def slow_value(facts: dict, trace: Trace, stable_ms: Any) -> str:
    had = sorted(trace.had.items(), key=lambda item: item[1][0])
    if not had:
        return f"value {facts['value']}: stable after {stable_ms} ms, but no message carrying it was found"
    last_node, (last_at, _) = had[-1]
    start = trace.ack.sent if trace.ack else had[0][1][0]
    path = trace.path_to(last_node)
    return (f"value {facts['value']}: stable {stable_ms} ms after it was known; it reached the last of "
            f"{plural(len(had), 'node')}, {last_node}, {(last_at - start) / NS_PER_MS:,.0f} ms after its "
            f"acknowledgement, along {' → '.join(path)} ({plural(len(path) - 1, 'hop')}); "
            f"{plural(trace.carriers, 'message')} carried it in all")


def explain_set_full(ctx: Context, add_type: str) -> list[Part]:
    result = ctx.results.get("workload") or {}
    lost = [v for v in result.get("lost") or [] if type(v) is int]
    slow = [r for r in result.get("worst-stale") or [] if isinstance(r, dict)]
    slow = slow[:SLOWEST] if latency_failed(ctx) else []
    traced = set(lost[:TRACED_MAX]) | {r.get("element") for r in slow if type(r.get("element")) is int}
    adds, reads, faults = read_history(ctx, traced)
    traces = Tracer(traced, add_type).run(ctx.journal())
    nodes = list(ctx.opts.nodes)
    parts: list[Part] = []
    if result.get("lost-count"):
        parts.append(_lost_part(ctx, result, lost, traces, adds, reads, faults, nodes))
    elif result.get("valid?") == "unknown" and not result.get("stable-count"):
        line = (f"No value was ever seen by a read ({result.get('attempt-count', 0)} added, "
                f"{result.get('never-read-count', 0)} never read): without a read that saw it, "
                f"the checker cannot call any value stable.")
        parts.append(Part("workload", "Nothing was ever read", [line], {"summary": line}))
    if slow:
        parts.append(_slow_part(ctx, slow, traces, adds, reads, faults, nodes))
    return parts


def _lost_part(ctx, result, lost, traces, adds, reads, faults, nodes) -> Part:
    all_facts = [value_facts(v, traces[v], adds.get(v), reads.lacking(v), nodes, faults)
                 for v in lost if v in traces]
    lacking_nodes = sorted({str(r["node"]) for f in all_facts for r in f["final-reads-lacking"]}, key=participant_order)
    headline = (f"{result['lost-count']} of {result.get('attempt-count')} values were lost: known to exist "
                f"(acknowledged, or seen by a read), then missing from every later read"
                + (f", the final reads on {names(lacking_nodes)} included." if lacking_nodes else "."))
    common = patterns(all_facts)
    lines = [headline, *common[:2], *(brief(f) for f in all_facts[:CONSOLE_VALUES])]
    if len(all_facts) > CONSOLE_VALUES:
        lines.append(f"… {len(all_facts) - CONSOLE_VALUES} more on the run page")
    page = para(headline) + "".join(para(c) for c in common)
    for f in all_facts[:DIAGRAMS]:
        name = path_picture(ctx, f, traces[f["value"]], "lost")
        page += f"<h4>Value {esc(f['value'])}</h4>" + para(sentence(f)) + figure(name, f"value {f['value']}'s messages")
    rows = [[f["value"],
             f["added"]["acknowledged-by"] or f["added"]["node"] if f.get("added") else "?",
             seconds(f["added"]["acknowledged-ns"] or f["added"]["invoked"]) if f.get("added") else "?",
             ", ".join(h["node"] for h in f["had"]) or "–",
             f["messages"],
             "; ".join(_where_it_died(f["never-had"])) or "–",
             ", ".join(sorted({str(r["node"]) for r in f["final-reads-lacking"]}, key=participant_order)) or "–"]
            for f in all_facts]
    page += "<h4>Every lost value</h4>" + table(
        ["value", "acknowledged by", "at", "nodes that had it", "messages carrying it",
         "the nodes that never had it: what became of the last message there", "final reads lacking it"], rows, limit=1000)
    if len(lost) > len(all_facts):
        page += para(f"Only the first {len(all_facts)} lost values were followed through the journal.")
    data = {"summary": headline, "patterns": common, "lost": all_facts}
    return Part("workload", "Lost values", lines, data, page)


def _slow_part(ctx, slow, traces, adds, reads, faults, nodes) -> Part:
    lines, data, page = [], [], ""
    for r in slow:
        v = r.get("element")
        trace = traces.get(v)
        if trace is None:
            continue
        facts = value_facts(v, trace, adds.get(v), [], nodes, faults)
        facts["stable-latency-ms"] = r.get("stable-latency")
        line = slow_value(facts, trace, r.get("stable-latency"))
        lines.append(line)
        data.append(facts)
        name = path_picture(ctx, facts, trace, "slow")
        page += f"<h4>Value {esc(v)}</h4>" + para(line) + figure(name, f"value {v}'s messages")
    missed = [f"{label.replace('stable latency ', '')} {value} ({limit.replace('  FAIL', '')})"
              for label, value, limit in footer.rows(ctx.results, ctx.challenge) if "FAIL" in limit and "latency" in label]
    headline = (f"Stable latency misses the challenge's limits: {', '.join(missed)}. The slowest values, "
                f"and the paths they took:")
    return Part("latency", "Slowest values", [headline, *lines],
                {"summary": headline, "slowest": data}, para(headline) + page)

"""Why a kafka run is invalid: each lost, skipped or reordered offset with its send's
acknowledgement and the polls that went past it.

The checker's result names the cases (``lost-write``, ``poll-skip``, ``nonmonotonic-poll``,
``inconsistent-offsets``, ``duplicate``, ``unseen``...). One pass over the history adds, for
the offsets in those cases only: which op's send was acknowledged with that offset and when,
and which ok polls went past it without returning it, either inside one poll (offsets below
and above it, but not it) or between one process's successive polls of the key (the first
ended below it, the next began above it).
"""
from __future__ import annotations

import json
from typing import Any

from ...explain import Context, Part, esc, names, para, plural, seconds, table
from .checker import op_reads, op_writes, thaw

CASES_FOLLOWED = 500
SKIPS_KEPT = 3
CONSOLE_CASES = 3
MEANINGS = {
    "lost-write": "an acknowledged send that no poll ever returned, though polls went past its offset",
    "poll-skip": "a process's next poll of a key began past an offset its previous poll had not reached",
    "nonmonotonic-poll": "a process's next poll of a key went back to an earlier offset",
    "int-poll-skip": "one poll returned offsets with a gap where a message was",
    "int-nonmonotonic-poll": "one poll returned a key's offsets out of order",
    "inconsistent-offsets": "one offset of a key held two different messages",
    "duplicate": "one message appeared at two offsets",
    "unseen": "acknowledged sends that no poll ever returned by the end",
    "G1a": "a poll returned a message whose send failed",
    "precommitted-read": "an op polled its own send's message",
    "nonmonotonic-send": "a process's later send got an earlier offset",
    "int-nonmonotonic-send": "one op's sends got offsets out of order",
}


def offset_of(case: dict) -> int | None:
    """The offset a lost-write case is about (its writer's acknowledged offset)."""
    for mop in (case.get("writer") or {}).get("value") or ():
        if isinstance(mop, list) and len(mop) == 3 and mop[1] == case.get("key") \
                and isinstance(mop[2], list) and len(mop[2]) == 2 and mop[2][1] == case.get("value"):
            return mop[2][0]
    return None


class Offsets:
    """For a few (key, offset) targets: the acknowledged send, and the polls that went past."""

    def __init__(self, targets: set[tuple[str, int]]):
        self.targets = targets
        self.keys = {k for k, _ in targets}
        self.sent: dict[tuple[str, int], dict] = {}
        self.skipped_by: dict[tuple[str, int], list[dict]] = {t: [] for t in targets}
        self._last: dict[tuple[Any, str], int] = {}     # (process, key) -> highest offset polled

    def see(self, op: dict) -> None:
        if op.get("type") != "ok":
            return
        for k, pairs in op_writes(op).items():
            for offset, value in pairs:
                if (k, offset) in self.targets:
                    self.sent[(k, offset)] = {"process": op["process"], "time-ns": op["time"], "value": thaw(value)}
        for k, pairs in op_reads(op).items():
            if k not in self.keys:
                continue
            offsets = sorted(o for o, _ in pairs if isinstance(o, int))
            if not offsets:
                continue
            got, before = set(offsets), self._last.get((op["process"], k))
            for (tk, o) in self.targets:
                if tk != k or o in got:
                    continue
                if offsets[0] < o < offsets[-1]:
                    how = f"returned offsets {offsets[0]}..{offsets[-1]} of key {k} without it"
                elif before is not None and before < o < offsets[0]:
                    how = f"went from offset {before} (its previous poll) to {offsets[0]}"
                elif before is None and o < offsets[0]:
                    how = f"began at offset {offsets[0]} (its first poll of key {k})"
                else:
                    continue
                if len(self.skipped_by[(k, o)]) < SKIPS_KEPT:
                    self.skipped_by[(k, o)].append({"process": op["process"], "time-ns": op["time"], "how": how})
            self._last[(op["process"], k)] = offsets[-1]


def explain_kafka(ctx: Context) -> Part | None:
    result = ctx.results.get("workload") or {}
    bad = result.get("bad-error-types") or []
    if result.get("valid?") is not False or not bad:
        return None
    lost = [c for c in (result.get("lost-write") or {}).get("errs") or [] if isinstance(c, dict)]
    targets = {(c["key"], o) for c in lost[:CASES_FOLLOWED] if (o := offset_of(c)) is not None}
    offsets = Offsets(targets)
    for op in ctx.history():
        if op.get("process") != "nemesis":
            offsets.see(op)
    headline = f"The log broke its contract: {names([f'{kind} ({MEANINGS.get(kind, kind)})' for kind in bad], 4)}."
    lines, page, data = [headline], para(headline), {"summary": headline, "error-types": bad}
    followed = []
    for c in lost[:CASES_FOLLOWED]:
        o = offset_of(c)
        sent = offsets.sent.get((c["key"], o)) or {}
        skips = offsets.skipped_by.get((c["key"], o), [])
        text = (f"key {c['key']} offset {o} (value {json.dumps(c.get('value'))}): acknowledged to process "
                f"{sent.get('process', (c.get('writer') or {}).get('process'))} at "
                f"{seconds(sent.get('time-ns', (c.get('writer') or {}).get('time')))}; never polled, though ")
        text += ("; ".join(f"process {s['process']}'s poll at {seconds(s['time-ns'])} {s['how']}" for s in skips)
                 if skips else f"polls reached index {c.get('max-read-index')} of the key's log")
        followed.append({"key": c["key"], "offset": o, "value": c.get("value"), "sent": sent, "skipped-by": skips,
                         "explanation": text})
    if followed:
        lines.append(f"{plural((result.get('lost-write') or {}).get('count', len(lost)), 'acknowledged message')} "
                     f"lost, e.g.:")
        lines += [f["explanation"] for f in followed[:CONSOLE_CASES]]
        page += "<h4>Lost writes</h4>" + table(["key", "offset", "value", "acknowledged to", "at",
                                                "polls that went past it"],
                                               [[f["key"], f["offset"], json.dumps(f["value"]), f["sent"].get("process"),
                                                 seconds(f["sent"].get("time-ns")),
                                                 "; ".join(f"process {s['process']} at {seconds(s['time-ns'])}: {s['how']}"
                                                           for s in f["skipped-by"]) or "–"] for f in followed])
    data["lost"] = followed
    for kind in ("poll-skip", "nonmonotonic-poll", "inconsistent-offsets", "duplicate", "int-poll-skip"):
        cases = (result.get(kind) or {}).get("errs") or []
        if kind not in bad or not cases:
            continue
        texts = [case_text(kind, c) for c in cases if isinstance(c, dict)]
        data[kind] = texts
        if len(lines) < 2 + CONSOLE_CASES * 2:
            lines.append(f"{kind}: {texts[0]}" + (f" ({len(texts) - 1} more shown on the run page)" if len(texts) > 1 else ""))
        page += f"<h4>{kind}: {MEANINGS.get(kind, '')}</h4><ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>"
    unseen = result.get("unseen")
    if isinstance(unseen, dict) and "unseen" in bad:
        counts = unseen.get("unseen") or {}
        line = (f"{sum(counts.values())} acknowledged messages in {plural(len(counts), 'key')} were never polled "
                f"by anyone, e.g. key {next(iter(counts), '?')}: {json.dumps((unseen.get('messages') or {}).get(next(iter(counts), ''), [])[:8])}")
        data["unseen"] = line
        lines.append(line)
        page += para(line)
    return Part("workload", "What the log lost or reordered", lines, data, page)


def case_text(kind: str, c: dict) -> str:
    ops = [o for o in c.get("ops") or [] if isinstance(o, dict)]
    who = (f"process {ops[-1].get('process')}'s polls at {seconds(ops[0].get('time'))} and "
           f"{seconds(ops[-1].get('time'))}") if len(ops) == 2 else ""
    if kind == "poll-skip":
        return f"key {c.get('key')}: {who} skipped {json.dumps(c.get('skipped'))} ({c.get('delta')} offsets on)"
    if kind == "nonmonotonic-poll":
        return f"key {c.get('key')}: {who} went back from value {json.dumps((c.get('values') or [None])[0])} to {json.dumps((c.get('values') or [None, None])[-1])}"
    if kind == "inconsistent-offsets":
        return f"key {c.get('key')} offset {c.get('offset')} held {names([json.dumps(v) for v in c.get('values') or []])}"
    if kind == "duplicate":
        return f"key {c.get('key')}: value {json.dumps(c.get('value'))} at offsets {json.dumps(c.get('offsets'))}"
    if kind == "int-poll-skip":
        op = c.get("op") or {}
        return (f"key {c.get('key')}: process {op.get('process')}'s poll at {seconds(op.get('time'))} went from "
                f"{json.dumps((c.get('values') or [None])[0])} to {json.dumps((c.get('values') or [None])[-1])}, "
                f"skipping {json.dumps(c.get('skipped'))}")
    return json.dumps(c)[:300]

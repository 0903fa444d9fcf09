"""When each fault was in force, read back from a run's history (docs/maelstrom.md §4.5).

Pictures, the results and the footer show faults from the history alone, so a stored run
shows them as the live one did. A fault holds from the completion of the op that caused it
to the completion of the op that undid it, or to the end of the history:

- a partition (the whole network): ``start-partition`` to ``stop-partition``;
- a node down: the ``kill`` that says ``killed`` for it to the ``start`` that says ``started``;
- a node paused: the ``pause`` that says ``paused`` to the ``resume`` that says ``resumed``
  (or the ``kill`` that ends it).

A ``start`` that failed for a node (its completion's ``outcomes`` says ``failed``) leaves it
down: its process runs, but without init it serves nobody.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

KINDS = ("partition", "down", "paused")


@dataclass(frozen=True)
class Period:
    kind: str            # "partition", "down" or "paused"
    node: str | None     # None for a partition: it is the whole network's
    start: int           # ns since the run's origin
    end: int | None      # None: still in force when the history ends
    detail: str = ""     # a partition's shape

    def describe(self) -> str:
        who = f"partition ({self.detail})" if self.kind == "partition" else f"{self.node} {self.kind}"
        until = "the end" if self.end is None else f"{self.end / 1e9:.3f} s"
        return f"{who} from {self.start / 1e9:.3f} s to {until}"


def nemesis_ops(history: Iterable[dict]) -> Iterator[tuple[dict, dict]]:
    """The nemesis's ops as (invocation, completion): it logs both as ``info``, in pairs."""
    invocation = None
    for op in history:
        if op.get("process") == "nemesis":
            if invocation is None:
                invocation = op
            else:
                yield invocation, op
                invocation = None


def _outcomes(op: dict) -> dict:
    value = op.get("value")
    if isinstance(value, dict):
        return value
    outcomes = op.get("outcomes")
    return outcomes if isinstance(outcomes, dict) else {}


def fault_periods(history: Iterable[dict]) -> list[Period]:
    """Every fault period of the history, in the order they began."""
    done: list[Period] = []
    partition: tuple[int, str] | None = None
    down: dict[str, int] = {}
    paused: dict[str, int] = {}
    for invocation, op in nemesis_ops(history):
        f, t = op.get("f"), op["time"]
        if f == "start-partition" and partition is None:
            partition = (t, str(invocation.get("value")))
        elif f == "stop-partition" and partition is not None:
            done.append(Period("partition", None, partition[0], t, partition[1]))
            partition = None
        for node, outcome in _outcomes(op).items():
            if f == "kill" and outcome == "killed":
                if node in paused:
                    done.append(Period("paused", node, paused.pop(node), t))
                down.setdefault(node, t)
            elif f == "start" and outcome == "started" and node in down:
                done.append(Period("down", node, down.pop(node), t))
            elif f == "pause" and outcome == "paused":
                paused.setdefault(node, t)
            elif f == "resume" and outcome == "resumed" and node in paused:
                done.append(Period("paused", node, paused.pop(node), t))
    if partition is not None:
        done.append(Period("partition", None, partition[0], None, partition[1]))
    done += [Period("down", node, t, None) for node, t in down.items()]
    done += [Period("paused", node, t, None) for node, t in paused.items()]
    return sorted(done, key=lambda p: (p.start, KINDS.index(p.kind), p.node or ""))


def read_fault_periods(history_path: Path) -> list[Period]:
    """``fault_periods`` of a stored history, parsing only the nemesis's lines."""
    if not history_path.exists():
        return []
    with open(history_path, encoding="utf-8") as f:
        ops = [json.loads(line) for line in f if '"nemesis"' in line]
    return fault_periods(op for op in ops if op.get("process") == "nemesis")


def summary(periods: list[Period], history: Iterable[dict] = ()) -> dict:
    """How many of each fault the run had, for the results (``harness.faults``): counts of
    partitions, node kills and node pauses, and the restarts that failed."""
    out = {"partitions": sum(p.kind == "partition" for p in periods),
           "node-kills": sum(p.kind == "down" for p in periods),
           "node-pauses": sum(p.kind == "paused" for p in periods)}
    failed = [{"time": op["time"], "node": node, "error": op.get("error")}
              for _, op in nemesis_ops(history) if op.get("f") == "start"
              for node, outcome in _outcomes(op).items() if outcome == "failed"]
    if failed:
        out["failed-restarts"] = failed
    return out


def footer_text(faults: dict) -> str:
    """``2 partitions, 5 node kills, 1 node pause`` (what the run had), or ""."""
    parts = []
    for key, one in (("partitions", "partition"), ("node-kills", "node kill"), ("node-pauses", "node pause")):
        n = faults.get(key)
        if isinstance(n, int) and n:
            parts.append(f"{n} {one}{'s' if n != 1 else ''}")
    failed = faults.get("failed-restarts")
    if isinstance(failed, list) and failed:
        parts.append(f"{len(failed)} restart{'s' if len(failed) != 1 else ''} FAILED")
    return ", ".join(parts)

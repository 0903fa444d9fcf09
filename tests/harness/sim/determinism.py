"""Are two stored runs of one seed the same run? If not, where they first part ways."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# What makes a node's run depend on more than its seed, in the simulator.
CAUSES = ("iterating over a set or dict of objects hashed by identity (their order follows memory "
          "addresses), state kept between runs at module level in a shared module, or time, "
          "randomness or I/O the simulator does not serve (a C extension, a file read at run time)")

FILES = (("history.jsonl", "history op"), ("net-journal.jsonl", "network journal line"))


@dataclass
class Report:
    same: bool
    text: str


def compare(first: Path, second: Path) -> Report:
    sizes = []
    for name, what in FILES:
        a, b = _lines(first / name), _lines(second / name)
        if a is None or b is None:
            return Report(False, f"Determinism: cannot compare, {name} is missing from "
                                 f"{first if a is None else second}")
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return Report(False, _differ(name, what, i, x, y))
        if len(a) != len(b):
            i = min(len(a), len(b))
            return Report(False, _differ(name, what, i, a[i] if i < len(a) else "(nothing: the run ended)",
                                         b[i] if i < len(b) else "(nothing: the run ended)"))
        sizes.append(len(a))
    return Report(True, f"Determinism: the seed gave the same history ({sizes[0]} ops) and network "
                        f"journal ({sizes[1]} events) twice, byte for byte.")


def _lines(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None


def _differ(name: str, what: str, index: int, x: str, y: str) -> str:
    when = _time(x) if _time(x) is not None else _time(y)
    at = f" at {when / 1e9:.6f} s" if when is not None else ""
    return "\n".join([
        f"Determinism: NOT deterministic. The two runs first differ at {what} {index}{at} ({name}):",
        f"  first run:  {x[:400]}",
        f"  second run: {y[:400]}",
        f"Likely causes in node code: {CAUSES}."])


def _time(line: str) -> int | None:
    try:
        value = json.loads(line).get("time")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None

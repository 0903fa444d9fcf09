"""The few lines printed after the verdict: the figures this workload is judged by.

A challenge is judged on two or three numbers that sit deep in the results map (servers
msgs-per-op, stable latency, availability, the final reads). This puts them under the
verdict, beside the challenge's published limits when ``make test-chX`` says which challenge
it is running (``GLOMERS_CHALLENGE``), and says where the run is stored and how to look at it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .nemesis.periods import footer_text

CHALLENGE_ENV = "GLOMERS_CHALLENGE"

# Published limits (challenge pages), as (label, figure key, upper bound exclusive).
LIMITS: dict[str, list[tuple[str, str, float]]] = {
    "3d": [("msgs-per-op", "msgs-per-op", 30), ("median", "median-ms", 400), ("max", "max-ms", 600)],
    "3e": [("msgs-per-op", "msgs-per-op", 20), ("median", "median-ms", 1000), ("max", "max-ms", 2000)],
}


# The set-full checker's terms (docs/maelstrom.md §6.5), one sentence each, for the run page.
# A value is "known" from its acknowledged add or the first read that shows it.
TERMS: list[tuple[str, str]] = [
    ("stable latency", "how long after a value was known (acknowledged, or shown by a read) some read "
                       "still missed it, i.e. how long it took to show in every node's reads; the median "
                       "and max are over all values."),
    ("stale", "a value that some read missed after it was known, though every later read shows it: "
              "normal wherever messages take time, never a failure."),
    ("lost", "a value that was known and then missing from every later read, the final reads "
             "included: one lost value makes the run invalid."),
    ("request latency", "how long a client waited from sending a request to its ok reply "
                        "(the harness's own figure; Maelstrom plots it without a number)."),
]


def figures(results: dict) -> dict[str, Any]:
    """The judged figures of a run, by key, for whichever of them its workload has."""
    workload = _map(results.get("workload"))
    servers = _map(_map(results.get("net")).get("servers"))
    found: dict[str, Any] = {}
    if "msgs-per-op" in servers:
        found["msgs-per-op"] = servers["msgs-per-op"]
    latencies = workload.get("stable-latencies")
    if isinstance(latencies, dict):
        found["median-ms"], found["max-ms"] = latencies.get("0.5"), latencies.get("1")
    for key in ("lost-count", "stable-count", "stale-count", "attempt-count", "acknowledged-count",
                "duplicated-count"):
        if key in workload:
            found[key] = workload[key]
    if "final-reads" in workload:
        found["final-reads"], found["acceptable"] = workload["final-reads"], workload.get("acceptable")
    op_latency = _map(_map(results.get("harness")).get("op-latency-ms"))
    if "p50" in op_latency:
        found["request-median-ms"] = op_latency["p50"]
    ok_fraction = _map(results.get("availability")).get("ok-fraction")
    if ok_fraction is not None:
        found["availability"] = ok_fraction
    stats = _map(results.get("stats"))
    if "count" in stats:
        found["ok-ops"], found["ops"] = stats.get("ok-count"), stats["count"]
    faults = _map(_map(results.get("harness")).get("faults"))
    if faults:
        found["faults"] = faults
    return found


def rows(results: dict, challenge: str | None = None) -> list[tuple[str, str, str]]:
    """(label, value, limit and outcome) for each judged figure the run has."""
    f = figures(results)
    limits = {key: bound for _, key, bound in LIMITS.get(challenge or "", [])}
    out: list[tuple[str, str, str]] = []
    for key, label, unit in (("msgs-per-op", "servers msgs-per-op", ""),
                             ("median-ms", "stable latency median", " ms"),
                             ("max-ms", "stable latency max", " ms")):
        if not _is_number(f.get(key)):
            continue
        limit = ""
        if key in limits:
            limit = f"< {_number(limits[key])}{unit}  {'pass' if f[key] < limits[key] else 'FAIL'}"
        out.append((label, f"{_number(f[key])}{unit}", limit))
    if _is_number(f.get("request-median-ms")):
        out.append(("request latency median", f"{_number(f['request-median-ms'])} ms",
                    "ok requests, from request to reply"))
    if "lost-count" in f:
        out.append(("values", f"{f.get('stable-count')} of {f.get('attempt-count')} stable, "
                              f"{f['lost-count']} lost", ""))
    if _is_number(f.get("stale-count")) and f["stale-count"] > 0:
        out.append(("stale values", f"{f['stale-count']}", "stable, only late to reach every read: not a failure"))
    if "final-reads" in f:
        ranges = ", ".join(f"{r[0]}..{r[1]}" if r[0] != r[1] else f"{r[0]}" for r in _list(f["acceptable"])
                           if isinstance(r, list) and len(r) == 2)
        out.append(("final reads", f"{f['final-reads']}", f"acceptable: {ranges or 'none'}"))
    if "acknowledged-count" in f:
        out.append(("duplicated ids", f"{f.get('duplicated-count')} of {f['acknowledged-count']}", ""))
    if "availability" in f:
        counts = f" ({f['ok-ops']} of {f['ops']} ops ok)" if "ops" in f else ""
        out.append(("availability", f"{f['availability']}{counts}", ""))
    if "faults" in f:
        out.append(("faults", footer_text(f["faults"]) or "none happened", "injected by the nemesis"))
    return out


def heading(challenge: str | None) -> str:
    if challenge in LIMITS:
        return f"Challenge {challenge}, judged by (published limits beside):"
    return f"Challenge {challenge}, judged by:" if challenge else "Figures:"


def lines(results: dict, run_dir: Path | str, challenge: str | None = None) -> list[str]:
    """The footer for a finished run: one aligned row per figure, then where to look."""
    table = rows(results, challenge)
    width = max((len(label) for label, _, _ in table), default=0)
    value_width = max((len(value) for _, value, limit in table if limit), default=0)
    out = [heading(challenge)]
    out += [f"  {label:<{width}}  {value:<{value_width}}  {limit}".rstrip() for label, value, limit in table]
    return [*out, *where(run_dir)]


def closing_lines(results: dict, run_dir: Path | str, challenge: str | None = None) -> list[str]:
    """Everything printed when a run ends: the results map (its explanation aside: that is
    summed up below the verdict), the verdict, why, and the judged figures."""
    from .edn import dumps as edn_dumps
    from .results import verdict_line
    shown = {key: value for key, value in results.items() if key != "explanation"}
    why = _map(results.get("explanation")).get("lines") or []
    return [edn_dumps(shown), "", verdict_line(results.get("valid?")), "",
            *why, *([""] if why else []), *lines(results, run_dir, challenge)]


def where(run_dir: Path | str) -> list[str]:
    """Where the run is stored and how to look at it (aborted runs too)."""
    return [f"Stored in {run_dir}/ (also store/latest/)",
            "To look at it: make serve (or python3 -m tests.harness serve), then open http://127.0.0.1:8080/"]


def challenge_from_env() -> str | None:
    return os.environ.get(CHALLENGE_ENV) or None


def _map(value: Any) -> dict:
    """Results read back from disk may be anything; a part that is not a map has no figures."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _number(x: float) -> str:
    return f"{x:,.2f}" if isinstance(x, float) else f"{x:,}"

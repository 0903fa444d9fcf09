"""Shrinking: from a failing test, a smaller test that still fails.

A test is its command line and its seed. Each step tries smaller command lines, one change
at a time: fewer nodes (where the nodes are counted, not named), an earlier time limit, a
lower rate (fewer client ops), fewer partitions (a longer nemesis interval) or none at all.
A smaller command line draws a different schedule from the same seed, so each one is tried
with the current seed and then a few more, in batches of ``jobs``; the lowest failing seed
of the first batch that has one is taken, so a shrink is itself deterministic. The first
change that fails with a smaller size (client ops, plus partitions, plus nodes) is kept,
and the search starts over from it, until no change helps or the run budget is spent. The
smallest failing test is then run once more into the store, with its pictures.
"""
from __future__ import annotations

import shlex
from pathlib import Path

from ..cli import ArgumentError, parse_test_args
from . import sweep as sweeping

SEEDS_PER_CANDIDATE = 16
RUN_BUDGET = 400


def _size(outcome: sweeping.Outcome, argv: list[str]) -> int:
    return outcome.client_ops + outcome.nemesis_ops + len(parse_test_args(argv).nodes)


def _set(argv: list[str], flag: str, value: str | None) -> list[str]:
    """``argv`` with ``flag`` set to ``value`` (or removed, with None)."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == flag:
            i += 2
            continue
        if argv[i].startswith(flag + "="):
            i += 1
            continue
        out.append(argv[i])
        i += 1
    return out if value is None else out + [flag, value]


def candidates(argv: list[str]) -> list[tuple[str, list[str]]]:
    """Smaller command lines than ``argv``, each with what it changes."""
    opts = parse_test_args(argv)
    out = []
    named = any(a in ("--node", "-n", "--nodes", "--nodes-file") or a.startswith(("--nodes=", "--node="))
                for a in argv)
    n = len(opts.nodes)
    if n > 1 and not named:
        for fewer in sorted({max(1, n // 2), n - 1}):
            out.append((f"{fewer} node(s)", _set(argv, "--node-count", str(fewer))))
    limit = int(opts.time_limit)
    for shorter in sorted({max(1, limit // 2), max(1, limit * 3 // 4)}):
        if shorter < limit:
            out.append((f"time limit {shorter} s", _set(argv, "--time-limit", str(shorter))))
    for divisor in (4, 2):
        lower = opts.rate / divisor
        if lower >= 0.5:
            out.append((f"rate {lower:g}", _set(argv, "--rate", f"{lower:g}")))
    if opts.nemesis:
        out.append(("no nemesis", _set(_set(argv, "--nemesis", None), "--nemesis-interval", None)))
        longer = opts.nemesis_interval * 2
        if longer < opts.time_limit:
            out.append((f"nemesis interval {longer:g} s", _set(argv, "--nemesis-interval", f"{longer:g}")))
    valid = []
    for what, candidate in out:
        try:
            parse_test_args(candidate)
            valid.append((what, candidate))
        except ArgumentError:
            pass
    return valid


class Shrinker:
    def __init__(self, jobs: int, say=print):
        self.jobs = jobs
        self.say = say
        self.runs = 0

    def first_failure(self, argv: list[str], seeds: list[int]) -> sweeping.Outcome | None:
        """The lowest seed of the first batch with a failure, or None."""
        for start in range(0, len(seeds), self.jobs):
            batch = seeds[start:start + self.jobs]
            if self.runs + len(batch) > RUN_BUDGET:
                return None
            self.runs += len(batch)
            failed = [o for o in sweeping.run_many(argv, batch, self.jobs) if o.failed and o.verdict != sweeping.ABORTED]
            if failed:
                return min(failed, key=lambda o: o.seed)
        return None

    def shrink(self, argv: list[str], seed: int) -> tuple[list[str], sweeping.Outcome] | None:
        start = self.first_failure(argv, [seed])
        if start is None:
            self.say(f"Shrink: seed {seed} does not fail, nothing to shrink.")
            return None
        best, best_outcome = argv, start
        self.say(f"Shrink: from {start.client_ops} client ops, {start.nemesis_ops} nemesis op(s), "
                 f"{len(parse_test_args(argv).nodes)} node(s) (seed {seed})")
        improved = True
        while improved:
            improved = False
            for what, candidate in candidates(best):
                seeds = [best_outcome.seed] + [best_outcome.seed + k for k in range(1, SEEDS_PER_CANDIDATE)]
                found = self.first_failure(candidate, seeds)
                if found is not None and _size(found, candidate) < _size(best_outcome, best):
                    best, best_outcome, improved = candidate, found, True
                    self.say(f"  smaller, still failing: {what} (seed {found.seed}): {found.client_ops} client "
                             f"ops, {found.nemesis_ops} nemesis op(s); {found.reason}")
                    break
                if self.runs >= RUN_BUDGET:
                    self.say(f"  (stopped after {self.runs} runs)")
                    return best, best_outcome
        return best, best_outcome


def shrink(argv: list[str], seed: int, jobs: int) -> Path | None:
    """Shrink a failing seed of ``argv``, print the smallest failing test and store it."""
    print()
    shrinker = Shrinker(jobs, say=lambda line: print(line, flush=True))
    found = shrinker.shrink(argv, seed)
    if found is None:
        return None
    best, outcome = found
    stored = sweeping.run_seed(best, outcome.seed, Path("store"), keep=True, pictures=True)
    args = shlex.join(sweeping.with_seed(best, outcome.seed))
    print(f"Smallest failing test found ({shrinker.runs} runs): {stored.client_ops} client ops, "
          f"{stored.nemesis_ops} nemesis op(s), {len(parse_test_args(best).nodes)} node(s)\n"
          f"  {stored.reason}\n  stored in {stored.run_dir}\n"
          f"  replay:       python3 -m tests.harness sim {args}\n"
          f"  in real time: python3 -m tests.harness test {args}")
    return stored.run_dir

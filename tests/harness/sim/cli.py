"""``python3 -m tests.harness sim``: ``test``'s flags, run in the simulator, plus

- ``--seeds N`` (seeds 1..N) or ``--seeds A..B``: a sweep over many seeds, ``--jobs`` at a
  time (default: one per core), with a progress bar and a summary; ``--stop-on-failure``
  stops at the first seed that is not valid;
- ``--check-determinism``: run the seed twice (the second time in a fresh process) and say
  whether history and journal came out the same, and if not where they first differ;
- ``--shrink``: for a failing seed (the smallest failing one of a sweep), search for a smaller
  test that still fails, and keep it as a stored run.

Every failure is printed with the command that replays it in ``sim`` and the one that runs
the same test in real time.
"""
from __future__ import annotations

import os
import random
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..cli import ArgumentError, bad_args, build_parser, parse_test_args
from ..runner import run_tests
from . import sweep as sweeping
from .simulation import Simulation

HASH_SEED = "0"
STORED_FAILURES = 10   # a sweep stores (with pictures) and details this many failing seeds

SIM_FLAGS = """
simulator options:
  --seeds N | A..B      run seeds 1..N (or A..B) and summarise; failures are stored
  --jobs J              runs at a time in a sweep (default: one per core)
  --stop-on-failure     end a sweep at its first seed that is not valid
  --check-determinism   run the seed twice (once in a fresh process) and compare
  --shrink              search for a smaller failing test, kept as a stored run
"""


def _fixed_hash_seed(argv: list[str]) -> None:
    """Re-execute with a fixed PYTHONHASHSEED: the iteration order of a set of strings, which
    node code may well depend on, changes from process to process otherwise."""
    if os.environ.get("PYTHONHASHSEED") != HASH_SEED:
        env = {**os.environ, "PYTHONHASHSEED": HASH_SEED}
        os.execve(sys.executable, [sys.executable, "-m", "tests.harness", "sim", *argv], env)


def _split_sim_flags(argv: list[str]) -> tuple[list[str], dict]:
    """``test``'s arguments, and the simulator's own flags."""
    flags = {"seeds": None, "jobs": os.cpu_count() or 1, "stop": False, "determinism": False, "shrink": False}
    rest, i = [], 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name in ("--seeds", "--jobs"):
            if not eq:
                if i + 1 >= len(argv):
                    raise ArgumentError(f"{name} needs a value")
                value, i = argv[i + 1], i + 1
            if name == "--seeds":
                try:
                    flags["seeds"] = sweeping.parse_seeds(value)
                except ValueError as e:
                    raise ArgumentError(str(e)) from None
            else:
                if not value.isdigit() or int(value) <= 0:
                    raise ArgumentError(f"--jobs must be a positive integer, got {value!r}")
                flags["jobs"] = int(value)
        elif arg == "--stop-on-failure":
            flags["stop"] = True
        elif arg == "--check-determinism":
            flags["determinism"] = True
        elif arg == "--shrink":
            flags["shrink"] = True
        else:
            rest.append(arg)
        i += 1
    return rest, flags


def replay_commands(argv: list[str], seed: int) -> list[str]:
    args = shlex.join(sweeping.with_seed(argv, seed))
    return [f"  replay:       python3 -m tests.harness sim {args}",
            f"  in real time: python3 -m tests.harness test {args}"]


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        build_parser("sim").print_help()
        print(SIM_FLAGS)
        return 0
    _fixed_hash_seed(argv)
    try:
        argv, flags = _split_sim_flags(argv)
        opts = parse_test_args(argv)
    except ArgumentError as e:
        return bad_args(str(e))
    if flags["seeds"] is not None:
        if opts.seed is not None:
            return bad_args("give either --seed or --seeds, not both")
        if flags["determinism"]:
            return bad_args("--check-determinism checks one --seed (a sweep checks each failure's replay itself)")
        return sweep(argv, flags)
    if opts.seed is None:
        opts.seed = random.randrange(2**31)
        argv = sweeping.with_seed(argv, opts.seed)
    code = run_tests(opts, Simulation)
    if code != 0 and opts.test_count == 1:
        print("\n".join(["This run in the simulator is deterministic:", *replay_commands(argv, opts.seed)]))
    if flags["determinism"]:
        code = max(code, check_determinism(argv))
    if flags["shrink"] and code in (1, 2):
        from .shrink import shrink
        shrink(argv, opts.seed, flags["jobs"])
    return code


def sweep(argv: list[str], flags: dict) -> int:
    seeds = flags["seeds"]
    print(f"Sweeping {len(seeds)} seed(s) ({seeds[0]}..{seeds[-1]}), {flags['jobs']} at a time: "
          f"python3 -m tests.harness sim {shlex.join(argv)}", file=sys.stderr, flush=True)
    progress = sweeping.Progress(len(seeds))
    outcomes = []
    try:
        for outcome in sweeping.run_many(argv, seeds, flags["jobs"], flags["stop"]):
            outcomes.append(outcome)
            progress.add(outcome)
    except (KeyboardInterrupt, BrokenProcessPool):
        progress.finish()
        print("Interrupted; the summary covers the seeds that finished.", file=sys.stderr)
    outcomes.sort(key=lambda o: o.seed)
    failures = [o for o in outcomes if o.failed]
    counts = {w: sum(sweeping.verdict_word(o.verdict) == w for o in outcomes)
              for w in ("valid", "invalid", "unknown", sweeping.ABORTED)}
    seconds = sum(o.seconds for o in outcomes)
    print(f"\n{len(outcomes)} seed(s): " + ", ".join(f"{n} {w}" for w, n in counts.items() if n or w == "valid")
          + f" ({seconds / max(1, len(outcomes)):.2f} s of run per seed)")
    for o in failures[:STORED_FAILURES]:
        print(f"\nseed {o.seed}: {sweeping.verdict_word(o.verdict)}, {o.reason}")
        stored = _store(argv, o)
        if stored:
            print(f"  stored in {stored}")
        print("\n".join(replay_commands(argv, o.seed)))
    if len(failures) > STORED_FAILURES:
        rest = failures[STORED_FAILURES:]
        print(f"\n{len(rest)} more failing seed(s), not stored: {' '.join(str(o.seed) for o in rest)}")
    if failures and flags["shrink"]:
        from .shrink import shrink
        shrink(argv, failures[0].seed, flags["jobs"])
    return sweeping.exit_code(outcomes)


def _store(argv: list[str], outcome: sweeping.Outcome) -> Path | None:
    """Replay a failing seed into the real store, with pictures; say if it came out different."""
    replay = sweeping.run_seed(argv, outcome.seed, Path("store"), keep=True, pictures=True)
    if replay.digest != outcome.digest:
        print(f"  WARNING: the replay's history differs from the sweep's ({replay.digest} vs "
              f"{outcome.digest}): this node is not deterministic in the simulator; "
              f"--check-determinism --seed {outcome.seed} shows where")
    return replay.run_dir


def with_absolute_bin(argv: list[str]) -> list[str]:
    """argv with --bin's path made absolute: the second run starts in a scratch directory,
    where a path relative to the user's directory would name no file."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--bin" and i + 1 < len(argv):
            out += ["--bin", str(Path(argv[i + 1]).resolve())]
            i += 2
            continue
        if argv[i].startswith("--bin="):
            out.append("--bin=" + str(Path(argv[i][len("--bin="):]).resolve()))
        else:
            out.append(argv[i])
        i += 1
    return out


def check_determinism(argv: list[str]) -> int:
    """Run the seed again in a fresh process and compare with the stored run."""
    from . import determinism
    first = Path("store/latest").resolve()
    scratch = tempfile.mkdtemp(prefix="glomers-determinism-")
    subprocess.run([sys.executable, "-m", "tests.harness", "sim", *with_absolute_bin(argv)], cwd=scratch,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    second = (Path(scratch) / "store" / "latest").resolve()
    report = determinism.compare(first, second)
    print("\n" + report.text)
    return 0 if report.same else 3

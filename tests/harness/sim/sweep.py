"""Many seeds of one test on every core: ``sim --seeds 1000`` (or ``--seeds 200..300``).

Each worker process runs its seeds one after another in-process, storing each run in a
scratch store that is deleted once its verdict is known, with no pictures. A seed that
fails is then replayed in this process into the real store, pictures and all; as runs are
deterministic, the replay is the same run, which the sweep checks (the history's digest).
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .. import results as results_mod
from ..cli import parse_test_args
from ..runner import Console, Run
from ..store import DamagedFile, read_history
from .simulation import Simulation

ABORTED = "aborted"


@dataclass
class Outcome:
    seed: int
    verdict: object                  # True, False, "unknown" or "aborted"
    reason: str = ""                 # why it failed, in one line
    digest: str = ""                 # of history.jsonl: the replay must match it
    client_ops: int = 0
    nemesis_ops: int = 0             # nemesis ops (a partition's start and its stop are two)
    seconds: float = 0.0
    run_dir: Path | None = field(default=None, compare=False)

    @property
    def failed(self) -> bool:
        return self.verdict is not True


def parse_seeds(text: str) -> list[int]:
    """``N`` is seeds 1..N; ``A..B`` (or ``A-B``) is A..B, both included."""
    m = re.fullmatch(r"(\d+)(?:(?:\.\.|-)(\d+))?", text.strip())
    if not m:
        raise ValueError(f"--seeds takes a count N or a range A..B, got {text!r}")
    if m.group(2) is None:
        count = int(m.group(1))
        if count <= 0:
            raise ValueError("--seeds needs at least one seed")
        return list(range(1, count + 1))
    first, last = int(m.group(1)), int(m.group(2))
    if last < first:
        raise ValueError(f"--seeds {text}: the range is empty")
    return list(range(first, last + 1))


def with_seed(argv: list[str], seed: int) -> list[str]:
    """``argv`` with its seed (if any) replaced by ``seed``."""
    out, skip = [], False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--seed":
            skip = True
            continue
        if arg.startswith("--seed="):
            continue
        out.append(arg)
    return out + ["--seed", str(seed)]


def run_seed(argv: list[str], seed: int, store_base: Path, keep: bool = False,
             pictures: bool = False, echo: bool = False) -> Outcome:
    """One simulated run of ``argv`` with ``seed``, in this process."""
    opts = parse_test_args(with_seed(argv, seed))
    started = time.monotonic()
    run = Run(opts, Console(echo=echo), Simulation(), store_base=store_base, pictures=pictures)
    results, _code = run.carry_out()
    outcome = Outcome(seed, ABORTED if results is None else results["valid?"],
                      seconds=time.monotonic() - started, run_dir=run.run_dir)
    if run.run_dir is not None:
        try:   # the history is on disk, not in memory (recording.py)
            for op in read_history(run.run_dir):
                if op["process"] == "nemesis":
                    outcome.nemesis_ops += 1
                elif op["type"] == "invoke":
                    outcome.client_ops += 1
        except DamagedFile:
            pass   # a run stopped before its history began
        outcome.nemesis_ops //= 2   # Jepsen records a nemesis op's invocation and completion as info
        outcome.digest = _digest(run.run_dir / "history.jsonl")
        outcome.reason = failure_reason(results, run.run_dir) if outcome.failed else ""
        if not keep:
            shutil.rmtree(run.run_dir, ignore_errors=True)
            outcome.run_dir = None
    return outcome


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def failure_reason(results: dict | None, run_dir: Path) -> str:
    """One line on why a run is not valid."""
    if results is None:
        try:
            import json
            reason = json.loads((run_dir / "aborted.json").read_text())["reason"]
        except (OSError, ValueError, KeyError):
            reason = "aborted"
        return "aborted: " + reason.splitlines()[0]
    explanation = results.get("explanation")
    if isinstance(explanation, dict):   # explain.py's: a summary per part, and its lines
        summaries = [part["summary"] for part in explanation.values()
                     if isinstance(part, dict) and isinstance(part.get("summary"), str)]
        lines = [line.strip() for line in explanation.get("lines", []) if isinstance(line, str)]
        said = summaries or [line for line in lines if line and not line.endswith(":")]
        if said:
            return said[0][:300]
    bad = [k for k, v in results.items() if isinstance(v, dict) and v.get("valid?") is not True]
    workload = results.get("workload", {})
    details = [f"{k}: {_short(v)}" for k, v in workload.items()
               if k not in ("valid?",) and v not in (None, [], {}, 0) and _looks_bad(k)]
    return (f"{', '.join(bad)} not valid" + (f" ({'; '.join(details[:3])})" if details else ""))[:200]


def _looks_bad(key: str) -> bool:
    return "latenc" not in key and any(w in key for w in ("lost", "error", "anomal", "duplicat", "unexpected", "never-read",
                                  "inconsistent", "missing", "wrong", "bad"))


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- the worker pool --------------------------------------------------------------------
_worker_store: Path | None = None


def _init_worker(quiet: bool = True) -> None:
    global _worker_store
    if quiet:   # a run's own output goes to its jepsen.log; a worker prints nothing
        sys.stderr = open(os.devnull, "w")
    base = Path("/dev/shm") if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    _worker_store = Path(tempfile.mkdtemp(prefix="glomers-sweep-", dir=base))


def _work(job: tuple[list[str], int]) -> Outcome:
    argv, seed = job
    try:
        return run_seed(argv, seed, _worker_store)
    except Exception as e:   # the harness's own failure: report it, keep sweeping
        return Outcome(seed, ABORTED, reason=f"the simulator failed: {type(e).__name__}: {e}")


def run_many(argv: list[str], seeds: list[int], jobs: int, stop_on_failure: bool = False):
    """Yield each seed's `Outcome` as workers finish them (not in seed order). Stopping
    (at a failure, or when the caller stops iterating) lets the runs in progress finish:
    a run handles SIGTERM itself, so workers are never terminated."""
    if jobs <= 1 or len(seeds) == 1:
        _init_worker(quiet=False)
        try:
            for seed in seeds:
                outcome = _work((argv, seed))
                yield outcome
                if stop_on_failure and outcome.failed:
                    return
        finally:
            shutil.rmtree(_worker_store, ignore_errors=True)
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker)
    try:
        futures = [pool.submit(_work, (argv, seed)) for seed in seeds]
        for future in as_completed(futures):
            outcome = future.result()
            yield outcome
            if stop_on_failure and outcome.failed:
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Progress:
    """A bar on a terminal, else a line every tenth of the way."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.tty = stream.isatty()
        self.done = 0
        self.counts = {"valid": 0, "invalid": 0, "unknown": 0, ABORTED: 0}
        self.started = time.monotonic()
        self._next_line = 0.1

    def add(self, outcome: Outcome) -> None:
        self.done += 1
        self.counts[verdict_word(outcome.verdict)] += 1
        fraction = self.done / self.total
        text = (f"{self.done}/{self.total} seeds, " + ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
                + f", {time.monotonic() - self.started:.1f} s")
        if self.tty:
            width = 30
            bar = "#" * int(fraction * width)
            self.stream.write(f"\r\x1b[2K[{bar:<{width}}] {text}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif fraction >= self._next_line or self.done == self.total:
            self._next_line = fraction + 0.1
            print(text, file=self.stream, flush=True)

    def finish(self) -> None:
        if self.tty and self.done != self.total:
            self.stream.write("\n")
            self.stream.flush()


def verdict_word(verdict: object) -> str:
    if verdict is True:
        return "valid"
    if verdict is False:
        return "invalid"
    if verdict == ABORTED:
        return ABORTED
    return "unknown"


def exit_code(outcomes: list[Outcome]) -> int:
    if any(o.verdict == ABORTED for o in outcomes):
        return 255
    return max((results_mod.exit_code(o.verdict) for o in outcomes), default=0)

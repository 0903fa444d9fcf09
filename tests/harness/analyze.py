"""``analyze``: re-run the checkers on a stored run (as ``maelstrom analyze``).

The run's own command line (``test.json``) rebuilds its options; the stored history and
network journal are checked again and ``results.json``/``results.edn`` rewritten. Useful
after changing a checker, without re-running the nodes. A run that was aborted or
interrupted has no verdict to re-check, and a damaged one (a file missing, cut short, not
UTF-8, not what it should hold) cannot be checked: each is reported as such, naming the
file and what is wrong with it, with exit 255.
"""
from __future__ import annotations

import random
from pathlib import Path

from . import footer
from . import results as results_mod
from . import store
from .cli import ArgumentError, Parser, bad_args, parse_test_args
from .explain import explain_run
from .options import Options
from .store import DamagedFile
from .workloads import load as load_workload


def find_run(spec: str, base: Path = Path("store")) -> Path:
    """A run directory from a path, or an index into the stored runs oldest-first (-1: newest)."""
    if Path(spec).is_dir():
        return Path(spec)
    runs = sorted((t.parent for t in base.glob("*/*/test.json")
                   if not t.parent.is_symlink() and not t.parent.parent.is_symlink()), key=lambda d: d.name)
    try:
        return runs[int(spec)]
    except (ValueError, IndexError):
        raise SystemExit(bad_args(f"no stored run {spec!r} (there are {len(runs)} under {base}/)")) from None


ABORTED = 255


def why_unfinished(run_dir: Path) -> str | None:
    """Why a stored run has no verdict (aborted, or interrupted), or None if it finished."""
    aborted = store.read_aborted(run_dir)
    if aborted is not None:
        return str(aborted.get("reason", "(no reason recorded)"))
    if not (run_dir / "results.json").exists():
        # The history and journal are written as the run goes: without a verdict, they stop
        # wherever the run was stopped.
        return "the run was interrupted before it stored its verdict (its history is partial)"
    return None


def stored_options(run_dir: Path) -> tuple[Options, int | None, str | None]:
    """The options, seed and challenge of a stored run, from its ``test.json``. Raises
    DamagedFile."""
    path = run_dir / "test.json"
    try:
        test = store.read_json(path)
    except FileNotFoundError:
        raise DamagedFile(f"{path} is missing") from None
    except (OSError, ValueError, RecursionError) as e:
        raise DamagedFile(f"{path} cannot be read as JSON: {e}") from None
    if not isinstance(test, dict):
        raise DamagedFile(f"{path} is not a JSON object")
    argv, seed, challenge = test.get("argv"), test.get("seed"), test.get("challenge")
    if not isinstance(argv, list) or not all(isinstance(word, str) for word in argv):
        raise DamagedFile(f"{path}: its argv is not a list of strings")
    if seed is not None and type(seed) is not int:
        raise DamagedFile(f"{path}: its seed {seed!r} is not an integer")
    if challenge is not None and not isinstance(challenge, str):
        raise DamagedFile(f"{path}: its challenge {challenge!r} is not a string")
    try:
        return parse_test_args(argv), seed, challenge
    except ArgumentError as e:
        raise DamagedFile(f"{path}: its argv is not a test command line ({e})") from None


def main(argv: list[str]) -> int:
    p = Parser(prog="python3 -m tests.harness analyze")
    p.add_argument("-t", "--test", default="-1", help="run directory, or index of a stored run (default -1, the newest)")
    try:
        a = p.parse_args(argv)
    except ArgumentError as e:
        return bad_args(str(e))
    run_dir = find_run(a.test)
    unfinished = why_unfinished(run_dir)
    if unfinished:
        # A run cut short has a partial history; checking it would call a broken node valid.
        print(f"Test aborted: {unfinished}\nThere is no verdict to re-check: {run_dir} never finished.")
        return ABORTED
    try:
        opts, seed, challenge = stored_options(run_dir)
        workload = load_workload(opts.workload)(opts, random.Random(seed))
        # Every stored line is read (and checked) before any checker runs, so a damaged file
        # is named as such, never taken for a verdict.
        history = list(store.read_history(run_dir))
        net_counts = results_mod.fold_journal(store.read_journal(run_dir))
    except DamagedFile as e:
        print(f"Test aborted: {e}\nThere is no verdict to re-check: {run_dir} is damaged.")
        return ABORTED
    try:
        previous = store.read_results(run_dir)
    except (OSError, ValueError):
        previous = {}   # rewritten below anyway; only its harness figures are lost
    harness = previous.get("harness") if isinstance(previous, dict) else None
    res = results_mod.compose(history, net_counts, opts,
                              results_mod.safely(lambda: workload.check(history)),
                              harness if isinstance(harness, dict) else None)
    store.write_results(run_dir, res)
    explain_run(run_dir, res, opts, workload, challenge)
    store.write_results(run_dir, res)
    print("\n".join(footer.closing_lines(res, run_dir, challenge)))
    return results_mod.exit_code(res["valid?"])

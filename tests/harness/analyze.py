"""``analyze``: re-run the checkers on a stored run (as ``maelstrom analyze``).

The run's own command line (``test.json``) rebuilds its options; the stored history and
network journal are checked again and ``results.json``/``results.edn`` rewritten. Useful
after changing a checker, without re-running the nodes. A run that was aborted or
interrupted has no verdict to re-check: it is reported as such, with exit 255.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from . import footer
from . import results as results_mod
from . import store
from .cli import parse_test_args
from .explain import explain_run
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
        raise SystemExit(f"No stored run {spec!r} (there are {len(runs)} under {base}/)") from None


ABORTED = 255


def why_unfinished(run_dir: Path) -> str | None:
    """Why a stored run has no verdict (aborted, or interrupted), or None if it finished."""
    aborted = store.read_aborted(run_dir)
    if aborted is not None:
        return str(aborted.get("reason", "(no reason recorded)"))
    if not (run_dir / "history.jsonl").exists():
        return "the run was interrupted before it stored its history"
    return None


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m tests.harness analyze")
    p.add_argument("-t", "--test", default="-1", help="run directory, or index of a stored run (default -1, the newest)")
    a = p.parse_args(argv)
    run_dir = find_run(a.test)
    unfinished = why_unfinished(run_dir)
    if unfinished:
        # A run cut short has a partial history; checking it would call a broken node valid.
        print(f"Test aborted: {unfinished}\nThere is no verdict to re-check: {run_dir} never finished.")
        return ABORTED
    test = json.loads((run_dir / "test.json").read_text())
    opts = parse_test_args(test["argv"])
    workload = load_workload(opts.workload)(opts, random.Random(test.get("seed")))
    history = store.read_history(run_dir)
    previous = store.read_results(run_dir) if (run_dir / "results.json").exists() else {}
    res = results_mod.compose(history, store.read_journal(run_dir), opts,
                              results_mod.safely(lambda: workload.check(history)), previous.get("harness"))
    store.write_results(run_dir, res)
    explain_run(run_dir, res, opts, workload, test.get("challenge"))
    store.write_results(run_dir, res)
    print("\n".join(footer.closing_lines(res, run_dir, test.get("challenge"))))
    return results_mod.exit_code(res["valid?"])

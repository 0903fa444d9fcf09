"""Shared helpers for end-to-end tests: run the harness as a user would, read what it stored."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class HarnessRun:
    returncode: int
    stdout: str
    stderr: str
    store: Path | None            # store/latest of this run, if one was written
    results: dict | None          # results.json, if one was written

    def details(self) -> str:
        """What to show when an assertion about this run fails."""
        return f"exit {self.returncode}\n{self.stdout[-3000:]}\n{self.stderr[-2000:]}"


class HarnessTestCase(unittest.TestCase):
    """Assertions about whole harness runs."""

    def assertValid(self, run: HarnessRun) -> dict:  # noqa: N802 (unittest's naming)
        """The run finished, its verdict is valid and it exited 0; returns its results."""
        self.assertIsNotNone(run.results, f"no results; {run.details()}")
        self.assertIs(run.results["valid?"], True, run.details())
        self.assertEqual(run.returncode, 0, run.details())
        return run.results


def node(path: str) -> str:
    """Absolute path of a node script given relative to the repository root."""
    return str(ROOT / path)


def run_harness(*args: str, timeout: float = 300.0, cwd: str | None = None,
                env: dict[str, str] | None = None, command: str = "test") -> HarnessRun:
    """Run ``python3 -m tests.harness test ARGS`` (or another ``command``, such as ``sim``)
    in a fresh working directory.

    The store lands in that directory, as Maelstrom's lands in its working directory.
    ``env`` adds variables; an empty value removes one."""
    workdir = cwd or tempfile.mkdtemp(prefix="glomers-e2e-")
    env = {k: v for k, v in {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}.items() if v}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.harness", command, *args],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    latest = Path(workdir) / "store" / "latest"
    store = latest.resolve() if latest.exists() else None
    results = None
    if store and (store / "results.json").exists():
        results = json.loads((store / "results.json").read_text())
    return HarnessRun(proc.returncode, proc.stdout, proc.stderr, store, results)


def live_processes_running(script: str) -> list[int]:
    """Pids whose command line mentions ``script``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if script in cmdline:
            pids.append(int(entry.name))
    return pids

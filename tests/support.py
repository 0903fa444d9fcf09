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
    pid: int = 0                  # the harness's process id

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
    with subprocess.Popen([sys.executable, "-m", "tests.harness", command, *args], cwd=workdir, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    latest = Path(workdir) / "store" / "latest"
    store = latest.resolve() if latest.exists() else None
    results = None
    if store and (store / "results.json").exists():
        results = json.loads((store / "results.json").read_text())
    return HarnessRun(proc.returncode, stdout, stderr, store, results, proc.pid)


def left_behind(run: HarnessRun) -> list[int]:
    """Pids of the node processes a run started (their environment carries its mark,
    process.py's GLOMERS_NODE) that are still alive: only this run's, whatever else runs."""
    mark = f"GLOMERS_NODE={run.pid}-".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if any(v.startswith(mark) for v in (entry / "environ").read_bytes().split(b"\0")):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def live_processes_running(script: str) -> list[int]:
    """Pids of processes running ``script``: it is their program or its interpreter's first
    argument (a harness whose ``--bin`` names it, say a concurrent ``sim`` run, is not)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if script in argv[:2]:
            pids.append(int(entry.name))
    return pids

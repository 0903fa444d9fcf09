"""``python3 -m tests.harness sim``: ``test``'s flags, run in the simulator."""
from __future__ import annotations

import os
import sys

from ..cli import ArgumentError, bad_args, build_parser, parse_test_args
from ..runner import run_tests
from .simulation import Simulation

HASH_SEED = "0"


def _fixed_hash_seed(argv: list[str]) -> None:
    """Re-execute with a fixed PYTHONHASHSEED: the iteration order of a set of strings, which
    node code may well depend on, changes from process to process otherwise."""
    if os.environ.get("PYTHONHASHSEED") != HASH_SEED:
        env = {**os.environ, "PYTHONHASHSEED": HASH_SEED}
        os.execve(sys.executable, [sys.executable, "-m", "tests.harness", "sim", *argv], env)


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        build_parser().print_help()
        return 0
    _fixed_hash_seed(argv)
    try:
        opts = parse_test_args(argv)
    except ArgumentError as e:
        return bad_args(str(e))
    return run_tests(opts, Simulation)

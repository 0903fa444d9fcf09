"""`make test-chX BIN=...` runs the learner's own node with the challenge's official flags."""
from __future__ import annotations

import re
import shutil
import subprocess
import unittest

from tests.support import ROOT


def challenge_targets() -> list[str]:
    return re.findall(r"^(test-ch[\w-]+):", (ROOT / "Makefile").read_text(), re.M)


def dry_run(*args: str) -> str:
    return subprocess.run(["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True,
                          check=True).stdout


@unittest.skipIf(shutil.which("make") is None, "make is not installed")
class BinOverride(unittest.TestCase):
    def test_every_challenge_target_runs_the_node_given_as_bin(self):
        targets = challenge_targets()
        self.assertGreater(len(targets), 15)
        for target in targets:
            with self.subTest(target=target):
                commands = dry_run(target, "BIN=my/node", "MAELSTROM=")
                self.assertEqual(commands.count("--bin my/node"), 2, commands)  # Maelstrom and harness
                self.assertNotIn("main.py", commands)

    def test_without_bin_a_target_runs_the_repository_solution(self):
        self.assertIn("--bin ch3b_broadcast/main.py", dry_run("test-ch3b", "MAELSTROM="))

    def test_the_harness_is_told_which_challenge_it_runs(self):
        self.assertIn("GLOMERS_CHALLENGE=3d ", dry_run("test-ch3d", "MAELSTROM="))


if __name__ == "__main__":
    unittest.main()

"""The README's own nodes work when copied out as they stand: the node without a library
("Write and run your own node") passes challenge 1 with Python's own buffering (no
PYTHONUNBUFFERED, so a missing flush would show), and the library node that
common/README.md starts with passes challenge 3b."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from tests.support import ROOT

TEST_LOAD = "light"   # short, low-rate runs (tests/run.py)

def python_blocks(page: str, section: str) -> list[str]:
    """The Python blocks of one section of a Markdown page, in order."""
    text = (ROOT / page).read_text(encoding="utf-8")
    text = text[text.index(section):]
    end = text.find("\n## ", len(section))
    return re.findall(r"```python\n(.*?)```", text[:end if end > 0 else None], re.S)


def no_library_node() -> str:
    (block,) = python_blocks("README.md", "## Write and run your own node")
    return block


def library_node() -> str:
    (block,) = python_blocks("common/README.md", "## A complete node")
    return block


class OwnNodeExamples(unittest.TestCase):
    def run_example(self, source: str, *flags: str) -> dict:
        # Where the README says to put it: a directory at the top of the repository.
        directory = Path(tempfile.mkdtemp(prefix="my-node-", dir=ROOT))
        self.addCleanup(shutil.rmtree, directory)
        script = directory / "main.py"
        script.write_text(source, encoding="utf-8")
        os.chmod(script, 0o755)
        # No PYTHONPATH, as a learner's shell has none, so the node must find common/ on its
        # own; no PYTHONUNBUFFERED, which would flush for a node that forgets to.
        workdir = tempfile.mkdtemp(prefix="glomers-own-node-")
        self.addCleanup(shutil.rmtree, workdir)
        start = f"import sys, runpy; sys.path.insert(0, {str(ROOT)!r}); " \
                f"runpy.run_module('tests.harness', run_name='__main__')"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONUNBUFFERED")}
        done = subprocess.run([sys.executable, "-c", start, "test", "--bin", str(script), *flags,
                               "--seed", "1"],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout[-2000:] + done.stderr[-2000:])
        results = json.loads((Path(workdir) / "store" / "latest" / "results.json").read_text())
        self.assertIs(results["valid?"], True)
        return results

    def test_the_readme_node_uses_no_library_and_the_library_page_node_does(self):
        self.assertNotIn("from common", no_library_node())
        self.assertIn("from common", library_node())

    def test_the_node_without_a_library_passes_challenge_1_unbuffered_or_not(self):
        results = self.run_example(no_library_node(), "-w", "echo", "--node-count", "1",
                                   "--time-limit", "3")
        self.assertEqual(results["availability"]["ok-fraction"], 1.0)

    def test_the_library_node_passes_challenge_3b_when_copied_as_is(self):
        # 3b's official flags with a shorter run.
        results = self.run_example(library_node(), "-w", "broadcast", "--node-count", "5",
                                   "--time-limit", "3", "--rate", "10")
        self.assertEqual(results["workload"]["lost-count"], 0)


if __name__ == "__main__":
    unittest.main()

"""The README's "Write and run your own node" example works when copied out as it stands."""
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

SECTION = "## Write and run your own node"


def readme_example() -> str:
    """The first Python block of the README's own-node section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


class OwnNodeExample(unittest.TestCase):
    def test_the_readme_example_passes_challenge_3b_when_copied_as_is(self):
        # Where the README says to put it: a directory at the top of the repository.
        directory = Path(tempfile.mkdtemp(prefix="my3b-", dir=ROOT))
        self.addCleanup(shutil.rmtree, directory)
        script = directory / "main.py"
        script.write_text(readme_example(), encoding="utf-8")
        os.chmod(script, 0o755)
        # 3b's official flags with a shorter run. No PYTHONPATH, as a learner's shell has none,
        # so the node must find common/ on its own.
        workdir = tempfile.mkdtemp(prefix="glomers-own-node-")
        start = f"import sys, runpy; sys.path.insert(0, {str(ROOT)!r}); " \
                f"runpy.run_module('tests.harness', run_name='__main__')"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run([sys.executable, "-c", start, "test", "-w", "broadcast", "--bin", str(script),
                               "--node-count", "5", "--time-limit", "3", "--rate", "10", "--seed", "1"],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout[-2000:] + done.stderr[-2000:])
        results = json.loads((Path(workdir) / "store" / "latest" / "results.json").read_text())
        self.assertIs(results["valid?"], True)
        self.assertEqual(results["workload"]["lost-count"], 0)


if __name__ == "__main__":
    unittest.main()

"""Every relative link in the repository's Markdown (README.md, docs/, each folder's README)
leads somewhere: the file exists, and a `#fragment` names one of its headings, spelt as
GitHub spells heading anchors. Pages are edited by many hands; a moved section must not
leave a dead link behind."""
from __future__ import annotations

import re
import unittest
from pathlib import Path

from tests.support import ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+?)\s*#*$", re.M)
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def pages() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found += sorted(p for p in ROOT.glob("*/README.md") if p.parent.name not in ("store",))
    return found


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {anchor(h) for h in HEADING.findall(text)}


class DocsLinks(unittest.TestCase):
    def test_the_anchor_rule_matches_githubs_on_this_repositorys_headings(self):
        self.assertEqual(anchor("4.3 Delivery"), "43-delivery")
        self.assertEqual(anchor("The node library (`common/`)"), "the-node-library-common")
        self.assertEqual(anchor("Is it faithful on a loaded machine?"), "is-it-faithful-on-a-loaded-machine")

    def test_every_relative_link_leads_to_a_file_and_heading_that_exist(self):
        dead = []
        for page in pages():
            text = FENCE.sub("", page.read_text(encoding="utf-8"))
            for target in LINK.findall(text):
                if re.match(r"[a-z]+:", target):
                    continue   # http(s), mailto: outside the repository
                path, _, fragment = target.partition("#")
                file = (page.parent / path).resolve() if path else page
                if not file.exists():
                    dead.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
                elif fragment and file.suffix == ".md" and fragment not in anchors(file):
                    dead.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
        self.assertEqual(dead, [])


if __name__ == "__main__":
    unittest.main()

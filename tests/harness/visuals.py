"""Write every picture of a stored run: latency.svg, rate.svg, timeline.html, messages.svg."""
from __future__ import annotations

from pathlib import Path

from .messages_svg import write_messages_svg
from .plots import write_plots


def render_all(run_dir: Path) -> list[Path]:
    """Render the pictures whose inputs the run directory has; return the files written.

    The history pictures need ``history.jsonl``, the message diagram ``net-journal.jsonl``;
    a run that stopped before writing one simply goes without its pictures."""
    written: list[Path] = []
    if (run_dir / "history.jsonl").exists():
        written += write_plots(run_dir)
    if (run_dir / "net-journal.jsonl").exists():
        written.append(write_messages_svg(run_dir))
    return written

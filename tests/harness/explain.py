"""Why a run is invalid (or unknown): an explanation in three places.

Maelstrom ends a failing run with bare numbers ("17 lost"). Here every part of the results
that is not valid is explained from the stored history and network journal, read back with
``store``'s iterators, so ``analyze`` explains a stored run exactly as the run itself did:

- a few lines on the console, under the verdict (``Explanation.lines``);
- a full section on the run page: ``explanation.html`` in the run directory, with its
  pictures (``explain-*.svg``) beside it, which ``serve`` shows under the judged figures;
- ``explanation``, a top-level key of ``results.json``: the same facts as data, one entry per
  part explained (``workload``, ``availability``, ``stats``, ``latency``; each with a one-line
  ``summary``), plus the console ``lines``.

The workload's own explanation lives next to its checker (``Workload.explain``); what any
workload can fail the same way (availability, ops that never succeeded, a checker that threw)
is explained here. A run judged by a challenge's published limits (``make test-ch3d``) that
misses a latency limit is explained too, though Maelstrom calls it valid.
"""
from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from . import footer, store
from .errors import ERRORS
from .options import Options
from .plots import NS_PER_S

# What each Maelstrom error code means to a learner (docs/maelstrom.md §2.6), and whether it
# is a normal answer in some workload rather than a sign of a broken node.
ERROR_MEANINGS: dict[int, str] = {
    0: "timeout: the node answered nothing in time (the request may still have happened)",
    1: "node-not-found: the request named a node that does not exist",
    10: "not-supported: the node does not handle this request type",
    11: "temporarily-unavailable: the node refused for now (e.g. no leader, or before init)",
    12: "malformed-request: the node found the request badly formed",
    13: "crash: the node's handler failed (indefinite: it may have half-happened)",
    14: "abort: the node aborted the operation (definite: it did not happen)",
    20: "key-does-not-exist: a read or cas of a key nobody has written",
    21: "key-already-exists: the key was already there",
    22: "precondition-failed: a cas whose from-value did not match",
    30: "txn-conflict: the transaction was aborted because of a conflict",
}
# Codes that a correct node returns as part of the workload's contract.
NORMAL_ERRORS: dict[str, set[int]] = {"lin-kv": {20, 22}, "txn-rw-register": {30}, "txn-list-append": {30}}
CONSOLE_ITEMS = 3          # examples shown on the console per explained part


@dataclass
class Part:
    """The explanation of one results part that is not valid."""

    key: str                    # the results part: "workload", "availability", "stats", ...
    title: str                  # heading on the run page
    lines: list[str]            # the console lines (a headline, then a few examples)
    data: dict                  # for results.json
    html: str = ""              # the run page section's body (the lines, if empty)


@dataclass
class Context:
    """What an explainer reads: the run's stored data and its results so far."""

    run_dir: Path
    results: dict
    opts: Options
    challenge: str | None = None
    pictures: list[str] = field(default_factory=list)

    def history(self) -> Iterator[dict]:
        """The stored history, op by op."""
        return iter(store.read_history(self.run_dir))

    def journal(self) -> Iterator[tuple[str, int, dict]]:
        """The stored network journal, event by event."""
        return iter(store.read_journal(self.run_dir))

    def node_of(self, process: Any) -> str | None:
        """The node a client process talks to: thread ``p mod concurrency`` talks to node
        ``thread mod N`` (interpreter.py), whatever process it runs now."""
        if not isinstance(process, int) or not self.opts.nodes:
            return None
        return self.opts.nodes[(process % max(self.opts.concurrency, 1)) % len(self.opts.nodes)]

    def picture(self, name: str, svg: str) -> str:
        """Store a picture of the explanation in the run directory; return its file name."""
        (self.run_dir / name).write_text(svg, encoding="utf-8")
        self.pictures.append(name)
        return name


def seconds(ns: Any) -> str:
    """A history or journal time (ns since the start) as seconds, for sentences."""
    return f"{ns / NS_PER_S:.3f} s" if isinstance(ns, (int, float)) else "?"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def names(items: list[str], limit: int = 8) -> str:
    """``a, b and c``; a long list ends with how many more."""
    items = [str(i) for i in items]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def error_code(error: Any) -> int | None:
    """The Maelstrom code of a history op's ``error`` (``[name, text]`` or ``net-timeout``)."""
    if error == "net-timeout":
        return 0
    name = error[0] if isinstance(error, list) and error else error
    for code, (known, _) in ERRORS.items():
        if name == known:
            return code
    return None


# --- html helpers for the explainers ------------------------------------------------------
def esc(value: Any) -> str:
    return html.escape(str(value))


def para(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def table(columns: list[str], rows: list[list[Any]], limit: int | None = None) -> str:
    """An HTML table of plain values; with ``limit``, only the first rows and a note."""
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in shown)
    more = f"<p>… and {len(rows) - len(shown)} more (all in results.json).</p>" if len(rows) > len(shown) else ""
    return f'<table class="explain">\n<tr>{head}</tr>\n{body}</table>{more}'


def figure(name: str, caption: str) -> str:
    return (f'<figure><a href="{esc(name)}"><img class="picture" src="{esc(name)}" alt="{esc(caption)}"></a>'
            f"<figcaption>{esc(caption)} (open the picture by itself to hover over its parts)</figcaption></figure>")


# --- what any workload can fail the same way ------------------------------------------------
@dataclass
class ErrorTally:
    """Failed and indeterminate client ops by error code (None: an exception, no code)."""

    counts: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)        # code -> the first error text
    nodes: dict = field(default_factory=dict)           # code -> Counter of the nodes answering

    def lines(self, workload: str) -> list[tuple[str, str]]:
        """(what was seen, what it means) per code, most frequent first."""
        normal = NORMAL_ERRORS.get(workload, set())
        out = []
        for code, count in self.counts.most_common():
            if code is None:
                meaning = "no error code: the client could not complete the op (an exception)"
            else:
                meaning = ERROR_MEANINGS.get(code, f"error {code}, which Maelstrom does not define")
                if code in normal:
                    meaning += f" — normal in {workload}: a correct node returns it too"
            label = "timeouts" if code == 0 else f"error {code}" if code is not None else "exceptions"
            nodes = [n for n, _ in self.nodes[code].most_common() if n]
            seen = f"{count} {label}" + (f" from {names(nodes, 4)}" if nodes else "")
            if code not in (0, None) and self.examples.get(code):
                seen += f" (e.g. {self.examples[code]!r})"
            if code == 13 and nodes:
                meaning += f"; the tracebacks are in {names([f'node-logs/{n}.log' for n in nodes], 3)}"
            out.append((seen, meaning))
        return out


def error_tally(ctx: Context) -> ErrorTally:
    tally = ErrorTally()
    for op in ctx.history():
        if op.get("process") == "nemesis" or op.get("type") not in ("fail", "info"):
            continue
        error = op.get("error")
        code = error_code(error)
        if error is None and op.get("exception"):
            code, error = None, op["exception"]
        tally.counts[code] += 1
        tally.nodes.setdefault(code, Counter())[ctx.node_of(op.get("process"))] += 1
        tally.examples.setdefault(code, error[1] if isinstance(error, list) and len(error) > 1
                                  else json.dumps(error, default=str)[:200])
    return tally


def availability_part(ctx: Context) -> Part | None:
    availability = ctx.results.get("availability")
    stats = ctx.results.get("stats")
    failing = [k for k, r in (("availability", availability), ("stats", stats))
               if isinstance(r, dict) and r.get("valid?") is not True]
    if not failing:
        return None
    tally = error_tally(ctx)
    lines = []
    data: dict[str, Any] = {}
    if "availability" in failing:
        fraction = availability.get("ok-fraction")
        wanted = ctx.opts.availability
        lines.append(f"Only {fraction} of client ops succeeded; --availability {wanted} asks for "
                     f"{'every one' if wanted == 'total' else f'at least {wanted}'}.")
        data["ok-fraction"], data["required"] = fraction, wanted
    if "stats" in failing:
        never = [f for f, r in (stats.get("by-f") or {}).items()
                 if isinstance(r, dict) and r.get("valid?") is False]
        if never:
            lines.append(f"No {names([repr(f) for f in never])} op ever succeeded "
                         f"(Maelstrom's stats checker wants at least one of each).")
            data["never-succeeded"] = never
    explained = tally.lines(ctx.opts.workload)
    data["errors"] = [{"code": code, "count": n, "meaning": meaning, "nodes": dict(tally.nodes[code]),
                       "example": tally.examples.get(code)}
                      for (code, n), (_, meaning) in zip(tally.counts.most_common(), explained)]
    page = "".join(para(line) for line in lines)
    if explained:
        lines.append("The failures, most frequent first: " + "; ".join(
            f"{seen}: {_gist(meaning)}" for seen, meaning in explained[:CONSOLE_ITEMS]) + ".")
        page += table(["failed or indeterminate ops", "what the code means"], [list(e) for e in explained])
    data["summary"] = lines[0]
    return Part("availability" if "availability" in failing else "stats",
                "Ops that did not succeed", lines, data, page)


def _gist(meaning: str) -> str:
    """A code's meaning for the console: its name, whether it is a normal answer, and the
    pointer to the logs if any."""
    gist = meaning.split(":")[0]
    if " — normal in " in meaning:
        gist += f" ({meaning.split(' — ')[1].split(':')[0]})"
    logs = meaning.split("; the tracebacks are in ")
    return f"{gist}, tracebacks in {logs[1]}" if len(logs) > 1 else gist


def checker_error_part(ctx: Context) -> Part | None:
    """An unknown verdict because a checker could not decide (it threw, or ran out of budget)."""
    workload = ctx.results.get("workload")
    if not isinstance(workload, dict) or workload.get("valid?") != "unknown":
        return None
    reason = workload.get("error") or workload.get("cause")
    if not reason:
        return None
    line = f"The {ctx.opts.workload} checker could not decide: {reason}."
    return Part("workload", "Why the checker could not decide", [line], {"summary": line, "error": reason})


def latency_failed(ctx: Context) -> bool:
    """Whether the run misses a published latency limit of its challenge."""
    return any("FAIL" in limit and "latency" in label
               for label, _, limit in footer.rows(ctx.results, ctx.challenge))


# --- the whole explanation ------------------------------------------------------------------
@dataclass
class Explanation:
    parts: list[Part]
    verdict: Any

    @property
    def lines(self) -> list[str]:
        """The console lines: a heading, then each part's lines, indented."""
        if not self.parts:
            return []
        heading = {False: "Why it is invalid:", "unknown": "Why it is unknown:"}.get(
            self.verdict, "Why it misses the challenge's limits:")
        out = [heading]
        for part in self.parts:
            out += [f"  {part.lines[0]}", *(f"    {line}" for line in part.lines[1:])]
        out.append("  (the whole explanation: the run page's \"Why\" section, and \"explanation\" in results.json)")
        return out

    def data(self) -> dict:
        out: dict[str, Any] = {"lines": self.lines}
        for part in self.parts:
            out.setdefault(part.key, part.data)
        return out

    def html(self) -> str:
        heading = {False: "Why it is invalid", "unknown": "Why it is unknown"}.get(
            self.verdict, "Why it misses the challenge's limits")
        sections = [f"<h3>{esc(p.title)}</h3>\n{p.html or ''.join(para(l) for l in p.lines)}" for p in self.parts]
        return f'<section class="explanation"><h2 id="why">{esc(heading)}</h2>\n' + "\n".join(sections) + "</section>\n"


EXPLANATION_FILE = "explanation.html"


def explain(run_dir: Path, results: dict, opts: Options, workload: Any, challenge: str | None = None) -> Explanation:
    """Explain every part of ``results`` that is not valid; write the run page section and
    its pictures into ``run_dir`` (removing a previous explanation's). An explainer that
    fails is itself reported, never raised: the verdict stands without it."""
    for old in [run_dir / EXPLANATION_FILE, *run_dir.glob("explain-*.svg")]:
        old.unlink(missing_ok=True)
    ctx = Context(run_dir, results, opts, challenge)
    parts: list[Part] = []
    workload_result = results.get("workload")
    workload_failed = isinstance(workload_result, dict) and workload_result.get("valid?") is not True
    for build in (lambda: checker_error_part(ctx),
                  lambda: workload.explain(ctx) if workload_failed or latency_failed(ctx) else None,
                  lambda: availability_part(ctx)):
        try:
            found = build()
        except Exception as e:   # an explanation must never cost the verdict
            line = f"(could not explain this run: {type(e).__name__}: {e})"
            found = Part("explainer-error", "The explanation failed", [line], {"summary": line, "error": repr(e)})
        if isinstance(found, Part):
            parts.append(found)
        elif found:
            parts += found
    explanation = Explanation(parts, results.get("valid?"))
    if parts:
        (run_dir / EXPLANATION_FILE).write_text(explanation.html(), encoding="utf-8")
    return explanation


def explain_run(run_dir: Path, results: dict, opts: Options, workload: Any, challenge: str | None = None) -> None:
    """Explain ``results`` and keep the explanation in it (``results["explanation"]``), or
    none if every part is valid and no challenge limit is missed."""
    explanation = explain(run_dir, results, opts, workload, challenge)
    results.pop("explanation", None)
    if explanation.parts:
        results["explanation"] = explanation.data()

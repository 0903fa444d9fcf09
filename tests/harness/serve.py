"""``serve``: a small web server over ``store/`` (docs/maelstrom.md §3.1).

``/`` is an index of the stored runs, newest first, each coloured by its validity (blue
valid, orange unknown, pink invalid, as Maelstrom does; grey for a run that was aborted)
with its node, flags, key figures and links to its files; an aborted run shows why it ended,
an invalid or unknown one the headline of its explanation. A run's own directory is a page
that leads with its verdict, judged figures, command line, mistakes and pictures. Every
other path is a file or directory under ``store/``. Nothing outside ``store/`` is served:
paths with ``..``, absolute paths and symlinks that lead out of ``store/`` are refused with
403. File names that are not UTF-8 are shown with replacement characters and still served.
Only regular files are read or served: a FIFO, device or socket in the store is refused
(403), never opened, as opening one could block a thread for ever. A path too long to name
a file gets 414. A connection that sends nothing for ``REQUEST_TIMEOUT_S`` is closed, so
half-open connections cannot each hold a thread for ever.

The index is built once and kept (`RunIndex`): each request looks at the store again at
most once every ``REFRESH_S``, and rebuilds only the rows of runs whose files changed, so
many readers of a store of thousands of runs cost stats, not reads. Connections wait in a
listen backlog of ``BACKLOG``, each then served by a thread of its own.

Unlike Maelstrom, which listens on 0.0.0.0, the default host is 127.0.0.1: the pages show
node logs and histories, which need not reach the whole network.
"""
from __future__ import annotations

import argparse
import html
import json
import math
import mimetypes
import os
import shlex
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from . import footer
from .explain import EXPLANATION_FILE
from .store import open_regular, read_aborted

# Validity -> (label, colour), Maelstrom's blue/orange/pink.
VALIDITY = {True: ("valid", "#6db6fe"), False: ("invalid", "#feb5da"), "unknown": ("unknown", "#ffaa26"),
            "aborted": ("aborted", "#bbbbbb")}
VERDICT_TEXT = {True: "Everything looks good", False: "Analysis invalid",
                "unknown": "Errors occurred during analysis, but no anomalies found",
                "aborted": "The run could not be carried out"}
# The pictures first, then the verdict, then everything else alphabetically.
FILE_ORDER = ["latency.svg", "latency-quantiles.svg", "rate.svg", "messages.svg", "timeline.html",
              "results.json"]
# Shown inline on a run's page, in this order.
PICTURES = ["latency.svg", "latency-quantiles.svg", "rate.svg", "messages.svg"]
REQUEST_TIMEOUT_S = 30
REFRESH_S = 1.0            # how stale the index may be
BACKLOG = 1024             # connections waiting to be accepted (the kernel may cap it lower)
MAX_PATH_BYTES = 4096      # a request path longer than this names no file (PATH_MAX): 414
JSON_LIMIT = 64 << 20      # a verdict file larger than this is not read for a page
# Text formats the browser should show rather than download.
TEXT_SUFFIXES = {".jsonl", ".log", ".edn", ".txt"}
RUN_STAMP = "%Y%m%dT%H%M%S.%f%z"      # store/<workload>/<YYYYMMDDTHHMMSS.mmm±zzzz>/ (docs/maelstrom.md §10)


@dataclass
class Run:
    """One stored test run and the figures the index shows for it."""

    path: Path                         # relative to the store
    started: datetime | None
    sort_key: float
    results: dict | None
    node_count: int
    files: list[str] = field(default_factory=list)
    test: dict = field(default_factory=dict)    # test.json: argv, seed, challenge
    aborted: dict | None = None                 # aborted.json: reason, mistakes

    @property
    def validity(self) -> Any:
        if self.aborted is not None:
            return "aborted"
        if self.results is None:
            return "unknown"
        valid = self.results.get("valid?", "unknown")
        return valid if valid is True or valid is False else "unknown"

    @property
    def argv(self) -> list[str]:
        argv = self.test.get("argv")
        return [str(a) for a in argv] if isinstance(argv, list) else []

    @property
    def node(self) -> str:
        """The --bin the run tested."""
        argv = self.argv
        return argv[argv.index("--bin") + 1] if "--bin" in argv[:-1] else ""

    @property
    def flags(self) -> list[str]:
        """The command line without --bin and the workload, which have their own columns, one
        entry per option with its values (``--node-count 5``), so that a line never breaks
        between an option and its value."""
        argv, groups, skip = self.argv, [], False
        for arg in argv:
            if skip:
                skip = False
            elif arg in ("--bin", "-w", "--workload"):
                skip = True
            elif arg.startswith("-") or not groups:
                groups.append([arg])
            else:
                groups[-1].append(arg)
        return [shlex.join(group) for group in groups]

    @property
    def challenge(self) -> str | None:
        """The challenge ``make test-chX`` ran, if that is how the run was started."""
        challenge = self.test.get("challenge")
        return challenge if isinstance(challenge, str) and challenge else None

    @property
    def mistakes(self) -> list[dict]:
        found = dig(self.results, "harness", "mistakes") or dig(self.aborted, "mistakes") or []
        return [m for m in found if isinstance(m, dict)] if isinstance(found, list) else []


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where any level is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def read_regular(path: Path, limit: int = JSON_LIMIT) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, else None (missing, too
    large, or not a regular file: a FIFO would block the reading thread for ever)."""
    try:
        with os.fdopen(open_regular(path), "rb") as f:
            data = f.read(limit + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= limit else None


def read_run(store: Path, run_dir: Path) -> Run:
    try:
        started: datetime | None = datetime.strptime(run_dir.name, RUN_STAMP)
        sort_key = started.timestamp()
    except ValueError:
        started, sort_key = None, run_dir.stat().st_mtime
    results = read_object(run_dir / "results.json")
    logs = run_dir / "node-logs"
    node_count = len(list(logs.glob("*.log"))) if logs.is_dir() else 0
    names = sorted((p.name + "/" if p.is_dir() else p.name for p in run_dir.iterdir()),
                   key=lambda n: (FILE_ORDER.index(n) if n in FILE_ORDER else len(FILE_ORDER), n))
    return Run(run_dir.relative_to(store), started, sort_key, results, node_count, names,
               read_object(run_dir / "test.json") or {}, read_aborted(run_dir))


def explained(results: dict | None) -> str | None:
    """The headline of a run's explanation (why it is invalid or unknown), if it has one."""
    lines = dig(results, "explanation", "lines")
    if not (isinstance(lines, list) and len(lines) > 1 and isinstance(lines[1], str)):
        return None
    return first_line(lines[1].strip().split(": ")[0].rstrip("."), 90)   # the gist: what failed


def first_line(text: str, limit: int = 140) -> str:
    line = (text.splitlines() or [""])[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"


def read_object(path: Path) -> dict | None:
    """A JSON file's object, or None if it is missing, unreadable, not a regular file or not
    an object."""
    data = read_regular(path)
    try:
        value = json.loads(data.decode("utf-8")) if data is not None else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def shown(name: str) -> str:
    """A file name as text for a page; bytes that are not UTF-8 become replacement characters."""
    return html.escape(os.fsencode(name).decode("utf-8", "replace"))


def link(name: str) -> str:
    """A file name as a URL path segment, byte for byte (``resolve`` reverses it)."""
    return quote(os.fsencode(name))


def find_runs(store: Path) -> list[Run]:
    """Every run, newest first."""
    return sorted((read_run(store, d) for d in run_dirs(store)), key=lambda r: r.sort_key, reverse=True)


def run_dirs(store: Path) -> list[Path]:
    """Every run directory ``store/<workload>/<timestamp>/``. The ``latest`` and ``current``
    symlinks are skipped: they repeat a real run."""
    found = []
    try:
        for workload in store.iterdir():
            if workload.is_symlink() or not workload.is_dir():
                continue
            found += [d for d in workload.iterdir() if d.is_dir() and not d.is_symlink()]
    except OSError:   # no store yet, or a directory removed while it was listed
        pass
    return found


def figure(value: Any, unit: str = "", digits: int = 2) -> str:
    """A number for a table cell, rounded to ``digits`` decimals, thousands separated."""
    if not _is_number(value):
        return "–"
    return f"{value:,.{digits}f}{unit}"


def milliseconds(value: Any) -> str:
    """A latency: whole milliseconds, or two decimals below 10 ms where whole ones say 0."""
    return figure(value, " ms", 2 if _is_number(value) and abs(value) < 10 else 0)


def median_and_max(median: Any, most: Any) -> str:
    """``69 / 98 ms``, or – when the run has no such figures."""
    if not (_is_number(median) and _is_number(most)):
        return "–"
    return f"{milliseconds(median)[:-3]} / {milliseconds(most)}"


def fraction(value: Any) -> str:
    """A fraction such as availability, rounded *down* to four decimals: 0.99996 is not 1."""
    if not _is_number(value):
        return "–"
    return f"{math.floor(value * 10_000) / 10_000:.4f}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


PAGE_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; background: #fff; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #999; }
tr.run td { border-bottom: 1px solid #ddd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when { white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 3px; color: #111; font-weight: bold; }
td.verdict { border-left: 6px solid; }
a { color: #1a64c0; }
.files a { margin-right: 8px; white-space: nowrap; }
td.flags, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 90%; }
td.flags .flag { white-space: nowrap; }
pre { white-space: pre-wrap; background: rgba(127,127,127,.12); padding: 8px; }
.reason { color: #a33; }
dl.terms dt { font-weight: bold; margin-top: 4px; }
dl.terms dd { margin-left: 16px; max-width: 60em; }
h1 .badge { font-size: 70%; vertical-align: middle; }
img.picture { max-width: 100%; border: 1px solid rgba(127,127,127,.3); margin: 8px 0; }
section.explanation figure { overflow-x: auto; }
section.explanation img.picture { max-width: none; }   /* full size: a 25-node diagram scrolls, never shrinks */
section.explanation { border-left: 4px solid #feb5da; padding-left: 14px; }
table.explain td, table.explain th { border-bottom: 1px solid rgba(127,127,127,.25); font-size: 90%; }
figure { margin: 8px 0; } figcaption { color: #777; font-size: 85%; }
@media (prefers-color-scheme: dark) {
  body { background: #17191d; color: #ddd; }
  tr.run td { border-bottom-color: #333; }
  a { color: #8cc4ff; }
  .reason { color: #f99; }
}
"""


def page(title: str, body: str) -> bytes:
    # A name that is not UTF-8 arrives with surrogates (os.fsdecode): replaced, not fatal.
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PAGE_CSS}</style></head><body>\n{body}\n</body></html>\n").encode("utf-8", "replace")


def index_page(store: Path) -> bytes:
    """The table of runs: validity, start, workload, node count, key figures, files."""
    return index_html(store, [index_row(run) for run in find_runs(store)])


def index_row(run: Run) -> str:
    """A run's row of the index."""
    label, colour = VALIDITY[run.validity]
    base = "/" + link(run.path.as_posix()) + "/"
    # The index links the pictures and the verdict; the run's own page lists every file.
    links = " ".join(f'<a href="{base}{link(n)}">{shown(n.split(".")[0].replace("latency-", ""))}</a>'
                     for n in run.files if n in FILE_ORDER)
    stable = dig(run.results, "workload", "stable-latencies")
    when = run.started.strftime("%Y-%m-%d %H:%M:%S") if run.started else shown(run.path.name)
    reason = dig(run.aborted, "reason") or explained(run.results)
    why = f'<br><span class="reason">{shown(first_line(str(reason)))}</span>' if reason else ""
    flags = " ".join(f'<span class="flag">{shown(flag)}</span>' for flag in run.flags)
    return (
        f'<tr class="run {label}"><td class="verdict" style="border-left-color:{colour}">'
        f'<span class="badge" style="background:{colour}">{label}</span></td>'
        f'<td class="when"><a href="{base}">{html.escape(when)}</a></td>'
        f"<td>{shown(run.challenge or '–')}</td>"
        f"<td>{shown(run.path.parts[0])}</td>"
        f'<td title="{shown(run.node)}">{shown("/".join(run.node.split("/")[-2:])) or "–"}</td>'
        f'<td class="flags">{flags}{why}</td>'
        f'<td class="num">{run.node_count or "–"}</td>'
        f'<td class="num">{figure(dig(run.results, "net", "servers", "msgs-per-op"))}</td>'
        f'<td class="num">{median_and_max(dig(stable, "0.5"), dig(stable, "1"))}</td>'
        f'<td class="num">{milliseconds(dig(run.results, "harness", "op-latency-ms", "p50"))}</td>'
        f'<td class="num">{fraction(dig(run.results, "availability", "ok-fraction"))}</td>'
        f'<td class="files">{links}</td></tr>')


def index_html(store: Path, rows: list[str]) -> bytes:
    """The index page around its rows (newest first)."""
    table = ("<table><tr><th>validity</th><th>started</th><th>challenge</th><th>workload</th><th>node</th>"
             "<th>flags</th><th>nodes</th><th>servers msgs/op</th><th>stable latency median / max</th>"
             "<th>request latency median</th><th>availability</th>"
             "<th>pictures and verdict</th></tr>\n" + "\n".join(rows) + "</table>")
    plural = "" if len(rows) == 1 else "s"
    intro = (f"<h1>Test runs in {html.escape(str(store))}</h1><p>{len(rows)} run{plural}, newest first. "
             "Figures are rounded (availability down, so that only a run with every op ok shows 1); "
             "a run's page has them exactly. A figure the run does not have is shown as –.</p>")
    return page("Test runs", intro + (table if rows else "<p>No runs stored yet.</p>"))


class RunIndex:
    """The index page, kept between requests. The store is looked at again at most once
    every ``REFRESH_S``; then a run's row is rebuilt only if its directory, its verdict or
    its command line changed (the stat times say), and the rows of runs gone are dropped.
    Only each run's row is kept, not its results."""

    def __init__(self, store: Path, refresh_s: float = REFRESH_S):
        self.store = store
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._rows: dict[Path, tuple[tuple, float, str]] = {}   # run dir -> (signature, sort key, row)
        self._page: bytes | None = None
        self._checked_at = -math.inf

    def page(self) -> bytes:
        with self._lock:   # one refresh at a time; the requests behind it get its page
            if self._page is None or time.monotonic() - self._checked_at >= self.refresh_s:
                self._refresh()
                self._checked_at = time.monotonic()
            return self._page

    def _refresh(self) -> None:
        rows = {}
        for run_dir in run_dirs(self.store):
            signature = _signature(run_dir)
            kept = self._rows.get(run_dir)
            if kept is not None and kept[0] == signature:
                rows[run_dir] = kept
                continue
            try:
                run = read_run(self.store, run_dir)
            except OSError:   # removed meanwhile
                continue
            rows[run_dir] = (signature, run.sort_key, index_row(run))
        self._rows = rows
        ordered = sorted(rows.values(), key=lambda kept: kept[1], reverse=True)
        self._page = index_html(self.store, [row for _, _, row in ordered])


def _signature(run_dir: Path) -> tuple:
    """What changes when a run's row must: its directory (files added, renamed, removed) and
    the files its row reads (the harness replaces each whole: a new inode, store.py)."""
    times = []
    for path in (run_dir, run_dir / "results.json", run_dir / "aborted.json", run_dir / "test.json"):
        try:
            info = path.stat()
            times.append((info.st_ino, info.st_mtime_ns, info.st_size))
        except OSError:
            times.append(None)
    return tuple(times)


def listing_page(store: Path, directory: Path) -> bytes:
    """A directory under the store (``store`` resolved): a run's page, or its entries."""
    if (directory / "test.json").is_file() or (directory / "results.json").is_file():
        return run_page(read_run(store, directory), directory)
    rel = directory.relative_to(store).as_posix()
    entries = sorted(directory.iterdir(), key=lambda p: p.name)
    items = "\n".join(f'<li><a href="{link(p.name)}{"/" if p.is_dir() else ""}">'
                      f'{shown(p.name)}{"/" if p.is_dir() else ""}</a></li>' for p in entries)
    return page(rel, f'<p><a href="/">all runs</a></p><h1>{shown(rel)}/</h1><ul>{items}</ul>')


def run_page(run: Run, directory: Path | None = None) -> bytes:
    """One run: verdict, judged figures, why it failed, command line and node, why it ended,
    pictures, files."""
    label, colour = VALIDITY[run.validity]
    rel = shown(run.path.as_posix())
    parts = [f'<p><a href="/">all runs</a></p>',
             f'<h1><span class="badge" style="background:{colour}">{label}</span> '
             f"{html.escape(VERDICT_TEXT[run.validity])}</h1>",
             f"<p>{shown(run.path.parts[0])} run {rel}</p>"]
    reason = dig(run.aborted, "reason")
    if reason:
        parts.append(f'<h2>Why it ended</h2><pre class="reason">{shown(str(reason))}</pre>')
    challenge = run.challenge
    if run.results is not None:
        table = footer.rows(run.results, challenge)
        cells = "".join(f"<tr><td>{html.escape(a)}</td><td class=\"num\">{html.escape(b)}</td>"
                        f"<td>{html.escape(c)}</td></tr>" for a, b, c in table)
        shown_text = " ".join(f"{label} {value}" for label, value, _ in table)
        terms = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>"
                        for term, meaning in footer.TERMS if term in shown_text)
        parts.append(f"<h2>{html.escape(footer.heading(challenge).rstrip(':'))}</h2>"
                     f'<table class="figures">{cells}</table>' + (f'<dl class="terms">{terms}</dl>' if terms else ""))
    explanation = read_explanation(directory) if directory is not None else None
    if explanation:
        parts.append(explanation)
    if run.argv:
        parts.append(f"<h2>Command line</h2><p>node: <code>{shown(run.node)}</code>, seed "
                     f"{shown(str(run.test.get('seed')))}</p>"
                     f"<pre>python3 -m tests.harness test {shown(shlex.join(run.argv))}</pre>")
    if run.mistakes:
        items = "".join(f"<li><b>{shown(str(m.get('node')))}</b> {shown(str(m.get('example')))} "
                        f"(&times;{shown(str(m.get('count')))}). Fix: {shown(str(m.get('fix')))}.</li>"
                        for m in run.mistakes)
        parts.append(f"<h2>Mistakes seen</h2><ul>{items}</ul>")
    pictures = [name for name in PICTURES if name in run.files]
    parts += [f'<h2>{name}</h2><p><img class="picture" src="{name}" alt="{name}"></p>' for name in pictures]
    items = "".join(f'<li><a href="{link(n)}">{shown(n)}</a></li>' for n in run.files)
    parts.append(f"<h2>Files</h2><ul>{items}</ul>")
    return page(f"{label}: {run.path.as_posix()}", "\n".join(parts))


def read_explanation(directory: Path) -> str | None:
    """The run page's "Why" section, which the harness wrote (tests/harness/explain.py)."""
    data = read_regular(directory / EXPLANATION_FILE)
    return data.decode("utf-8", "replace") if data is not None else None


def url_path(target: str) -> str:
    """The path of a request target, without query or fragment.

    Not ``urlsplit``: it would read ``//etc/passwd`` as host ``etc`` and path ``/passwd``."""
    return target.split("?", 1)[0].split("#", 1)[0]


def resolve(store: Path, target: str) -> Path | None:
    """The file or directory under ``store`` that a request target names, or None if it
    leads outside the store."""
    path = unquote(url_path(target), errors="surrogateescape")
    if not path.startswith("/") or path.startswith("//") or "\\" in path or "\0" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    try:
        root = store.resolve()
        target = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError, ValueError):   # a symlink loop, a name too long
        return None
    return target if target == root or root in target.parents else None


def content_type(path: Path) -> str:
    if path.suffix in TEXT_SUFFIXES:
        return "text/plain; charset=utf-8"
    if path.suffix == ".svg":
        return "image/svg+xml"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return guessed + "; charset=utf-8" if guessed.startswith("text/") else guessed


class StoreServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(self, address: tuple[str, int], store: Path, quiet: bool = False,
                 refresh_s: float = REFRESH_S):
        self.store = store
        self.quiet = quiet
        self.index = RunIndex(store, refresh_s)
        super().__init__(address, StoreHandler)


class StoreHandler(BaseHTTPRequestHandler):
    server: StoreServer
    timeout = REQUEST_TIMEOUT_S   # seconds a connection may stay silent before it is closed

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        try:
            self.answer(send_body)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client left
        except Exception as e:   # a page that cannot be made still gets an answer
            self.log_error("could not answer %r: %r", self.path, e)
            try:
                self.send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                          f"The page could not be made: {type(e).__name__}.\n".encode(), send_body)
            except OSError:
                pass

    def answer(self, send_body: bool) -> None:
        store = self.server.store
        path = url_path(self.path)
        if path in ("/", "/index.html"):
            return self.send(HTTPStatus.OK, "text/html; charset=utf-8", self.server.index.page(), send_body)
        if len(path) > MAX_PATH_BYTES:
            return self.send(HTTPStatus.REQUEST_URI_TOO_LONG, "text/plain; charset=utf-8",
                             b"No file under store/ has a path this long.\n", send_body)
        target = resolve(store, self.path)
        if target is None:
            return self.send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8",
                             b"Only files under store/ are served.\n", send_body)
        if target.is_dir():
            if not path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                return self.end_headers()
            return self.send(HTTPStatus.OK, "text/html; charset=utf-8", listing_page(store.resolve(), target),
                             send_body)
        if not target.exists():
            return self.send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found.\n", send_body)
        try:
            f = os.fdopen(open_regular(target), "rb")
        except OSError:
            return self.send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8",
                             b"Only regular files are served (not FIFOs, devices or sockets).\n", send_body)
        with f:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type(target))
            self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
            self.end_headers()
            if send_body:
                shutil.copyfileobj(f, self.wfile)

    def send(self, status: HTTPStatus, kind: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)


def make_server(host: str, port: int, store: Path, quiet: bool = False,
                refresh_s: float = REFRESH_S) -> StoreServer:
    """A bound, not yet running server; port 0 picks a free port (see ``server_address``)."""
    return StoreServer((host, port), store, quiet, refresh_s)


def serve(host: str, port: int, store: Path) -> None:
    """Serve ``store`` until interrupted."""
    try:
        server = make_server(host, port, store)
    except OSError as e:
        raise SystemExit(f"Cannot serve on {host}:{port}: {e.strerror or e}. "
                         f"Is another serve running? Pick another port with -p PORT.") from None
    with server:
        print(f"Serving {store}/ at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m tests.harness serve",
                                     description="Web UI over the stored test runs.")
    parser.add_argument("-b", "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--store", type=Path, default=Path("store"), help="store directory (default ./store)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """``python3 -m tests.harness serve [-p PORT] [-b HOST] [--store DIR]``; runs until Ctrl-C."""
    args = parse_args(argv)
    serve(args.host, args.port, args.store)
    return 0

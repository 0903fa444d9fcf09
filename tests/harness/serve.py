"""``serve``: a small web server over ``store/`` (spec §3.1).

``/`` is an index of the stored runs, newest first, each coloured by its validity (blue
valid, orange unknown, pink invalid, as Maelstrom does) with its key figures and links to
its files. Every other path is a file or directory under ``store/``. Nothing outside
``store/`` is served: paths with ``..``, absolute paths and symlinks that lead out of
``store/`` are refused with 403.

Unlike Maelstrom, which listens on 0.0.0.0, the default host is 127.0.0.1: the pages show
node logs and histories, which need not reach the whole network.
"""
from __future__ import annotations

import argparse
import html
import json
import mimetypes
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

# Validity -> (label, colour), Maelstrom's blue/orange/pink.
VALIDITY = {True: ("valid", "#6db6fe"), False: ("invalid", "#feb5da"), "unknown": ("unknown", "#ffaa26")}
# The pictures first, then the verdict, then everything else alphabetically.
FILE_ORDER = ["latency.svg", "rate.svg", "messages.svg", "timeline.html", "results.json"]
# Text formats the browser should show rather than download.
TEXT_SUFFIXES = {".jsonl", ".log", ".edn", ".txt"}
RUN_STAMP = "%Y%m%dT%H%M%S.%f%z"      # store/<workload>/<YYYYMMDDTHHMMSS.mmm±zzzz>/ (spec §10)


@dataclass
class Run:
    """One stored test run and the figures the index shows for it."""

    path: Path                         # relative to the store
    started: datetime | None
    sort_key: float
    results: dict | None
    node_count: int
    files: list[str] = field(default_factory=list)

    @property
    def validity(self) -> Any:
        if self.results is None:
            return "unknown"
        valid = self.results.get("valid?", "unknown")
        return valid if valid in (True, False) else "unknown"


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where any level is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def read_run(store: Path, run_dir: Path) -> Run:
    try:
        started: datetime | None = datetime.strptime(run_dir.name, RUN_STAMP)
        sort_key = started.timestamp()
    except ValueError:
        started, sort_key = None, run_dir.stat().st_mtime
    try:
        results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = None
    logs = run_dir / "node-logs"
    node_count = len(list(logs.glob("*.log"))) if logs.is_dir() else 0
    names = sorted((p.name + "/" if p.is_dir() else p.name for p in run_dir.iterdir()),
                   key=lambda n: (FILE_ORDER.index(n) if n in FILE_ORDER else len(FILE_ORDER), n))
    return Run(run_dir.relative_to(store), started, sort_key, results, node_count, names)


def find_runs(store: Path) -> list[Run]:
    """Every run directory ``store/<workload>/<timestamp>/``, newest first.

    The ``latest`` and ``current`` symlinks are skipped: they repeat a real run."""
    runs = []
    if store.is_dir():
        for workload in store.iterdir():
            if workload.is_symlink() or not workload.is_dir():
                continue
            runs += [read_run(store, d) for d in workload.iterdir() if d.is_dir() and not d.is_symlink()]
    return sorted(runs, key=lambda r: r.sort_key, reverse=True)


def figure(value: Any, unit: str = "", digits: int = 2) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    return f"{value:.{digits}f}{unit}"


PAGE_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; background: #fff; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #999; }
tr.run td { border-bottom: 1px solid #ddd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 3px; color: #111; font-weight: bold; }
td.verdict { border-left: 6px solid; }
a { color: #1a64c0; }
.files a { margin-right: 8px; white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  body { background: #17191d; color: #ddd; }
  tr.run td { border-bottom-color: #333; }
  a { color: #8cc4ff; }
}
"""


def page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PAGE_CSS}</style></head><body>\n{body}\n</body></html>\n").encode("utf-8")


def index_page(store: Path) -> bytes:
    """The table of runs: validity, start, workload, node count, key figures, files."""
    runs = find_runs(store)
    rows = []
    for run in runs:
        label, colour = VALIDITY[run.validity]
        base = "/" + quote(run.path.as_posix()) + "/"
        links = " ".join(f'<a href="{base}{quote(n)}">{html.escape(n)}</a>' for n in run.files)
        stable = dig(run.results, "workload", "stable-latencies")
        when = run.started.strftime("%Y-%m-%d %H:%M:%S") if run.started else run.path.name
        rows.append(
            f'<tr class="run {label}"><td class="verdict" style="border-left-color:{colour}">'
            f'<span class="badge" style="background:{colour}">{label}</span></td>'
            f'<td><a href="{base}">{html.escape(when)}</a></td>'
            f"<td>{html.escape(run.path.parts[0])}</td>"
            f'<td class="num">{run.node_count or "–"}</td>'
            f'<td class="num">{figure(dig(run.results, "net", "servers", "msgs-per-op"))}</td>'
            f'<td class="num">{figure(dig(stable, "0.5"), " ms", 0)}</td>'
            f'<td class="num">{figure(dig(stable, "1"), " ms", 0)}</td>'
            f'<td class="num">{figure(dig(run.results, "availability", "ok-fraction"), "", 3)}</td>'
            f'<td class="files">{links}</td></tr>')
    table = ("<table><tr><th>validity</th><th>started</th><th>workload</th><th>nodes</th>"
             "<th>servers msgs/op</th><th>stable latency median</th><th>stable latency max</th>"
             "<th>ok fraction</th><th>files</th></tr>\n" + "\n".join(rows) + "</table>")
    plural = "" if len(runs) == 1 else "s"
    intro = (f"<h1>Test runs in {html.escape(str(store))}</h1><p>{len(runs)} run{plural}, newest first. "
             "Figures missing from a run's results are shown as –.</p>")
    return page("Test runs", intro + (table if runs else "<p>No runs stored yet.</p>"))


def listing_page(store: Path, directory: Path) -> bytes:
    """A directory under the store (``store`` resolved): its entries, and a run's plots."""
    rel = directory.relative_to(store).as_posix()
    entries = sorted(directory.iterdir(), key=lambda p: p.name)
    items = "\n".join(f'<li><a href="{quote(p.name)}{"/" if p.is_dir() else ""}">'
                      f'{html.escape(p.name)}{"/" if p.is_dir() else ""}</a></li>' for p in entries)
    # A run's own directory shows its two plots; the message diagram can be too tall to inline.
    plots = "".join(f'<p><img src="{name}" alt="{name}"></p>' for name in ("latency.svg", "rate.svg")
                    if (directory / name).is_file())
    return page(rel, f'<p><a href="/">all runs</a></p><h1>{html.escape(rel)}/</h1><ul>{items}</ul>{plots}')


def url_path(target: str) -> str:
    """The path of a request target, without query or fragment.

    Not ``urlsplit``: it would read ``//etc/passwd`` as host ``etc`` and path ``/passwd``."""
    return target.split("?", 1)[0].split("#", 1)[0]


def resolve(store: Path, target: str) -> Path | None:
    """The file or directory under ``store`` that a request target names, or None if it
    leads outside the store."""
    path = unquote(url_path(target))
    if not path.startswith("/") or path.startswith("//") or "\\" in path or "\0" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    root = store.resolve()
    target = root.joinpath(*parts).resolve()
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

    def __init__(self, address: tuple[str, int], store: Path, quiet: bool = False):
        self.store = store
        self.quiet = quiet
        super().__init__(address, StoreHandler)


class StoreHandler(BaseHTTPRequestHandler):
    server: StoreServer

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        store = self.server.store
        path = url_path(self.path)
        if path in ("/", "/index.html"):
            return self.send(HTTPStatus.OK, "text/html; charset=utf-8", index_page(store), send_body)
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
        if not target.is_file():
            return self.send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found.\n", send_body)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(target))
        self.send_header("Content-Length", str(target.stat().st_size))
        self.end_headers()
        if send_body:
            with open(target, "rb") as f:
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


def make_server(host: str, port: int, store: Path, quiet: bool = False) -> StoreServer:
    """A bound, not yet running server; port 0 picks a free port (see ``server_address``)."""
    return StoreServer((host, port), store, quiet)


def serve(host: str, port: int, store: Path) -> None:
    """Serve ``store`` until interrupted."""
    with make_server(host, port, store) as server:
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

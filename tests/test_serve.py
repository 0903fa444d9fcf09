"""``serve``: the index of stored runs and the files under store/, and nothing else."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

from tests.harness import serve
from tests.harness.serve import RunIndex, index_page, make_server, parse_args
from tests.support import ROOT

CHROMIUM = Path("/usr/bin/chromium")


def make_run(store: Path, workload: str, stamp: str, results: dict | None, nodes: int = 3) -> Path:
    run = store / workload / stamp
    (run / "node-logs").mkdir(parents=True)
    for k in range(1, nodes + 1):
        (run / "node-logs" / f"n{k}.log").write_text("")
    (run / "history.jsonl").write_text('{"index": 0}\n')
    (run / "latency.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    if results is not None:
        (run / "results.json").write_text(json.dumps(results))
    return run


def rewrite(path: Path, text: str) -> None:
    """Replace a file whole, as the harness does (store.py): serve sees a new file."""
    (path.parent / ".rewrite").write_text(text)
    os.replace(path.parent / ".rewrite", path)


class StoreFixture(unittest.TestCase):
    """A store with three runs and a secret file beside it, served on a free port."""

    def setUp(self):
        root = Path(tempfile.mkdtemp(prefix="glomers-serve-"))
        self.store = root / "store"
        (root / "secret.txt").write_text("outside the store")
        self.old = make_run(self.store, "broadcast", "20240101T100000.000+0000", {
            "valid?": True,
            "net": {"servers": {"msgs-per-op": 12.25}},
            "workload": {"stable-latencies": {"0.5": 123, "1": 456}},
            "availability": {"ok-fraction": 0.875},
        }, nodes=5)
        self.mid = make_run(self.store, "g-counter", "20240102T100000.000+0000", {"valid?": False})
        self.new = make_run(self.store, "broadcast", "20240103T100000.000+0000", {"valid?": "unknown"})
        (self.store / "latest").symlink_to(self.new)
        (self.store / "broadcast" / "latest").symlink_to(self.new)
        (self.new / "escape.txt").symlink_to(root / "secret.txt")
        self.server = make_server("127.0.0.1", 0, self.store, quiet=True, refresh_s=0)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def get(self, path: str) -> tuple[int, str, bytes]:
        """GET ``path`` sent exactly as written (no client-side normalisation)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            conn.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


class Index(StoreFixture):
    def index(self) -> str:
        status, kind, body = self.get("/")
        self.assertEqual((status, kind), (200, "text/html; charset=utf-8"))
        return body.decode()

    def test_lists_runs_newest_first(self):
        page = self.index()
        positions = [page.index(f'href="/{run.parent.name}/{run.name.replace("+", "%2B")}/"')
                     for run in (self.new, self.mid, self.old)]
        self.assertEqual(positions, sorted(positions))

    def test_the_latest_symlinks_do_not_repeat_a_run(self):
        self.assertEqual(self.index().count('<tr class="run '), 3)

    def test_runs_are_coloured_by_validity(self):
        page = self.index()
        self.assertEqual([page.count(f'<tr class="run {v}"') for v in ("valid", "invalid", "unknown")], [1, 1, 1])

    def test_shows_workload_node_count_and_key_figures(self):
        row = self.index().split('<tr class="run valid"')[1].split("</tr>")[0]
        for text in ("broadcast", ">5<", "12.25", "123 / 456 ms", "0.875"):
            self.assertIn(text, row)

    def test_links_the_pictures_and_results_of_a_run(self):
        row = self.index().split('<tr class="run invalid"')[1].split("</tr>")[0]
        for name in ("latency.svg", "results.json"):
            self.assertIn(f'href="/g-counter/20240102T100000.000%2B0000/{name}"', row)

    def test_an_empty_store_says_so(self):
        self.assertIn(b"No runs stored yet", index_page(self.store / "nothing-here"))


class Files(StoreFixture):
    def test_serves_a_run_file(self):
        status, kind, body = self.get("/broadcast/20240101T100000.000%2B0000/results.json")
        self.assertEqual((status, json.loads(body)["valid?"]), (200, True))

    def test_svg_is_served_as_an_image(self):
        status, kind, _ = self.get("/broadcast/20240101T100000.000%2B0000/latency.svg")
        self.assertEqual((status, kind), (200, "image/svg+xml"))

    def test_follows_the_latest_symlink_inside_the_store(self):
        status, _, body = self.get("/latest/results.json")
        self.assertEqual((status, json.loads(body)["valid?"]), (200, "unknown"))

    def test_lists_a_directory(self):
        status, _, body = self.get("/broadcast/20240101T100000.000%2B0000/node-logs/")
        self.assertEqual(status, 200)
        self.assertIn(b'href="n5.log"', body)

    def test_a_missing_file_is_not_found(self):
        self.assertEqual(self.get("/broadcast/nope.txt")[0], 404)


class Refusals(StoreFixture):
    def assertRefused(self, path: str):
        status, _, body = self.get(path)
        self.assertEqual(status, 403, path)
        self.assertNotIn(b"outside the store", body)

    def test_refuses_parent_directory_segments(self):
        self.assertRefused("/../secret.txt")

    def test_refuses_encoded_parent_directory_segments(self):
        self.assertRefused("/%2e%2e/secret.txt")
        self.assertRefused("/broadcast/%2E%2E/%2E%2E/secret.txt")

    def test_refuses_absolute_paths(self):
        self.assertRefused("/%2Fetc%2Fpasswd")
        self.assertRefused("/%2F%2Fetc/passwd")

    def test_a_doubled_leading_slash_stays_inside_the_store(self):
        # http.server folds a leading "//" into "/", so this names store/etc/passwd.
        self.assertEqual(self.get("//etc/passwd")[0], 404)

    def test_refuses_symlinks_that_lead_out_of_the_store(self):
        self.assertRefused("/latest/escape.txt")


class RunsWithCommandLines(StoreFixture):
    """The fixture's store, plus a command line for the oldest run and an aborted run."""

    def setUp(self):
        super().setUp()
        (self.old / "test.json").write_text(json.dumps({
            "argv": ["-w", "broadcast", "--bin", "ch3d_broadcast/main.py", "--node-count", "5",
                     "--latency", "100"], "seed": 7, "challenge": "3d"}))
        self.aborted = make_run(self.store, "echo", "20240104T100000.000+0000", None, nodes=1)
        (self.aborted / "test.json").write_text(json.dumps({"argv": ["-w", "echo", "--bin", "x.py"], "seed": 1}))
        (self.aborted / "aborted.json").write_text(json.dumps({
            "reason": "node n0 exited with status 3\nlast lines of its stderr: boom",
            "mistakes": [{"kind": "node-exited", "node": "n0", "count": 1,
                          "example": "exited with status 3", "fix": "keep serving"}]}))


class RunPage(RunsWithCommandLines):
    def page(self, run: Path) -> str:
        status, kind, body = self.get(f"/{run.parent.name}/{run.name.replace('+', '%2B')}/")
        self.assertEqual((status, kind), (200, "text/html; charset=utf-8"))
        return body.decode()

    def test_leads_with_the_verdict(self):
        page = self.page(self.old)
        self.assertLess(page.index("Everything looks good"), page.index("Command line"))

    def test_defines_the_terms_of_the_figures_it_shows(self):
        (self.old / "results.json").write_text(json.dumps({
            "valid?": True, "workload": {"stable-latencies": {"0.5": 80, "1": 99}, "attempt-count": 9,
                                         "stable-count": 9, "stale-count": 4, "lost-count": 0}}))
        page = self.page(self.old)
        for term in ("stable latency", "stale", "lost"):
            self.assertIn(f"<dt>{term}</dt>", page)
        self.assertIn("never a failure", page)

    def test_defines_no_term_a_run_does_not_show(self):
        page = self.page(self.aborted)
        self.assertNotIn("<dt>", page)

    def test_shows_the_judged_figures_with_the_challenge_limits(self):
        page = self.page(self.old)
        self.assertIn("Challenge 3d", page)
        self.assertIn("12.25", page)
        self.assertIn("&lt; 400 ms  pass", page)

    def test_shows_the_command_line_node_and_seed(self):
        page = self.page(self.old)
        self.assertIn("python3 -m tests.harness test -w broadcast --bin ch3d_broadcast/main.py", page)
        self.assertIn("seed 7", page)

    def test_links_every_file_of_the_run(self):
        page = self.page(self.old)
        for name in ("latency.svg", "results.json", "history.jsonl", "node-logs/"):
            self.assertIn(f'href="{name}"', page)

    def test_shows_the_pictures_inline(self):
        self.assertIn('<img class="picture" src="latency.svg"', self.page(self.old))

    def test_an_explained_run_shows_its_why_section_after_the_figures(self):
        (self.mid / "explanation.html").write_text('<section class="explanation"><h2 id="why">Why it is invalid</h2>'
                                                   '<p>3 of 3 final reads did not count every add.</p></section>')
        page = self.page(self.mid)
        self.assertIn("3 of 3 final reads did not count every add.", page)
        self.assertLess(page.index("Why it is invalid"), page.index("Files"))

    def test_an_aborted_run_says_why_it_ended_and_the_mistakes_seen(self):
        page = self.page(self.aborted)
        self.assertIn("aborted", page)
        self.assertIn("node n0 exited with status 3", page)
        self.assertIn("Fix: keep serving", page)


class IndexRows(RunsWithCommandLines):
    def row(self, run: Path) -> str:
        page = self.get("/")[2].decode()
        return page.split(f'href="/{run.parent.name}/{run.name.replace("+", "%2B")}/"')[1].split("</tr>")[0]

    def test_a_row_names_the_challenge_the_node_and_the_flags(self):
        row = self.row(self.old)
        self.assertIn("<td>3d</td>", row)
        self.assertIn("ch3d_broadcast/main.py", row)
        self.assertIn("--node-count 5", row)

    def test_a_line_never_breaks_between_an_option_and_its_value(self):
        row = self.row(self.old)
        self.assertIn('<span class="flag">--node-count 5</span> <span class="flag">--latency 100</span>', row)
        self.assertIn(".flag { white-space: nowrap; }", self.get("/")[2].decode())

    def test_an_aborted_row_says_aborted_with_its_reason(self):
        page = self.get("/")[2].decode()
        self.assertIn('<tr class="run aborted"', page)
        self.assertIn("node n0 exited with status 3", self.row(self.aborted))

    def test_an_invalid_row_gives_the_headline_of_its_explanation(self):
        (self.mid / "results.json").write_text(json.dumps({"valid?": False, "explanation": {
            "lines": ["Why it is invalid:", "  3 of 3 final reads did not count every acknowledged add.", "    n0 read 5"]}}))
        self.assertIn("3 of 3 final reads did not count every acknowledged add", self.row(self.mid))
        self.assertNotIn("n0 read 5", self.row(self.mid))

    def test_availability_is_rounded_down_so_that_only_every_op_ok_shows_one(self):
        for stored, shown in ((0.99955, "0.9995"), (0.99999, "0.9999"), (1.0, "1.0000"), (0.875, "0.8750")):
            with self.subTest(stored=stored):
                rewrite(self.new / "results.json", json.dumps({"valid?": True, "availability": {"ok-fraction": stored}}))
                self.assertIn(f'<td class="num">{shown}</td>', self.row(self.new))

    def test_latencies_are_whole_milliseconds_with_separators_and_two_decimals_below_ten(self):
        rewrite(self.new / "results.json", json.dumps({
            "valid?": True, "workload": {"stable-latencies": {"0.5": 10010.4, "1": 19903}},
            "harness": {"op-latency-ms": {"count": 5, "p50": 0.346}}}))
        row = self.row(self.new)
        for shown in ("10,010 / 19,903 ms", "0.35 ms"):
            self.assertIn(f'<td class="num">{shown}</td>', row)


class DamagedStore(StoreFixture):
    def test_a_results_file_that_is_not_an_object_does_not_break_the_index(self):
        for content in ("[1, 2]", "null", "\"valid\"", "{"):
            with self.subTest(content=content):
                rewrite(self.new / "results.json", content)
                status, _, body = self.get("/")
                self.assertEqual(status, 200)
                self.assertEqual(body.decode().count('<tr class="run '), 3)

    def test_a_file_name_that_is_not_utf8_is_listed_and_served(self):
        name = os.fsdecode(b"bad-\xff-name.txt")
        try:
            (self.new / name).write_text("still here")
        except (OSError, UnicodeEncodeError):
            self.skipTest("this file system refuses names that are not UTF-8")
        for page in ("/", "/broadcast/20240103T100000.000%2B0000/"):
            self.assertEqual(self.get(page)[0], 200)
        self.assertIn("bad-\ufffd-name.txt", self.get("/broadcast/20240103T100000.000%2B0000/")[2].decode())
        status, _, body = self.get(f"/broadcast/20240103T100000.000%2B0000/bad-%FF-name.txt")
        self.assertEqual((status, body), (200, b"still here"))

    def test_a_run_directory_whose_name_is_not_utf8_gets_its_page(self):
        # Issue 20: such a run page got no response at all.
        name = os.fsdecode(b"20240104T100000.000+0000-\xff")
        try:
            make_run(self.store, "broadcast", name, {"valid?": True})
        except (OSError, UnicodeEncodeError):
            self.skipTest("this file system refuses names that are not UTF-8")
        status, _, body = self.get("/broadcast/20240104T100000.000%2B0000-%FF/")
        self.assertEqual(status, 200)
        self.assertIn("20240104T100000.000+0000-\ufffd", body.decode())
        self.assertEqual(self.get("/")[0], 200)

    def test_a_fifo_is_never_opened_the_index_still_answers_and_the_fifo_is_refused(self):
        # Issue 20: a FIFO named results.json hung the index for ever, a thread per request.
        (self.new / "results.json").unlink()
        os.mkfifo(self.new / "results.json")
        os.mkfifo(self.new / "pipe.log")
        status, _, body = self.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(body.decode().count('<tr class="run '), 3)
        self.assertEqual(self.get("/broadcast/20240103T100000.000%2B0000/")[0], 200)
        for name in ("results.json", "pipe.log"):
            status, _, body = self.get(f"/broadcast/20240103T100000.000%2B0000/{name}")
            self.assertEqual(status, 403)
            self.assertIn(b"Only regular files", body)

    def test_a_path_too_long_to_name_a_file_is_answered_414(self):
        # Issue 20: a 5,000-segment path dropped the connection without an answer.
        for path in ("/" + "a/" * 5000, "/" + "x" * 5000):
            with self.subTest(length=len(path)):
                self.assertEqual(self.get(path)[0], 414)

    def test_a_path_through_a_symlink_loop_is_answered(self):
        os.symlink("loop", self.new / "loop")
        self.assertIn(self.get("/broadcast/20240103T100000.000%2B0000/loop/x")[0], (403, 404))

    def test_a_half_open_connection_is_closed_after_the_timeout(self):
        import socket
        from tests.harness import serve
        old, serve.StoreHandler.timeout = serve.StoreHandler.timeout, 0.3
        self.addCleanup(setattr, serve.StoreHandler, "timeout", old)
        with socket.create_connection(("127.0.0.1", self.server.server_address[1]), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n")     # and never the rest of the request
            self.assertEqual(sock.recv(100), b"")   # the server hung up, freeing its thread


class BusyPort(unittest.TestCase):
    def test_a_busy_port_gives_a_one_line_reason_not_a_traceback(self):
        with make_server("127.0.0.1", 0, Path("store"), quiet=True) as taken:
            port = str(taken.server_address[1])
            done = subprocess.run([sys.executable, "-m", "tests.harness", "serve", "-p", port],
                                  capture_output=True, text=True, timeout=30, cwd=str(ROOT))
        self.assertNotEqual(done.returncode, 0)
        self.assertNotIn("Traceback", done.stderr)
        self.assertIn(f"Cannot serve on 127.0.0.1:{port}", done.stderr)


class CommandLine(unittest.TestCase):
    def test_binds_to_loopback_on_8080_by_default(self):
        args = parse_args([])
        self.assertEqual((args.host, args.port), ("127.0.0.1", 8080))

    def test_host_and_port_flags(self):
        args = parse_args(["-b", "0.0.0.0", "-p", "9000"])
        self.assertEqual((args.host, args.port), ("0.0.0.0", 9000))


@unittest.skipUnless(CHROMIUM.exists(), "headless browser check skipped: /usr/bin/chromium is not installed")
class Browser(RunsWithCommandLines):
    def dom(self, url: str) -> str:
        profile = tempfile.mkdtemp(prefix="glomers-chromium-")
        return subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=profile),
        ).stdout

    def test_the_index_renders_in_headless_chromium(self):
        dom = self.dom(self.url)
        self.assertEqual(dom.count('class="run '), 4)
        self.assertIn("12.25", dom)

    def test_a_run_page_renders_in_headless_chromium(self):
        dom = self.dom(self.url + "broadcast/20240101T100000.000%2B0000/")
        self.assertIn("Everything looks good", dom)
        self.assertIn("Challenge 3d", dom)
        self.assertIn('src="latency.svg"', dom)


class IndexCache(unittest.TestCase):
    """The index is built once and kept: a request reads only the runs that changed since,
    and sees a new run within the refresh period (issue 20: every index request re-read
    every run, and 200 at once against 1,004 runs timed out)."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="glomers-serve-cache-")
        self.addCleanup(tmp.cleanup)
        self.store = Path(tmp.name) / "store"
        for day in range(1, 6):
            make_run(self.store, "echo", f"202401{day:02d}T100000.000+0000", {"valid?": True})
        self.index = RunIndex(self.store, refresh_s=0)
        self.reads: list[Path] = []
        original = serve.read_run
        self.addCleanup(setattr, serve, "read_run", original)
        serve.read_run = lambda store, run_dir: self.reads.append(run_dir) or original(store, run_dir)

    def test_a_second_request_reads_no_run_again(self):
        self.index.page()
        self.assertEqual(len(self.reads), 5)
        self.index.page()
        self.assertEqual(len(self.reads), 5)

    def test_a_new_run_and_a_new_verdict_are_read_and_only_they(self):
        self.index.page()
        make_run(self.store, "echo", "20240106T100000.000+0000", {"valid?": False})
        rewrite(self.store / "echo" / "20240101T100000.000+0000" / "results.json", '{"valid?": false}')
        page = self.index.page().decode()
        self.assertEqual(sorted(p.name for p in self.reads[5:]),
                         ["20240101T100000.000+0000", "20240106T100000.000+0000"])
        self.assertEqual(page.count('<tr class="run invalid"'), 2)

    def test_a_removed_run_leaves_the_index(self):
        self.index.page()
        shutil.rmtree(self.store / "echo" / "20240103T100000.000+0000")
        self.assertEqual(self.index.page().decode().count('<tr class="run '), 4)

    def test_within_the_refresh_period_the_store_is_not_looked_at(self):
        index = RunIndex(self.store, refresh_s=3600)
        index.page()
        make_run(self.store, "echo", "20240106T100000.000+0000", {"valid?": True})
        self.assertEqual(index.page().decode().count('<tr class="run '), 5)


class ManyReaders(unittest.TestCase):
    def test_many_parallel_index_requests_are_all_answered(self):
        tmp = tempfile.TemporaryDirectory(prefix="glomers-serve-many-")
        self.addCleanup(tmp.cleanup)
        store = Path(tmp.name) / "store"
        for k in range(100):
            make_run(store, "echo", f"20240101T{k // 60:02d}{k % 60:02d}00.000+0000", {"valid?": True})
        server = make_server("127.0.0.1", 0, store, quiet=True)
        self.assertGreaterEqual(server.request_queue_size, 1000)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        statuses: list[int] = []

        def get() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=60)
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
            finally:
                conn.close()
        readers = [threading.Thread(target=get) for _ in range(100)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        self.assertEqual(statuses, [200] * 100)


if __name__ == "__main__":
    unittest.main()

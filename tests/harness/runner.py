"""One ``test`` run from start to verdict (docs/maelstrom.md §1).

Launch every node, init them, run the workload's setup, the main phase and (where the
workload has one) the final phase, kill every node, then analyse and store. Whatever
happens — a crash, Ctrl-C, a bug — every node process is killed before this returns.

Each node runs in a working directory of its own, ``<run>/node-data/<id>/``, which lives
for the run and survives the node's restarts (docs/maelstrom.md §4.5).
"""
from __future__ import annotations

import asyncio
import errno
import gc
import json
import os
import signal
import random
import sys
import time
from pathlib import Path
from typing import Callable

from . import footer
from . import results as results_mod
from . import store
from .budget import CHECK_S, MessageBudget
from .client import ClientIds, NetClient
from .diagnostics import Diagnostics
from .errors import RPCError, RPCTimeout
from .explain import explain_run
from .interpreter import RECOVERY_S, Interpreter
from .nemesis.perform import Nemesis, NodeDidNotRestart
from .nemesis.periods import fault_periods, summary as fault_summary
from .network import Latency, Lateness, Network, lateness_warning
from .options import Options
from .hosting import RealTime
from .process import NodeHost
from .recording import History, Journal
from .services import make_services
from .workloads import WORKLOAD_NAMES
from .workloads import load as load_workload
from .workloads.base import TestCannotRun

INIT_TIMEOUT_S = 10.0
# A node that has written nothing this long after init is probably holding its reply in a buffer.
SILENT_STDOUT_WARNING_S = 5.0
FLUSH_PROBE_S = 1.0


def _implemented() -> list[str]:
    names = []
    for name in WORKLOAD_NAMES:
        try:
            load_workload(name)
            names.append(name)
        except NotImplementedError:
            pass
    return names


class Aborted(Exception):
    """The run could not be carried out (exit 255), with a message naming the cause."""


class Console:
    """Log lines to stderr and the run's jepsen.log; a live status line when stderr is a TTY.
    With ``echo`` off (runs of a seed sweep), only to jepsen.log."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.tty = echo and sys.stderr.isatty()
        self.file = None
        self._status_shown = False

    def open(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8")

    def log(self, line: str) -> None:
        self._clear_status()
        stamp = time.strftime("%H:%M:%S")
        if self.echo:
            print(f"{stamp} {line}", file=sys.stderr, flush=True)
        if self.file:
            try:
                self.file.write(f"{stamp} {line}\n")
                self.file.flush()
            except OSError as e:   # the store went away mid-run: keep the run going
                self.file = None
                print(f"{stamp} WARN jepsen.log is no longer written: {e}", file=sys.stderr)

    def status(self, line: str) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
            self._status_shown = True
        else:
            self.log(line)

    def _clear_status(self) -> None:
        if self._status_shown:
            sys.stderr.write("\r\x1b[2K")
            self._status_shown = False

    def close(self) -> None:
        self._clear_status()
        if self.file:
            try:
                self.file.close()
            except OSError:
                pass   # its last lines are lost; the run itself is not affected
            self.file = None


class Run:
    def __init__(self, opts: Options, console: Console, hosting=None, store_base: Path = Path("store"),
                 pictures: bool = True):
        self.opts = opts
        self.console = console
        self.log = console.log
        self.hosting = hosting or RealTime()
        self.store_base = store_base
        self.pictures = pictures
        self.seed = opts.seed if opts.seed is not None else random.randrange(2**31)
        rng = random.Random(self.seed)
        # Independent streams, so that e.g. a different latency draw does not shift the op mix.
        self.rng_net, self.rng_gen, self.rng_nemesis, self.rng_services, self.rng_nodes, self.rng_faults, \
            self.rng_clients = (random.Random(rng.random()) for _ in range(7))
        self.clock = self.hosting.clock
        self.nodes: dict[str, NodeHost] = {}
        self.setup_clients: list[NetClient] = []
        self.interpreter: Interpreter | None = None
        self.network: Network | None = None
        self.journal: Journal | None = None
        self.history: History | None = None
        self.lateness: Lateness | None = None   # the deliveries made before teardown
        self.budget: MessageBudget | None = None
        self.abort_reason: str | None = None    # why the run itself decided to stop
        self.run_dir: Path | None = None
        self.stopped_by: signal.Signals | None = None   # SIGTERM or SIGHUP received
        self.diagnostics = Diagnostics(console.log, self.clock.monotonic)

    # --- the whole run ------------------------------------------------------------------
    def carry_out(self) -> tuple[dict | None, int | None]:
        """The whole run on its own event loop: (results, None), or (None, exit code) if it
        could not be carried out. Every node is stopped before this returns."""
        # A full garbage collection stalls the event loop while it scans every object,
        # delaying deliveries (up to ~150 ms when the journal was kept in memory). A run
        # makes few reference cycles, so collection waits until it is over.
        gc.disable()
        try:
            with self.hosting.session(self.rng_nodes):
                with asyncio.Runner(loop_factory=self.hosting.new_loop) as runner:
                    return runner.run(self.execute())
        finally:
            gc.enable()
            self.console.close()

    async def execute(self) -> tuple[dict | None, int]:
        opts = self.opts
        self.run_dir = store.new_run_dir(opts.workload, self.store_base)
        self.console.open(self.run_dir / "jepsen.log")
        (self.run_dir / "test.json").write_text(json.dumps({"argv": opts.argv, "seed": self.seed,
                                                            "challenge": footer.challenge_from_env()}))
        self.log(f"Running {opts.workload} on {len(opts.nodes)} node(s) with {self.hosting.harness} "
                 f"(seed {self.seed}); store: {self.run_dir}")
        workload = load_workload(opts.workload)(opts, self.rng_gen)
        self.journal = Journal(self.run_dir / "net-journal.jsonl")
        self.history = History(self.run_dir / "history.jsonl")
        self.network = Network(Latency(opts.latency, opts.latency_dist, self.rng_net), self.clock,
                               self.log, opts.log_net_send, opts.log_net_recv, self.journal)
        # Clients and node processes find it here (see diagnostics.py).
        self.network.diagnostics = self.diagnostics
        nemesis = Nemesis(self.network, self.nodes, opts.nodes, self.rng_faults, self.log,
                          restart=self._restart_init)
        self.diagnostics.disturbed_since = nemesis.disturbed_since
        self.interpreter = Interpreter(opts, workload, self.network, self.clock, ClientIds(),
                                       self.rng_nemesis, self.log, nemesis, self.rng_faults, self.history,
                                       client_rng=self.rng_clients)
        self.budget = MessageBudget(opts.nodes, self.journal, lambda: self.interpreter.counts["invoke"],
                                    self.diagnostics)
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()

        def terminate(sig: signal.Signals) -> None:
            self.stopped_by = sig
            main.cancel()

        def abort(reason: str) -> None:
            self.abort_reason = reason
            main.cancel()
        for sig in (signal.SIGTERM, signal.SIGHUP):   # a closed terminal stops a run like kill
            loop.add_signal_handler(sig, terminate, sig)
        watchers = [loop.create_task(self._status_loop()), loop.create_task(self._watch(abort))]
        try:
            try:
                await self._setup_db()
                self.clock.reset_origin()
                await self._setup_clients(workload)
                await self.interpreter.main_phase()
                if workload.final_phase:
                    await self.interpreter.final_phase()
            finally:
                for watcher in watchers:
                    watcher.cancel()
                try:
                    await self._teardown()
                finally:
                    self._close_records()
        except Aborted as e:
            return self._aborted(str(e))
        except asyncio.CancelledError:
            if self.abort_reason is None or self.stopped_by is not None:
                raise
            main.uncancel()
            return self._aborted(self.abort_reason)
        return self._analyse(workload), None

    def _aborted(self, reason: str) -> tuple[None, int]:
        store.write_aborted(self.run_dir, reason, self.diagnostics.summary())
        self.log(f"ERROR The run could not be carried out: {reason}")
        print(f"Test aborted: {reason}", flush=True)
        return None, 255

    def _close_records(self) -> None:
        """Complete the journal and history files; the history's other formats follow."""
        for record in (self.journal, self.history):
            if record is not None:
                record.close()
        if self.history is not None:
            store.finish_history(self.run_dir)

    # --- setup ----------------------------------------------------------------------------
    async def _setup_db(self) -> None:
        opts, net = self.opts, self.network
        refusal = self.hosting.refusal(opts)
        if refusal:
            raise Aborted(refusal)
        binary = os.path.realpath(opts.bin)
        self.diagnostics.binary, self.diagnostics.latency_ms = binary, opts.latency
        self.diagnostics.previous_output = lambda node: getattr(self.nodes.get(node), "previous_output", None)
        for name, service in make_services(self.rng_services).items():
            net.register(name, self._service_handler(name, service))
        logs = self.run_dir / "node-logs"
        logs.mkdir(exist_ok=True)
        # Every id is registered before any node starts, so early sends never hit a gap.
        for node_id in opts.nodes:
            workdir = (self.run_dir / "node-data" / node_id).resolve()
            workdir.mkdir(parents=True)
            proc = self.hosting.host(node_id, [binary, *opts.bin_args], str(workdir),
                                     logs / f"{node_id}.log", net, self.log, opts.log_stderr)
            self.nodes[node_id] = proc
            net.register(node_id, proc.deliver, proc.flush)
        for proc in self.nodes.values():
            try:
                await proc.start()
            except OSError as e:
                hint = (" (a script needs a first line such as #!/usr/bin/env python3)"
                        if e.errno == errno.ENOEXEC else "")
                raise Aborted(f"could not launch node {proc.id} from {binary}: {e}{hint}") from None
        ids = self.interpreter.client_ids
        await asyncio.gather(*(self._init(node_id, ids.next()) for node_id in opts.nodes))

    async def _restart_init(self, node_id: str) -> None:
        """Send init to a node the nemesis has just started again, as at setup."""
        try:
            await self._init(node_id, self.interpreter.client_ids.next(), restart=True)
        except NodeDidNotRestart as e:
            self.diagnostics.restart_failed(node_id, str(e))
            raise

    async def _init(self, node_id: str, client_id: str, restart: bool = False) -> None:
        """Send init and wait for init_ok. At setup a failure aborts the run; after a restart
        (``restart``) it raises NodeDidNotRestart, and the nemesis op records it."""
        failed = NodeDidNotRestart if restart else Aborted
        client = NetClient(self.network, client_id, node_id)
        proc = self.nodes[node_id]
        loop = asyncio.get_running_loop()
        rpc = loop.create_task(client.rpc(
            {"type": "init", "node_id": node_id, "node_ids": list(self.opts.nodes)}, timeout=INIT_TIMEOUT_S))
        exited = loop.create_task(proc.exited())
        try:
            done, _ = await asyncio.wait({rpc, exited}, timeout=SILENT_STDOUT_WARNING_S,
                                         return_when=asyncio.FIRST_COMPLETED)
            if not done and not restart and not proc.silenced and not self._wrote_stdout(node_id):
                # Too early to tell a buffered reply from a node that ignores init: the init
                # timeout's flush probe tells them apart (a rejected stdout needs neither).
                self.log(f"WARN {node_id}: no init_ok yet {SILENT_STDOUT_WARNING_S:g} s after init: not flushed, "
                         f"or init not handled (the {INIT_TIMEOUT_S:g} s init timeout will say which)")
            await asyncio.wait({rpc, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not rpc.done():
                rpc.cancel()
                # Teardown names the exit status and the stderr tail.
                raise failed(f"node {node_id} exited before answering init"
                             + (" after its restart" if restart else ""))
            reply = rpc.result()
        except RPCTimeout:
            problem = f"node {node_id} did not answer init within {INIT_TIMEOUT_S:g} s"
            if restart:
                problem += " after its restart"
            elif not self._wrote_stdout(node_id) and not proc.silenced:
                problem += await self._probe_flush(proc)
            raise failed(self._node_problem(proc, problem)) from None
        except RPCError as e:
            raise failed(self._node_problem(proc, f"node {node_id} answered init with an error: {e.body}")) from None
        finally:
            exited.cancel()
            client.close()
        if reply.get("type") != "init_ok":
            raise failed(self._node_problem(proc, f"node {node_id} answered init with {reply!r}, "
                                                  f"expected type init_ok"))

    def _wrote_stdout(self, node_id: str) -> bool:
        return self.journal.sent_by(node_id) > 0

    async def _probe_flush(self, proc: NodeHost) -> str:
        """Why a node that wrote nothing at all was silent. Closing its stdin makes most
        programs exit, and exiting flushes their buffers: a reply that appears then was
        waiting for a flush."""
        await proc.end_stdin(FLUSH_PROBE_S)
        if self._wrote_stdout(proc.id):
            kind, what = "nothing-on-stdout", "wrote its reply to init only when its stdin was closed: " \
                                              "the reply sat in its output buffer"
        else:
            kind, what = "never-answered-init", "wrote nothing on stdout, not even when its stdin was closed"
        self.diagnostics.report(kind, proc.id, what)
        return f"; it {what}. Fix: {self.diagnostics.mistakes[(kind, proc.id)].fix}"

    def _node_problem(self, proc: NodeHost, what: str) -> str:
        parts = [what]
        if proc.exit_status is not None:
            parts.append(f"it exited with status {proc.exit_status}")
        if proc.silenced:
            parts.append(f"its stdout was rejected: {proc.silenced}")
        tail = "\n".join(proc.stderr_tail) or "(nothing on stderr)"
        return "; ".join(parts) + f"\nlast lines of {proc.id}'s stderr:\n{tail}"

    def _service_handler(self, name: str, service):
        def handle(msg: dict) -> None:
            reply = service.handle(msg["src"], msg["body"])
            if reply is None:
                self.log(f"WARN {name} could not handle {msg['body']!r}; no reply sent")
                return
            self.network.send({"src": name, "dest": msg["src"], "body": reply})
        return handle

    async def _setup_clients(self, workload) -> None:
        self.network.heal()
        ids = self.interpreter.client_ids
        for node_id in self.opts.nodes:
            self.setup_clients.append(NetClient(self.network, ids.next(), node_id))

        async def setup(client: NetClient) -> None:
            try:
                await workload.setup(client)
            except TestCannotRun as e:
                raise Aborted(str(e)) from None
            except Exception as e:
                raise Aborted(self._node_problem(self.nodes[client.node],
                                                 f"workload setup on {client.node} failed: {e}")) from None
        await asyncio.gather(*(setup(c) for c in self.setup_clients))

    # --- teardown -------------------------------------------------------------------------
    async def _teardown(self) -> None:
        if self.network is not None:
            # Lateness says whether the run's latency figures can be trusted: what is delivered
            # while the nodes are being killed feeds no figure, and the kill itself delays it.
            self.lateness = self.network.lateness.copy()
        if self.interpreter is not None:
            for t in self.interpreter.busy:
                if t is not None:
                    t.cancel()
            # A restart still under way must not launch a node after they are all killed.
            await self.interpreter.stop_nemesis()
            self.interpreter.close_clients()
        for c in self.setup_clients:
            c.close()
        if self.network is not None:
            self.network.heal()
        if self.nodes:
            await self.hosting.stop(list(self.nodes.values()))
        if self.network is not None:
            await self.network.close()
        crashed = [p for p in self.nodes.values() if p.crashed]
        if crashed:
            causes = [f"node {m.node} {m.example}. Fix: {m.fix}" for m in self.diagnostics.mistakes.values()
                      if m.kind == "crlf-shebang"]
            raise Aborted("\n".join(causes[:1] + [p.crash_report() for p in crashed]))

    # --- bounds -------------------------------------------------------------------------
    async def _watch(self, abort) -> None:
        """Once a second: the message budget, and the journal and history handed to their
        writers, so that the files on disk follow the run."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(CHECK_S)
            now = loop.time()
            reason = self.budget.check(now - last)
            last = now
            self.journal.flush(wait=False)
            self.history.flush(wait=False)
            if reason:
                return abort(reason)

    # --- progress -----------------------------------------------------------------------
    async def _status_loop(self) -> None:
        """A status line: each phase's own clock (against its own length, where it has one)
        and the op counts."""
        loop = asyncio.get_running_loop()
        period = 0.5 if self.console.tty else 10.0
        phase, since, shown_at = None, loop.time(), loop.time()
        lengths = {"main": self.opts.time_limit, "recovery": RECOVERY_S}
        while True:
            await asyncio.sleep(0.5)    # often enough to see each phase start
            it = self.interpreter
            if it.phase != phase:
                phase, since = it.phase, loop.time()
            if loop.time() - shown_at < period - 0.01:
                continue
            shown_at = loop.time()
            c = it.counts
            faults = it.nemesis.status()
            part = f", {faults}" if faults else ""
            length = f" / {lengths[phase]:g}s" if phase in lengths else ""
            self.console.status(
                f"[{phase} {loop.time() - since:5.1f}s{length}] "
                f"ops {c['ok'] + c['fail'] + c['info']} (ok {c['ok']}, fail {c['fail']}, info {c['info']}){part}")

    # --- analysis -------------------------------------------------------------------------
    def _analyse(self, workload) -> dict:
        # The checkers hold the history whole (most must). The journal's statistics were
        # counted as it was written; only an explanation reads it back, one event at a time.
        history = list(store.read_history(self.run_dir))
        workload_result = results_mod.safely(lambda: workload.check(history))
        silenced = {p.id: p.silenced for p in self.nodes.values() if p.silenced}
        harness = {"valid?": True, "seed": self.seed, **self.hosting.results_facts,
                   "delivery-lateness-ms": self.lateness.quantiles_ms(),
                   "op-latency-ms": results_mod.op_latency_ms(history),
                   "busiest-second": self.budget.busiest}
        warning = lateness_warning(harness["delivery-lateness-ms"])
        if warning:
            harness["lateness-warning"] = warning
            self.log(f"WARN {warning}")
        if silenced:
            harness["silenced-nodes"] = silenced
        if self.opts.nemesis:
            harness["faults"] = fault_summary(fault_periods(history), history)
        if self.diagnostics.mistakes:
            harness["mistakes"] = self.diagnostics.summary()
        res = results_mod.compose(history, self.journal.net, self.opts, workload_result, harness)
        del history
        store.write_results(self.run_dir, res)   # what the explanation reads, should it fail
        explain_run(self.run_dir, res, self.opts, workload, footer.challenge_from_env())
        store.write_results(self.run_dir, res)
        if self.pictures:
            self.draw_pictures()
        return res

    def draw_pictures(self) -> None:
        try:
            from .visuals import render_all
            render_all(self.run_dir)
        except ImportError:
            pass
        except Exception as e:
            self.log(f"WARN could not draw the run's pictures: {e!r}")


def _print_and_keep(run_dir: Path, text: str) -> None:
    """Print the end of a run on stdout and add it to its jepsen.log, which then holds the
    whole console, as Maelstrom's does."""
    print(text, flush=True)
    try:
        with open(run_dir / "jepsen.log", "a", encoding="utf-8") as log:
            log.write(text + "\n")
    except OSError:
        pass   # the console already has it


def run_tests(opts: Options, new_hosting: Callable[[], object] = RealTime) -> int:
    """Run the test ``--test-count`` times, each on a hosting from ``new_hosting``; the first
    run that is not valid decides the exit code."""
    try:
        load_workload(opts.workload)
    except NotImplementedError as e:
        print(f"Test aborted: {e} (this harness implements {', '.join(_implemented())})", flush=True)
        return 255
    for i in range(opts.test_count):
        console = Console()
        run = Run(opts, console, new_hosting())
        try:
            results, code = run.carry_out()
        except (KeyboardInterrupt, asyncio.CancelledError):
            console.log("Interrupted; every node process was killed.")
            return 128 + (run.stopped_by or signal.SIGINT)
        except OSError as e:   # the harness's own failure (its store), never the node's
            print(f"Test aborted: the harness failed, not the node: {e}", flush=True)
            return 255
        if results is None:
            if run.run_dir is not None:
                _print_and_keep(run.run_dir, "\n".join(footer.where(run.run_dir)))
            return code
        _print_and_keep(run.run_dir, "\n".join(footer.closing_lines(results, run.run_dir, footer.challenge_from_env())))
        code = results_mod.exit_code(results["valid?"])
        if code != 0:
            return code
    return 0

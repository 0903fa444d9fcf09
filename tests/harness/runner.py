"""One ``test`` run from start to verdict (spec §1).

Launch every node, init them, run the workload's setup, the main phase and (where the
workload has one) the final phase, kill every node, then analyse and store. Whatever
happens — a crash, Ctrl-C, a bug — every node process is killed before this returns.
"""
from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import results as results_mod
from . import store
from .client import ClientIds, NetClient
from .clock import Clock
from .edn import dumps as edn_dumps
from .errors import RPCError, RPCTimeout
from .interpreter import Interpreter
from .network import Latency, Network, lateness_warning
from .options import Options
from .process import NodeProcess
from .services import make_services
from .workloads import WORKLOAD_NAMES
from .workloads import load as load_workload

INIT_TIMEOUT_S = 10.0


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
    """Log lines to stderr and the run's jepsen.log; a live status line when stderr is a TTY."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.file = None
        self._status_shown = False

    def open(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8")

    def log(self, line: str) -> None:
        self._clear_status()
        stamp = time.strftime("%H:%M:%S")
        print(f"{stamp} {line}", file=sys.stderr, flush=True)
        if self.file:
            self.file.write(f"{stamp} {line}\n")
            self.file.flush()

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
            self.file.close()
            self.file = None


def _quantiles_ms(samples: list[float]) -> dict:
    if not samples:
        return {"count": 0}
    s = sorted(samples)
    pick = lambda q: round(s[min(len(s) - 1, int(len(s) * q))] * 1000, 3)
    return {"count": len(s), "p50": pick(0.5), "p99": pick(0.99), "max": round(s[-1] * 1000, 3)}


class Run:
    def __init__(self, opts: Options, console: Console):
        self.opts = opts
        self.console = console
        self.log = console.log
        self.seed = opts.seed if opts.seed is not None else random.randrange(2**31)
        rng = random.Random(self.seed)
        # Independent streams, so that e.g. a different latency draw does not shift the op mix.
        self.rng_net, self.rng_gen, self.rng_nemesis, self.rng_services = (
            random.Random(rng.random()) for _ in range(4))
        self.clock = Clock()
        self.nodes: dict[str, NodeProcess] = {}
        self.setup_clients: list[NetClient] = []
        self.interpreter: Interpreter | None = None
        self.network: Network | None = None
        self.run_dir: Path | None = None
        self.workdir = tempfile.mkdtemp(prefix="glomers-nodes-")
        self.terminated = False   # SIGTERM received

    # --- the whole run ------------------------------------------------------------------
    async def execute(self) -> tuple[dict | None, int]:
        opts = self.opts
        self.run_dir = store.new_run_dir(opts.workload)
        self.console.open(self.run_dir / "jepsen.log")
        (self.run_dir / "test.json").write_text(json.dumps({"argv": opts.argv, "seed": self.seed}))
        self.log(f"Running {opts.workload} on {len(opts.nodes)} node(s) with the local harness "
                 f"(seed {self.seed}); store: {self.run_dir}")
        workload = load_workload(opts.workload)(opts, self.rng_gen)
        self.network = Network(Latency(opts.latency, opts.latency_dist, self.rng_net), self.clock,
                               self.log, opts.log_net_send, opts.log_net_recv)
        self.interpreter = Interpreter(opts, workload, self.network, self.clock, ClientIds(),
                                       self.rng_nemesis, self.log)
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()

        def terminate() -> None:
            self.terminated = True
            main.cancel()
        loop.add_signal_handler(signal.SIGTERM, terminate)
        status = loop.create_task(self._status_loop())
        try:
            try:
                await self._setup_db()
                self.clock.reset_origin()
                await self._setup_clients(workload)
                await self.interpreter.main_phase()
                if workload.final_phase:
                    await self.interpreter.final_phase()
            finally:
                status.cancel()
                await self._teardown()
        except Aborted as e:
            self._store_history()
            self.log(f"ERROR The run could not be carried out: {e}")
            print(f"Test aborted: {e}", flush=True)
            return None, 255
        self._store_history()
        return self._analyse(workload), None

    def _store_history(self) -> None:
        if self.interpreter is not None:
            store.write_history(self.run_dir, self.interpreter.history)
        if self.network is not None:
            store.write_journal(self.run_dir, self.network.journal)

    # --- setup ----------------------------------------------------------------------------
    async def _setup_db(self) -> None:
        opts, net = self.opts, self.network
        binary = os.path.realpath(opts.bin)
        if not os.path.isfile(binary):
            raise Aborted(f"--bin {opts.bin} does not exist or is not a file")
        if not os.access(binary, os.X_OK):
            raise Aborted(f"--bin {opts.bin} is not executable (chmod +x it and give it a shebang line)")
        for name, service in make_services(self.rng_services).items():
            net.register(name, self._service_handler(name, service))
        logs = self.run_dir / "node-logs"
        logs.mkdir(exist_ok=True)
        # Every id is registered before any node starts, so early sends never hit a gap.
        for node_id in opts.nodes:
            proc = NodeProcess(node_id, [binary, *opts.bin_args], self.workdir,
                               logs / f"{node_id}.log", net, self.log, opts.log_stderr)
            self.nodes[node_id] = proc
            net.register(node_id, proc.deliver)
        for proc in self.nodes.values():
            try:
                await proc.start()
            except OSError as e:
                raise Aborted(f"could not launch node {proc.id} from {binary}: {e}") from None
        ids = self.interpreter.client_ids
        await asyncio.gather(*(self._init(node_id, ids.next()) for node_id in opts.nodes))

    async def _init(self, node_id: str, client_id: str) -> None:
        client = NetClient(self.network, client_id, node_id)
        proc = self.nodes[node_id]
        try:
            reply = await client.rpc({"type": "init", "node_id": node_id, "node_ids": list(self.opts.nodes)},
                                     timeout=INIT_TIMEOUT_S)
        except RPCTimeout:
            raise Aborted(self._node_problem(proc, f"node {node_id} did not answer init within "
                                                   f"{INIT_TIMEOUT_S:g} s")) from None
        except RPCError as e:
            raise Aborted(self._node_problem(proc, f"node {node_id} answered init with an error: {e.body}")) from None
        finally:
            client.close()
        if reply.get("type") != "init_ok":
            raise Aborted(self._node_problem(proc, f"node {node_id} answered init with {reply!r}, "
                                                   f"expected type init_ok"))

    def _node_problem(self, proc: NodeProcess, what: str) -> str:
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
            except Exception as e:
                raise Aborted(self._node_problem(self.nodes[client.node],
                                                 f"workload setup on {client.node} failed: {e}")) from None
        await asyncio.gather(*(setup(c) for c in self.setup_clients))

    # --- teardown -------------------------------------------------------------------------
    async def _teardown(self) -> None:
        if self.interpreter is not None:
            for t in self.interpreter.busy:
                if t is not None:
                    t.cancel()
            self.interpreter.close_clients()
        for c in self.setup_clients:
            c.close()
        if self.network is not None:
            self.network.heal()
        await asyncio.gather(*(p.kill() for p in self.nodes.values()), return_exceptions=True)
        if self.network is not None:
            await self.network.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        crashed = [p for p in self.nodes.values() if p.exit_status is not None]
        if crashed:
            raise Aborted("\n".join(p.crash_report() for p in crashed))

    # --- progress -----------------------------------------------------------------------
    async def _status_loop(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        period = 0.5 if self.console.tty else 10.0
        while True:
            await asyncio.sleep(period)
            it = self.interpreter
            c = it.counts
            part = f", partition: {it.partitioned}" if it.partitioned else ""
            self.console.status(
                f"[{it.phase} {loop.time() - start:5.1f}s / {self.opts.time_limit:g}s] "
                f"ops {c['ok'] + c['fail'] + c['info']} (ok {c['ok']}, fail {c['fail']}, info {c['info']}){part}")

    # --- analysis -------------------------------------------------------------------------
    def _analyse(self, workload) -> dict:
        history = self.interpreter.history
        workload_result = results_mod.safely(lambda: workload.check(history))
        silenced = {p.id: p.silenced for p in self.nodes.values() if p.silenced}
        harness = {"valid?": True, "seed": self.seed,
                   "delivery-lateness-ms": _quantiles_ms(self.network.lateness_s)}
        warning = lateness_warning(harness["delivery-lateness-ms"])
        if warning:
            harness["lateness-warning"] = warning
            self.log(f"WARN {warning}")
        if silenced:
            harness["silenced-nodes"] = silenced
        res = results_mod.compose(history, self.network.journal, self.opts, workload_result, harness)
        store.write_results(self.run_dir, res)
        try:
            from .visuals import render_all
            render_all(self.run_dir)
        except ImportError:
            pass
        except Exception as e:
            self.log(f"WARN could not draw the run's pictures: {e!r}")
        return res


def run_tests(opts: Options) -> int:
    """Run the test ``--test-count`` times; the first run that is not valid decides the exit code."""
    try:
        load_workload(opts.workload)
    except NotImplementedError as e:
        print(f"Test aborted: {e} (this harness implements {', '.join(_implemented())})", flush=True)
        return 255
    for i in range(opts.test_count):
        console = Console()
        run = Run(opts, console)
        # The history and journal grow to millions of objects; a full garbage collection
        # over them stalls the event loop for up to ~150 ms, delaying deliveries. A run
        # makes few reference cycles, so collection waits until it is over.
        gc.disable()
        try:
            results, code = asyncio.run(run.execute())
        except (KeyboardInterrupt, asyncio.CancelledError):
            console.log("Interrupted; every node process was killed.")
            return 128 + (signal.SIGTERM if run.terminated else signal.SIGINT)
        finally:
            gc.enable()
            console.close()
        if results is None:
            return code
        print(edn_dumps(results), flush=True)
        print(f"\n{results_mod.verdict_line(results['valid?'])}", flush=True)
        code = results_mod.exit_code(results["valid?"])
        if code != 0:
            return code
    return 0

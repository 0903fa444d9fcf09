#!/usr/bin/env python3
"""How much traffic the harness itself keeps pace with (``make bench-harness``).

Five flood nodes (bench/flood_node.py) send each other messages through the harness's own
network and node processes (10 ms constant latency), at rising total rates, for a few
seconds each. For every rate it reports the delivery lateness the harness measured (p99 and
max, against the model's delivery time), whether everything sent was delivered, and the
CPU time of the harness process per delivered message. The answer is the largest rate, for
small bodies and for bodies of ~10 KB, at which lateness p99 stays at or below 5 ms and
every message arrives.

Uses only the Network / NodeProcess interface that every version of the harness has, so
the same script measures an older checkout when copied into it.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.harness.clock import Clock  # noqa: E402
from tests.harness.network import Latency, Network  # noqa: E402
from tests.harness.process import NodeProcess  # noqa: E402

try:   # the journal written to disk as the run goes; older checkouts kept it in memory
    from tests.harness.recording import Journal  # noqa: E402
except ImportError:
    Journal = None

try:   # the event loop the harness runs on; older checkouts ran on asyncio's default one
    from tests.harness.event_loop import precise_event_loop  # noqa: E402
except ImportError:
    try:   # fd0f157 kept it in the runner, sized by the node count
        from tests.harness.runner import precise_event_loop as _by_node_count  # noqa: E402
        precise_event_loop = lambda: _by_node_count(len(NODES))  # noqa: E731
    except ImportError:
        precise_event_loop = None

FLOOD = ROOT / "bench" / "flood_node.py"
NODES = [f"n{i}" for i in range(5)]
P99_LIMIT_MS = 5.0
SMALL_RATES = [4000, 8000, 16000, 24000, 32000, 48000, 64000, 96000, 128000, 192000]
LARGE_RATES = [400, 800, 1200, 1600, 2400, 3200, 4800, 6400, 9600, 12800, 19200]
# CPU per message is summed up at a low and a high rate per body size that every version
# measured so far sustains: at low rates the loop's fixed cost per wake-up dominates, at
# high rates the cost of each message.
REFERENCE = {60: (32000, 96000), 10_000: (1200, 9600)}


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def one_rate(rate: float, size: int, seconds: float) -> dict:
    """Flood at ``rate`` messages/s in total with bodies of ~``size`` bytes."""
    workdir = tempfile.mkdtemp(prefix="glomers-bench-")
    journal = {"journal": Journal(Path(workdir) / "net-journal.jsonl")} if Journal else {}
    network = Network(Latency(10, "constant", random.Random(1)), Clock(), log=lambda line: None, **journal)
    procs = []
    for node in NODES:
        peers = ",".join(n for n in NODES if n != node)
        argv = [sys.executable, str(FLOOD), node, peers, str(rate / len(NODES)), str(size), str(seconds)]
        proc = NodeProcess(node, argv, workdir, Path(workdir) / f"{node}.log", network, lambda line: None)
        # Newer harnesses batch a node's stdin writes until the network's flush.
        network.register(node, proc.deliver, *([proc.flush] if hasattr(proc, "flush") else []))
        procs.append(proc)
    for proc in procs:
        await proc.start()
    cpu0 = cpu_seconds()
    await asyncio.sleep(seconds + 0.5)
    cpu = cpu_seconds() - cpu0
    for proc in procs:
        await proc.kill()
    await network.close()
    if Journal:
        network.journal.close()
        sent, delivered = sum(network.journal.net.sends), sum(network.journal.net.recvs)
        late = network.lateness.quantiles_ms()
        p99, top = late.get("p99", float("nan")), late.get("max", float("nan"))
    else:
        kinds = [entry[0] for entry in network.journal]
        sent, delivered = kinds.count("send"), kinds.count("recv")
        late = sorted(network.lateness_s)
        p99 = late[min(len(late) - 1, int(len(late) * 0.99))] * 1000 if late else float("nan")
        top = late[-1] * 1000 if late else float("nan")
    shutil.rmtree(workdir, ignore_errors=True)
    return {"rate": rate, "size": size, "sent": sent, "delivered": delivered, "p99_ms": p99,
            "max_ms": top,
            "cpu_us_per_msg": cpu / max(delivered, 1) * 1e6,
            "ok": delivered >= sent * 0.999 and delivered >= rate * seconds * 0.95 and p99 <= P99_LIMIT_MS}


def ladder(rates: list[int], size: int, seconds: float) -> tuple[dict | None, list[dict]]:
    best, rows = None, []
    gc.disable()   # as the harness's runner does for the length of a run
    for rate in rates:
        with asyncio.Runner(loop_factory=precise_event_loop) as runner:
            row = runner.run(one_rate(rate, size, seconds))
        rows.append(row)
        print(f"  {rate:>6} msg/s x {size:>5} B: delivered {row['delivered']:>6}/{row['sent']:<6} "
              f"p99 {row['p99_ms']:7.2f} ms  max {row['max_ms']:7.2f} ms  "
              f"cpu {row['cpu_us_per_msg']:6.1f} us/msg  {'ok' if row['ok'] else 'FAILS'}", flush=True)
        gc.collect()
        if not row["ok"]:
            break
        best = row
    gc.enable()
    return best, rows


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_harness.py", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=4.0, help="flood time per rate (default 4)")
    a = p.parse_args(argv)
    print(f"harness at {ROOT}")
    results = {}
    for label, rates, size in (("small bodies", SMALL_RATES, 60), ("~10 KB bodies", LARGE_RATES, 10_000)):
        print(f"{label}:")
        results[label] = ladder(rates, size, a.seconds)
    print("\nlargest rate with lateness p99 <= 5 ms and nothing lost:")
    for label, (best, rows) in results.items():
        if best is None:
            print(f"  {label}: none of the rates tried")
            continue
        mb = best["rate"] * best["size"] / 1e6
        cpu = {r["rate"]: f"{r['cpu_us_per_msg']:.1f} us" for r in rows}
        at = ", ".join(f"{cpu.get(rate, 'n/a')} at {rate}" for rate in REFERENCE[best["size"]])
        print(f"  {label}: {best['rate']} msg/s ({mb:.2f} MB/s); "
              f"harness CPU per delivered message: {at} msg/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

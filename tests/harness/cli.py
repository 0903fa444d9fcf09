"""``maelstrom test`` flags (docs/maelstrom.md §3.2, §3.3), parsed into Options.

Bad arguments exit 254 with a one-line reason, as Maelstrom does. Words that are not
options are passed to the node binary (so a mistyped ``–-nemesis`` with an en dash is
silently a node argument, exactly as under Maelstrom).

Unlike Maelstrom, values no run could use are refused rather than tried (``LIMITS``): they
would start thousands of processes or fill the machine before failing. So are node ids the
harness would take for something else: ``c...`` ids are clients (no latency, client
statistics, as in Maelstrom) and ``lin-kv`` and the like are its services.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from .nemesis.combined import FAULTS
from .options import Options
from .services import SERVICE_IDS

WORKLOADS = ("broadcast", "echo", "g-counter", "g-set", "kafka", "lin-kv", "pn-counter",
             "txn-list-append", "txn-rw-register", "unique-ids")
TOPOLOGIES = ("line", "grid", "tree", "tree2", "tree3", "tree4", "total")
BAD_ARGS = 254
# The largest value each option takes, and why nothing larger makes sense here.
LIMITS = {
    "--node-count": (256, "each node is a process of its own"),
    "--rate": (100_000, "every op is at least two messages, and the harness delivers at most "
                        "about 190,000 a second"),
    "--time-limit": (86_400, "a day"),
    "--latency": (3_600_000, "an hour"),
    "--nemesis-interval": (86_400, "a day"),
    "--concurrency": (10_000, "a client per thread"),
    "--key-count": (1_000, "the key choice weighs keys by powers of two"),
    "--max-txn-length": (1_000, "micro-ops per transaction"),
    "--test-count": (1_000, "runs in a row"),
}
# A node id the harness can route, store and name in a message without escaping it.
NODE_ID = re.compile(r"[A-Za-z0-9_.:@+-]+")


class ArgumentError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:   # argparse would exit 2; Maelstrom exits 254
        raise ArgumentError(message)


def _at_most(name: str, value: float, shown: str) -> None:
    if name in LIMITS and value > LIMITS[name][0]:
        limit, why = LIMITS[name]
        raise argparse.ArgumentTypeError(f"{name} must be at most {limit:,} ({why}), got {shown}")


def _positive_int(name: str):
    def parse(s: str) -> int:
        if not re.fullmatch(r"\d+", s) or int(s) <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be a positive integer, got {s!r}")
        _at_most(name, int(s), repr(s))
        return int(s)
    return parse


def _non_negative_int(name: str):
    def parse(s: str) -> int:
        if not re.fullmatch(r"\d+", s):
            raise argparse.ArgumentTypeError(f"{name} must be a non-negative integer, got {s!r}")
        _at_most(name, int(s), repr(s))
        return int(s)
    return parse


def _finite(name: str, s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be a number, got {s!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{name} must be a finite number, got {s!r}")
    _at_most(name, v, repr(s))
    return v


def finite_number(name: str):
    """An argparse type: any finite number."""
    return lambda s: _finite(name, s)


def _rate(s: str) -> float:
    r = _finite("--rate", s)
    if r < 0:
        raise argparse.ArgumentTypeError(f"--rate must be >= 0, got {s!r}")
    return r


def _positive_number(name: str):
    def parse(s: str) -> float:
        v = _finite(name, s)
        if not v > 0:
            raise argparse.ArgumentTypeError(f"{name} must be positive, got {s!r}")
        return v
    return parse


def _availability(s: str):
    if s == "total":
        return "total"
    try:
        a = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--availability must be 'total' or a number in [0, 1], got {s!r}") from None
    if not 0 <= a <= 1:
        raise argparse.ArgumentTypeError(f"--availability must be in [0, 1], got {s!r}")
    return a


def _nemesis(s: str) -> list[str]:
    """Maelstrom main's ``--nemesis``: a comma-separated set of partition, kill, pause."""
    faults = [f.strip() for f in s.split(",") if f.strip()]
    for f in faults:
        if f not in FAULTS:
            raise argparse.ArgumentTypeError(
                f"unknown nemesis fault {f!r}: must be one of {', '.join(sorted(FAULTS))}")
    return faults


def _concurrency(s: str) -> str:
    if not re.fullmatch(r"\d+n?", s):
        raise argparse.ArgumentTypeError(f"--concurrency must look like 10 or 2n, got {s!r}")
    return s


def consistency_models(s: str) -> list[str]:
    """Maelstrom splits on a comma with whitespace on both sides; a plain comma works here too."""
    return [m.strip() for m in re.split(r",", s) if m.strip()]


def build_parser(command: str = "test") -> argparse.ArgumentParser:
    p = Parser(prog=f"python3 -m tests.harness {command}", description="Run one Maelstrom-style test.")
    p.add_argument("--bin", metavar="FILE", help="the node binary to test (required)")
    p.add_argument("-w", "--workload", default="lin-kv", choices=WORKLOADS)
    p.add_argument("--node-count", type=_positive_int("--node-count"))
    p.add_argument("-n", "--node", action="append", default=[], metavar="ID")
    p.add_argument("--nodes", metavar="A,B,C")
    p.add_argument("--nodes-file", metavar="FILE")
    p.add_argument("--time-limit", type=_positive_int("--time-limit"), default=60)
    p.add_argument("--rate", type=_rate, default=5.0)
    p.add_argument("--concurrency", type=_concurrency, default="1n")
    p.add_argument("--latency", type=_non_negative_int("--latency"), default=0)
    p.add_argument("--latency-dist", choices=("constant", "uniform", "exponential"), default="constant")
    p.add_argument("--nemesis", type=_nemesis, default=[])
    p.add_argument("--nemesis-interval", type=_positive_number("--nemesis-interval"), default=10.0)
    p.add_argument("--availability", type=_availability)
    p.add_argument("--consistency-models", type=consistency_models, default=["strict-serializable"])
    p.add_argument("--topology", choices=TOPOLOGIES, default="grid")
    p.add_argument("--key-count", type=_positive_int("--key-count"))
    p.add_argument("--max-txn-length", type=_positive_int("--max-txn-length"), default=4)
    p.add_argument("--max-writes-per-key", type=_positive_int("--max-writes-per-key"), default=16)
    p.add_argument("--log-stderr", action="store_true")
    p.add_argument("--log-net-send", action="store_true")
    p.add_argument("--log-net-recv", action="store_true")
    p.add_argument("--test-count", type=_positive_int("--test-count"), default=1)
    p.add_argument("--seed", type=_non_negative_int("--seed"),
                   help="seed for the harness's own random choices (latency, ops, partitions)")
    p.add_argument("--leave-db-running", action="store_true", help="accepted and ignored: nodes are always killed")
    for ignored in ("--username", "--password", "--ssh-private-key"):
        p.add_argument(ignored, help=argparse.SUPPRESS)
    for ignored in ("--strict-host-key-checking", "--no-ssh", "--logging-json"):
        p.add_argument(ignored, action="store_true", help=argparse.SUPPRESS)
    p.add_argument("bin_args", nargs="*", help="passed to the node binary")
    return p


def parse_test_args(argv: list[str]) -> Options:
    """Parse ``test`` flags; raises ArgumentError with a one-line reason."""
    a = build_parser().parse_intermixed_args(argv)
    if not a.bin:
        raise ArgumentError("Expected a --bin PATH_TO_BINARY to test")
    nodes: list[str] = []
    if a.nodes_file:
        try:
            nodes += [l.strip() for l in Path(a.nodes_file).read_text().splitlines() if l.strip()]
        except OSError as e:
            raise ArgumentError(f"cannot read --nodes-file: {e}") from None
    if a.nodes:
        nodes += [n.strip() for n in a.nodes.split(",") if n.strip()]
    nodes += a.node
    if a.node_count:
        nodes = [f"n{i}" for i in range(a.node_count)]
    if not nodes:
        nodes = ["n1", "n2", "n3", "n4", "n5"]
    check_node_ids(nodes)
    c = a.concurrency
    concurrency = int(c[:-1]) * len(nodes) if c.endswith("n") else int(c)
    if concurrency <= 0:
        raise ArgumentError("--concurrency must be at least 1")
    try:
        _at_most("--concurrency", concurrency, f"{c} = {concurrency:,}" if c.endswith("n") else c)
    except argparse.ArgumentTypeError as e:
        raise ArgumentError(str(e)) from None
    return Options(
        bin=a.bin, bin_args=a.bin_args, workload=a.workload, nodes=nodes,
        time_limit=a.time_limit, rate=a.rate, concurrency=concurrency, latency=a.latency,
        latency_dist=a.latency_dist, nemesis=a.nemesis, nemesis_interval=a.nemesis_interval,
        availability=a.availability, consistency_models=a.consistency_models, topology=a.topology,
        key_count=a.key_count, max_txn_length=a.max_txn_length, max_writes_per_key=a.max_writes_per_key,
        log_stderr=a.log_stderr, log_net_send=a.log_net_send, log_net_recv=a.log_net_recv,
        test_count=a.test_count, seed=a.seed, argv=list(argv))


def check_node_ids(nodes: list[str]) -> None:
    """Raise ArgumentError unless every id is one the harness can give to a node alone."""
    limit, why = LIMITS["--node-count"]
    if len(nodes) > limit:
        raise ArgumentError(f"at most {limit:,} nodes ({why}), got {len(nodes):,}")
    seen: set[str] = set()
    for node in nodes:
        if not NODE_ID.fullmatch(node):
            raise ArgumentError(f"node id {node!r} must be letters, digits and _.:@+- only")
        if node.startswith("c"):
            raise ArgumentError(f"node id {node!r} starts with 'c': Maelstrom takes every such id "
                                f"for a client; name nodes n1, n2, ...")
        if node in SERVICE_IDS:
            raise ArgumentError(f"node id {node!r} is the id of a Maelstrom service "
                                f"({', '.join(SERVICE_IDS)}); name nodes n1, n2, ...")
        if node in seen:
            raise ArgumentError(f"node ids must be distinct, got {node!r} twice")
        seen.add(node)


def bad_args(message: str) -> int:
    print(f"Invalid arguments: {message}", file=sys.stderr)
    return BAD_ARGS

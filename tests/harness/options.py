"""The parsed command line of one test run (Maelstrom's options map)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Options:
    bin: str = ""
    bin_args: list[str] = field(default_factory=list)
    workload: str = "lin-kv"
    nodes: list[str] = field(default_factory=lambda: ["n1", "n2", "n3", "n4", "n5"])
    time_limit: float = 60.0
    rate: float = 5.0
    concurrency: int = 5            # already resolved: "2n" -> 2 * len(nodes)
    latency: int = 0                # mean one-way inter-node latency, ms
    latency_dist: str = "constant"  # constant | uniform | exponential
    nemesis: list[str] = field(default_factory=list)   # any of "partition", "kill", "pause"
    nemesis_interval: float = 10.0
    availability: str | float | None = None            # None, "total" or a fraction
    consistency_models: list[str] = field(default_factory=lambda: ["strict-serializable"])
    topology: str = "grid"
    key_count: int | None = None
    max_txn_length: int = 4
    max_writes_per_key: int = 16
    log_stderr: bool = False
    log_net_send: bool = False
    log_net_recv: bool = False
    test_count: int = 1
    seed: int | None = None
    argv: list[str] = field(default_factory=list)      # the original command line

    @property
    def node_count(self) -> int:
        return len(self.nodes)

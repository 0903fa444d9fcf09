"""The workload registry: Maelstrom's workload names and the modules that implement them.

Modules are imported only when their workload is asked for, so one workload's module can
be missing or broken without affecting runs of the others.
"""
from __future__ import annotations

import importlib

from .base import Workload

# Workload name -> module in this package. A module serves one workload through its
# WORKLOAD class, or several through a WORKLOADS map (counter/: g-counter and pn-counter).
_MODULES = {
    "broadcast": "broadcast",
    "echo": "echo",
    "g-counter": "counter",
    "g-set": "g_set",
    "kafka": "kafka",
    "lin-kv": "lin_kv",
    "pn-counter": "counter",
    "txn-list-append": "txn_list_append",
    "txn-rw-register": "txn_rw_register",
    "unique-ids": "unique_ids",
}

WORKLOAD_NAMES: tuple[str, ...] = tuple(_MODULES)


class UnknownWorkload(ValueError):
    """No workload has this name."""


class WorkloadNotImplemented(NotImplementedError):
    """The name is a known workload whose module has not been written."""


def load(name: str) -> type[Workload]:
    """The Workload class for ``name``, e.g. ``load("g-set")``."""
    if name not in _MODULES:
        raise UnknownWorkload(f"unknown workload {name!r}; expected one of {', '.join(WORKLOAD_NAMES)}")
    qualified = f"{__name__}.{_MODULES[name]}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as e:
        if e.name != qualified:   # the module exists but something it imports does not
            raise
        raise WorkloadNotImplemented(f"workload {name!r} is not implemented: no module {qualified}") from None
    workloads = getattr(module, "WORKLOADS", {name: module.WORKLOAD})
    return workloads[name]

"""Is a history of one compare-and-set register linearizable? (Knossos' question, docs/maelstrom.md §6.8)

The register starts as nil. A write sets it; a cas ``[a b]`` needs it to hold ``a`` and
sets ``b``; a read of ``v`` needs it to hold ``v``, and a read of nil constrains nothing.
``fail`` ops never happened and are dropped. An ``info`` op may have taken effect at any
moment after its invocation, or never: it has no return, so it stays pending to the end.

The search is Wing & Gong's, with Lowe's just-in-time linearization and Porcupine's
memoization (the algorithm of Knossos' ``wgl`` analyzer):

* the calls and returns of all ops form one doubly linked list in history order;
* walking it, a call whose op the register accepts in the current state is *linearized*:
  it and its return are unlinked, the op is pushed on a stack, and the walk restarts at the
  head; a call the register refuses is stepped over;
* reaching a return means that op's call could not be placed before it: pop the last
  linearized op, link it back in, restore the state, and go on past it;
* a configuration (set of linearized ops as a bitset, register state, and whether an info
  op is waiting for a reader, see below) is entered at most once, since what can follow
  depends on nothing else. An empty stack at a return means
  no order works: not linearizable. Running off the end of the list means every ok op was
  placed: linearizable.

Two reductions keep info ops cheap, neither of which loses a linearization: an info op is
placed only where the next op placed reads the register (a read or a cas) and only if it
changes the state, since otherwise the same order without it is valid too; and of two
identical info ops, the later-invoked one waits for the earlier (they never return, so
they are interchangeable). tests/test_checker_lin_kv.py checks every verdict against a
brute-force search on hundreds of small random histories.

Complexity. With n ops, c of them pending at once at most (ok ops in flight plus info ops
not yet placed) and s register states (here at most 6: nil and the values 0..4), the
memo holds at most O(n · 2^c · 2s) configurations, each costing O(n) to build and walk,
so the worst case is exponential in c, not in n (P-compositionality, applied per key by
the caller, keeps n small as well). Histories of a correct system are found linearizable
along an almost straight path: about n configurations, O(n · (n + c)) time. Since the
worst case remains exponential, the search stops after ``max_configs`` configurations and
answers ``unknown``, as Knossos does when it runs out of memory or time; it never guesses.
"""
from __future__ import annotations

import json
from typing import Any

from ...results import merge_valid

UNKNOWN = "unknown"
DEFAULT_MAX_CONFIGS = 1_000_000   # about 5 s and at most ~600 MB on a 6,000-op key
FINAL_PATHS_SHOWN = 10
READ, WRITE, CAS = 0, 1, 2
NIL = 0   # the state id of the initial, never-written register


class _States:
    """Register values as small ints (0 is nil), with Clojure's equality: 1 and 1.0 and
    true are three different values, unlike in Python."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.values: list[Any] = [None]

    def id(self, value: Any) -> int:
        if value is None:
            return NIL
        key = (type(value).__name__, json.dumps(value, sort_keys=True))
        if key not in self.ids:
            self.ids[key] = len(self.values)
            self.values.append(value)
        return self.ids[key]


def _pairs(history: list[dict]) -> list[tuple[dict, dict | None]]:
    """(invoke, completion) per client op in invocation order; None: it never completed."""
    pairs: list[list] = []
    open_ops: dict[Any, list] = {}
    for op in history:
        p = op.get("process")
        if p == "nemesis" or p is None:
            continue
        if op["type"] == "invoke":
            open_ops[p] = [op, None]
            pairs.append(open_ops[p])
        elif p in open_ops:
            open_ops.pop(p)[1] = op
    return [(i, c) for i, c in pairs]


def check_register(history: list[dict], max_configs: int = DEFAULT_MAX_CONFIGS) -> dict:
    """Knossos' analysis of one register's history (values already without their key):
    ``{"valid?": True, "model": ...}``; ``{"valid?": False, "op": <the ok op that could not
    be linearized>, "previous-ok": ..., "final-paths": [...]}``; or ``{"valid?": "unknown",
    "cause": ...}`` when the search budget ran out."""
    states = _States()
    ops = []          # (kind, a, b, invoke, completion) of each op the search must place
    for invoke, done in _pairs(history):
        kind = {"read": READ, "write": WRITE, "cas": CAS}.get(invoke.get("f"))
        if kind is None or (done is not None and done["type"] == "fail"):
            continue
        ok = done is not None and done["type"] == "ok"
        if kind == READ:
            # A read that returned nil, or never returned, can be placed anywhere.
            if not ok or done.get("value") is None:
                continue
            ops.append((READ, states.id(done["value"]), 0, invoke, done))
        elif kind == WRITE:
            ops.append((WRITE, states.id(invoke.get("value")), 0, invoke, done if ok else None))
        else:
            v = invoke.get("value")
            if not (isinstance(v, list) and len(v) == 2):
                continue
            ops.append((CAS, states.id(v[0]), states.id(v[1]), invoke, done if ok else None))
    return _Search(ops, states, max_configs).run()


class _Search:
    def __init__(self, ops: list[tuple], states: _States, max_configs: int):
        self.ops = ops
        self.states = states
        self.max_configs = max_configs
        n = len(ops)
        # Ok ops are numbered in completion order, info ops after them, so that a bitset's
        # lowest clear bit tells how far through the ok ops a configuration got.
        oks = sorted((i for i in range(n) if ops[i][4] is not None), key=lambda i: ops[i][4]["index"])
        self.ok_order = oks
        number = {o: k for k, o in enumerate(oks)}
        for o in range(n):
            number.setdefault(o, len(number))
        self.bit = [1 << number[o] for o in range(n)]
        # Two info ops doing the same thing are interchangeable once both are invoked (neither
        # ever returns), so only orders placing the earlier-invoked one first are explored:
        # each info op waits for its previous twin (its bit; 0 when it has none).
        self.twin_bit = [0] * n
        last_twin: dict[tuple, int] = {}
        for o in sorted(range(n), key=lambda o: ops[o][3]["index"]):
            if ops[o][4] is None:
                what = ops[o][:3]
                if what in last_twin:
                    self.twin_bit[o] = self.bit[last_twin[what]]
                last_twin[what] = o
        # Entries: 0 is the head, then calls and returns in history order, last the tail.
        events = []
        for o, (_, _, _, invoke, done) in enumerate(ops):
            events.append((invoke["index"], o, True))
            if done is not None:
                events.append((done["index"], o, False))
        events.sort()
        size = len(events) + 2
        self.tail = size - 1
        self.entry_op = [-1] + [o for _, o, _ in events] + [-1]
        self.is_call = [False] + [c for _, _, c in events] + [False]
        self.ret = [-1] * size        # a call's return entry, -1 for info ops
        call_entry = {}
        for e in range(1, size - 1):
            if self.is_call[e]:
                call_entry[self.entry_op[e]] = e
            else:
                self.ret[call_entry[self.entry_op[e]]] = e
        self.next = list(range(1, size)) + [-1]
        self.prev = [-1] + list(range(size - 1))

    def _unlink(self, e: int) -> None:
        nxt, prv = self.next, self.prev
        nxt[prv[e]] = nxt[e]
        prv[nxt[e]] = prv[e]

    def _relink(self, e: int) -> None:
        self.next[self.prev[e]] = e
        self.prev[self.next[e]] = e

    def run(self) -> dict:
        ops, bit, is_call, entry_op, ret = self.ops, self.bit, self.is_call, self.entry_op, self.ret
        twin_bit = self.twin_bit
        nxt, tail = self.next, self.tail
        kind = [o[0] for o in ops]
        arg_a = [o[1] for o in ops]
        arg_b = [o[2] for o in ops]
        cache: set[tuple[int, int, bool]] = set()
        stack: list[tuple[int, int, bool]] = []
        # owed: the last op placed was an info op, so the next must read the register (a read
        # or cas). Any other order can drop that info op and still be valid, because a write
        # or the end of the history would hide its effect; so only these orders are explored.
        linearized, state, owed = 0, NIL, False
        e = nxt[0]
        while True:
            if is_call[e]:
                o = entry_op[e]
                k = kind[o]
                if (twin_bit[o] and not linearized & twin_bit[o]) or (owed and k == WRITE):
                    e = nxt[e]
                    continue
                if k == WRITE:
                    new = arg_a[o]
                elif state != arg_a[o]:
                    e = nxt[e]
                    continue
                else:
                    new = state if k == READ else arg_b[o]
                info = ret[e] < 0
                if info and new == state:       # an info op that changes nothing is never needed
                    e = nxt[e]
                    continue
                config = (linearized | bit[o], new, info)
                if config in cache:
                    e = nxt[e]
                    continue
                cache.add(config)
                if len(cache) > self.max_configs:
                    return {"valid?": UNKNOWN, "analyzer": "wgl",
                            "cause": f"search budget exceeded: {self.max_configs} configurations "
                                     f"explored without an answer ({len(ops)} ops)"}
                stack.append((e, state, owed))
                linearized, state, owed = config
                self._unlink(e)
                if not info:
                    self._unlink(ret[e])
                e = nxt[0]
            elif e == tail and not owed:
                break
            else:
                if not stack:
                    return self._invalid(cache)
                e, state, owed = stack.pop()
                linearized ^= bit[entry_op[e]]
                if ret[e] >= 0:
                    self._relink(ret[e])
                self._relink(e)
                e = nxt[e]
        return {"valid?": True, "analyzer": "wgl", "model": {"value": self.states.values[state]}}

    def _invalid(self, cache: set[tuple[int, int, bool]]) -> dict:
        """Knossos' report: the first ok op (in completion order) that no configuration got
        past, the ok op before it, and how it fails from each state the furthest
        configurations reached."""
        def reached(linearized: int) -> int:       # ok ops placed without a gap
            return (~linearized & (linearized + 1)).bit_length() - 1
        furthest = max((reached(lin) for lin, _, _ in cache), default=0)
        furthest = min(furthest, len(self.ok_order) - 1)
        o = self.ok_order[furthest]
        final_op = self.ops[o][4]
        previous = self.ops[self.ok_order[furthest - 1]][4] if furthest > 0 else None
        end_states = sorted({s for lin, s, _ in cache if reached(lin) >= furthest} or {NIL})
        paths = [[{"op": previous, "model": {"value": self.states.values[s]}},
                  {"op": final_op, "model": {"inconsistent": self._why(o, s)}}]
                 for s in end_states[:FINAL_PATHS_SHOWN]]
        return {"valid?": False, "analyzer": "wgl", "op": final_op, "previous-ok": previous,
                "final-paths": paths}

    def _why(self, o: int, state: int) -> str:
        """Knossos' cas-register message for an op the register refuses."""
        k, a, b = self.ops[o][:3]
        value = self.states.values
        cur = "nil" if state == NIL else json.dumps(value[state])
        if k == READ:
            return f"can't read {json.dumps(value[a])} from register {cur}"
        return f"can't CAS {cur} from {json.dumps(value[a])} to {json.dumps(value[b])}"


def check_independent(history: list[dict], max_configs: int = DEFAULT_MAX_CONFIGS) -> dict:
    """``jepsen.independent``'s checker: split client ops by the key of their ``[k v]``
    value, check each key's register on its own, and merge (docs/maelstrom.md §6.8)."""
    by_key: dict[Any, list[dict]] = {}
    for op in history:
        v = op.get("value")
        if op.get("process") == "nemesis" or not (isinstance(v, list) and len(v) == 2):
            continue
        k = v[0]
        if isinstance(k, (list, dict)):
            k = json.dumps(k)
        by_key.setdefault(k, []).append({**op, "value": v[1]})
    results = {}
    for k in sorted(by_key, key=lambda k: (not isinstance(k, int), str(k) if not isinstance(k, int) else k)):
        linear = check_register(by_key[k], max_configs)
        # Maelstrom's per-key :timeline is its timeline.html, always valid; ours is the run's.
        results[k] = {"linearizable": linear, "timeline": {"valid?": True},
                      "valid?": merge_valid(linear["valid?"], True)}
    return {"valid?": merge_valid(*(r["valid?"] for r in results.values())),
            "results": results,
            "failures": [k for k, r in results.items() if r["valid?"] is False]}

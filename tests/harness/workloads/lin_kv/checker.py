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
* a configuration (the ops linearized, the register state, and whether an info op is
  waiting for a reader, see below) is entered at most once, since what can follow depends
  on nothing else. An empty stack at a return means no order works: not linearizable.
  Running off the end of the list means every ok op was placed: linearizable.

Three reductions, none of which loses a linearization, cut the orders tried:

* an info op is placed only where the next op placed reads the register (a read or a
  cas) and only if it changes the state, since otherwise the same order without it is
  valid too;
* identical ops (same kind and arguments) that can trade places in any legal order are
  tried in one order only (``_identical_op_order`` says when they can). A burst of k
  concurrent writes of 5 values, which a plain search must try in all 2^k subsets, then
  costs the product of the counts per value, about (k/5 + 1)^5;
* from each configuration, ok ops are tried before info ops: the same candidates in an
  order that keeps a correct history's search on a straight path past the info ops
  pending beside it (each walk for ok ops skips them through a second list).

tests/test_checker_lin_kv.py checks every verdict against a brute-force search on hundreds
of small random histories, some full of identical concurrent ops.

Complexity. With n ops, c of them pending at once at most (ok ops in flight plus info ops
not yet placed) and s register states (here at most 6: nil and the values 0..4), the
memo holds at most O(n · 2^c · 2s) configurations, each costing O(n) to build and walk,
so the worst case is exponential in c, not in n (P-compositionality, applied per key by
the caller, keeps n small as well). A configuration is a few small ints however long the
key: ok ops are numbered in completion order, so those placed are a prefix plus a few
beyond it. Histories of a correct system are found linearizable along an almost straight
path: about n configurations. Since the worst case remains exponential, the search stops
after ``max_configs`` configurations and answers ``unknown``, as Knossos does when it runs
out of memory or time; it never guesses.
"""
from __future__ import annotations

import gc
import json
from typing import Any

from ...results import merge_valid

UNKNOWN = "unknown"
DEFAULT_MAX_CONFIGS = 5_000_000   # at worst about 40 s and 500 MB on this project's machine
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
        key = (type(value), value if type(value) in _SCALARS else json.dumps(value, sort_keys=True))
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.values)
            self.values.append(value)
        return i


_SCALARS = (int, float, str, bool)


def check_register(history: list[dict], max_configs: int = DEFAULT_MAX_CONFIGS) -> dict:
    """Knossos' analysis of one register's history (values already without their key):
    ``{"valid?": True, "model": ...}``; ``{"valid?": False, "op": <the ok op that could not
    be linearized>, "previous-ok": ..., "final-paths": [...]}``; or ``{"valid?": "unknown",
    "cause": ...}`` when the search budget ran out."""
    return _check(_paired(history, None).get(None, []), False, max_configs)


def _paired(history: list[dict], key_of) -> dict[Any, list[tuple[list, bool]]]:
    """Client ops grouped by ``key_of(invoke value)`` (None: one group), each group a list
    of (pair, is call) in history order, where a pair is ``[invoke, completion or None]``
    shared by its call and its return."""
    groups: dict[Any, list[tuple[list, bool]]] = {}
    pending: dict[Any, tuple[list, list]] = {}
    for op in history:
        p = op.get("process")
        if p == "nemesis" or p is None:
            continue
        if op["type"] == "invoke":
            key = None
            if key_of is not None:
                key = key_of(op.get("value"))
                if key is _NO_KEY:
                    continue
            group = groups.get(key)
            if group is None:
                group = groups[key] = []
            pair = [op, None]
            pending[p] = (pair, group)
            group.append((pair, True))
        else:
            opened = pending.pop(p, None)
            if opened is not None:
                opened[0][1] = op
                opened[1].append((opened[0], False))
    return groups


_NO_KEY = object()


def _check(events: list[tuple[list, bool]], keyed: bool, max_configs: int) -> dict:
    """One register's ops, as ``_paired`` groups them; with ``keyed``, each value is
    ``[key, value]``."""
    states = _States()
    state_id = states.id
    ops = []          # (kind, a, b, invoke, completion) of each op the search must place
    order = []        # (op, is its call) in history order
    kinds = {"read": READ, "write": WRITE, "cas": CAS}
    for pair, is_call in events:
        if not is_call:
            if len(pair) > 2:
                order.append((pair[2], False))
            continue
        invoke, done = pair
        kind = kinds.get(invoke.get("f"))
        if kind is None or (done is not None and done["type"] == "fail"):
            continue
        if done is not None and done["type"] != "ok":
            done = None                 # info: it may take effect at any time, or never
        if kind == READ:
            # A read that returned nil, or never returned, can be placed anywhere.
            v = None if done is None else done.get("value")
            if keyed and v is not None:
                v = v[1]
            if v is None:
                continue
            entry = (READ, state_id(v), 0, invoke, done)
        else:
            v = invoke.get("value")
            if keyed:
                v = v[1]
            if kind == WRITE:
                entry = (WRITE, state_id(v), 0, invoke, done)
            elif isinstance(v, list) and len(v) == 2:
                entry = (CAS, state_id(v[0]), state_id(v[1]), invoke, done)
            else:
                continue
        order.append((len(ops), True))
        if done is not None:
            pair.append(len(ops))
        ops.append(entry)
    result = _Search(ops, order, states, max_configs).run()
    if keyed:       # jepsen.independent reports each key's ops without their key
        for field in ("op", "previous-ok"):
            if result.get(field):
                result[field] = _unkeyed(result[field])
        for path in result.get("final-paths", ()):
            for step in path:
                if step["op"]:
                    step["op"] = _unkeyed(step["op"])
    return result


def _unkeyed(op: dict) -> dict:
    return {**op, "value": op["value"][1]}


class _Search:
    def __init__(self, ops: list[tuple], events: list[tuple[int, bool]], states: _States,
                 max_configs: int):
        self.ops = ops
        self.states = states
        self.max_configs = max_configs
        n = len(ops)
        # Entries: 0 is the head, then calls and returns in history order, last the tail.
        # Ok ops are numbered in completion order and info ops apart, so that the ok ops
        # placed form a prefix (all numbers below ``p``) plus a few beyond it (``rest``,
        # bit i for number p + i): a configuration stays a few small ints on a long key.
        size = len(events) + 2
        self.tail = size - 1
        entry_op, is_call, ret = [-1] * size, [False] * size, [-1] * size
        number, call_entry = [-1] * n, [0] * n
        never = size
        rank_ret = [never] * n    # calls before each op's return (see _identical_op_order)
        ok_order: list[int] = []
        calls = 0
        e = 0
        for o, call in events:
            e += 1
            entry_op[e] = o
            if call:
                is_call[e] = True
                call_entry[o] = e
                calls += 1
            else:
                ret[call_entry[o]] = e
                rank_ret[o] = calls
                number[o] = len(ok_order)
                ok_order.append(o)
        self.info_count = 0
        for o in range(n):
            if number[o] < 0:
                number[o] = self.info_count
                self.info_count += 1
        self.entry_op, self.is_call, self.ret, self.number, self.ok_order = \
            entry_op, is_call, ret, number, ok_order
        # Two lists over the entries: every entry, and all but info ops' calls (the walk that
        # tries ok ops first need not step over info ops pending beside them).
        self.next = list(range(1, size)) + [-1]
        self.prev = [-1] + list(range(size - 1))
        kept = [e for e in range(size) if not (is_call[e] and ret[e] < 0)]
        self.next_ok, self.prev_ok = [-1] * size, [-1] * size
        next_ok, prev_ok = self.next_ok, self.prev_ok
        for e, f in zip(kept, kept[1:]):
            next_ok[e] = f
            prev_ok[f] = e
        self.after = self._identical_op_order(events, rank_ret)

    def _identical_op_order(self, events: list[tuple[int, bool]], rank_ret: list[int]) -> list[int]:
        """For each op, the identical op (same kind and arguments) it must be placed after,
        or -1: orders that differ only in the order of identical ops are tried once.

        An op A must precede op B exactly when A returned before B was invoked. So if every
        op that must precede A must precede B, and every op that must follow B must follow
        A (A was invoked no later than B, counting returns, and returned no later, counting
        calls), then in any legal order with B before A, A and B can trade places: the
        order stays legal, and since they do the same thing, so do the register's states.
        Each group of identical ops, taken in invocation order, is split into chains of
        such pairs (as patience sorting does), and each op waits for its predecessor in its
        chain; two info ops that do the same thing always chain (they never return).
        Bursts of identical writes, which a plain search must try in every order, collapse
        to counts."""
        ops = self.ops
        tails: dict[tuple, list[int]] = {}    # per group, the last op of each chain
        after = [-1] * len(ops)
        for o, is_call in events:
            if not is_call:
                continue
            chains = tails.setdefault(ops[o][:3], [])
            best = -1
            for i, t in enumerate(chains):
                if rank_ret[t] <= rank_ret[o] and (best < 0 or rank_ret[t] > rank_ret[chains[best]]):
                    best = i
            if best < 0:
                chains.append(o)
            else:
                after[o] = chains[best]
                chains[best] = o
        return after

    @staticmethod
    def _unlink(e: int, nxt: list[int], prv: list[int]) -> None:
        nxt[prv[e]] = nxt[e]
        prv[nxt[e]] = prv[e]

    @staticmethod
    def _relink(e: int, nxt: list[int], prv: list[int]) -> None:
        nxt[prv[e]] = e
        prv[nxt[e]] = e

    def run(self) -> dict:
        ops, is_call, entry_op, ret = self.ops, self.is_call, self.entry_op, self.ret
        number, after = self.number, self.after
        nxt_all, prv_all, nxt_ok, prv_ok = self.next, self.prev, self.next_ok, self.prev_ok
        unlink, relink, tail = self._unlink, self._relink, self.tail
        kind = [o[0] for o in ops]
        arg_a = [o[1] for o in ops]
        arg_b = [o[2] for o in ops]
        is_info = [o[4] is None for o in ops]
        # A configuration is packed into one int: rest, then the info ops placed, then
        # (p, state, owed) below; the fixed widths of the lower fields keep it unambiguous.
        n_states = len(self.states.values)
        info_shift = (self.tail + 1).bit_length() + n_states.bit_length() + 1
        self.unpack = lambda c: divmod((c & ((1 << info_shift) - 1)) >> 1, n_states)
        cache: set[int] = set()
        cache_add, configs, n_info = cache.add, 0, self.info_count
        stack: list[tuple] = []
        max_configs = self.max_configs
        # owed: the last op placed was an info op, so the next must read the register (a read
        # or cas). Any other order can drop that info op and still be valid, because a write
        # or the end of the history would hide its effect; so only these orders are explored.
        # infos_too: each configuration's candidates are tried ok ops first, then, after the
        # walk meets a return, info ops (they never return, so they are rarely what a legal
        # order needs next); the same candidates, in an order that keeps a correct history's
        # search on a straight path past the info ops pending beside it.
        p, rest, info_placed, state, owed, infos_too = 0, 0, 0, NIL, False, False
        nxt = nxt_ok
        e = nxt[0]
        while True:
            if is_call[e]:
                o = entry_op[e]
                k = kind[o]
                if is_info[o] is not infos_too or (owed and k == WRITE):
                    e = nxt[e]
                    continue
                a = after[o]
                if a >= 0 and not (info_placed >> number[a] & 1 if is_info[a] else
                                   number[a] < p or rest >> (number[a] - p) & 1):
                    e = nxt[e]
                    continue
                if k == WRITE:
                    new = arg_a[o]
                elif state != arg_a[o]:
                    e = nxt[e]
                    continue
                else:
                    new = state if k == READ else arg_b[o]
                if is_info[o]:
                    if new == state:            # an info op that changes nothing is never needed
                        e = nxt[e]
                        continue
                    p2, rest2, info2 = p, rest, info_placed | 1 << number[o]
                else:
                    p2, rest2, info2 = p, rest | 1 << (number[o] - p), info_placed
                    if rest2 & 1:
                        run = (~rest2 & (rest2 + 1)).bit_length() - 1
                        p2, rest2 = p + run, rest2 >> run
                owed2 = is_info[o]
                config = (((rest2 << n_info | info2) << info_shift)
                          | (p2 * n_states + new) << 1 | owed2)
                if config in cache:
                    e = nxt[e]
                    continue
                cache_add(config)
                configs += 1
                if configs > max_configs:
                    return {"valid?": UNKNOWN, "analyzer": "wgl",
                            "cause": f"search budget exceeded: {max_configs} configurations "
                                     f"explored without an answer ({len(ops)} ops)"}
                stack.append((e, p, rest, info_placed, state, owed, infos_too))
                p, rest, info_placed, state, owed, infos_too = p2, rest2, info2, new, owed2, False
                unlink(e, nxt_all, prv_all)
                if not owed2:
                    unlink(e, nxt_ok, prv_ok)
                    unlink(ret[e], nxt_all, prv_all)
                    unlink(ret[e], nxt_ok, prv_ok)
                nxt = nxt_ok
                e = nxt[0]
            elif e == tail and not owed:
                break
            elif not infos_too and n_info:
                infos_too = True
                nxt = nxt_all
                e = nxt[0]
            else:
                if not stack:
                    return self._invalid(cache)
                e, p, rest, info_placed, state, owed, infos_too = stack.pop()
                if ret[e] >= 0:
                    relink(ret[e], nxt_ok, prv_ok)
                    relink(ret[e], nxt_all, prv_all)
                    relink(e, nxt_ok, prv_ok)
                relink(e, nxt_all, prv_all)
                nxt = nxt_all if infos_too else nxt_ok
                e = nxt[e]
        return {"valid?": True, "analyzer": "wgl", "model": {"value": self.states.values[state]}}

    def _invalid(self, cache: set[int]) -> dict:
        """Knossos' report: the first ok op (in completion order) that no configuration got
        past, the ok op before it, and how it fails from each state the furthest
        configurations reached."""
        reached = [self.unpack(c) for c in cache]     # (ok ops placed without a gap, state)
        furthest = max((p for p, _ in reached), default=0)
        furthest = min(furthest, len(self.ok_order) - 1)
        o = self.ok_order[furthest]
        final_op = self.ops[o][4]
        previous = self.ops[self.ok_order[furthest - 1]][4] if furthest > 0 else None
        end_states = sorted({s for p, s in reached if p >= furthest} or {NIL})
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
    def key_of(v: Any) -> Any:
        if type(v) is not list or len(v) != 2:
            return _NO_KEY
        k = v[0]
        return json.dumps(k) if isinstance(k, (list, dict)) else k

    # The search makes no reference cycles, and collections over a long history cost
    # more than the search itself.
    collecting = gc.isenabled()
    gc.disable()
    try:
        by_key = _paired(history, key_of)
        results = {}
        for k in sorted(by_key, key=lambda k: (not isinstance(k, int), str(k) if not isinstance(k, int) else k)):
            linear = _check(by_key[k], True, max_configs)
            # Maelstrom's per-key :timeline is its timeline.html, always valid; ours is the run's.
            results[k] = {"linearizable": linear, "timeline": {"valid?": True},
                          "valid?": merge_valid(linear["valid?"], True)}
    finally:
        if collecting:
            gc.enable()
    return {"valid?": merge_valid(*(r["valid?"] for r in results.values())),
            "results": results,
            "failures": [k for k, r in results.items() if r["valid?"] is False]}

#!/usr/bin/env python3
"""lin-kv on Raft: every node keeps a replicated log of client requests, and a request is
answered only once a majority holds it in the log and it has been applied, in log order, to
the key/value map. One order for everyone, fixed before anyone answers: linearizable.

The pieces, as in the Raft paper (Ongaro & Ousterhout, 2014):

* election: a follower that hears no leader for a random 0.6-1.2 s becomes a candidate for
  the next term and asks for votes; a node grants one vote per term, only to a candidate
  whose log is at least as up to date as its own; a majority makes a leader;
* replication: every 50 ms the leader sends each follower the entries it lacks after the
  last one they agree on; a follower whose log disagrees at that point says so and the
  leader steps back;
* commit: an entry of the leader's own term held by a majority is committed, and with it
  everything before it; every node applies committed entries in order.

Reads go through the log too, so a leader cut off in a minority cannot answer from a stale
map. Only the leader takes requests; other nodes answer error 11 (temporarily unavailable,
which promises the request was not performed). A request whose entry is overwritten by a
newer leader gets no answer: the client times out and records it as indeterminate.
Messages between nodes are fire-and-forget; a lost one is simply sent again on a later tick.

Restarts (``--nemesis kill``). Raft's persistent state is the current term, the vote cast in
it and the log: a node that forgot its vote could vote twice in one term, and one that forgot
entries it acknowledged could let a majority "hold" an entry that is gone. So each change to
them is written to a write-ahead log (`common.wal`) before the node says anything that
depends on it (a vote, a request for votes, an ``appended``, or counting its own copy of a
new entry), and replayed at start. The commit index and the key/value map are not saved: a
restarted node learns the commit index from the leader and applies the log again from the
start, as the paper has it.
"""
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Message, Node, WriteAheadLog  # noqa: E402
from common.errors import ErrorCode, RPCError  # noqa: E402
import kv_state  # noqa: E402

TICK_S = 0.05
ELECTION_S = (0.6, 1.2)
MAX_ENTRIES = 200          # per append message

node = Node()
term, voted_for, role, leader = 0, None, "follower", None
log = [(0, None)]          # (term, request body); index 0 is a sentinel
commit = applied = 0
votes: set = set()
next_index: dict = {}
match_index: dict = {}
waiting: dict = {}         # log index -> (client request, term it was appended in)
data: dict = {}
deadline = 0.0


def restore(record: list) -> None:
    """Apply ``["term", term, voted_for]`` or ``["log", index, entries]`` (the log from
    ``index`` on is replaced by ``entries``)."""
    global term, voted_for
    if record[0] == "term":
        term, voted_for = record[1], record[2]
    else:
        del log[record[1]:]
        log.extend((entry_term, body) for entry_term, body in record[2])


saved = WriteAheadLog(node, "raft", apply=restore, snapshot=lambda: [
    ["term", term, voted_for], ["log", 1, log[1:]]])


def set_term(new_term: int, vote: str | None) -> None:
    saved.append(["term", new_term, vote])


def reset_deadline() -> None:
    global deadline
    deadline = time.monotonic() + random.uniform(*ELECTION_S)


def majority() -> int:
    return len(node.node_ids) // 2 + 1


def see_term(t: int) -> None:
    """Any message from a later term makes us a follower in that term."""
    global role
    if t > term:
        set_term(t, None)
        role = "follower"


def apply_committed() -> None:
    global applied
    while applied < commit:
        applied += 1
        entry_term, body = log[applied]
        try:
            result = kv_state.apply(data, body)
        except RPCError as e:
            result = e.to_body()
        request = waiting.pop(applied, None)
        if request and request[1] == entry_term:
            node.reply(request[0], result)


@node.on("read")
@node.on("write")
@node.on("cas")
def client_request(msg: Message) -> None:
    if role != "leader":
        raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"not the leader; try {leader}")
    saved.append(["log", len(log), [[term, {k: v for k, v in msg.body.items() if k != "msg_id"}]]])
    waiting[len(log) - 1] = (msg, term)
    advance_commit()          # a lone node is its own majority


@node.every(TICK_S)
def tick() -> None:
    if role == "leader":
        for peer in node.peers:
            replicate(peer)
    elif time.monotonic() > deadline:
        become_candidate()


def become_candidate() -> None:
    global role, votes
    set_term(term + 1, node.node_id)
    role, votes = "candidate", set()
    reset_deadline()
    for peer in node.peers:
        node.send(peer, {"type": "request_vote", "term": term, "last_index": len(log) - 1,
                         "last_term": log[-1][0]})
    count_vote(node.node_id)


@node.on("request_vote")
def request_vote(msg: Message) -> None:
    b = msg.body
    see_term(b["term"])
    up_to_date = (b["last_term"], b["last_index"]) >= (log[-1][0], len(log) - 1)
    granted = b["term"] == term and voted_for in (None, msg.src) and up_to_date
    if granted:
        set_term(term, msg.src)
        reset_deadline()
    node.send(msg.src, {"type": "vote", "term": term, "granted": granted})


@node.on("vote")
def vote(msg: Message) -> None:
    see_term(msg.body["term"])
    if msg.body["term"] == term and msg.body["granted"]:
        count_vote(msg.src)


def count_vote(voter: str) -> None:
    global role, leader
    if role != "candidate":
        return
    votes.add(voter)
    if len(votes) >= majority():
        role, leader = "leader", node.node_id
        next_index.update({p: len(log) for p in node.peers})
        match_index.update({p: 0 for p in node.peers})
        node.log(f"leader for term {term}")
        tick()


def replicate(peer: str) -> None:
    prev = next_index[peer] - 1
    node.send(peer, {"type": "append", "term": term, "prev_index": prev, "prev_term": log[prev][0],
                     "entries": log[prev + 1:prev + 1 + MAX_ENTRIES], "commit": commit})


@node.on("append")
def append(msg: Message) -> None:
    global role, leader, commit
    b = msg.body
    see_term(b["term"])
    if b["term"] < term:
        node.send(msg.src, {"type": "appended", "term": term, "ok": False, "next": len(log)})
        return
    role, leader = "follower", msg.src
    reset_deadline()
    prev = b["prev_index"]
    if prev >= len(log) or log[prev][0] != b["prev_term"]:
        node.send(msg.src, {"type": "appended", "term": term, "ok": False, "next": min(prev, len(log))})
        return
    for i, (entry_term, body) in enumerate(b["entries"], start=prev + 1):
        if i >= len(log) or log[i][0] != entry_term:   # new, or a conflicting suffix from an
            saved.append(["log", i, b["entries"][i - prev - 1:]])   # older leader: replace it
            break
    last = prev + len(b["entries"])
    if min(b["commit"], last) > commit:
        commit = min(b["commit"], last)
        apply_committed()
    node.send(msg.src, {"type": "appended", "term": term, "ok": True, "next": last + 1})


@node.on("appended")
def appended(msg: Message) -> None:
    b = msg.body
    see_term(b["term"])
    if role != "leader" or b["term"] != term:
        return
    peer = msg.src
    if not b["ok"]:
        next_index[peer] = max(1, min(next_index[peer] - 1, b["next"]))
        return
    match_index[peer] = max(match_index[peer], b["next"] - 1)
    next_index[peer] = max(next_index[peer], b["next"])
    advance_commit()


def advance_commit() -> None:
    """Commit the newest entry of this term that a majority (this leader included) holds."""
    global commit
    for n in range(len(log) - 1, commit, -1):
        if log[n][0] != term:
            break
        if 1 + sum(m >= n for m in match_index.values()) >= majority():
            commit = n
            apply_committed()
            break


@node.on_init
def start() -> None:
    reset_deadline()


if __name__ == "__main__":
    node.run()

#!/usr/bin/env python3
"""Broken on purpose: a hand-written broadcast node (no library) whose gossip RPC carries no
msg_id, so its peers answer with in_reply_to null, which no request can be matched to."""
import json
import sys

node_id, peers, messages, next_id = None, [], set(), 0


def send(dest, body):
    print(json.dumps({"src": node_id, "dest": dest, "body": body}), flush=True)


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    kind = body["type"]
    if kind == "init":
        node_id = body["node_id"]
        peers = [n for n in body["node_ids"] if n != node_id]
        reply = {"type": "init_ok"}
    elif kind == "topology":
        reply = {"type": "topology_ok"}
    elif kind == "broadcast":
        messages.add(body["message"])
        for peer in peers:
            send(peer, {"type": "gossip", "message": body["message"]})   # the mistake: no msg_id
        reply = {"type": "broadcast_ok"}
    elif kind == "gossip":
        messages.add(body["message"])
        reply = {"type": "gossip_ok"}
    elif kind == "read":
        reply = {"type": "read_ok", "messages": sorted(messages)}
    else:
        continue
    send(msg["src"], {**reply, "in_reply_to": body.get("msg_id")})

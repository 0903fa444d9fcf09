#!/usr/bin/env python3
"""Broken on purpose: a hand-written echo node that prints its replies but never flushes stdout.

Python buffers stdout in blocks when it is a pipe, so init_ok never leaves the process and
the run aborts at init (unless PYTHONUNBUFFERED is set, which hides the mistake)."""
import json
import sys

for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        reply["echo"] = body["echo"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}))

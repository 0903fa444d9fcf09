#!/usr/bin/env python3
"""The yardstick for bench_lib.py: the least a Python echo node can do per message.

readline, json.loads, json.dumps, write, flush - with no library, no dispatch, no checks.
"""
import json
import sys


def main() -> None:
    readline, write, flush = sys.stdin.readline, sys.stdout.write, sys.stdout.flush
    while line := readline():
        msg = json.loads(line)
        body = msg["body"]
        if body["type"] == "init":
            reply = {"type": "init_ok", "in_reply_to": body["msg_id"]}
        else:
            reply = {"type": "echo_ok", "echo": body["echo"], "in_reply_to": body["msg_id"]}
        write(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}) + "\n")
        flush()


if __name__ == "__main__":
    main()

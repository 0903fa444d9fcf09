#!/usr/bin/env python3
"""The traffic source for ``make bench-harness``: ``flood_node.py ID PEERS RATE BYTES SECONDS``.

Sends RATE messages a second, round-robin to the comma-separated PEERS, each with a body of
about BYTES, for SECONDS, and throws away whatever it receives. It needs no init: all it
needs comes on its command line. Lines are built from a template, so the node costs little
next to the harness it measures.
"""
import sys
import threading
import time


def drain() -> None:
    read = sys.stdin.buffer.read1
    while read(1 << 16):
        pass


def main() -> None:
    me, peers, rate, size, seconds = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), \
        int(sys.argv[4]), float(sys.argv[5])
    threading.Thread(target=drain, daemon=True).start()
    pad = "x" * max(0, size - 40)
    templates = [f'{{"src":"{me}","dest":"{p}","body":{{"type":"flood","pad":"{pad}","i":%d}}}}\n' for p in peers]
    out = sys.stdout
    start, sent = time.monotonic(), 0
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * rate) + 1
        if due > sent:
            out.write("".join(templates[i % len(templates)] % i for i in range(sent, due)))
            out.flush()
            sent = due
        time.sleep(0.001)
    time.sleep(3600)   # stay up until the harness kills us


if __name__ == "__main__":
    main()

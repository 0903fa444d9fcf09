#!/usr/bin/env python3
"""Broken on purpose: reads its input and never answers anything, init included."""
import sys

print("starting, but I will never answer init", file=sys.stderr, flush=True)
for _ in sys.stdin:
    pass

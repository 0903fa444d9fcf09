"""A Maelstrom-compatible test bench in standard-library Python.

Run it as ``python3 -m tests.harness test -w broadcast --bin NODE ...`` with the same
flags as ``maelstrom test``. docs/differences.md says how it differs.
"""

"""``python3 -m tests.harness sim``: a whole test in one process on a virtual clock (docs/simulator.md).

- virtual_time.py: the event loop whose clock jumps to the next due event;
- sandbox.py: what node code sees of the process (time, randomness, exits, blocking calls);
- host.py: `SimNode`, a node served in-process from its own script;
- simulation.py: the hosting the shared runner uses for ``sim``;
- cli.py: the command, with seed sweeps (sweep.py), determinism checks and shrinking (shrink.py).
"""

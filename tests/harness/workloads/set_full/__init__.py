"""Jepsen's set-full checker (docs/maelstrom.md §6.5), shared by the broadcast and g-set workloads:
``checker`` decides each added element's fate (stable, lost or never read), ``explain`` follows
a lost or slow value's path through the network."""

"""How long to wait for a reply: a retransmission timeout estimated as TCP's (RFC 6298).

Waiting a fixed, generous time for a peer that a partition has cut off holds whatever is
waiting (often a client's request) for that whole time. `RoundTrip` learns the round trips
actually seen and waits a few deviations beyond their mean, within fixed bounds.
"""
from __future__ import annotations


class RoundTrip:
    """A smoothed round-trip time and its deviation, and the timeout they suggest."""

    def __init__(self, least: float, most: float):
        self.least, self.most = least, most
        self.mean: float | None = None   # no sample yet: wait the most
        self.deviation = 0.0

    def timeout(self) -> float:
        """Well above the round trips seen: mean + 4 deviations, within [least, most]."""
        if self.mean is None:
            return self.most
        return min(max(self.mean + 4 * self.deviation, self.least), self.most)

    def took(self, seconds: float) -> None:
        """Learn from one round trip that took ``seconds``."""
        if self.mean is None:
            self.mean, self.deviation = seconds, seconds / 2
        else:
            self.deviation += (abs(seconds - self.mean) - self.deviation) / 4
            self.mean += (seconds - self.mean) / 8

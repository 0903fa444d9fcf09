"""common/roundtrip.py: how long to wait for a reply, learnt from the round trips seen."""
from __future__ import annotations

import unittest

from common import RoundTrip


class RoundTripTest(unittest.TestCase):
    def test_without_samples_it_waits_the_most(self):
        self.assertEqual(RoundTrip(0.1, 1.0).timeout(), 1.0)

    def test_steady_round_trips_give_a_timeout_a_little_above_them(self):
        trips = RoundTrip(0.0, 10.0)
        for _ in range(100):
            trips.took(0.2)
        self.assertGreater(trips.timeout(), 0.2)
        self.assertLess(trips.timeout(), 0.25)

    def test_varying_round_trips_widen_the_timeout(self):
        steady, varying = RoundTrip(0.0, 10.0), RoundTrip(0.0, 10.0)
        for i in range(100):
            steady.took(0.2)
            varying.took(0.1 if i % 2 else 0.3)
        self.assertGreater(varying.timeout(), steady.timeout())

    def test_the_timeout_stays_within_its_bounds(self):
        fast, slow = RoundTrip(0.1, 1.0), RoundTrip(0.1, 1.0)
        fast.took(0.001)
        slow.took(5.0)
        self.assertEqual((fast.timeout(), slow.timeout()), (0.1, 1.0))


if __name__ == "__main__":
    unittest.main()

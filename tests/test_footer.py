"""The lines after the verdict: the figures a challenge is judged by, with its limits."""
from __future__ import annotations

import unittest

from tests.harness.footer import lines


def broadcast_results(msgs_per_op: float, median: int, worst: int) -> dict:
    return {"net": {"servers": {"msgs-per-op": msgs_per_op}},
            "workload": {"stable-latencies": {"0": 0, "0.5": median, "0.95": worst, "0.99": worst, "1": worst},
                         "attempt-count": 10, "stable-count": 10, "lost-count": 0},
            "availability": {"ok-fraction": 0.99955}, "stats": {"count": 20, "ok-count": 19}}


class Footer(unittest.TestCase):
    def test_a_known_challenge_shows_each_published_limit_with_pass_or_fail(self):
        text = "\n".join(lines(broadcast_results(12.5, 350, 700), "store/x", "3d"))
        self.assertRegex(text, r"servers msgs-per-op\s+12.50\s+< 30\s+pass")
        self.assertRegex(text, r"stable latency median\s+350 ms\s+< 400 ms\s+pass")
        self.assertRegex(text, r"stable latency max\s+700 ms\s+< 600 ms\s+FAIL")

    def test_without_a_challenge_the_figures_are_shown_without_limits(self):
        text = "\n".join(lines(broadcast_results(12.5, 350, 700), "store/x"))
        self.assertIn("12.50", text)
        self.assertNotIn("pass", text)

    def test_availability_is_shown_exactly(self):
        text = "\n".join(lines(broadcast_results(1.0, 0, 0), "store/x"))
        self.assertIn("0.99955 (19 of 20 ops ok)", text)

    def test_counter_final_reads_are_shown_against_the_acceptable_range(self):
        results = {"workload": {"final-reads": [5, 4], "acceptable": [[5, 5]]}}
        text = "\n".join(lines(results, "store/x", "4"))
        self.assertIn("[5, 4]", text)
        self.assertIn("acceptable: 5", text)

    def test_every_workload_shows_the_median_wait_for_an_ok_reply(self):
        results = {"workload": {"final-reads": [5], "acceptable": [[5, 5]]},
                   "harness": {"op-latency-ms": {"count": 9, "p50": 1.234, "p99": 9.0, "max": 12.0}}}
        self.assertRegex("\n".join(lines(results, "store/x", "4")), r"request latency median\s+1.23 ms")

    def test_a_run_without_ok_replies_shows_no_request_latency(self):
        results = {"harness": {"op-latency-ms": {"count": 0}}}
        self.assertNotIn("request latency", "\n".join(lines(results, "store/x", "1")))

    def test_stale_values_are_counted_and_said_not_to_be_a_failure(self):
        results = broadcast_results(12.5, 350, 500)
        results["workload"]["stale-count"] = 7
        text = "\n".join(lines(results, "store/x", "3d"))
        self.assertRegex(text, r"stale values\s+7\s+.*not a failure")

    def test_no_stale_row_when_every_value_was_in_every_read_at_once(self):
        results = broadcast_results(12.5, 0, 0)
        results["workload"]["stale-count"] = 0
        self.assertNotIn("stale", "\n".join(lines(results, "store/x", "3b")))

    def test_the_store_path_and_how_to_look_end_the_footer(self):
        out = lines({}, "store/echo/1", None)
        self.assertIn("store/echo/1/", out[-2])
        self.assertIn("make serve", out[-1])


if __name__ == "__main__":
    unittest.main()

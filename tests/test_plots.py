"""The pictures of a run: latency.svg, rate.svg, timeline.html and messages.svg."""
from __future__ import annotations

import json
import tempfile
import unittest
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

from tests.harness import plots
from tests.harness.messages_svg import (BEFORE_HEAL_NS, main as messages_main, messages_svg, read_journal, read_window,
                                         window_start_ns, write_messages_svg)
from tests.harness.nemesis.periods import Period, fault_periods
from tests.harness.plots import latency_quantiles_svg, latency_svg, rate_svg, timeline_html
from tests.harness.visuals import render_all

SVG = "{http://www.w3.org/2000/svg}"
MS = 1_000_000
S = 1_000_000_000


def history_of(*ops: tuple) -> list[dict]:
    """History from (time_ns, type, process, f, value[, error]) tuples, indexed in order."""
    history = []
    for k, (time, kind, process, f, value, *error) in enumerate(ops):
        op = {"index": k, "time": time, "type": kind, "process": process, "f": f, "value": value}
        if error:
            op["error"] = error[0]
        history.append(op)
    return history


# Three client processes, two kinds of op, every completion type, one partition that is
# healed and one that is not, and process 2's last op still open at the end: six client
# ops (three ok, one info, one fail, one open) and three nemesis ops.
SMALL_HISTORY = history_of(
    (0, "info", "nemesis", "start-partition", "majority"),
    (1 * MS, "info", "nemesis", "start-partition", ["isolated", {"n1": ["n2"]}]),
    (10 * MS, "invoke", 0, "read", None),
    (12 * MS, "invoke", 1, "write", 3),
    (15 * MS, "ok", 0, "read", 3),
    (20 * MS, "invoke", 0, "write", 4),
    (30 * MS, "fail", 0, "write", 4, ["precondition-failed", "no"]),
    (2 * S, "info", "nemesis", "stop-partition", None),
    (2 * S + MS, "info", "nemesis", "stop-partition", "network-healed"),
    (2 * S + 5 * MS, "info", 1, "write", 3, "net-timeout"),
    (3 * S, "invoke", 2, "read", None),
    (3 * S + 2 * MS, "ok", 2, "read", 4),
    (4 * S, "info", "nemesis", "start-partition", "one"),
    (4 * S + MS, "info", "nemesis", "start-partition", ["isolated", {"n2": ["n1"]}]),
    (4 * S + 10 * MS, "invoke", 2, "read", None),
    (5 * S, "invoke", 0, "read", None),
    (5 * S + 1 * MS, "ok", 0, "read", 4),
)


def parse_svg(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def with_class(root: ET.Element, *classes: str) -> list[ET.Element]:
    """Elements whose class attribute holds all of ``classes``."""
    return [e for e in root.iter() if set(classes) <= set(e.get("class", "").split())]


# The same clients with kills and pauses: n1 killed and restarted, n2 paused, then killed
# while paused (which ends its pause), and never restarted.
FAULT_HISTORY = history_of(
    (0, "info", "nemesis", "kill", "one"),
    (1 * MS, "info", "nemesis", "kill", {"n1": "killed"}),
    (10 * MS, "invoke", 0, "read", None),
    (15 * MS, "ok", 0, "read", 3),
    (1 * S, "info", "nemesis", "pause", None),
    (1 * S + MS, "info", "nemesis", "pause", {"n2": "paused"}),
    (2 * S, "info", "nemesis", "start", "all"),
    (2 * S + 90 * MS, "info", "nemesis", "start", {"n1": "started", "n2": "already-running"}),
    (3 * S, "info", "nemesis", "kill", "all"),
    (3 * S + MS, "info", "nemesis", "kill", {"n1": "killed", "n2": "killed"}),
    (3 * S + 10 * MS, "invoke", 1, "read", None),
    (4 * S, "info", 1, "read", None, "net-timeout"),
)


class FaultPeriodsInPictures(unittest.TestCase):
    def test_partitions_are_periods_of_the_whole_network(self):
        self.assertEqual(fault_periods(SMALL_HISTORY),
                         [Period("partition", None, 1 * MS, 2 * S + MS, "majority"),
                          Period("partition", None, 4 * S + MS, None, "one")])

    def test_each_node_down_or_paused_is_a_band_naming_it(self):
        svg = parse_svg(latency_svg(FAULT_HISTORY))
        titles = sorted(e.find(SVG + "title").text for e in with_class(svg, "band"))
        self.assertEqual(titles, ["n1 down from 0.001 s to 2.090 s", "n1 down from 3.001 s to the end",
                                  "n2 down from 3.001 s to the end", "n2 paused from 1.001 s to 3.001 s"])
        self.assertEqual(len(with_class(svg, "down", "band")), 3)

    def test_the_legend_names_only_the_faults_the_run_had_besides_partitions(self):
        texts = [e.text for e in parse_svg(rate_svg(SMALL_HISTORY)).iter(SVG + "text")]
        self.assertIn("partition", texts)
        self.assertNotIn("node down (killed)", texts)
        texts = [e.text for e in parse_svg(latency_quantiles_svg(FAULT_HISTORY)).iter(SVG + "text")]
        self.assertIn("node down (killed)", texts)
        self.assertIn("node paused", texts)

    def test_the_timeline_has_a_lane_per_node_that_had_a_fault(self):
        page = timeline_html(FAULT_HISTORY)
        self.assertEqual(page.count('class="fault down"'), 3)
        self.assertEqual(page.count('class="fault paused"'), 1)
        self.assertIn('title="n2 paused from 1.001 s to 3.001 s"', page)

    def test_the_message_diagram_shades_the_lifeline_of_a_node_while_it_is_down(self):
        events = [{"event": "send", "time": t, "message": {"id": k, "src": "c1", "dest": "n1",
                                                            "body": {"type": "read", "msg_id": k}}}
                  for k, t in enumerate((0, 1 * S, 2 * S, 3 * S))]
        svg = parse_svg(messages_svg(events, faults=[Period("down", "n1", 500 * MS, 2 * S + 1)]))
        shade = [e for e in with_class(svg, "fault", "down") if e.find(SVG + "title") is not None]
        self.assertEqual(len(shade), 1)
        # Over the rows at 1 s and 2 s: from half a row above the first to half below the last.
        self.assertEqual(float(shade[0].get("height")), 2 * 20)


class LatencyPlot(unittest.TestCase):
    def setUp(self):
        self.svg = parse_svg(latency_svg(SMALL_HISTORY))

    def test_one_mark_per_completed_client_op(self):
        self.assertEqual(len(with_class(self.svg, "mark")), 5)

    def test_marks_are_coloured_by_completion_type(self):
        counts = {t: len(with_class(self.svg, "mark", t)) for t in ("ok", "info", "fail")}
        self.assertEqual(counts, {"ok": 3, "info": 1, "fail": 1})

    def test_each_f_has_its_own_marker_shape(self):
        shapes = {e.tag for e in with_class(self.svg, "mark")}
        self.assertEqual(shapes, {SVG + "circle", SVG + "polygon"})

    def test_each_partition_period_is_shaded(self):
        self.assertEqual(len(with_class(self.svg, "partition", "band")), 2)

    def test_axes_are_labelled_with_units(self):
        texts = [e.text or "" for e in self.svg.iter(SVG + "text")]
        self.assertIn("time the op started (s)", texts)
        self.assertIn("latency (ms, log scale)", texts)

    def test_an_empty_history_still_gives_a_well_formed_plot(self):
        svg = parse_svg(latency_svg([]))
        self.assertEqual(with_class(svg, "mark"), [])


class RatePlot(unittest.TestCase):
    def setUp(self):
        self.svg = parse_svg(rate_svg(SMALL_HISTORY))

    def test_one_line_per_f_and_completion_type(self):
        lines = with_class(self.svg, "line")
        series = {(e.find(SVG + "title").text.split(":")[0]) for e in lines if e.tag == SVG + "polyline"}
        self.assertEqual(series, {"read ok", "write fail", "write info"})

    def test_every_completed_client_op_is_counted_once(self):
        titles = [e.find(SVG + "title").text for e in self.svg.iter(SVG + "polyline")]
        self.assertEqual(sum(int(t.split(": ")[1].split()[0]) for t in titles), 5)

    def test_y_axis_is_throughput_per_second(self):
        texts = [e.text or "" for e in self.svg.iter(SVG + "text")]
        self.assertIn("throughput (completed ops/s)", texts)


class Boxes(HTMLParser):
    """Collects the class lists of the timeline's op boxes and its notices."""

    def __init__(self):
        super().__init__()
        self.ops: list[list[str]] = []
        self.notes = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "op" in classes:
            self.ops.append(classes)
        if "note" in classes:
            self.notes += 1


def boxes(text: str) -> Boxes:
    parser = Boxes()
    parser.feed(text)
    return parser


class Timeline(unittest.TestCase):
    def test_one_box_per_op_including_the_nemesis_and_open_ops(self):
        self.assertEqual(len(boxes(timeline_html(SMALL_HISTORY)).ops), 6 + 3)

    def test_boxes_are_coloured_by_completion_type(self):
        kinds = [c[1] for c in boxes(timeline_html(SMALL_HISTORY)).ops]
        self.assertEqual({k: kinds.count(k) for k in set(kinds)}, {"ok": 3, "fail": 1, "info": 1 + 3, "pending": 1})

    def test_a_long_history_is_cut_with_a_notice(self):
        with mock.patch.object(plots, "TIMELINE_OP_LIMIT", 3):
            page = boxes(timeline_html(SMALL_HISTORY))
        self.assertEqual((len(page.ops), page.notes), (3, 1))


def journal_event(kind: str, time: int, mid: int, src: str, dest: str, body: dict) -> dict:
    return {"event": kind, "time": time, "message": {"id": mid, "src": src, "dest": dest, "body": body}}


def exchange(time: int, mid: int, src: str, dest: str, body: dict, delivered: bool = True) -> list[dict]:
    sent = [journal_event("send", time, mid, src, dest, body)]
    return sent + ([journal_event("recv", time + MS, mid, src, dest, body)] if delivered else [])


JOURNAL = [
    *exchange(0, 1, "c1", "n1", {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1", "n2"]}),
    *exchange(1, 2, "n1", "c1", {"type": "init_ok", "in_reply_to": 1}),
    *exchange(10 * MS, 3, "c3", "n1", {"type": "broadcast", "msg_id": 1, "message": 7}),
    *exchange(20 * MS, 4, "n1", "n2", {"type": "gossip", "msg_id": 2, "values": [7]}),
    *exchange(30 * MS, 5, "n1", "c3", {"type": "broadcast_ok", "in_reply_to": 1}),
    *exchange(40 * MS, 6, "n2", "seq-kv", {"type": "read", "msg_id": 3, "key": "<x>"}),
    *exchange(50 * MS, 7, "seq-kv", "n2", {"type": "error", "in_reply_to": 3, "code": 20, "text": "no key"}),
    *exchange(60 * MS, 8, "n2", "n1", {"type": "gossip", "msg_id": 4, "values": [7]}, delivered=False),
]


def write_journal(directory: Path, events: list[dict]) -> Path:
    path = directory / "net-journal.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


class MessagesDiagram(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="glomers-msgs-"))
        self.events, self.hidden = read_journal(write_journal(self.dir, JOURNAL))
        self.svg = parse_svg(messages_svg(self.events, self.hidden))

    def test_init_and_init_ok_are_left_out(self):
        self.assertEqual((len(self.events), self.hidden), (len(JOURNAL) - 4, 0))

    def arrows(self, *classes: str) -> list[ET.Element]:
        """Drawn messages (the legend's samples have no hover text)."""
        return [g for g in with_class(self.svg, "msg", *classes) if g.find(SVG + "title") is not None]

    def test_one_arrow_per_delivered_message_coloured_by_kind(self):
        delivered = [g for g in self.arrows() if "dropped" not in g.get("class")]
        kinds = [g.get("class").split()[1] for g in delivered]
        self.assertEqual({k: kinds.count(k) for k in set(kinds)}, {"client": 2, "server": 2, "error": 1})

    def test_a_message_never_received_is_a_stub(self):
        stubs = self.arrows("dropped")
        self.assertEqual(len(stubs), 1)
        self.assertIn("n2 → n1", stubs[0].find(SVG + "title").text)

    def test_hovering_an_arrow_shows_the_whole_body(self):
        titles = [t.text for t in self.svg.iter(SVG + "title")]
        self.assertTrue(any('"key":"<x>"' in t for t in titles))

    def test_one_lifeline_per_participant(self):
        # c1 only spoke during init, which is left out.
        self.assertEqual(len(with_class(self.svg, "lifeline")), len(["c3", "n1", "n2", "seq-kv"]))

    def test_events_past_the_limit_are_not_parsed_and_are_counted_in_a_notice(self):
        path = write_journal(self.dir, JOURNAL)
        with open(path, "a", encoding="utf-8") as f:
            f.write("this line is never parsed\n")
        events, hidden = read_journal(path, limit=3)
        notice = [e.text for e in with_class(parse_svg(messages_svg(events, hidden)), "note")]
        self.assertEqual((len(events), hidden), (3, len(JOURNAL) - 4 - 3 + 1))
        self.assertEqual(notice, [f"{hidden} later network events not shown"])

    def test_node_output_that_xml_forbids_still_gives_a_well_formed_file(self):
        nasty = exchange(0, 1, "n1", "n2", {"type": "gossip", "msg_id": 1, "text": "\x01<b>&\ud800"})
        parse_svg(messages_svg(nasty))


class TimelineBoxLabels(unittest.TestCase):
    def test_a_box_shows_the_value_an_ok_op_returned(self):
        invoke, done = SMALL_HISTORY[2], SMALL_HISTORY[4]     # read, ok 3
        self.assertEqual(plots.box_label(invoke, done), "read → 3")

    def test_a_box_shows_the_request_alone_when_nothing_new_came_back(self):
        invoke, done = SMALL_HISTORY[5], SMALL_HISTORY[6]     # write 4, fail
        self.assertEqual(plots.box_label(invoke, done), "write 4")


class LatencyQuantiles(unittest.TestCase):
    def lines(self, history: list[dict]) -> dict[str, list[tuple[float, float]]]:
        lines: dict[str, list[tuple[float, float]]] = {}
        for g in parse_svg(latency_quantiles_svg(history)).iter(SVG + "g"):
            line = g.find(SVG + "polyline")
            if line is not None and g.find(SVG + "title") is not None:
                lines.setdefault(g.find(SVG + "title").text, []).extend(
                    tuple(map(float, p.split(","))) for p in line.get("points").split())
        return lines

    def test_one_line_per_f_and_quantile(self):
        self.assertEqual(sorted(self.lines(SMALL_HISTORY)),
                         sorted(f"{f} {q}" for f in ("read", "write") for q in ("median", "p95", "p99", "max")))

    def test_higher_quantiles_are_never_below_lower_ones(self):
        history = history_of(*[op for k in range(40) for op in (
            (k * 100 * MS, "invoke", k % 4, "read", None),
            (k * 100 * MS + (k % 7 + 1) * MS, "ok", k % 4, "read", 1))])
        lines = self.lines(history)
        # SVG y grows downwards: a larger latency has a smaller y.
        for lower, higher in (("median", "p95"), ("p95", "p99"), ("p99", "max")):
            for (_, y_low), (_, y_high) in zip(lines[f"read {lower}"], lines[f"read {higher}"]):
                self.assertLessEqual(y_high, y_low)

    def test_a_line_never_bridges_buckets_without_ops(self):
        history = history_of((0, "invoke", 0, "read", None), (1 * MS, "ok", 0, "read", 1),
                             (50 * S, "invoke", 0, "read", None), (50 * S + MS, "ok", 0, "read", 1))
        svg = parse_svg(latency_quantiles_svg(history))
        medians = [g for g in svg.iter(SVG + "g") if g.find(SVG + "title") is not None
                   and g.find(SVG + "title").text == "read median"]
        self.assertEqual(len(medians), 2)

    def test_an_empty_history_still_draws(self):
        self.assertIn("no completed client ops", latency_quantiles_svg([]))


class MessagesWindow(unittest.TestCase):
    """What messages.svg draws of a long or large run."""

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="glomers-msgs-"))

    def lanes(self, svg: ET.Element) -> list[str]:
        return [t.text for t in with_class(svg, "name") if "repeat" not in t.get("class")]

    def test_server_nodes_come_first_then_services_then_clients(self):
        events, _ = read_journal(write_journal(self.dir, JOURNAL))
        self.assertEqual(self.lanes(parse_svg(messages_svg(events))), ["n1", "n2", "seq-kv", "c3"])

    def test_with_too_many_lanes_every_client_shares_one(self):
        journal = [e for k in range(60) for e in exchange(k * MS, 100 + k, f"c{k}", f"n{k % 20}",
                                                          {"type": "read", "msg_id": 1})]
        svg = parse_svg(messages_svg(read_journal(write_journal(self.dir, journal))[0]))
        lanes = self.lanes(svg)
        self.assertEqual(lanes[:2], ["n0", "n1"])
        self.assertEqual(lanes[-1], "60 clients")
        self.assertEqual(len(lanes), 21)

    def test_the_window_can_open_later_and_says_how_much_came_before(self):
        path = write_journal(self.dir, JOURNAL)
        window = read_window(path, start_ns=25 * MS, limit=4)
        self.assertEqual(window.before, 4)   # the broadcast and the gossip, each sent and received
        notes = [e.text for e in with_class(parse_svg(messages_svg(window.events, window=window)), "note")]
        self.assertTrue(any(n.startswith("4 earlier network events not shown") for n in notes), notes)

    def test_a_message_received_after_the_window_is_not_drawn_as_dropped(self):
        # Window of two events: the broadcast's send and receive; the gossip's receive is later.
        window = read_window(write_journal(self.dir, JOURNAL), limit=3)
        svg = parse_svg(messages_svg(window.events, window=window))
        drawn = [g for g in with_class(svg, "msg") if g.find(SVG + "title") is not None]
        self.assertEqual([g.get("class") for g in drawn if "gossip" in g.find(SVG + "title").text],
                         ["msg server beyond"])
        self.assertFalse([g for g in drawn if "dropped" in g.get("class")])

    def test_the_window_opens_just_before_the_first_heal(self):
        (self.dir / "history.jsonl").write_text("".join(json.dumps(op) + "\n" for op in history_of(
            (0, "info", "nemesis", "start-partition", "one"),
            (1, "info", "nemesis", "start-partition", ["isolated", {"n1": ["n2"], "n2": ["n1"]}]),
            (1 * S, "invoke", 0, "read", None),
            (3 * S, "info", "nemesis", "stop-partition", None),
            (3 * S + 1, "info", "nemesis", "stop-partition", "network-healed"))))
        self.assertEqual(window_start_ns(self.dir / "history.jsonl"), 3 * S + 1 - BEFORE_HEAL_NS)

    def test_the_window_opens_just_before_the_first_restart_or_resume(self):
        (self.dir / "history.jsonl").write_text("".join(json.dumps(op) + "\n" for op in FAULT_HISTORY))
        self.assertEqual(window_start_ns(self.dir / "history.jsonl"), 2 * S + 90 * MS - BEFORE_HEAL_NS)

    def test_a_window_near_the_end_is_moved_earlier_to_stay_full(self):
        window = read_window(write_journal(self.dir, JOURNAL), start_ns=55 * MS, limit=6)
        self.assertEqual(len(window.events), 6)
        self.assertEqual(window.before, len(JOURNAL) - 4 - 6)   # init and init_ok are not counted
        self.assertEqual(window.after, 0)

    def test_without_partitions_the_window_opens_at_the_start(self):
        (self.dir / "history.jsonl").write_text(json.dumps(SMALL_HISTORY[2]) + "\n")
        self.assertEqual(window_start_ns(self.dir / "history.jsonl"), 0)


class MessagesCommand(unittest.TestCase):
    def test_redraws_a_run_from_the_chosen_second(self):
        run = Path(tempfile.mkdtemp(prefix="glomers-run-"))
        write_journal(run, JOURNAL)
        with mock.patch("builtins.print"):
            self.assertEqual(messages_main(["-t", str(run), "--from", "0.035"]), 0)
        title = parse_svg((run / "messages.svg").read_text()).find(SVG + "text").text
        self.assertIn("from 0.040 s", title)   # the first event at or after 35 ms


class RenderAll(unittest.TestCase):
    def test_writes_the_four_pictures_of_a_run(self):
        run = Path(tempfile.mkdtemp(prefix="glomers-run-"))
        (run / "history.jsonl").write_text("".join(json.dumps(op) + "\n" for op in SMALL_HISTORY))
        write_journal(run, JOURNAL)
        written = render_all(run)
        self.assertEqual(sorted(p.name for p in written),
                         ["latency-quantiles.svg", "latency.svg", "messages.svg", "rate.svg", "timeline.html"])
        for svg in ("latency.svg", "latency-quantiles.svg", "rate.svg", "messages.svg"):
            ET.parse(run / svg)

    def test_each_page_written_line_by_line_is_the_page_drawn_whole(self):
        # A long run's timeline is tens of MB: it goes to its file as it is made, and must
        # come out byte for byte as the page drawn in one string.
        with tempfile.TemporaryDirectory(prefix="glomers-run-") as d:
            run = Path(d) / "broadcast" / "20261207T000000.000+0000"
            run.mkdir(parents=True)
            (run / "history.jsonl").write_text("".join(json.dumps(op) + "\n" for op in SMALL_HISTORY))
            plots.write_plots(run)
            drawn = {"latency.svg": latency_svg(SMALL_HISTORY), "rate.svg": rate_svg(SMALL_HISTORY),
                     "latency-quantiles.svg": latency_quantiles_svg(SMALL_HISTORY),
                     "timeline.html": timeline_html(SMALL_HISTORY, f"Timeline: broadcast {run.name}")}
            for name, page in drawn.items():
                self.assertEqual((run / name).read_bytes(), page.encode("utf-8"), name)

    def test_a_run_without_a_journal_gets_no_message_diagram(self):
        run = Path(tempfile.mkdtemp(prefix="glomers-run-"))
        (run / "history.jsonl").write_text("".join(json.dumps(op) + "\n" for op in SMALL_HISTORY))
        self.assertNotIn("messages.svg", [p.name for p in render_all(run)])

    def test_messages_svg_is_written_into_the_run_directory(self):
        run = Path(tempfile.mkdtemp(prefix="glomers-run-"))
        write_journal(run, JOURNAL)
        self.assertEqual(write_messages_svg(run), run / "messages.svg")


if __name__ == "__main__":
    unittest.main()

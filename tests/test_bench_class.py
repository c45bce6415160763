"""bench/bench_class.py's pure parts: the light client's protocol messages and parsing, and the figures."""

from __future__ import annotations

import json
import math

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.bench_class import Usage, count_between, cpu_cores, longest_gap, median_worst, plan, rate_between, slope
from bench.class_client import ElementCache, LightStudent, chart_states, parse_epoch, rerun_msg, trigger


def test_rerun_msg_round_trips_as_the_browser_sends_it():
    msg = rerun_msg(page_hash="h", fragment_id="f", auto=True, widgets=[trigger("$$ID-1-playground:play")],
                    cached=["a", "b"])
    back = BackMsg.FromString(msg.SerializeToString())
    r = back.rerun_script
    assert back.WhichOneof("type") == "rerun_script"
    assert (r.page_script_hash, r.fragment_id, r.is_auto_rerun) == ("h", "f", True)
    assert r.widget_states.widgets[0].id.endswith("playground:play") and r.widget_states.widgets[0].trigger_value
    assert list(r.cached_message_hashes) == ["a", "b"]


def test_parse_epoch_and_chart_states():
    assert parse_epoch("12,345") == 12345 and parse_epoch("0") == 0 and parse_epoch("—") is None
    playback = json.dumps([{"layout": {}}, {"layout": {}}, {"layout": {}}])
    assert chart_states(json.dumps({"traces": [], "playback": playback})) == 4
    assert chart_states(json.dumps({"data": {"playback": "[]"}})) == 1
    assert chart_states("not json") == 1


def _element_msg(run_hash: str) -> ForwardMsg:
    msg = ForwardMsg(hash=run_hash)
    msg.metadata.cacheable = True
    msg.delta.new_element.metric.label = "Epoch"
    msg.delta.new_element.metric.body = "1,000"
    return msg


def test_a_ref_hash_is_read_from_the_cache_and_counted():
    student = LightStudent("ws://unused")
    student.handle(_element_msg("h1"))
    ref = ForwardMsg(ref_hash="h1")
    student.handle(ref)
    assert [e for _, e in student.counts.epochs] == [1000, 1000]
    assert "h1" in student.cache.hashes()


def test_the_cache_forgets_what_it_did_not_see_for_a_few_runs():
    cache = ElementCache()
    cache.put(_element_msg("h1"))
    for _ in range(3):
        cache.finished_run()
    assert cache.hashes() == []


def test_timer_and_run_endings_are_followed():
    student = LightStudent("ws://unused")
    start = ForwardMsg()
    start.auto_rerun.interval, start.auto_rerun.fragment_id = 0.05, "frag"
    student.handle(start)
    assert student.timer == ("frag", start.auto_rerun.interval) and student.counts.playing
    for status in (ForwardMsg.FINISHED_EARLY_FOR_RERUN, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
        student.handle(ForwardMsg(script_finished=status))
    assert [cut for _, cut in student.counts.fragment_runs] == [True, False]
    stop = ForwardMsg()
    stop.stop_auto_rerun.fragment_ids.append("frag")
    student.handle(stop)
    assert student.timer is None


def test_window_figures():
    samples = [(0.0, 0), (1.0, 100), (2.0, 180), (3.0, 300)]
    assert rate_between(samples, 1.5, 3.5) == 200 / 2
    assert math.isnan(rate_between(samples, -1, 3))
    assert count_between([(0.5, 4), (1.0, 4), (1.5, 2)], 0.5, 1.5) == 6
    assert longest_gap([1.0, 1.2, 3.0], 0.0, 4.0) == 1.8
    assert median_worst([3.0, 1.0, float("nan"), 2.0]) == (2.0, 1.0)
    assert slope([1, 2, 4, 8], [100, 110, 130, 170]) == 10
    assert math.isnan(slope([1], [5]))


def test_cpu_counts_children_that_came_went_and_stayed():
    a = Usage(at=0.0, server=10.0, reaped=1.0, children={7: 5.0, 8: 2.0})
    b = Usage(at=2.0, server=11.0, reaped=3.0, children={7: 6.0, 9: 1.0})   # 8 ended and was reaped, 9 started
    assert cpu_cores(a, b) == (0.5, (1.0 + 1.0 + 2.0) / 2)


def test_plan_interleaves_backends_per_n():
    assert plan([1, 2], ["inprocess", "ray"]) == [(1, "inprocess"), (1, "ray"), (2, "ray"), (2, "inprocess")]

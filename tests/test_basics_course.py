"""Contracts of the course map, tours, classroom mode and the Basics presets."""

from __future__ import annotations

import pytest

from playground.config import from_query
from playground.course import TOPICS, course_map
from playground.experiment import build
from playground.labs import LABS
from playground.presets import PRESETS
from playground.tours import TOURS, step_link
from playground.ui.classroom import hide_css, key_class, parse_hide

COURSE = ["neurons", "layers", "activations", "forward and back propagation", "gradient descent and its variants",
          "CNNs", "RNNs and LSTM/GRU", "transformers", "transfer learning", "overfitting and regularization",
          "interpretability", "hyperparameter tuning"]


def test_home_is_the_landing_page_and_basics_are_ready():
    ready = LABS.keys(ready=True)
    assert ready[0] == "home" and LABS.entry("home").meta["section"] == "Start"
    assert {"neuron", "activations", "backprop"} <= set(ready)


def test_course_map_covers_the_first_course_and_links_only_ready_labs():
    links = course_map()
    assert [t.key for t in TOPICS] == COURSE and len(links) == len(COURSE)
    for link in links:
        assert link.topic.blurb.count(".") >= 2, link.topic.title        # two sentences
        for lab, preset, query in link.ready:
            assert LABS.entry(lab).meta["ready"]
            if preset:
                assert from_query(query) == PRESETS.get(preset) and query["lab"] == lab
        assert all(not LABS.entry(k).meta["ready"] for k in link.coming)
        assert link.ready, f"{link.topic.key}: every topic has a ready lab with a preset or page"
    basics = {link.topic.key: link for link in links}
    assert basics["neurons"].ready[0][:2] == ("neuron", "neuron_gauss")
    assert basics["forward and back propagation"].ready[0][0] == "backprop"


def test_course_map_reads_the_registry_when_a_lab_turns_ready():
    meta = LABS.entry("images").meta
    old = meta["ready"]
    try:
        meta["ready"] = False
        cnn = next(t for t in course_map() if t.topic.key == "CNNs")
        assert "images" in cnn.coming and not cnn.ready
        meta["ready"] = True
        cnn = next(t for t in course_map() if t.topic.key == "CNNs")
        assert [lab for lab, _, _ in cnn.ready] == ["images"] and not cnn.coming
    finally:
        meta["ready"] = old


def test_tours_step_links_load_their_presets():
    assert len(TOURS) >= 3
    for key in TOURS:
        steps = TOURS.get(key)
        assert 2 <= len(steps) <= 6
        for i, step in enumerate(steps):
            lab, query = step_link(key, i)
            assert lab in LABS and query["tour"] == key and query["step"] == str(i)
            assert from_query(query) == PRESETS.get(step.preset)             # the link is the preset's config
            assert len(step.notice) > 40
    with pytest.raises(IndexError):
        step_link("xor", 99)


def test_basics_presets_build():
    keys = PRESETS.keys(lab="neuron") + PRESETS.keys(lab="activations") + PRESETS.keys(lab="backprop")
    assert len(keys) >= 9
    for key in keys + ["linear_deep", "tanh_deep", "relu_deep_fix"]:
        cfg = PRESETS.get(key)
        exp = build(cfg)
        assert cfg.train.max_epochs > 0 and exp.model is not None


def test_classroom_hide_parsing_and_css():
    assert parse_hide("sidebar, text,bogus,controls:train.lr,controls:") == ["sidebar", "text", "controls:train.lr"]
    assert key_class("playground:train.lr") == "st-key-playground-train-lr"
    css = hide_css(["sidebar", "controls:train.lr", "controls:play"], ["playground", "neuron"])
    assert '[data-testid="stSidebar"]' in css and ".st-key-neuron-train-lr" in css
    assert ".st-key-playground-play" in css and css.endswith("{ display: none !important; }")
    assert hide_css([], ["playground"]) == ""

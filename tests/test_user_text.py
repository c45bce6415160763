"""User text is text: escaping for Streamlit Markdown and no server paths in messages (playground/ui/text.py).

What Chromium renders from these strings was checked by hand (no <img>, <a>, icon or bold formed);
tests/e2e/test_ownership_e2e.py checks a hostile upload name in the real page.
"""

from __future__ import annotations

import re

import pytest

from playground.ui.text import field_md, hide_paths, md_escape, public_message

HOSTILE = [
    "![x](http://127.0.0.1:9/a.png)",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~s~~",
    ":material/home: :smile:",
    "$x^2$",
    "[link](javascript:alert(1))",
    "www.example.com and x@y.com",
    "# heading\n- item\n> quote",
    "a | b | c",
]


def _unescaped(text: str, chars: str) -> list[str]:
    """Characters of `chars` in `text` that are not preceded by a backslash escape."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            out.append(text[i])
        i += 1
    return out


@pytest.mark.parametrize("raw", HOSTILE)
def test_every_markdown_character_is_escaped(raw):
    out = md_escape(raw)
    assert _unescaped(out, "![]()<>*_`~:$|&") == []
    assert not re.match(r"[#>+=-]|\d+[.)]", out)                  # no block can start the line
    assert "\n" not in out                                      # one line stays one line (no block syntax)
    assert out.replace("\\", "").replace("\u200b", "") == " ".join(raw.split())   # nothing but escapes added


def test_autolinks_are_broken_by_an_invisible_space():
    out = md_escape("see http://evil.example/x, www.evil.example and me@evil.example")
    assert "\\:\u200b" in out and "@\u200b" in out and "www\u200b." in out
    assert not re.search(r"https?:/", out.replace("\\", ""))    # no bare scheme left for GFM to link


def test_plain_text_keeps_its_letters():
    assert md_escape("petal length (cm)") == "petal length \\(cm\\)"
    assert md_escape(42) == "42"
    assert md_escape("two-class data, 0.5 noise") == "two-class data, 0.5 noise"
    assert md_escape("1. first") == "1\\. first" and md_escape("# x") == "\\# x"


def test_field_names_are_code_only_when_plain():
    assert field_md("train.lr") == "`train.lr`"
    assert field_md("x`](y)") == md_escape("x`](y)")


def test_server_paths_are_reduced_to_their_last_part():
    assert hide_paths("cannot open /srv/playground/data/runs/abc/weights.pt now") == "cannot open weights.pt now"
    assert hide_paths("ratio 3/4 of a/b") == "ratio 3/4 of a/b"   # one slash is not a path
    err = FileNotFoundError(2, "No such file or directory", "/srv/playground/data/runs/abc/history.json")
    msg = public_message(err)
    assert "/srv" not in msg and "playground" not in msg and "history" in msg and msg.startswith("FileNotFoundError")


def test_two_browsers_get_different_private_study_names_that_hide_their_ids():
    from streamlit.testing.v1 import AppTest

    def name_for(owner: str) -> str:
        at = AppTest.from_string(
            "import streamlit as st\nfrom playground.ui.identity import private_name\nst.text(private_name('lr'))")
        at.session_state["owner_id"] = owner
        return at.run().text[0].value

    a, b = name_for("a" * 32), name_for("b" * 32)
    assert a != b and a.endswith("-lr") and "a" * 10 not in a and name_for("a" * 32) == a


def test_a_link_with_an_unknown_lab_says_so_and_shows_the_text_as_text():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params["lab"] = "![x](http://127.0.0.1:9/p.png)"
    at.query_params["train.lr"] = "0.1"
    at.run().switch_page("pages/playground.py").run()
    assert not at.exception
    notice = next(i.value for i in at.info if "link" in i.value)
    assert "`lab`" in notice and "!\\[x\\]" in notice and "default" in notice


def test_names_from_a_person_are_plain_text_in_charts():
    import numpy as np

    from playground.figures.attributions import importance_figure
    from playground.figures.images import confusion_figure, probabilities_figure

    evil = '<a href="http://127.0.0.1:9/">x</a>'
    conf = confusion_figure(np.eye(2), [evil, "b&c"])
    assert list(conf.data[0].x) == ['&lt;a href="http://127.0.0.1:9/"&gt;x&lt;/a&gt;', "b&amp;c"]
    probs = probabilities_figure(np.array([0.9, 0.1]), [evil, "ok"])
    assert "<a" not in probs.layout.title.text and "&lt;a" in probs.layout.title.text
    imp = importance_figure([evil, "petal"], np.array([0.5, 0.1]), title="t")
    assert all("<" not in y for y in imp.data[0].y)

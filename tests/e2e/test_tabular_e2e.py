"""Your data, Runs and Explain in a real browser: upload CSVs (a bad one is refused with its message),
train live, keep the run, compare and export it, explain the model, refuse a tampered checkpoint."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_button, metric_value, open_lab, page_errors, pause, poll, wait_idle

pytestmark = pytest.mark.e2e

GOOD = "a,b,colour,label\n" + "".join(f"{i % 9},{(i * 7) % 11},{'red' if i % 3 else 'blue'},{int(i % 9 > 4)}\n"
                                      for i in range(120))


def _epoch(page) -> int:
    return int(metric_value(page, "Epoch").replace(",", ""))


def _upload(page, tmp_path, name: str, text: str | bytes, index: int = 0) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    page.locator("input[type='file']").nth(index).set_input_files(str(path))
    page.wait_for_timeout(500)
    wait_idle(page)


def _nav(page, label: str) -> None:
    """Follow a sidebar link: the same browser session (a new URL would start a new one). app.py's menu
    shows the first pages only; the rest (Tools: Runs, Explain, ...) are behind its "View N more" button."""
    link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=label, exact=True)
    more = page.locator("[data-testid='stSidebarNavViewButton']", has_text="more")
    if not link.count() and more.count():
        more.first.click()
    link.first.click()
    wait_idle(page)


def _slowest_speed(page) -> None:
    """Speed "1 epoch per update" (the last step of the slider): the small CSV reaches its epoch limit
    within one tick at max speed, before Pause could be pressed."""
    speed = page.locator("[data-testid='stMain'] [data-testid='stSlider']").first
    speed.get_by_role("slider").focus()
    page.keyboard.press("End")
    wait_idle(page)
    value = speed.locator("[data-testid='stSliderThumbValue']")
    assert poll(lambda: "1 epoch" in value.inner_text(), timeout=10), value.inner_text()


def test_csv_upload_train_keep_compare_explain(app_url, page, tmp_path):
    open_lab(page, app_url, "tabular")
    assert poll(lambda: page.locator(".pg-chart").count() >= 4, timeout=30), "the lab's live charts"
    page.get_by_label("Data").first.click()
    page.get_by_role("option", name="Your CSV").click()
    wait_idle(page)

    _upload(page, tmp_path, "one_class.csv", "x,y\n" + "".join(f"{i},same\n" for i in range(30)))
    assert poll(lambda: any("only one class" in e for e in page_errors(page)), timeout=20), page_errors(page)

    _upload(page, tmp_path, "good.csv", GOOD)
    assert poll(lambda: not page_errors(page), timeout=20), page_errors(page)
    assert poll(lambda: page.get_by_text("one-hot encoded 1 text columns", exact=False).count() > 0, timeout=20)
    _slowest_speed(page)
    click_button(page, "Play")
    assert poll(lambda: _epoch(page) >= 5, timeout=40), "the Epoch counter rises while playing"
    assert _epoch(page) < 100, "still training, so there is a Pause button to press"
    pause(page)                                      # pausing keeps the run
    assert not page_errors(page)

    _nav(page, "Runs")
    assert poll(lambda: "tabular · good.csv" in page.content(), timeout=60), \
        f"the paused run is in the history, named for its file: {page.locator('[data-testid=stMain]').inner_text()}"
    assert poll(lambda: page.locator(".js-plotly-plot").count() >= 1, timeout=30)
    page.get_by_text("Prepare export files", exact=False).click()
    wait_idle(page)
    assert poll(lambda: page.get_by_role("button", name="train.py").count() > 0
                and page.get_by_role("button", name="model.onnx").count() > 0, timeout=30)

    _nav(page, "Explain")
    assert poll(lambda: page.get_by_text("Global importance", exact=False).count() > 0, timeout=30)
    assert poll(lambda: page.get_by_text("Do the methods agree?", exact=False).count() > 0, timeout=30)
    assert not page_errors(page)


def test_tampered_checkpoint_is_refused(app_url, page, tmp_path):
    open_lab(page, app_url, "runs")
    _upload(page, tmp_path, "model.pt", b"PK\x03\x04 this is not a checkpoint")
    assert poll(lambda: any("not a checkpoint exported by this app" in e for e in page_errors(page)), timeout=20)

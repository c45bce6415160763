"""Real browser: both labs load, train live with Play, pause, and draw their charts without errors (their live
charts' sampling while playing is tests/e2e/test_live_sequences_e2e.py)."""

import pytest

from tests.e2e.helpers import click_button, metric_value, open_lab, page_errors, pause, poll, wait_idle

LIVE = ".pg-chart"                              # playground/ui/chart.js: one per live view
CHART = "[data-testid='stPlotlyChart']"         # a figure drawn once, on request (the attribution)


def open_lab_after_root(page, app_url: str, lab: str) -> None:
    """Visit the root first: on a fresh server, a deep link is resolved before app.py has declared its
    navigation, and Streamlit then runs pages/<lab>.py on its own (its pages/ folder discovery)."""
    open_lab(page, app_url, "playground")
    open_lab(page, app_url, lab)


def epoch(page) -> int:
    try:
        return int(metric_value(page, "Epoch").replace(",", ""))
    except Exception:
        return -1


def play_then_pause(page, until: int = 2) -> int:
    click_button(page, "Play")
    assert poll(lambda: epoch(page) >= until, timeout=90), "training did not advance while playing"
    pause(page)
    return epoch(page)


@pytest.mark.e2e
def test_sequences_lab_trains_live(page, app_url):
    open_lab_after_root(page, app_url, "sequences")
    assert page.get_by_role("heading", name="Sequences: RNN, LSTM and GRU").count() == 1
    assert metric_value(page, "Epoch") == "0"
    reached = play_then_pause(page)
    assert reached >= 2
    # prediction, curves, hidden, gradients, gates, cell: the same live charts after the pause's rerun
    assert poll(lambda: page.locator(LIVE).count() == 6, timeout=30)
    assert poll(lambda: page.get_by_text("gradient reaching each step").count() >= 1, timeout=30)
    assert page_errors(page) == []


@pytest.mark.e2e
def test_transformers_lab_trains_and_explains(page, app_url):
    open_lab_after_root(page, app_url, "transformers")
    assert metric_value(page, "Epoch") == "0"
    play_then_pause(page, until=1)
    assert poll(lambda: page.get_by_text("layer 2, head 2").count() >= 1, timeout=30)   # the attention grid
    assert poll(lambda: page.locator(LIVE).count() == 4, timeout=30)
    explain = page.get_by_role("button", name="Explain with Integrated Gradients", exact=True)
    assert poll(lambda: explain.is_visible() or page.get_by_text("Explain: which input steps").click(),
                timeout=30, every=2), "the Explain expander opens"   # a click lost in a rerun is made again
    click_button(page, "Explain with Integrated Gradients")
    wait_idle(page)
    assert poll(lambda: page.locator(CHART).count() == 1, timeout=60)
    assert page_errors(page) == []


@pytest.mark.e2e
def test_sequences_lab_forecasts_an_uploaded_csv(page, app_url, tmp_path):
    rows = "\n".join(f"{i},{(i % 12) / 12:.4f}" for i in range(400))
    csv = tmp_path / "levels.csv"
    csv.write_text(f"t,level\n{rows}\n")
    open_lab_after_root(page, app_url, "sequences")
    page.locator("[data-testid='stSelectbox']", has_text="Dataset").get_by_role("combobox").click()
    page.get_by_role("option", name="Forecast: a column of your CSV").click()
    wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv))
    assert poll(lambda: metric_value(page, "Test R²") != "", timeout=60)
    wait_idle(page)
    click_button(page, "Step")
    wait_idle(page)
    assert page_errors(page) == []
    assert poll(lambda: page.get_by_text("prediction against truth (held-out signal)").count() >= 1, timeout=30)

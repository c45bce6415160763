"""Training off the web server, in a real browser: the 2-D lab plays on Ray workers (a cluster this test
starts on loopback, which the server joins), a closed session frees its run on the worker, a paused run
comes back to the session and Step goes on from it, a killed worker is detected and the session reopens from
its state at Play with a notice; and a Ray the server starts itself (PLAYGROUND_RAY=local) leaves no
process behind when the server is stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import click_button, metric_value, open_lab, page_errors, pause, poll, serve_app
from tests.procs import alive, descendants
from tests.ray_host import kill_worker, ray_host, workers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ray_env():
    with ray_host(2) as env:
        yield env


@pytest.fixture(scope="module")
def ray_app(ray_env, tmp_path_factory):
    """(url, server pid) of a server training on the test's Ray; sessions end 2 s after their tab closes."""
    procs: list = []
    log = (tmp_path_factory.mktemp("ray-server") / "streamlit.log").open("w")
    env = {**ray_env, "PLAYGROUND_DATA_DIR": str(tmp_path_factory.mktemp("data")),
           "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"}
    with serve_app(env, log=log, wait=120, procs=procs) as url:
        yield url, procs[0].pid


def hosted(env: dict[str, str], pid: int) -> dict[str, list[str]]:
    """This server's workers (named pg-<server pid>-<n>) and the runs each hosts."""
    return {n: keys for n, keys in workers(env).items() if n.startswith(f"pg-{pid}-")}


def epoch(page) -> int:
    return int(metric_value(page, "Epoch").replace(",", ""))


def test_the_2d_lab_plays_on_ray_and_a_closed_session_frees_its_run(browser, ray_app, ray_env):
    url, pid = ray_app
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    open_lab(page, url, "playground")
    click_button(page, "Play")
    assert poll(lambda: epoch(page) >= 30, timeout=60), "training goes on, on a worker"
    runs = hosted(ray_env, pid)
    assert len(runs) == 2 and sum(map(len, runs.values())) == 1, runs   # one run on one of the two workers
    assert not page_errors(page)
    context.close()   # the session ends 2 s later; its finalizer frees the run on the worker
    assert poll(lambda: sum(map(len, hosted(ray_env, pid).values())) == 0, timeout=90, every=2), \
        "a closed session's run is freed"


def test_a_paused_run_comes_back_and_a_killed_worker_reopens_it(page, ray_app, ray_env):
    url, pid = ray_app
    open_lab(page, url, "playground")
    click_button(page, "Play")
    assert poll(lambda: epoch(page) >= 10, timeout=60)
    pause(page)
    paused = epoch(page)
    assert sum(map(len, hosted(ray_env, pid).values())) == 0, "paused: the run is back in the session"
    click_button(page, "Step")
    assert poll(lambda: epoch(page) == paused + 1, timeout=30), "Step goes on from the run as it trained"

    click_button(page, "Play")
    assert poll(lambda: epoch(page) >= paused + 20, timeout=60)
    name = next(n for n, keys in hosted(ray_env, pid).items() if keys)
    before = epoch(page)
    kill_worker(ray_env, name)
    notice = page.get_by_text("Training was interrupted")
    assert poll(lambda: notice.count() > 0, timeout=60), "the session says what happened"
    assert paused + 1 <= epoch(page) <= before, "it reopened from its last saved state (Play, or a checkpoint)"
    click_button(page, "Play")
    assert poll(lambda: epoch(page) >= paused + 10, timeout=60), "and plays again, on a new worker"


def test_a_ray_started_by_the_server_stops_with_it(browser, tmp_path):
    procs: list = []
    env = {"PLAYGROUND_RAY": "local", "PLAYGROUND_RAY_WORKERS": "1", "PLAYGROUND_DATA_DIR": str(tmp_path)}
    with serve_app(env, log=(tmp_path / "streamlit.log").open("w"), procs=procs) as url:
        context = browser.new_context()
        page = context.new_page()
        open_lab(page, url, "playground")   # the first page starts the backend (app.py: warm)
        click_button(page, "Play")
        assert poll(lambda: epoch(page) >= 5, timeout=90), "it trains on the local Ray"
        context.close()
        kids = descendants(procs[0].pid)
        assert any("ray::" in Path(f"/proc/{k}/cmdline").read_text(errors="replace") for k in kids if alive(k))
    assert procs[0].poll() is not None   # serve_app sent SIGTERM
    assert poll(lambda: not [k for k in kids if alive(k)], timeout=30), \
        f"Ray processes outlived the server: {[k for k in kids if alive(k)]}"

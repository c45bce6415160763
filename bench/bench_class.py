"""A class on one server: N simulated students play the 2-D lab at once; what each gets and what the server pays.

For each number of students asked for (--students 1 2 4 8) and each backend (--backend inprocess ray,
interleaved per N, the order alternating, so ratios compare like with like on a noisy shared machine), starts
`streamlit run app.py` on loopback afresh (PLAYGROUND_RAY=local for ray, unset for inprocess; a private
PLAYGROUND_DATA_DIR), opens the root once as a first visitor would, then N students open the 2-D lab
(/playground, its default preset) and press Play. After --warmup seconds it measures for --seconds:
- per student: epochs/s (from the Epoch metric) and view updates/s (states of the boundary chart, the lab's
  fastest: played-back states included, as ui/chart.js counts them); median and worst across students, the
  longest gap between two boundary updates, and the total epochs/s of the class;
- the server's CPU in cores: its own process and its child processes (Ray workers) separately, from /proc;
  and the client's (this process, and the browser with its helpers);
- memory: RSS of the server and of its children at the end; memory per extra student = the slope of the
  total over N (least squares), per backend;
- errors: exception boxes and error alerts on a page, page errors, websocket failures, students that
  never got an update in the window.
The 1-minute load average is printed before and after each measurement, and at the end, per backend, the
total epochs/s with N students over that with 1.

Two clients (--client): `chromium`, N Playwright contexts of one headless Chromium (the browsers' CPU
shares the machine with the server), and `light`, bench/class_client.py, which speaks Streamlit's websocket
protocol directly (no rendering: the server's own capacity). The light client's fragment timer is the
browser's (a rerun request every interval, --rerun browser) or one request at a time (--rerun wait).
Needs only what the app needs (websockets is a Streamlit dependency; playwright for chromium).
--replicas K (light client only) serves the class as an operator would with deploy/serve_class.sh: K replicas
on loopback behind HAProxy with sticky sessions, one Ray for all of them (ray) or none (inprocess), one data
folder; the students go through the balancer (bench/class_balancer.py), "server" CPU and memory are the
replicas' together and "children" everything else the script started (Ray, HAProxy). It checks, per student:
that its first request, its websocket and an upload all reached one replica (X-Playground-Replica, which
HAProxy adds), that the upload succeeded (and that the same upload sent to another replica is refused with
400, so the check can fail), and that the run its replica kept at Pause is listed by another replica's Runs page
(the shared store). Without haproxy it says so and measures nothing.
Does not: start Ray itself (the server does, from PLAYGROUND_RAY), measure the browsers' CPU, or check
what the charts look like. Bounded: --timeout seconds in all, after which everything it started is stopped.

    python bench/bench_class.py [--students 1 2 4 8] [--seconds 20] [--client light|chromium]
                                [--backend inprocess ray] [--warmup 5] [--rerun browser|wait] [--timeout 1200]
                                [--replicas K]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import class_balancer as lb  # noqa: E402
from bench.class_client import Counts, LightStudent  # noqa: E402
from tests.procs import alive, descendants, proc_stat, rss_mb  # noqa: E402

LAB_PATH = "playground"     # the 2-D lab's URL path (playground/labs.py)


# ---------------------------------------------------------------- figures (pure)

@dataclass
class Student:
    """One student's figures over the measured window."""
    epochs: float                 # epochs/s
    updates: float                # boundary states/s
    runs: float = float("nan")    # fragment runs ended/s, finished or superseded (from the websocket)
    cut: float = float("nan")     # share of them superseded: the next tick started before their last deltas
                                  # were sent, and Streamlit dropped those (FINISHED_EARLY_FOR_RERUN)
    gap: float = float("nan")     # longest time between two boundary updates, s
    errors: list[str] = field(default_factory=list)


@dataclass
class Result:
    n: int
    backend: str
    students: list[Student]
    seconds: float
    cpu_server: float            # cores
    cpu_children: float          # cores
    cpu_client: float            # cores: this process and the browser
    rss_server: float            # MB
    rss_children: float          # MB
    n_children: int
    load_before: float
    load_after: float
    replicas: int = 0            # 0: one server, no balancer
    checks: list[str] = field(default_factory=list)   # the balancer checks' summary lines

    @property
    def total_epochs(self) -> float:
        return sum(s.epochs for s in self.students)

    @property
    def errors(self) -> list[str]:
        return [e for s in self.students for e in s.errors]


def rate_between(samples: list[tuple[float, int]], t0: float, t1: float) -> float:
    """The rate of a counter sampled as (time, value): from the last sample at or before t0 to the last at or
    before t1, over the time between those two samples. NaN if there are not two distinct samples."""
    before = [s for s in samples if s[0] <= t0]
    upto = [s for s in samples if s[0] <= t1]
    if not before or not upto or upto[-1][0] <= before[-1][0]:
        return float("nan")
    (ta, a), (tb, b) = before[-1], upto[-1]
    return (b - a) / (tb - ta)


def count_between(events: list[tuple[float, int]], t0: float, t1: float) -> int:
    """The sum of the counts of the events in (t0, t1]."""
    return sum(n for t, n in events if t0 < t <= t1)


def longest_gap(times: list[float], t0: float, t1: float) -> float:
    """The longest stretch of (t0, t1) without an event (the window's edges count as bounds)."""
    inside = [t0] + sorted(t for t in times if t0 < t < t1) + [t1]
    return max(b - a for a, b in itertools.pairwise(inside))


def median_worst(values: list[float]) -> tuple[float, float]:
    """Median and lowest of the values that are numbers; (nan, nan) if none."""
    ok = [v for v in values if v == v]
    return (statistics.median(ok), min(ok)) if ok else (float("nan"), float("nan"))


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs; NaN with fewer than two distinct xs."""
    if len(set(xs)) < 2:
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def light_student(c: Counts, t0: float, t1: float) -> Student:
    """A light client's figures over the window (t0, t1]."""
    states = count_between(c.updates, t0, t1)
    done = count_between([(t, 1) for t, early in c.fragment_runs if not early], t0, t1)
    cut = count_between([(t, 1) for t, early in c.fragment_runs if early], t0, t1)
    errors = list(c.errors)
    if states == 0:
        errors.append("no view update in the window" + ("" if c.playing else " (never started playing)"))
    return Student(epochs=rate_between(c.epochs, t0, t1), updates=states / (t1 - t0),
                   runs=(done + cut) / (t1 - t0), cut=cut / max(done + cut, 1),
                   gap=longest_gap([t for t, _ in c.updates], t0, t1), errors=errors)


# ---------------------------------------------------------------- the server's processes (/proc)

@dataclass
class Usage:
    """CPU seconds of the server and of its descendants at one moment, and when; and of the client (this
    process and what it started besides the server: the browser)."""
    at: float
    server: float
    reaped: float
    children: dict[int, float]
    client: dict[int, float] = field(default_factory=dict)


def usage(pid: int, servers: list[int] | tuple = ()) -> Usage:
    """`pid` is the server, or with `servers` (the replicas) what started them: then the servers' CPU adds up
    as the server's and everything else below `pid` counts as children."""
    roots = list(servers) or [pid]
    own = reaped = 0.0
    for r in roots:
        _, o, rr = proc_stat(r)
        own, reaped = own + o, reaped + rr
    kids, client = {}, {}
    for k in descendants(pid):
        with contextlib.suppress(OSError):
            if k not in roots:
                kids[k] = proc_stat(k)[1]
    for k in [os.getpid(), *descendants(os.getpid())]:
        if k != pid and k not in kids and k not in roots:
            with contextlib.suppress(OSError):
                client[k] = proc_stat(k)[1]
    return Usage(time.monotonic(), own, reaped, kids, client)


def client_cores(a: Usage, b: Usage) -> float:
    """Cores the client used between two usages (processes that ended in between are not counted)."""
    return sum(v - a.client.get(k, 0.0) for k, v in b.client.items()) / (b.at - a.at)


def cpu_cores(a: Usage, b: Usage) -> tuple[float, float]:
    """(server, children) cores used between two usages; a child that ended counts through `reaped`
    if the server waited for it, and one that started in between counts from zero."""
    dt = b.at - a.at
    kids = sum(v - a.children.get(k, 0.0) for k, v in b.children.items()) + (b.reaped - a.reaped)
    return (b.server - a.server) / dt, kids / dt


def server_pid(port: int) -> int:
    """The pid of the `streamlit run` that serve_app started on `port` (a child of this process)."""
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            if proc_stat(int(entry))[0] == me and b"streamlit" in b" ".join(args) and str(port).encode() in args:
                return int(entry)
    raise RuntimeError(f"no streamlit server of this process on port {port}")


# ---------------------------------------------------------------- servers

STARTED: dict[int, str] = {}   # pid -> start time (/proc/PID/stat field 22) of what the servers started


def start_time(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()[19]


@contextlib.contextmanager
def backend_env(backend: str) -> Iterator[dict[str, str]]:
    """The server's extra environment for a backend; PLAYGROUND_RAY is removed from ours for inprocess."""
    saved = os.environ.pop("PLAYGROUND_RAY", None)
    try:
        yield {"PLAYGROUND_RAY": "local"} if backend == "ray" else {}
    finally:
        if saved is not None:
            os.environ["PLAYGROUND_RAY"] = saved


@contextlib.contextmanager
def server(backend: str, log_dir: Path) -> Iterator[tuple[str, int]]:
    """A fresh server for one measurement: (url, pid). Stops it after, and whatever it started."""
    from tests.e2e.helpers import serve_app

    data = tempfile.mkdtemp(prefix="bench-class-data-", dir=log_dir)
    with backend_env(backend) as env, open(log_dir / f"server-{backend}.log", "a") as log, \
            serve_app({**env, "PLAYGROUND_DATA_DIR": data}, log=log, wait=120) as url:
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        try:
            yield url, pid
        finally:
            for k in descendants(pid):   # serve_app stops (and reaps) the server; what it started may linger
                with contextlib.suppress(OSError):
                    STARTED[k] = start_time(k)
    time.sleep(1)
    stop_leftovers()


def stop_leftovers() -> None:
    """SIGKILL what the servers started that is still alive (a local Ray's agents ignore SIGTERM), checked by
    pid and start time, so a reused pid is left alone."""
    for pid, started in list(STARTED.items()):
        with contextlib.suppress(OSError):
            if start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
    STARTED.clear()


def load() -> float:
    return os.getloadavg()[0]


# ---------------------------------------------------------------- the light client

async def light_class(url: str, pid: int, n: int, warmup: float, seconds: float, rerun: str,
                      servers: list[int] | tuple = (), replicas: int = 0) -> tuple:
    """N light students play; returns (students, usage at start, usage at end, balancer check lines). With
    `replicas`, `url` is the balancer: each student arrives as a browser does (its first request gets the sticky
    cookie), and before leaving uploads a file and presses Pause (bench/class_balancer.py)."""
    ws = url.replace("http://", "ws://") + "/_stcore/stream"
    for r in range(max(replicas, 1)):   # the root once (on each replica), as a first visitor would (tests/e2e)
        first = await LightStudent(ws, page="", cookies={lb.STICKY: f"r{r + 1}"} if replicas else None).run(
            asyncio.Event(), play=False)
        if first.errors:
            raise RuntimeError(f"the first visit failed: {first.errors}")
    stop = asyncio.Event()
    entries = [await asyncio.to_thread(lb.visit, url) for _ in range(n)] if replicas else [({}, "")] * n
    students = [LightStudent(ws, rerun=rerun, cookies={**c, "dlp_owner": secrets.token_hex(16)} if replicas else None)
                for c, _ in entries]
    seen: dict[int, Seen] = {id(s): Seen(entry=e) for s, (_, e) in zip(students, entries)}
    finale = (lambda s: leave(url, s, seen[id(s)], replicas)) if replicas else None
    tasks = [asyncio.create_task(s.run(stop, finale=finale)) for s in students]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all(
            (s.counts.playing and len(s.counts.updates) > 4) or s.counts.errors for s in students):
        await asyncio.sleep(0.2)   # every student is playing (a few updates in) or has failed
    await asyncio.sleep(warmup)
    a = usage(pid, servers)
    await asyncio.sleep(seconds)
    b = usage(pid, servers)
    stop.set()
    counts = await asyncio.gather(*tasks)
    figures = [light_student(c, a.at, b.at) for c in counts]
    checks = []
    if replicas:
        for s in students:   # the run kept at Pause, on the Runs page of another replica (the same one if only 1)
            other = {lb.STICKY: other_replica(s.replica, replicas), "dlp_owner": s.cookies["dlp_owner"]}
            seen[id(s)].listed = await lb.listed_rows(ws, other)
        checks = balancer_checks(students, seen, figures, replicas)
    return figures, a, b, checks


@dataclass
class Seen:
    """What one student met behind the balancer."""
    entry: str                                       # replica of its first request
    upload: tuple[int, str] = (0, "")                # (status, replica) of its upload
    misrouted: int = 0                               # status of the same upload sent to another replica
    paused: bool = False                             # Pause came back (its replica kept the run)
    listed: tuple[str, int, list[str]] = ("", 0, [])   # another replica's Runs page: (replica, rows, errors)


def other_replica(name: str, replicas: int) -> str:
    """The next replica's name after `name` (r1 .. rK, as serve_class.sh names them), itself if only one."""
    k = int(name[1:]) if name[1:].isdigit() else 1
    return f"r{k % replicas + 1}"


async def leave(url: str, s: LightStudent, seen: Seen, replicas: int) -> None:
    """Before a student closes its tab: an upload with its cookies, the same upload sent to another replica,
    then Pause (its run is kept in the shared store)."""
    seen.upload = await asyncio.to_thread(lb.upload, url, s.session_id, s.cookies)
    if replicas > 1:
        wrong = {**s.cookies, lb.STICKY: other_replica(s.replica, replicas)}
        seen.misrouted = (await asyncio.to_thread(lb.upload, url, s.session_id, wrong))[0]
    seen.paused = await s.click("Pause", until="Play")


def balancer_checks(students: list[LightStudent], seen: dict[int, Seen], figures: list[Student],
                    replicas: int) -> list[str]:
    """Summary lines of the balancer checks; each failure is added to that student's errors."""
    ok = {"one replica": 0, "upload": 0, "refused": 0, "listed": 0}
    for s, fig in zip(students, figures):
        v = seen[id(s)]
        checks = {"one replica": len({v.entry, s.replica, v.upload[1]}) == 1 and bool(s.replica),
                  "upload": 200 <= v.upload[0] < 300,
                  "refused": replicas < 2 or v.misrouted == 400,
                  "listed": v.paused and v.listed[1] >= 1 and v.listed[0] == other_replica(s.replica, replicas)}
        for name, passed in checks.items():
            ok[name] += passed
            if not passed:
                fig.errors.append(f"balancer check '{name}' failed: first request {v.entry}, websocket {s.replica}, "
                                  f"upload {v.upload}, misrouted {v.misrouted}, paused {v.paused}, "
                                  f"listed {v.listed[:2]} {v.listed[2][:2]}")
    n = len(students)
    spread = {r: sum(s.replica == r for s in students) for r in sorted({s.replica for s in students})}
    return [f"students per replica       : {', '.join(f'{r}: {k}' for r, k in spread.items())}",
            f"stayed on one replica      : {ok['one replica']}/{n} (first request, websocket, upload: same "
            "X-Playground-Replica)",
            f"upload through the balancer: {ok['upload']}/{n} accepted"
            + (f"; sent to another replica: {ok['refused']}/{n} refused with 400 (the check can fail)"
               if replicas > 1 else ""),
            f"run kept at Pause, listed on {'another' if replicas > 1 else 'a fresh page of its'} replica's Runs "
            f"page: {ok['listed']}/{n}"]


# ---------------------------------------------------------------- the chromium client

def chromium_class(url: str, pid: int, n: int, warmup: float, seconds: float, browser) -> tuple:
    """N Chromium contexts play; returns (students, usage at start, usage at end)."""
    from bench.bench_live import UPDATES_JS
    from tests.e2e.helpers import click_button, metric_value, page_errors, wait_idle

    first = browser.new_context()
    page = first.new_page()
    page.goto(url)                     # the root once, as a first visitor (tests/e2e/conftest.py)
    wait_idle(page, timeout=120_000)
    first.close()
    contexts, pages, errors, watchers = [], [], [], []
    for _i in range(n):
        ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
        p = ctx.new_page()
        p.set_default_timeout(120_000)
        errs: list[str] = []
        p.on("pageerror", lambda e, errs=errs: errs.append(f"page error: {e}"[:300]))
        watcher = LightStudent("")   # reads the page's own websocket frames: its fragment runs and how they end
        p.on("websocket", lambda w, errs=errs, watcher=watcher: watch(w, errs, watcher))
        contexts.append(ctx)
        pages.append(p)
        errors.append(errs)
        watchers.append(watcher)
        p.goto(f"{url}/{LAB_PATH}")
    for p in pages:
        wait_idle(p, timeout=120_000)
    for p in pages:
        click_button(p, "Play")
    epoch = lambda p: int(metric_value(p, "Epoch").replace(",", ""))   # noqa: E731
    boundary = lambda p: max(p.evaluate(UPDATES_JS) or [0])             # noqa: E731  the fastest chart
    deadline = time.monotonic() + 120
    while any(boundary(p) < 3 for p in pages) and time.monotonic() < deadline:
        pages[0].wait_for_timeout(500)   # (playwright's waits, not time.sleep: events are handled while waiting)
    pages[0].wait_for_timeout(warmup * 1000)
    a = usage(pid)
    start = [(time.monotonic(), epoch(p), p.evaluate(UPDATES_JS)) for p in pages]
    pages[0].wait_for_timeout(max(seconds - (time.monotonic() - a.at), 0) * 1000)
    end = [(time.monotonic(), epoch(p), p.evaluate(UPDATES_JS)) for p in pages]
    b = usage(pid)
    students = []
    for (t0, e0, u0), (t1, e1, u1), p, errs, w in zip(start, end, pages, errors, watchers):
        ups = [y - x for x, y in zip(u0, u1)]
        shown = [f"on the page: {t}"[:300] for t in page_errors(p)]
        if not ups or max(ups) == 0:
            shown.append("no view update in the window")
        seen = light_student(w.counts, t0, t1)   # fragment runs as the page's websocket carried them
        students.append(Student(epochs=(e1 - e0) / (t1 - t0), updates=max(ups or [0]) / (t1 - t0),
                                runs=seen.runs, cut=seen.cut, gap=seen.gap, errors=errs + w.counts.errors + shown))
    for ctx in contexts:
        ctx.close()
    return students, a, b


def watch(ws, errors: list[str], watcher: LightStudent) -> None:
    """Follow a page's Streamlit websocket: its errors, and every ForwardMsg through `watcher.handle`."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if "/_stcore/stream" not in ws.url:
        return

    def frame(payload) -> None:
        if isinstance(payload, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            watcher.handle(msg)

    ws.on("framereceived", frame)
    ws.on("socketerror", lambda e: errors.append(f"websocket: {e}"[:300]))


# ---------------------------------------------------------------- one measurement

@contextlib.contextmanager
def balanced(backend: str, replicas: int, log_dir: Path) -> Iterator[tuple[str, int, list[int]]]:
    """deploy/serve_class.sh for one measurement: (balancer url, the script's pid, the replicas' pids)."""
    from tests.e2e.helpers import free_port

    def remember(pids: list[int]) -> None:
        for k in pids:
            with contextlib.suppress(OSError):
                STARTED[k] = start_time(k)

    with lb.serve_class(replicas, backend, log_dir, free_port(), remember) as cls:
        yield cls.url, cls.pid, cls.servers
    time.sleep(1)
    left = []
    for k, t in STARTED.items():
        with contextlib.suppress(OSError):
            if alive(k) and start_time(k) == t:
                left.append(k)
    print(f"  serve_class.sh stopped on SIGTERM; processes it left behind: {len(left)}", flush=True)
    stop_leftovers()


def measure(n: int, backend: str, args, log_dir: Path, browser=None) -> Result:
    servers: list[int] = []
    checks: list[str] = []
    with contextlib.ExitStack() as stack:
        if args.replicas:
            url, pid, servers = stack.enter_context(balanced(backend, args.replicas, log_dir))
        else:
            url, pid = stack.enter_context(server(backend, log_dir))
        before = load()
        if args.client == "light":
            students, a, b, checks = asyncio.run(light_class(url, pid, n, args.warmup, args.seconds, args.rerun,
                                                             servers, args.replicas))
        else:
            students, a, b = chromium_class(url, pid, n, args.warmup, args.seconds, browser)
        after = load()
        kids = [k for k in descendants(pid) if k not in servers]
        rss_kids = 0.0
        for k in kids:
            with contextlib.suppress(OSError):
                rss_kids += rss_mb(k)
        server_cores, child_cores = cpu_cores(a, b)
        rss_server = sum(rss_mb(s) for s in servers) if servers else rss_mb(pid)
        return Result(n, backend, students, b.at - a.at, server_cores, child_cores, client_cores(a, b), rss_server,
                      rss_kids, len(kids), before, after, args.replicas, checks)


def fmt(x: float, spec: str = ".1f") -> str:
    return "  n/a" if x != x else format(x, spec)


def report(r: Result, client: str) -> None:
    em, ew = median_worst([s.epochs for s in r.students])
    um, uw = median_worst([s.updates for s in r.students])
    gaps = [s.gap for s in r.students if s.gap == s.gap]
    runs = median_worst([s.runs for s in r.students])[0]
    cut = median_worst([s.cut for s in r.students])[0]
    where = f", {r.replicas} replica(s) behind HAProxy" if r.replicas else ""
    print(f"{r.n} student(s), {r.backend}{where}, {client}: load {r.load_before:.1f} -> {r.load_after:.1f} "
          f"({os.cpu_count()} cores), {r.seconds:.1f} s measured")
    print(f"  epochs/s per student    : median {fmt(em)}, worst {fmt(ew)}; total {fmt(r.total_epochs)}")
    print(f"  view updates/s (boundary): median {fmt(um)}, worst {fmt(uw)}"
          + (f"; longest gap {max(gaps):.2f} s" if gaps else "")
          + (f"\n  fragment runs/s         : median {fmt(runs)} ({fmt(100 * cut, '.0f')}% superseded: the next tick "
             "started before their last deltas were sent, FINISHED_EARLY_FOR_RERUN)" if runs == runs else ""))
    print("  each (epochs/s / updates/s): " + "  ".join(f"{s.epochs:.0f}/{s.updates:.1f}" for s in r.students))
    print(f"  server CPU              : {r.cpu_server:.2f} cores ("
          + (f"{r.replicas} replica processes" if r.replicas else "server process")
          + f"), {r.cpu_children:.2f} cores ({r.n_children} "
          + ("other processes: HAProxy, and Ray if used" if r.replicas else "child processes")
          + f"); the client used {r.cpu_client:.2f}")
    print(f"  memory (RSS)            : server {r.rss_server:,.0f} MB, children {r.rss_children:,.0f} MB, "
          f"total {r.rss_server + r.rss_children:,.0f} MB")
    for line in r.checks:
        print(f"  {line}")
    errs = r.errors
    print(f"  errors                  : {len(errs)}" + "".join(f"\n    - {e}" for e in errs[:8])
          + (f"\n    ... {len(errs) - 8} more" if len(errs) > 8 else ""))
    sys.stdout.flush()


def summary(results: list[Result]) -> None:
    print("\nsummary")
    for backend in dict.fromkeys(r.backend for r in results):
        rs = sorted((r for r in results if r.backend == backend), key=lambda r: r.n)
        one = next((r.total_epochs for r in rs if r.n == 1), float("nan"))
        ratios = ", ".join(f"{r.n}: {r.total_epochs / one:.2f}x" for r in rs if r.n != 1) if one == one else ""
        print(f"  {backend}: total epochs/s with N students / with 1 ({fmt(one)}): {ratios or 'n/a'}")
        mem = slope([r.n for r in rs], [r.rss_server + r.rss_children for r in rs])
        print(f"  {backend}: memory per extra student (slope of total RSS over N): {fmt(mem)} MB")


# ---------------------------------------------------------------- main

def watchdog(seconds: float) -> None:
    """After `seconds`, SIGALRM ends the run through its cleanups; 60 s later, if still alive, stop hard."""
    def on_alarm(*_):
        raise TimeoutError(f"bench_class: overall timeout of {seconds:.0f} s reached")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(seconds))

    def hard_stop() -> None:
        time.sleep(seconds + 60)
        print("bench_class: still running 60 s after the timeout; killing what it started", flush=True)
        for pid in descendants(os.getpid()):   # servers, what they started, the browser: all started here
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        os._exit(2)

    threading.Thread(target=hard_stop, daemon=True).start()


def plan(students: list[int], backends: list[str]) -> list[tuple[int, str]]:
    """(N, backend) in the order measured: every backend for each N, the order alternating from N to N."""
    out = []
    for i, n in enumerate(students):
        out += [(n, b) for b in (backends if i % 2 == 0 else backends[::-1])]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=5, help="seconds of playing before measuring")
    ap.add_argument("--client", choices=["light", "chromium"], default="light")
    ap.add_argument("--backend", nargs="+", choices=["inprocess", "ray"], default=["inprocess"])
    ap.add_argument("--rerun", choices=["browser", "wait"], default="browser",
                    help="light client's fragment timer: every interval like the browser, or one at a time")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds for everything; then it stops itself")
    ap.add_argument("--replicas", type=int, default=0,
                    help="serve with deploy/serve_class.sh: this many replicas behind HAProxy (light client only)")
    args = ap.parse_args()
    if args.replicas and args.client != "light":
        ap.error("--replicas needs --client light")
    if args.replicas and lb.shutil.which("haproxy") is None:
        print("bench_class --replicas: skipped, haproxy is not installed (apt-get install -y haproxy on Debian, or "
              "run deploy/serve_class.sh once as root, which installs it)")
        return
    watchdog(args.timeout)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-class-"))
    print(f"bench_class: students {args.students}, backends {args.backend}, client {args.client}, "
          + (f"{args.replicas} replica(s) behind HAProxy, " if args.replicas else "")
          + f"load {load():.1f}, "
          f"{args.seconds:.0f} s after {args.warmup:.0f} s warm-up; server logs in {log_dir}", flush=True)
    results: list[Result] = []
    try:
        with contextlib.ExitStack() as stack:
            browser = None
            if args.client == "chromium":
                from playwright.sync_api import sync_playwright

                from tests.e2e.conftest import CHROMIUM, FLAGS

                pw = stack.enter_context(sync_playwright())
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                stack.callback(browser.close)
            for n, backend in plan(args.students, args.backend):
                results.append(measure(n, backend, args, log_dir, browser))
                report(results[-1], args.client)
    except TimeoutError as e:
        print(e, flush=True)
    finally:
        signal.alarm(0)
        stop_leftovers()
        if results:
            summary(results)


if __name__ == "__main__":
    main()

"""Sweeps as jobs: a study's trials run in workers that share its storage, while the caller stays free.

`start(sweep, trials, storage, name, workers)` returns a SweepJob at once. Its workers run
`study.optimize` on the one study: fresh Python processes by default, Ray tasks on the cluster when
PLAYGROUND_RAY is set, or threads of this process (`where="thread"`, what `run_sweep` uses for a single
worker). The processes are started with subprocess, not multiprocessing: a spawned child re-runs the
parent's `__main__`, which inside Streamlit is the page script itself. The job hands out exactly
`trials - trials already started` tickets, one per trial, so the study ends with exactly `trials` trials
whoever runs faster, and starting the same study again resumes it (its finished trials count).

Stop: `SweepJob.stop()` (or `request_stop` from anywhere that can reach the storage) sets the study's
`stop` attribute; each trial reads it at most every CHECK_EVERY seconds between epochs and ends as pruned
(marked `stopped`, also in multi-objective studies, which Optuna cannot prune), and no worker starts
another trial. Intermediate values are written every `report_every` epochs, chosen at the study's first
start so storage writes stay under WRITE_SHARE of trial time (measured: one write against one epoch).

Limit: the sweep workers running from this process (a web server's visitors together) are at most
MAX_WORKERS (PLAYGROUND_SWEEP_WORKERS, default the CPU count); `start` refuses a job that would go over,
before it opens the study or starts anything.

What it does not do: move a study between storages, or schedule several jobs against each other (each
job's workers take the cores they are given). No streamlit.
"""

from __future__ import annotations

import fcntl
import math
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from playground.registry import ConfigError
from playground.sweeps import Sweep, check_objective, default_storage, objective, open_study

STOP = "stop"              # the study attribute a stop request sets
MAX_WORKERS = int(os.environ.get("PLAYGROUND_SWEEP_WORKERS", 0)) or os.cpu_count() or 1
_jobs: weakref.WeakSet = weakref.WeakSet()   # this process's jobs, for MAX_WORKERS
CHECK_EVERY = 0.25         # seconds between reads of the stop flag in a trial (a read: 0.02 ms journal, 0.7 ms SQLite)
WRITE_SHARE = 0.04         # intermediate values may cost this share of a trial's time (the goal is under 5%)
FINISHED = ("COMPLETE", "PRUNED", "FAIL")


class Tickets(Protocol):
    def take(self) -> bool:
        """One more trial may start (True) or the job's quota is used up (False)."""


class FileTickets:
    """Tickets from a counter in a file, taken under an exclusive lock (flock): any thread or process on this
    machine can take one."""

    def __init__(self, path: str):
        self.path = path

    @classmethod
    def create(cls, n: int) -> FileTickets:
        fd, path = tempfile.mkstemp(prefix="sweep-tickets-")
        os.write(fd, str(n).encode())
        os.close(fd)
        return cls(path)

    def take(self) -> bool:
        with open(self.path, "r+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)   # released when the file closes
            n = int(f.read() or 0)
            if n <= 0:
                return False
            f.seek(0)
            f.truncate()
            f.write(str(n - 1))
            return True

    def remove(self) -> None:
        Path(self.path).unlink(missing_ok=True)


class _Counter:
    """The Ray actor behind RayTickets: one counter every Ray worker asks."""

    def __init__(self, n: int):
        self.n = n

    def take(self) -> bool:
        self.n -= 1
        return self.n >= 0


class RayTickets:
    def __init__(self, actor: Any):
        self.actor = actor

    def take(self) -> bool:
        import ray

        return ray.get(self.actor.take.remote())


@dataclass(frozen=True)
class JobSpec:
    """What every worker of a job needs (pickled to processes and Ray tasks)."""

    sweep: Sweep
    trials: int
    storage: str
    name: str
    report_every: int


class StopFlag:
    """`flag()` is true once a stop was requested; cheap enough to call every epoch: it reads the study's
    attribute at most every CHECK_EVERY seconds. Also true when `local` is set (this process's own request)
    or the parent process that started this worker is gone (its server was killed)."""

    def __init__(self, study: Any, local: threading.Event | None = None, parent: int | None = None):
        self.study, self.local, self.parent = study, local, parent
        self.last, self.raised = -math.inf, False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.raised and now - self.last >= CHECK_EVERY:
            self._read(now)
        return self.raised

    def now(self) -> bool:
        """Read the flag now (before a new trial)."""
        return self._read(time.monotonic())

    def _read(self, now: float) -> bool:
        self.last = now
        self.raised = self.raised or bool(
            (self.local is not None and self.local.is_set())
            or (self.parent is not None and os.getppid() != self.parent)
            or self.study.user_attrs.get(STOP))
        return self.raised


def work(spec: JobSpec, index: int, tickets: Tickets, parent: int | None = None,
         local: threading.Event | None = None, own_process: bool = False) -> int:
    """One worker: run trials of the study while tickets last and no stop is requested; returns how many.
    `index` varies a seeded sampler between workers (same seed, same draws otherwise); `parent` is the pid
    of the process that started this one (a worker stops when it is gone)."""
    import optuna
    import torch

    torch.set_num_threads(1)   # one core per worker
    if own_process and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C in a terminal reaches the driver: it asks for a stop
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sweep = spec.sweep if spec.sweep.seed is None else replace(spec.sweep, seed=spec.sweep.seed + index)
    study = open_study(sweep, spec.storage, spec.name, describe=False)
    stop = StopFlag(study, local, parent)
    ran = 0

    def may_start() -> bool:
        # a study other processes also fill (a second CLI joining it) may be full before our tickets run out
        return not stop.now() and len(_started(study)) < spec.trials and tickets.take()

    def after(study: Any, trial: Any) -> None:
        nonlocal ran
        ran += 1
        if not may_start():
            study.stop()   # after this trial: optimize returns

    if may_start():
        study.optimize(objective(sweep, spec.report_every, stop), callbacks=[after])
    return ran


def _started(study: Any) -> list[Any]:
    """Trials that count against the total: all but WAITING ones (queued trials still run)."""
    return [t for t in study.get_trials(deepcopy=False) if t.state.name != "WAITING"]


def report_every(sweep: Sweep, study: Any) -> int:
    """Epochs between intermediate values, so a write (plus the pruner's read) costs under WRITE_SHARE of
    the training time: measured here once, on this storage and the base config."""
    from playground.experiment import build

    t0 = time.perf_counter()
    for i in range(3):
        study.set_user_attr("probe", i)                       # a write, like trial.report
        study.get_trials(deepcopy=False, states=None)         # a read, like the pruner's
    write = (time.perf_counter() - t0) / 3
    trainer = build(sweep.base).trainer
    trainer.run_epochs(1)                                     # the first epoch pays one-off costs
    t0 = time.perf_counter()
    trainer.run_epochs(2)
    epoch = max((time.perf_counter() - t0) / 2, 1e-4)
    return max(1, min(sweep.n_epochs, math.ceil(write / (WRITE_SHARE * epoch))))


@dataclass(frozen=True)
class Progress:
    """A job's state for a progress bar: trials finished of the total, best value, time left."""

    done: int
    running: int
    total: int
    best: float | None
    seconds_left: float | None   # from the pace of this job's finished trials; None before the first
    finished: bool               # every worker has ended
    stopping: bool

    def text(self) -> str:
        if self.finished:
            return f"{'stopped' if self.stopping else 'done'}: {self.done} of {self.total} trials"
        left = "" if self.seconds_left is None or self.stopping else f", about {self.seconds_left:.0f} s left"
        return f"{'stopping… ' if self.stopping else ''}trial {self.done} of {self.total} done{left}"


class SweepJob:
    """A sweep running in workers. Poll `progress()`, ask `stop()`, `wait()` for the end."""

    def __init__(self, spec: JobSpec, study: Any, where: str, launched: tuple[list[Any], Tickets],
                 local: threading.Event):
        self.spec, self.study, self.where, self.local = spec, study, where, local
        self.handles, self.tickets = launched   # the tickets stay referenced here while workers use them
        self.started_at = time.monotonic()
        self.done_at_start = self._counts()[0]
        self.stopping = False

    def _counts(self) -> tuple[int, int, float | None]:
        trials = self.study.get_trials(deepcopy=False)
        done = [t for t in trials if t.state.name in FINISHED]
        complete = [t.value for t in trials if t.state.name == "COMPLETE" and t.value is not None]
        best = (max if self.study.direction.name == "MAXIMIZE" else min)(complete) if complete else None
        return len(done), sum(t.state.name == "RUNNING" for t in trials), best

    def alive(self) -> bool:
        if not self.handles:   # the study already held its trials: nothing was started
            return False
        if self.where == "ray":
            import ray

            ready, _ = ray.wait(self.handles, num_returns=len(self.handles), timeout=0)
            return len(ready) < len(self.handles)
        if self.where == "process":
            return any(h.poll() is None for h in self.handles)
        return any(h.is_alive() for h in self.handles)

    def progress(self) -> Progress:
        finished = not self.alive()
        done, running, best = self._counts()
        new = done - self.done_at_start
        left = None if new <= 0 or finished else \
            (time.monotonic() - self.started_at) / new * max(0, self.spec.trials - done)
        return Progress(done, running, self.spec.trials, best, left, finished, self.stopping)

    def stop(self) -> None:
        """Ask every worker to stop: trials end between epochs (within about CHECK_EVERY s), none starts."""
        self.stopping = True
        self.local.set()
        request_stop(self.study)

    def wait(self, timeout: float | None = None, progress: Callable[[Progress], None] | None = None) -> bool:
        """Wait for the workers (True when all ended). Ctrl-C in the main thread asks them to stop (a second
        Ctrl-C interrupts as usual); `progress` is called when the count of finished trials changes."""
        interrupted = threading.Event()
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.set()) if main else None
        try:
            end = math.inf if timeout is None else time.monotonic() + timeout
            seen = -1
            while self.alive() and time.monotonic() < end:
                if interrupted.is_set() and not self.stopping:
                    if main:
                        signal.signal(signal.SIGINT, previous)
                    self.stop()
                if progress is not None and (p := self.progress()).done != seen:
                    seen = p.done
                    progress(p)
                time.sleep(0.05)
            return not self.alive()
        finally:
            if main and signal.getsignal(signal.SIGINT) is not previous:
                signal.signal(signal.SIGINT, previous)
            self._errors()

    def _errors(self) -> None:
        """A worker that crashed (a bug, not a failed trial) raises here, once the job is over."""
        if self.alive():
            return
        if isinstance(self.tickets, FileTickets):
            self.tickets.remove()
        if self.where == "ray":
            import ray

            ray.get(self.handles)   # re-raises a task's exception
        elif self.where == "process" and any(h.returncode for h in self.handles):
            raise RuntimeError(f"a sweep worker exited with status {[h.returncode for h in self.handles]}")
        elif self.where == "thread":
            for t in self.handles:
                if t.error is not None:
                    raise t.error


def request_stop(study: Any) -> None:
    """Ask a running sweep on `study` (any process or machine reaching its storage) to stop."""
    study.set_user_attr(STOP, True)


def default_where() -> str:
    """Ray tasks when this server or CLI uses a Ray backend (PLAYGROUND_RAY), else OS processes."""
    return "ray" if os.environ.get("PLAYGROUND_RAY", "").strip() else "process"


def start(sweep: Sweep, trials: int, storage: str | None = None, name: str = "sweep", workers: int = 1,
          where: str | None = None) -> SweepJob:
    """Start (or resume) the study `name` until it holds `trials` trials, in `workers` workers; returns at
    once. Bad settings raise ConfigError and storage failures StorageError here, before any worker."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    check_objective(sweep)
    busy = sum(len(j.handles) for j in list(_jobs) if j.alive())
    if busy + workers > MAX_WORKERS:
        raise ConfigError("workers", f"this server already runs {busy} sweep worker(s) of at most {MAX_WORKERS}; "
                                     "use fewer workers, or start it when another sweep has finished")
    storage = storage or default_storage()
    study = open_study(sweep, storage, name)
    study.set_user_attr(STOP, False)
    every = study.user_attrs.get("report_every") or report_every(sweep, study)   # resumed: the same steps
    study.set_user_attr("report_every", every)
    spec = JobSpec(sweep, trials, storage, name, every)
    remaining = max(0, trials - len(_started(study)))
    n = min(workers, remaining)
    where = where or default_where()
    local = threading.Event()
    launch = {"thread": _threads, "process": _processes, "ray": _ray_tasks}[where]
    job = SweepJob(spec, study, where, launch(spec, n, remaining, local), local)
    _jobs.add(job)
    return job


class _Thread(threading.Thread):
    def __init__(self, spec: JobSpec, index: int, tickets: Tickets, local: threading.Event):
        super().__init__(name=f"sweep-{spec.name}-{index}", daemon=True)
        self.args, self.error = (spec, index, tickets, None, local), None

    def run(self) -> None:
        try:
            work(*self.args)
        except BaseException as err:   # re-raised by SweepJob.wait
            self.error = err


def _threads(spec: JobSpec, n: int, remaining: int, local: threading.Event) -> tuple[list[Any], Tickets]:
    tickets = FileTickets.create(remaining)
    threads = [_Thread(spec, i, tickets, local) for i in range(n)]
    for t in threads:
        t.start()
    return threads, tickets


ROOT = Path(__file__).resolve().parents[1]


def _processes(spec: JobSpec, n: int, remaining: int, local: threading.Event) -> tuple[list[Any], Tickets]:
    """Fresh Python processes, each reading its work from stdin (pickled, from this process only). Each
    stops on its own if this process dies (it checks its parent with the stop flag)."""
    tickets = FileTickets.create(remaining)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    procs = []
    for i in range(n):
        proc = subprocess.Popen([sys.executable, "-c", "from playground.sweep_jobs import _child; _child()"],
                                stdin=subprocess.PIPE, env=env, cwd=ROOT)
        proc.stdin.write(pickle.dumps((spec, i, tickets, os.getpid())))
        proc.stdin.close()
        procs.append(proc)
    return procs, tickets


def _child() -> None:
    """A worker process's entry: its work comes pickled on stdin."""
    spec, index, tickets, parent = pickle.load(sys.stdin.buffer)
    work(spec, index, tickets, parent, None, True)


def _ray_tasks(spec: JobSpec, n: int, remaining: int, local: threading.Event) -> tuple[list[Any], Tickets]:
    """Ray tasks of one CPU each on the cluster (the storage must be reachable from its nodes: on one
    machine a file, across machines a database URL)."""
    import ray

    if not ray.is_initialized():
        from playground.compute import backend

        backend()   # joins or starts the Ray this configuration names, as the server does
    tickets = RayTickets(ray.remote(num_cpus=0)(_Counter).remote(remaining))
    task = ray.remote(num_cpus=1, max_retries=0)(work)
    return [task.remote(spec, i, tickets, None, None, True) for i in range(n)], tickets


def run_sweep(sweep: Sweep, trials: int, storage: str | None = None, name: str = "sweep", workers: int = 1,
              progress: Callable[[Progress], None] | None = None, where: str | None = None):
    """Run the study until it holds `trials` trials and return it: one worker in this thread, more in
    `where` (default_where()). Ctrl-C stops it between epochs; the trials in flight end as pruned."""
    job = start(sweep, trials, storage, name, workers, where or ("thread" if workers == 1 else None))
    job.wait(progress=progress)
    return job.study

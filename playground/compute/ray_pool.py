"""The Ray backend: playing runs train on a pool of Ray worker processes, so sessions add up across cores.

A pool of WORKERS actors (one per CPU of the cluster unless PLAYGROUND_RAY_WORKERS says otherwise; each one
process with one torch thread) hosts many sessions' runs, so memory grows with cores, not students. Play
sends a run (its Experiment or RunGroup, pickled: model, optimizer state, history, data) to the least
loaded worker; each tick is one actor call that trains and returns the lab's view payload (tick.py), so
only compact data crosses; Pause takes the run back. A worker runs one call at a time: the runs it hosts
take turns tick by tick, each with its own generators (training.py), so a seeded run is reproducible
whoever shares its worker, and process-wide locks (the global-RNG lock of fused RNN dropout) hold as in
the server.

Nothing leaks: a run whose session ends is dropped (`close`, from the session's finalizer), a worker also
drops runs nobody ticked for LEASE seconds, the actors belong to this server's Ray driver and go with it,
and a Ray started here (`PLAYGROUND_RAY=local`) is shut down when the server exits. A worker that dies
raises WorkerLost at the next call; the pool replaces it and the session reopens from its state at Play.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from playground.compute.base import Backend, Playing, WorkerLost
from playground.compute.tick import Runs, Tick, TickPlan

log = logging.getLogger("playground")
LEASE = float(os.environ.get("PLAYGROUND_LEASE_SECONDS", 600))   # a hidden tab's timer may tick once a minute
CHECKPOINT = 30.0   # seconds of playing between copies of a run kept by the web server (for a lost worker)
_NAMES = itertools.count(1)   # worker names in this process: pools replace workers and tests make several pools
TIMEOUT = 120.0   # seconds a worker call may take before the run counts as lost (a tick takes ~0.25 s)


class Worker:
    """One worker process's runs by key (the Ray actor class; plain Python, so tests can call it directly)."""

    def __init__(self, lease: float = LEASE):
        import torch

        torch.set_num_threads(1)   # one core per worker: the pool has one worker per core
        self.lease = lease
        self.runs: dict[str, Runs] = {}
        self.touched: dict[str, float] = {}
        self._warm_up()

    @staticmethod
    def _warm_up() -> None:
        """Train a tiny model once, so the first student's first tick does not pay torch's lazy set-up
        (a first 5-epoch CLI run took 1.8 s on a fresh worker here, 0.04 s in a warm process)."""
        from playground.experiment import build
        from playground.presets import get_preset

        build(get_preset("tf_circle")).trainer.run_epochs(1)

    def put(self, key: str, runs: Runs) -> int:
        self._expire()
        self.runs[key], self.touched[key] = runs, time.monotonic()
        return os.getpid()

    def tick(self, key: str, plan: TickPlan, payload: Callable, frames: Callable | None) -> Tick:
        from playground.compute.tick import run_tick

        return run_tick(self._get(key), plan, payload, frames)

    def call(self, key: str, fn: Callable, args: tuple) -> Any:
        return fn(self._get(key), *args)

    def take(self, key: str) -> Runs:
        run = self._get(key)
        self.drop(key)
        return run

    def drop(self, key: str) -> None:
        self.runs.pop(key, None)
        self.touched.pop(key, None)

    def keys(self) -> list[str]:
        self._expire()
        return list(self.runs)

    def _get(self, key: str) -> Runs:
        self._expire()
        if key not in self.runs:
            raise KeyError(key)
        self.touched[key] = time.monotonic()
        return self.runs[key]

    def _expire(self) -> None:
        old = [k for k, t in self.touched.items() if time.monotonic() - t > self.lease]
        for key in old:
            log.warning("dropping run %s: not ticked for %.0f s", key, self.lease)
            self.drop(key)


class RayPlaying(Playing):
    """A run on a worker. `start` (what a lost worker's session reopens from) is the run at Play, then a copy
    taken back every CHECKPOINT seconds of playing (one extra round trip of the pickled run)."""

    def __init__(self, pool: RayPool, slot: int, runs: Runs):
        super().__init__(runs)
        self.pool, self.slot, self.key = pool, slot, uuid.uuid4().hex
        self.closed = False
        self._call(lambda w: w.put.remote(self.key, runs))
        self.saved = time.monotonic()

    def tick(self, plan: TickPlan, payload: Callable[[Runs], Any], frames: Callable[[Any], Any] | None = None) -> Tick:
        tick = self._call(lambda w: w.tick.remote(self.key, plan, payload, frames))
        if time.monotonic() - self.saved > CHECKPOINT:
            self.start, self.saved = self.call(_itself), time.monotonic()
        return tick

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._call(lambda w: w.call.remote(self.key, fn, args))

    def stop(self) -> Runs:
        runs = self._call(lambda w: w.take.remote(self.key))
        self._release()
        return runs

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):   # the pool or Ray may already be gone: nothing left to free
                self.pool.worker(self.slot).drop.remote(self.key)   # fire and forget
            self._release()

    def _release(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool.release(self.slot)

    def _call(self, send: Callable[[Any], Any]) -> Any:
        import ray

        if self.closed:
            raise WorkerLost("this run was already taken back")
        try:
            return ray.get(send(self.pool.worker(self.slot)), timeout=TIMEOUT)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as err:
            self.pool.replace(self.slot)
            self._release()
            raise WorkerLost(f"the training worker stopped ({type(err).__name__})") from None
        except ray.exceptions.RayTaskError as err:
            if isinstance(err.cause, KeyError):   # the worker dropped it (lease) or was restarted
                self._release()
                raise WorkerLost("the training worker no longer had this run") from None
            raise err.cause from None   # the function's own error (a ConfigError, a bug): the page shows it


def _itself(runs: Runs) -> Runs:
    """The run, pickled back to the caller: a checkpoint."""
    return runs


class RayPool(Backend):
    """WORKERS actors on a Ray cluster: `address` joins one, "local" starts one inside this process."""

    name = "ray"

    def __init__(self, address: str = "local", workers: int | None = None, lease: float = LEASE):
        import ray

        self.started_ray = not ray.is_initialized() and address == "local"
        if not ray.is_initialized() and address != "local":
            reachable(address)
        if not ray.is_initialized():
            kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, configure_logging=False,
                                          namespace="playground")
            if address == "local":
                ray.init(num_cpus=os.cpu_count(), **kwargs)
            else:
                ray.init(address=address, **kwargs)
        if self.started_ray:
            _shutdown_on_exit()
        n = workers or int(os.environ.get("PLAYGROUND_RAY_WORKERS", 0)) or int(ray.cluster_resources().get("CPU", 1))
        self._actor = ray.remote(num_cpus=0)(Worker)   # scheduling by our own load count, not CPU tokens
        self.lease = lease
        self._lock = threading.Lock()
        self._workers = [self._new() for _ in range(n)]
        self._load = [0] * n
        ray.get([w.keys.remote() for w in self._workers])   # wait until every worker has imported torch

    def _new(self) -> Any:
        """A worker named for this server (pg-<pid>-<n>, namespace "playground"), so an operator or a test
        can find this server's workers and what they host."""
        name = f"pg-{os.getpid()}-{next(_NAMES)}"
        return self._actor.options(name=name, max_concurrency=1).remote(self.lease)

    def play(self, runs: Runs) -> Playing:
        with self._lock:
            slot = min(range(len(self._load)), key=self._load.__getitem__)
            self._load[slot] += 1
        return RayPlaying(self, slot, runs)

    def worker(self, slot: int) -> Any:
        return self._workers[slot]

    def release(self, slot: int) -> None:
        with self._lock:
            self._load[slot] = max(0, self._load[slot] - 1)

    def replace(self, slot: int) -> None:
        """A worker failed: if it is dead, start another in its slot (its runs are lost; sessions reopen)."""
        import ray

        try:
            ray.get(self._workers[slot].keys.remote(), timeout=5)
        except Exception:
            log.warning("training worker %d is gone; starting a new one", slot)
            with self._lock:
                self._workers[slot] = self._new()

    def loads(self) -> list[int]:
        """Runs each worker hosts (for tests and the load bench)."""
        import ray

        return [len(k) for k in ray.get([w.keys.remote() for w in self._workers])]

    def shutdown(self) -> None:
        import ray

        for w in self._workers:
            ray.kill(w)
        if self.started_ray:
            ray.shutdown()


def reachable(address: str, seconds: float = 3.0) -> None:
    """Refuse an address nothing answers at, in seconds (ray.init retries a wrong one for minutes while the
    server stays silent): a RuntimeError that names the setting."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=seconds).close()
    except (OSError, ValueError) as err:
        raise RuntimeError(f"PLAYGROUND_RAY={address}: no Ray cluster answers there ({err or type(err).__name__}); "
                           "start one (docs/deploy.md), use PLAYGROUND_RAY=local, or unset it") from None


def _shutdown_on_exit() -> None:
    """A Ray started inside the server stops with it: at interpreter exit, and on SIGTERM/SIGINT (Streamlit
    stops its loop on them; without this, Ray's agents outlived the server here)."""
    import ray

    atexit.register(ray.shutdown)
    if threading.current_thread() is not threading.main_thread():
        return   # signals can only be set from the main thread; atexit still covers a normal exit
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum, frame, previous=previous):
            ray.shutdown()
            if callable(previous):
                previous(signum, frame)
            else:
                raise SystemExit(128 + signum)

        signal.signal(sig, handler)

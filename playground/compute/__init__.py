"""Where playing runs train: the compute backend of this server, chosen by configuration.

`backend()` is the process-wide Backend: in-process by default (nothing else to run), or a pool of Ray
workers when PLAYGROUND_RAY is set: "local" starts a Ray inside this server (stopped with it), any other
value is the address of a Ray cluster to join (e.g. "127.0.0.1:6379", started with `ray start --head`).
PLAYGROUND_RAY_WORKERS sets the pool's size (default: the cluster's CPUs). The interface is in base.py.
"""

from __future__ import annotations

import os
import threading

from playground.compute.base import Backend, Playing, WorkerLost
from playground.compute.local import InProcess
from playground.compute.tick import Runs, Status, Tick, TickPlan, leader, run_tick, status_of, trainer_of

__all__ = ["Backend", "Playing", "Runs", "Status", "Tick", "TickPlan", "WorkerLost", "backend", "leader",
           "run_tick", "status_of", "trainer_of"]

_backend: Backend | None = None
_lock = threading.Lock()


def backend() -> Backend:
    """This process's backend, created on first use (the server creates it at start: playground/ui/server.py)."""
    global _backend
    with _lock:
        if _backend is None:
            address = os.environ.get("PLAYGROUND_RAY", "").strip()
            _backend = _in_own_thread(address) if address else InProcess()
        return _backend


def _in_own_thread(address: str) -> Backend:
    """A RayPool created in a thread that lives as long as the process: a Ray started here (local) runs its
    processes with the parent-death signal of the THREAD that started them, so starting it from a script
    run's thread (which ends) killed it seconds later."""
    from playground.compute.ray_pool import RayPool

    made: dict = {}
    ready = threading.Event()

    def run() -> None:
        try:
            made["pool"] = RayPool(address)
        except BaseException as err:   # raised in the caller's thread below
            made["error"] = err
        ready.set()
        threading.Event().wait()   # never returns: this thread owns the local Ray's processes

    threading.Thread(target=run, name="compute-backend", daemon=True).start()
    ready.wait()
    if "error" in made:
        raise made["error"]
    return made["pool"]

"""One local Ray for every replica of a class on this host (deploy/serve_class.sh starts it).

Starts Ray with `cpus` CPUs (token auth when RAY_AUTH_MODE=token and RAY_AUTH_TOKEN are set, as the script
does), prints its address on one line, and keeps it until SIGTERM or SIGINT, then shuts it down. Replicas
join it with PLAYGROUND_RAY=<address>. It does not start workers: each replica starts its own pool on it.

    python deploy/ray_head.py CPUS
"""

from __future__ import annotations

import signal
import sys
import threading


def main() -> None:
    import ray

    cpus = int(sys.argv[1])
    ctx = ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    print(ctx.address_info["gcs_address"], flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1):   # wakes each second, so a signal is handled promptly
        pass
    ray.shutdown()   # stops the processes this Ray started (the script kills any straggler after)


if __name__ == "__main__":
    main()

"""A Ray cluster for tests and benches, started and stopped by them: `ray_host()` runs a small driver
process that starts Ray with N CPUs under a fresh auth token and yields the environment a server needs to
join it (PLAYGROUND_RAY=<address>, RAY_AUTH_MODE=token, RAY_AUTH_TOKEN); stopping that process stops the
cluster. Ray listens on the machine's address, not loopback (it maps 127.0.0.1 to it); the token keeps
others out. `workers(env)` lists the playground workers on it and the runs each hosts; `kill_worker`
kills one."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.procs import stop_process

ROOT = Path(__file__).resolve().parents[1]
HOST = """
import sys, time, ray
ctx = ray.init(num_cpus=int(sys.argv[1]), include_dashboard=False, log_to_driver=False)
print(ctx.address_info["gcs_address"], flush=True)
time.sleep(1e9)
"""
LIST = """
import json, sys, ray
ray.init(address=sys.argv[1], namespace="playground", log_to_driver=False, logging_level="ERROR")
names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith("pg-")]
out = {}
for n in names:
    try:
        out[n] = ray.get(ray.get_actor(n).keys.remote(), timeout=20)
    except Exception:
        pass
if len(sys.argv) > 2:
    ray.kill(ray.get_actor(sys.argv[2]))
print(json.dumps(out))
"""


@contextmanager
def ray_host(cpus: int = 2) -> Iterator[dict[str, str]]:
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    proc = subprocess.Popen([sys.executable, "-c", HOST, str(cpus)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={**os.environ, **auth})
    try:
        address = proc.stdout.readline().strip()
        if not address:
            raise RuntimeError("ray did not start")
        yield {"PLAYGROUND_RAY": address, **auth}
    finally:
        stop_process(proc, timeout=30)


def workers(env: dict[str, str], kill: str = "") -> dict[str, list[str]]:
    """Worker name -> keys of the runs it hosts (all servers' workers on the cluster); `kill` one by name."""
    out = subprocess.run([sys.executable, "-c", LIST, env["PLAYGROUND_RAY"], *([kill] if kill else [])], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env={**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def kill_worker(env: dict[str, str], name: str) -> None:
    workers(env, kill=name)

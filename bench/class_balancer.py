"""A class behind the load balancer, for bench_class.py --replicas: start it, and check what replicas need.

`serve_class` runs deploy/serve_class.sh (N replicas on loopback, HAProxy in front, one Ray for all with the ray
backend, one private data folder) and yields once it prints "ready:". The checks, as a browser would meet them:
- `visit`: the first request a browser makes through the balancer; HAProxy answers with its sticky cookie
  (PGREPLICA=<replica>) and names the replica in X-Playground-Replica; Streamlit sets its XSRF cookie;
- `upload`: a file PUT to Streamlit's upload endpoint for a session, through the balancer with the student's
  cookies (2xx when the cookie leads to the session's replica; "400 Invalid session_id" on another one);
- `listed_rows`: the rows of the Runs page's table for an owner, opened on a chosen replica (the cookie picks it).
It does not measure anything (bench_class.py does) and needs haproxy (Debian: apt-get install -y haproxy).
"""

from __future__ import annotations

import contextlib
import http.cookies
import io
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "serve_class.sh"
STICKY = "PGREPLICA"                       # deploy/haproxy.cfg's cookie: the replica a browser sticks to
REPLICA_HEADER = "X-Playground-Replica"    # deploy/haproxy.cfg: which replica answered
XSRF = "_streamlit_xsrf"


class NoBalancer(RuntimeError):
    """haproxy is missing: the replicas mode cannot run here."""


@dataclass
class Class:
    url: str              # the balancer, http://127.0.0.1:PORT
    pid: int              # serve_class.sh
    servers: list[int]    # the replicas' streamlit processes
    data: Path            # the data folder they share


def cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace")


@contextlib.contextmanager
def serve_class(replicas: int, backend: str, log_dir: Path, port: int,
                remember: Callable[[list[int]], None]) -> Iterator[Class]:
    """deploy/serve_class.sh with `replicas` replicas on `port` (replicas on the ports after it); stops it after
    with SIGTERM (it stops what it started). `remember` gets every process below it just before, so the caller
    can kill stragglers."""
    from tests.procs import descendants, stop_process

    if shutil.which("haproxy") is None:
        raise NoBalancer("haproxy is not installed: apt-get install -y haproxy (Debian), or run "
                         "deploy/serve_class.sh once as root, which installs it")
    data = Path(tempfile.mkdtemp(prefix="bench-class-data-", dir=log_dir))
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data), "PLAYGROUND_LB_BIND": "127.0.0.1", "PYTHON": sys.executable,
           "CLASS_LOG_DIR": str(log_dir / f"class-{backend}-{replicas}-{time.time_ns()}")}
    env.pop("PLAYGROUND_RAY", None)                     # unset: the script starts one Ray for all replicas
    env.pop("PLAYGROUND_RAY_WORKERS", None)
    if backend == "inprocess":
        env["PLAYGROUND_RAY"] = "none"
    proc = subprocess.Popen(["bash", str(SCRIPT), str(replicas), str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    try:
        deadline, said = time.monotonic() + 240, []
        while not (said and said[-1].startswith("ready:")):
            try:
                said.append(lines.get(timeout=max(deadline - time.monotonic(), 0.1)).strip())
            except queue.Empty:
                raise RuntimeError("serve_class.sh was not ready in time: " + " | ".join(said)) from None
            if proc.poll() is not None and lines.empty():
                raise RuntimeError("serve_class.sh exited: " + " | ".join(said))
        servers = [k for k in descendants(proc.pid) if " -m streamlit run" in _safe_cmdline(k)]
        yield Class(f"http://127.0.0.1:{port}", proc.pid, servers, data)
    finally:
        remember(descendants(proc.pid))
        stop_process(proc, timeout=40)


def _safe_cmdline(pid: int) -> str:
    try:
        return cmdline(pid)
    except OSError:
        return ""


def _cookies(headers) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {k: m.value for k, m in jar.items()}


def visit(url: str, cookies: dict[str, str] | None = None) -> tuple[dict[str, str], str]:
    """GET /_stcore/health through the balancer, as a browser's first request: (cookies set, replica)."""
    req = urllib.request.Request(f"{url}/_stcore/health", headers=_cookie_header(cookies))
    with urllib.request.urlopen(req, timeout=30) as r:
        return _cookies(r.headers), r.headers.get(REPLICA_HEADER, "")


def _cookie_header(cookies: dict[str, str] | None) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


def upload(url: str, session_id: str, cookies: dict[str, str], data: bytes = b"x,y\n1,0\n2,1\n") -> tuple[int, str]:
    """PUT a small CSV to Streamlit's upload endpoint for `session_id` with `cookies`: (HTTP status, replica)."""
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"class.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\n".encode())
    body.write(data)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    req = urllib.request.Request(f"{url}/_stcore/upload_file/{session_id}/{uuid.uuid4().hex}", data=body.getvalue(),
                                 method="PUT", headers={**_cookie_header(cookies), "X-Xsrftoken": cookies.get(XSRF, ""),
                                                        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get(REPLICA_HEADER, "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get(REPLICA_HEADER, "")


def table_rows(arrow: list[bytes]) -> int:
    """Rows in the Arrow tables of st.dataframe elements."""
    import pyarrow as pa

    return sum(pa.ipc.open_stream(b).read_all().num_rows for b in arrow if b)


async def listed_rows(ws_url: str, cookies: dict[str, str]) -> tuple[str, int, list[str]]:
    """Open the Runs page with `cookies` (the owner's id, the replica's sticky cookie): (replica that answered,
    rows in its tables, errors)."""
    import asyncio

    from bench.class_client import LightStudent
    from playground.labs import LABS

    page = LightStudent(ws_url, page=LABS.entry("runs").meta["url_path"], cookies=cookies)
    counts = await page.run(asyncio.Event(), play=False)
    return page.replica, table_rows(page.tables), counts.errors

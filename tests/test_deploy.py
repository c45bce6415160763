"""deploy/: the HAProxy config parses as serve_class.sh completes it (haproxy -c), and keeps what a class needs.

The parse check needs haproxy (Debian: apt-get install -y haproxy); without it that test is skipped and says so.
The full script (replicas, Ray, HAProxy, stop on SIGTERM) is exercised by bench/bench_class.py --replicas 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_config_keeps_sessions_sticky_and_checks_health():
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "cookie PGREPLICA insert" in text            # a student's requests go to one replica
    assert "option httpchk GET /_stcore/health" in text
    assert "timeout tunnel" in text                     # the websocket lives as long as the tab
    assert text.rstrip().splitlines()[-1].startswith("    #"), "server lines are appended to the last section"


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed (apt-get install -y haproxy)")
def test_haproxy_accepts_the_config_as_the_script_completes_it(tmp_path):
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text((DEPLOY / "haproxy.cfg").read_text()
                   + "    server r1 127.0.0.1:8502 check cookie r1\n    server r2 127.0.0.1:8503 check cookie r2\n")
    env = {**os.environ, "PLAYGROUND_LB_BIND": "127.0.0.1", "PLAYGROUND_LB_PORT": "8501"}
    out = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    broken = tmp_path / "broken.cfg"
    broken.write_text(cfg.read_text() + "    cookie\n")  # the check can fail: a cookie line without a name
    assert subprocess.run(["haproxy", "-c", "-f", str(broken)], capture_output=True, env=env,
                          timeout=30).returncode != 0


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed (apt-get install -y haproxy)")
def test_haproxy_accepts_the_compose_config():
    out = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / "haproxy-compose.cfg")], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_bench_names_the_other_replica_and_reads_cookies_and_tables():
    import email.message
    import io

    import pyarrow as pa

    from bench.bench_class import other_replica
    from bench.class_balancer import _cookies, table_rows

    assert [other_replica(r, 3) for r in ("r1", "r2", "r3")] == ["r2", "r3", "r1"]
    assert other_replica("r1", 1) == "r1"
    headers = email.message.Message()
    headers["Set-Cookie"] = "_streamlit_xsrf=2|ab|cd|17; Path=/; SameSite=Lax"
    headers["Set-Cookie"] = "PGREPLICA=r2; path=/; HttpOnly"
    assert _cookies(headers) == {"_streamlit_xsrf": "2|ab|cd|17", "PGREPLICA": "r2"}
    buf = io.BytesIO()
    table = pa.table({"name": ["a", "b", "c"]})
    with pa.ipc.new_stream(buf, table.schema) as w:
        w.write_table(table)
    assert table_rows([buf.getvalue(), b""]) == 3

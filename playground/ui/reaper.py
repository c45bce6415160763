"""Frees the playing runs of browser sessions that ended: a run handed to the compute backend (a Ray
worker's memory) must not outlive its session. `register` notes which Streamlit session plays a run;
a daemon thread checks every REAP_SECONDS and closes the runs of sessions the server no longer has
(Streamlit ends a session server.disconnectedSessionTTL seconds after its tab closed; a reload or a
network blip within that keeps it). `forget` when the session takes its run back. Not for paused runs:
they live in the session's state and go with it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from playground.compute import Playing

log = logging.getLogger("playground")
REAP_SECONDS = 2.0
_playing: dict[int, tuple[str, Playing]] = {}   # id(playing) -> (session id, playing)
_lock = threading.Lock()
_thread: threading.Thread | None = None


def register(playing: Playing, session_id: str | None = None) -> None:
    """Note the session playing `playing`: the current script run's unless given (outside a script and not
    given: ignored)."""
    global _thread
    ctx = get_script_run_ctx(suppress_warning=True)
    session_id = session_id or (ctx.session_id if ctx else None)
    if session_id is None:
        return
    with _lock:
        _playing[id(playing)] = (session_id, playing)
        if _thread is None:
            _thread = threading.Thread(target=_reap_forever, name="playground-reaper", daemon=True)
            _thread.start()


def forget(playing: Playing) -> None:
    with _lock:
        _playing.pop(id(playing), None)


def _session_exists(session_id: str) -> bool:
    """Whether this server still has the session (connected, or disconnected within its TTL). Not a real
    server (AppTest's mocked runtime has no session manager): every session counts as alive."""
    sessions = getattr(Runtime.instance(), "_session_mgr", None)   # no public "does this session exist" (1.67)
    return sessions is None or sessions.get_session_info(session_id) is not None


def reap(exists: Callable[[str], bool] | None = None) -> int:
    """Close the runs whose session is gone (`exists`: the server's sessions); returns how many."""
    if exists is None:
        if not Runtime.exists():
            return 0
        exists = _session_exists
    with _lock:
        gone = [k for k, (sid, _) in _playing.items() if not exists(sid)]
        closing = [_playing.pop(k)[1] for k in gone]
    for playing in closing:
        playing.close()
    if closing:
        log.info("freed %d playing run(s) of ended sessions", len(closing))
    return len(closing)


def _reap_forever() -> None:
    while True:
        time.sleep(REAP_SECONDS)
        try:
            reap()
        except Exception as err:   # never let the reaper die: log one line and go on (a traceback here, every
            # 2 s, formatted with ast.parse beside a script compiling in another thread, hit CPython 3.11's
            # "AST constructor recursion depth mismatch")
            log.warning("freeing the runs of ended sessions failed: %s: %s", type(err).__name__, err)

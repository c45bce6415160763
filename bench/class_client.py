"""A light simulated student: speaks Streamlit 1.67's websocket protocol to open the 2-D lab and press Play.

What it does, as the browser does (read from Streamlit 1.67's runtime and its bundled frontend):
- connects to ws://HOST/_stcore/stream with the subprotocol "streamlit" (the second and third entries of
  Sec-WebSocket-Protocol carry an XSRF token and a session id to resume; a client that sends no Origin
  header needs neither: the server checks XSRF only to read an auth cookie);
- asks for the first run with a `rerun_script` BackMsg naming the page by its URL path (`page_name`,
  e.g. "playground"), later runs by its `page_script_hash`: with st.navigation that is the `navigation`
  ForwardMsg's page_script_hash (`new_session`'s is app.py's: a rerun with it opens the default page);
- keeps the cache of large elements the browser keeps: ForwardMsgs marked `metadata.cacheable` are stored
  by hash and reported in `cached_message_hashes`; the server then sends only a `ref_hash` for them;
- clicks Play: a rerun whose widget_states hold `trigger_value=True` for the button labelled "Play";
- follows the fragment timer: an `auto_rerun` ForwardMsg (interval, fragment_id) starts it, `stop_auto_rerun`
  ends it. The 1.67 browser sends a `rerun_script` with that fragment_id and `is_auto_rerun` every interval
  without waiting (a setInterval; the server merges requests that arrive while a run is going, so at most
  one waits). `rerun="browser"` does that; `rerun="wait"` sends the next one only after the previous run's
  `script_finished` (never more than one outstanding), at most once per interval.
What it counts: the Epoch metric's value (`st.metric("Epoch", "1,234")`) and when it arrived; view updates:
states of the boundary chart received (each of its deltas carries its own state plus `playback`, earlier
states the browser plays in between: what ui/chart.js counts as updates), and fragment runs ended, finished
(FINISHED_FRAGMENT_RUN_SUCCESSFULLY) or superseded (FINISHED_EARLY_FOR_RERUN: with the browser's timer a
request is always waiting, so the next tick starts at once, and starting it clears the session's outgoing
queue of that fragment's deltas not yet flushed to the socket, runtime/forward_msg_queue.py `clear`, and
relabels the run's script_finished: the tick's last charts, often the boundary, never reach the page);
errors: exception elements, error alerts, websocket failures.
Behind a load balancer (deploy/, bench_class.py --replicas) it carries cookies in its handshake (`cookies`:
the balancer's sticky cookie, the browser's owner id) and records which replica answered (`replica`, the
X-Playground-Replica header HAProxy adds) and its session id (`session_id`, from new_session), which an
upload names. `finale`, if given, runs after `stop` and before the socket closes (uploads, Pause).
What it does not do: send the other widgets' states (the server keeps a missing widget's last value, so
only changed ones matter), heartbeats (app_heartbeat is optional), render anything, or fetch the page's
static files and component assets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

SUBPROTOCOL = "streamlit"
FRAGMENT_DONE = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
CUT_SHORT = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
BOUNDARY_KEY = "playground:boundary"     # the 2-D lab's fastest chart: its element id ends with this key
CACHE_AGE = 2                            # runs a cached element is kept unseen (global.maxCachedMessageAge)


def rerun_msg(*, page_name: str = "", page_hash: str = "", query: str = "", widgets: list[WidgetState] = (),
              fragment_id: str = "", auto: bool = False, cached: list[str] = ()) -> BackMsg:
    """A `rerun_script` BackMsg as the browser builds one (App.sendRerunBackMsg)."""
    msg = BackMsg()
    rerun = msg.rerun_script
    rerun.query_string = query
    rerun.page_name = page_name
    rerun.page_script_hash = page_hash
    rerun.fragment_id = fragment_id
    rerun.is_auto_rerun = auto
    rerun.widget_states.widgets.extend(widgets)
    rerun.cached_message_hashes.extend(cached)
    return msg


def trigger(widget_id: str) -> WidgetState:
    """A button click: the widget's trigger value, true for this one run."""
    state = WidgetState(id=widget_id)
    state.trigger_value = True
    return state


def parse_epoch(body: str) -> int | None:
    """The Epoch metric's body ("12,345") as a number; None if it is not one."""
    try:
        return int(body.replace(",", ""))
    except ValueError:
        return None


def chart_states(data_json: str) -> int:
    """How many states a live chart's delta carries: its own plus its `playback` (playground/ui/chart.py)."""
    try:
        data = json.loads(data_json)
    except ValueError:
        return 1
    data = data.get("data", data) if isinstance(data, dict) else {}
    playback = data.get("playback", "[]") if isinstance(data, dict) else "[]"
    try:
        played = json.loads(playback) if isinstance(playback, str) else playback
    except ValueError:
        played = []
    return 1 + (len(played) if isinstance(played, list) else 0)


class ElementCache:
    """The browser's ForwardMsg cache: cacheable messages by hash, dropped after CACHE_AGE runs unseen."""

    def __init__(self) -> None:
        self.msgs: dict[str, ForwardMsg] = {}
        self.seen: dict[str, int] = {}
        self.run = 0

    def put(self, msg: ForwardMsg) -> None:
        if msg.metadata.cacheable and msg.hash:
            self.msgs[msg.hash] = msg
            self.seen[msg.hash] = self.run

    def resolve(self, msg: ForwardMsg) -> ForwardMsg | None:
        """The message a `ref_hash` points to (with the reference's metadata), or None if not cached."""
        cached = self.msgs.get(msg.ref_hash)
        if cached is None:
            return None
        self.seen[msg.ref_hash] = self.run
        full = ForwardMsg()
        full.CopyFrom(cached)
        full.metadata.CopyFrom(msg.metadata)
        return full

    def finished_run(self) -> None:
        self.run += 1
        for h in [h for h, r in self.seen.items() if self.run - r > CACHE_AGE]:
            del self.msgs[h], self.seen[h]

    def hashes(self) -> list[str]:
        return list(self.msgs)


@dataclass
class Counts:
    """What one student saw, with times (time.monotonic) so a window can be cut out afterwards."""
    epochs: list[tuple[float, int]] = field(default_factory=list)      # (time, Epoch metric value)
    updates: list[tuple[float, int]] = field(default_factory=list)     # (time, boundary states in a delta)
    fragment_runs: list[tuple[float, bool]] = field(default_factory=list)   # (time, superseded) of runs that
                                                                            # ended while the timer was on
    errors: list[str] = field(default_factory=list)
    playing: bool = False                                              # Play clicked and the timer started
    bytes_received: int = 0


class LightStudent:
    """One simulated student on the 2-D lab (see the module docstring)."""

    def __init__(self, ws_url: str, page: str = "playground", rerun: str = "browser",
                 cookies: dict[str, str] | None = None) -> None:
        self.ws_url, self.page, self.rerun, self.cookies = ws_url, page, rerun, dict(cookies or {})
        self.replica = ""                              # X-Playground-Replica of the handshake's answer, if any
        self.session_id = ""
        self.buttons: dict[str, tuple[str, float]] = {}   # label -> (widget id, when last drawn)
        self.tables: list[bytes] = []                  # Arrow bytes of st.dataframe elements (the Runs page)
        self.counts = Counts()
        self.cache = ElementCache()
        self.page_hash = ""
        self.timer: tuple[str, float] | None = None    # (fragment_id, interval) while the server asks for ticks
        self.running = False                           # a run is going (from our request to its script_finished)
        self.finished = asyncio.Event()                # set on every script_finished
        self._ws = None

    async def send(self, **kw) -> None:
        msg = rerun_msg(page_hash=self.page_hash, cached=self.cache.hashes(), **kw)
        self.running = True
        self.finished.clear()
        await self._ws.send(msg.SerializeToString())

    async def run(self, stop: asyncio.Event, play: bool = True, finale=None) -> Counts:
        """Open the page, press Play (if `play`), follow the fragment timer until `stop` is set, then await
        `finale(self)` if given; never raises."""
        import websockets

        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        try:
            async with websockets.connect(self.ws_url, subprotocols=[SUBPROTOCOL], max_size=None,
                                          open_timeout=60, ping_interval=None, additional_headers=headers) as ws:
                self._ws = ws
                self.replica = ws.response.headers.get("X-Playground-Replica", "")
                reader = asyncio.create_task(self._read(ws))
                try:
                    await self._drive(stop, play)
                    if finale is not None:
                        await finale(self)
                finally:
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
        except Exception as e:
            self.counts.errors.append(f"websocket: {type(e).__name__}: {e}")
        return self.counts

    async def _drive(self, stop: asyncio.Event, play: bool) -> None:
        await self.send(page_name=self.page)
        await self._wait_finished(stop, 120)
        if not play or stop.is_set():
            return
        if "Play" not in self.buttons:
            self.counts.errors.append("no Play button on the page")
            return
        await self.send(widgets=[trigger(self.buttons["Play"][0])])
        await self._wait_finished(stop, 60)
        last = 0.0
        while not stop.is_set():
            if self.timer is None:
                await _wait_any(stop, 0.1)
                continue
            fragment_id, interval = self.timer
            if self.rerun == "wait" and self.running:
                await self._wait_finished(stop, 60)
                continue
            delay = last + interval - time.monotonic()
            if delay > 0:
                await _wait_any(stop, delay)
                continue
            last = time.monotonic()
            await self.send(fragment_id=fragment_id, auto=True)

    async def click(self, label: str, until: str, timeout: float = 60) -> bool:
        """Click the button `label` and wait until the button `until` is drawn after the click (Pause: until
        Play is back, the run taken back and kept); False if that did not happen within `timeout`."""
        if label not in self.buttons:
            self.counts.errors.append(f"no {label} button on the page")
            return False
        self.timer = None
        clicked = time.monotonic()
        await self.send(widgets=[trigger(self.buttons[label][0])])
        deadline = clicked + timeout
        while time.monotonic() < deadline:
            if self.buttons.get(until, ("", 0.0))[1] > clicked and not self.running:
                return True
            await asyncio.sleep(0.1)
        self.counts.errors.append(f"{label}: no {until} button within {timeout:.0f} s")
        return False

    async def _wait_finished(self, stop: asyncio.Event, timeout: float) -> None:
        done = asyncio.ensure_future(self.finished.wait())
        halt = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({done, halt}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            done.cancel()
            halt.cancel()
        if not self.finished.is_set() and not stop.is_set():
            self.counts.errors.append(f"no script_finished within {timeout:.0f} s")

    async def _read(self, ws) -> None:
        try:
            async for data in ws:
                self.counts.bytes_received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.handle(msg)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self.counts.errors.append(f"websocket: {type(e).__name__}: {e}")

    def handle(self, msg: ForwardMsg) -> None:
        """Update the counts from one ForwardMsg."""
        now = time.monotonic()
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            full = self.cache.resolve(msg)
            if full is None:
                self.counts.errors.append(f"ref_hash {msg.ref_hash} not in the cache")
                return
            msg, kind = full, full.WhichOneof("type")
        else:
            self.cache.put(msg)
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
        elif kind == "navigation":   # with st.navigation, the page this run shows (new_session's is app.py's)
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(now, msg.delta.new_element)
        elif kind == "auto_rerun":
            self.timer = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
            self.counts.playing = True
        elif kind == "stop_auto_rerun":
            if self.timer and self.timer[0] in msg.stop_auto_rerun.fragment_ids:
                self.timer = None
        elif kind == "script_finished":
            if msg.script_finished in (FRAGMENT_DONE, CUT_SHORT) and self.timer is not None:
                self.counts.fragment_runs.append((now, msg.script_finished == CUT_SHORT))
            self.cache.finished_run()
            self.running = False
            self.finished.set()

    def _element(self, now: float, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "metric" and element.metric.label == "Epoch":
            epoch = parse_epoch(element.metric.body)
            if epoch is not None:
                self.counts.epochs.append((now, epoch))
        elif kind == "button":
            self.buttons[element.button.label] = (element.button.id, now)
        elif kind == "dataframe":
            self.tables.append(element.dataframe.arrow_data.data)
        elif kind == "bidi_component" and element.bidi_component.id.endswith(BOUNDARY_KEY):
            self.counts.updates.append((now, chart_states(element.bidi_component.json)))
        elif kind == "exception":
            self.counts.errors.append(f"exception: {element.exception.type}: {element.exception.message}"[:300])
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            self.counts.errors.append(f"error alert: {element.alert.body}"[:300])


async def _wait_any(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds` or until `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0))

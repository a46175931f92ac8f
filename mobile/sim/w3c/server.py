"""The simulated phone's W3C WebDriver server: what Appium's LinkedInSim driver forwards commands to.

It plays the role of the UiAutomator2 (or WebDriverAgent) server on a device: sessions, page source,
element lookup, clicks, W3C pointer actions, `mobile:` extensions, settings, screenshots. Every command
waits `phone.command_latency(command)` before it is answered: the simulated device is slow, never the tool.
Outside the W3C surface, GET /sim/log and GET /sim/state expose the interaction log and the phone's state.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from mobile.sim.w3c import commands as w3c_commands
from mobile.sim.w3c.device import Device, Request, Session
from mobile.sim.w3c.protocol import W3CError

__all__ = ["Device", "Request", "Route", "Session", "SimServer", "make_route"]

# A handler gets the Device (phone, session, lock) and the parsed request, never the server.
Handler = Callable[[Any, Request], Any]


class SimServer:
    """Routes W3C requests to a Phone, one command at a time (a lock guards the phone).

    Subclasses speak another dialect of the same protocol (mobile/sim/wda/): they set `routes` and may
    override `envelope` / `error_envelope` (the JSON around a value or an error) and `unknown_route`."""

    routes: tuple["Route", ...] = ()

    def __init__(self, phone: Any, host: str = "127.0.0.1", port: int = 0):
        self.device = self.make_device(phone)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), JsonHandler)
        self._httpd.sim = self
        self._thread: threading.Thread | None = None

    def make_device(self, phone: Any) -> Device:
        """The Device the handlers work on (a dialect may keep more per-session state in a subclass)."""
        return Device(phone)

    # The phone, its lock, session and stop signal live on the Device; these read through to it.
    @property
    def phone(self) -> Any:
        return self.device.phone

    @property
    def platform(self) -> str:
        return self.device.platform

    @property
    def lock(self) -> threading.RLock:
        return self.device.lock

    @property
    def stopping(self) -> threading.Event:
        return self.device.stopping

    @property
    def session(self) -> Session | None:
        return self.device.session

    @session.setter
    def session(self, session: Session | None) -> None:
        self.device.session = session

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT of this server."""
        host, port = self._httpd.socket.getsockname()[:2]  # what server_address holds, typed as an IP address
        return f"http://{host}:{port}"

    def start(self) -> "SimServer":
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name=f"sim-server-{self.url}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until stop() (used by `python -m mobile.sim serve`)."""
        # stop() waits for the loop to notice: the default 0.5 s poll made every shutdown cost half a second
        self._httpd.serve_forever(poll_interval=0.02)

    def stop(self) -> None:
        """Stop accepting, cut open keep-alive connections and release the port."""
        self.stopping.set()
        close_http_server(self._httpd, self._connections, self._connections_lock)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def track(self, conn: socket.socket, open_: bool) -> None:
        """Remember open client connections so stop() can close them."""
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    # --- dispatch -------------------------------------------------------------------------------------

    def dispatch(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Answer one request: (HTTP status, JSON body). Never raises."""
        session_id = self.session.session_id if self.session else None
        try:
            try:
                route, params = _match_route(method, path, self.routes or ROUTES)
            except W3CError as exc:
                self.unknown_route(method, path, exc)
                raise
            query = dict(urllib.parse.parse_qsl(path.partition("?")[2]))
            request = Request(params, body, query=query)
            if route.session:
                request.session = self.device.session_for(params["sid"])
            if route.latency_key is not None:
                self._wait_latency(route.latency_key, body, request.session)
            with self.lock:
                value = route.handler(self.device, request)
            if route.latency_key is not None:
                self._wait(self._round_trip() / 2)  # the answer travels back
            return 200, self.envelope(value, request)
        except W3CError as exc:
            return exc.status, self.error_envelope(exc, session_id)
        except Exception as exc:  # noqa: BLE001 - the phone's own errors carry a W3C code; others are bugs
            error = getattr(exc, "error", None)
            if isinstance(error, str):
                failure = W3CError(error, str(getattr(exc, "message", exc)))
            else:
                failure = W3CError("unknown error", f"{type(exc).__name__}: {exc}")
            return failure.status, self.error_envelope(failure, session_id)

    def envelope(self, value: Any, request: "Request") -> dict[str, Any]:
        """The JSON body of a successful answer."""
        return {"value": value}

    def error_envelope(self, error: W3CError, session_id: str | None) -> dict[str, Any]:
        """The JSON body of an error answer."""
        return error.body()

    def unknown_route(self, method: str, path: str, error: W3CError) -> None:
        """Called for a request no route answers (the W3C server just answers the error)."""

    def _wait_latency(self, key: str, body: Any, session: "Session | None") -> None:
        """The modelled latency of this command before the device acts: half the profile's round trip,
        the wait for an idle app (busy screens only) and the device's own time; stop() interrupts it."""
        if key == "execute" and isinstance(body, dict):
            key = w3c_commands.SCRIPT_LATENCY.get(w3c_commands.normalize_script(body.get("script")), key)
        self._wait(self._round_trip() / 2)
        idle = getattr(self.phone, "idle_wait", None)
        settings = session.settings if session is not None else {}
        self._wait((float(idle(key, settings)) if idle else 0.0) + float(self.phone.command_latency(key) or 0.0))

    def _round_trip(self) -> float:
        trip = getattr(self.phone, "round_trip", None)
        return float(trip()) if trip else 0.0

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stopping.wait(seconds)

    def new_session(self, capabilities: dict[str, Any]) -> Session:
        """Start a session on the phone (see Device.new_session)."""
        return self.device.new_session(capabilities)

    def end_session(self, session: Session) -> None:
        """End the session on the phone."""
        self.device.end_session(session)


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path pattern, its latency key (None = answered at once) and handler."""

    method: str
    pattern: re.Pattern[str]
    latency_key: str | None
    handler: Handler
    session: bool


def close_http_server(httpd: ThreadingHTTPServer, connections: set[socket.socket], lock: threading.Lock) -> None:
    """Stop a serving loop, cut its open keep-alive connections (a client may hold one) and release the port."""
    httpd.shutdown()
    with lock:
        for conn in list(connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    httpd.server_close()


def make_route(method: str, path: str, latency_key: str | None, handler: Handler) -> Route:
    """A Route from a (method, path pattern with :params, latency key, handler) spec."""
    regex = re.sub(r":(\w+)", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{regex}/?$"), latency_key, handler, ":sid" in path)


ROUTES: tuple[Route, ...] = tuple(make_route(*spec) for spec in w3c_commands.ROUTE_SPECS)


def _match_route(method: str, path: str, routes: tuple[Route, ...]) -> tuple[Route, dict[str, str]]:
    path = path.split("?", 1)[0].rstrip("/") or "/"
    path_known = False
    for route in routes:
        match = route.pattern.match(path)
        if match:
            path_known = True
            if route.method == method:
                return route, match.groupdict()
    if path_known:
        raise W3CError("unknown method", f"{method} is not supported on {path}")
    raise W3CError("unknown command", f"the simulated phone does not know the command {method} {path}")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog of 5 drops the SYNs of a burst of new connections, and the
    # kernel retries them only after a second.
    request_queue_size = 64
    sim: SimServer


class JsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive (Appium's proxy reuses connections); JSON in, JSON out.

    The server it serves is `owner()`: anything with `track(connection, open)` and `dispatch(method, path,
    body) -> (status, payload)`. The uiautomator2 surface (mobile/sim/u2/server.py) subclasses it."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits ~40 ms for each answer.
    disable_nagle_algorithm = True
    server_version = "LinkedInSimPhone/1"
    # Idle keep-alive connections are dropped after this many seconds.
    timeout = 300

    def owner(self) -> Any:
        """The server object whose dispatch answers this connection."""
        return self.server.sim  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        self.owner().track(self.connection, True)

    def finish(self) -> None:
        self.owner().track(self.connection, False)
        super().finish()

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._answer("DELETE")

    def bad_body(self, failure: W3CError) -> dict[str, Any]:
        """The payload for a request body that is not JSON."""
        return failure.body()

    def send_json(self, status: int, data: bytes) -> None:
        """Status line, headers and the JSON body."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(data)

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except ValueError:
            failure = W3CError("invalid argument", "request body is not JSON")
            status, payload = failure.status, self.bad_body(failure)
        else:
            status, payload = self.owner().dispatch(method, self.path, body)
        self.send_json(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        """Quiet: the phone's interaction log records every command."""

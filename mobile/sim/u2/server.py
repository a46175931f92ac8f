"""The phone's uiautomator2-server-compatible HTTP surface: what the real UiAutomator2 driver proxies to.

It runs while the instrumentation (`am instrument -w ... AndroidJUnitRunner`) does and is reached only through
the adb forward (`tcp:<systemPort> -> tcp:6790`, bridged by mobile.sim.adb.services). The protocol follows
appium-uiautomator2-server 10.6: no path prefix (a legacy `/wd/hub` is stripped), every answer
`{"sessionId", "value"}` written in one send, W3C error shapes. `POST /session` does not launch the app (the
driver does that over adb); `DELETE /session/:id` ends the instrumentation. The screen commands go through
the phone's SimServer (mobile.sim.u2.routes translates the u2 bodies), so both drivers share the modelled
latency and the session's Appium settings.
"""

from __future__ import annotations

import re
import socket
import threading
import uuid
from http.server import ThreadingHTTPServer
from typing import Any

from mobile.sim.u2 import routes
from mobile.sim.w3c.device import DEFAULT_SETTINGS, Session
from mobile.sim.w3c.elements import ElementStore
from mobile.sim.w3c.protocol import W3CError, merge_capabilities
from mobile.sim.w3c.server import JsonHandler, SimServer, close_http_server

LEGACY_PREFIX = "/wd/hub"
# The real server stops this long after it answered DELETE /session.
STOP_AFTER_DELETE_S = 0.015
_SESSION_PATH = re.compile(r"^/session/([^/]+)(/.*)?$")


class U2Server:
    """One uiautomator2-compatible server for one AndroidSystem (and the SimServer of its phone)."""

    def __init__(self, system: Any, sim: Any = None) -> None:
        self.system = system
        # The phone's own W3C server when it runs one (shared session and settings), else a private one.
        self.sim = sim or getattr(system, "sim_server", None) or SimServer(system.phone)
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.u2 = self
        self.port: int = self._httpd.server_address[1]
        # stop() waits for serve_forever to notice: a 20 ms poll, not the default half second
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), name=f"u2-server-{self.port}",
                                        daemon=True)
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def start(self) -> "U2Server":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut keep-alive connections."""
        close_http_server(self._httpd, self._connections, self._conn_lock)
        self._thread.join(timeout=5)

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._conn_lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    @property
    def session(self) -> Any:
        return self.sim.session

    def forget_session(self) -> None:
        """The instrumentation died: its session is gone with it."""
        session = self.sim.session
        if session is not None:
            with self.sim.lock:
                self.sim.end_session(session)

    # ---- dispatch ----------------------------------------------------------------------------------
    def dispatch(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one request; never raises."""
        path = path.split("?", 1)[0]
        if path.startswith(LEGACY_PREFIX):
            path = path[len(LEGACY_PREFIX):]
        path = path.rstrip("/") or "/"
        sid: str | None = None
        try:
            if (method, path) == ("GET", "/status"):
                return 200, {"sessionId": None, "value": routes.STATUS}
            if (method, path) == ("GET", "/sessions"):
                session = self.session
                listed = [] if session is None else [
                    {"id": session.session_id, "capabilities": session.capabilities}]
                return 200, {"sessionId": None, "value": listed}
            if (method, path) == ("POST", "/session"):
                session = self.new_session(body)
                value = {"sessionId": session.session_id, "capabilities": session.capabilities}
                return 200, {"sessionId": session.session_id, "value": value}
            match = _SESSION_PATH.match(path)
            if match is None:
                raise W3CError("unknown command", f"The requested resource could not be found: {method} {path}")
            sid, rest = match.group(1), match.group(2) or ""
            session = self.session
            if session is None or session.session_id != sid:
                raise W3CError("invalid session id", f"The session identified by {sid} is not known")
            status, answer = self._session_command(method, sid, rest, body)
        except W3CError as exc:
            status, answer = exc.status, exc.body()
        answer["sessionId"] = sid
        return status, answer

    def _session_command(self, method: str, sid: str, rest: str, body: Any) -> tuple[int, dict[str, Any]]:
        local = routes.local_answer(self, method, rest)
        if local is not routes.NOT_LOCAL:
            return 200, {"value": local}
        target = routes.translate(method, rest, body if isinstance(body, dict) else {})
        status, answer = self.sim.dispatch(method, f"/session/{sid}{target.path}", target.body)
        if status == 200:
            answer["value"] = target.convert(answer.get("value"))
        if (method, rest) == ("DELETE", "") and status == 200:
            self.system.session_deleted()
            threading.Timer(STOP_AFTER_DELETE_S, self.system.end_instrumentation).start()
        return status, answer

    def new_session(self, body: Any) -> Any:
        """A new session replaces any old one; it neither wakes the phone nor starts the app."""
        caps = merge_capabilities(body)
        plain = {key.split(":", 1)[-1]: value for key, value in caps.items()}
        seconds = float(self.sim.phone.command_latency("session") or 0.0)
        if seconds > 0:
            self.sim.stopping.wait(seconds)
        with self.sim.lock:
            self.sim.phone.start_session({"platformName": "Android"}, unlock=False)
            session = Session(str(uuid.uuid4()), plain, ElementStore("android", plain.get("appPackage")),
                              dict(DEFAULT_SETTINGS))
            self.sim.session = session
        return session


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # as the W3C server: a backlog of 5 delays a burst of connects by a second
    u2: U2Server


class _Handler(JsonHandler):
    """The W3C server's handler, answering as uiautomator2-server does: `sessionId` in every body, and each
    answer (status line, headers, body) in one write."""

    server_version = "uiautomator2-server-sim/1"

    def owner(self) -> Any:
        return self.server.u2  # type: ignore[attr-defined]

    def bad_body(self, failure: W3CError) -> dict[str, Any]:
        return {"sessionId": None, **failure.body()}

    def send_json(self, status: int, data: bytes) -> None:
        reason = self.responses.get(status, ("",))[0]
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n").encode("latin-1")
        self.wfile.write(head + data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        """Quiet: the phone's interaction log and the adb command log record what matters."""

"""What a command handler works on: the phone, its one session, the lock around it and the stop signal.

The HTTP server (server.py) owns one Device and hands it, with the parsed Request, to every handler in
commands.py and extensions.py; handlers never see the server. Imports go one way: server -> commands ->
extensions -> device.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from mobile.sim.w3c.elements import ElementStore
from mobile.sim.w3c.protocol import W3CError

DEFAULT_SETTINGS: dict[str, Any] = {
    "disableIdLocatorAutocompletion": False, "ignoreUnimportantViews": False, "waitForIdleTimeout": 10000,
    "snapshotMaxDepth": 70, "pageSourceExcludedAttributes": "",
}


@dataclass
class Session:
    """One W3C session on the phone: its capabilities, Appium settings, timeouts and found elements."""

    session_id: str
    capabilities: dict[str, Any]
    elements: ElementStore
    settings: dict[str, Any] = field(default_factory=dict)
    timeouts: dict[str, int] = field(default_factory=lambda: {"implicit": 0, "pageLoad": 300000, "script": 30000})


@dataclass
class Request:
    """A parsed request: route parameters, JSON body and the session it belongs to (if any)."""

    params: dict[str, str]
    body: Any
    session: Session | None = None
    query: dict[str, str] = field(default_factory=dict)

    @property
    def active_session(self) -> Session:
        """The session of a `/session/:sid/...` route (the server sets it, checked, before the handler runs)."""
        if self.session is None:
            raise W3CError("invalid session id", "this command needs a session")
        return self.session


class Device:
    """The simulated phone as the handlers see it: one command at a time under `lock`."""

    def __init__(self, phone: Any) -> None:
        self.phone = phone
        self.platform = str(getattr(phone, "platform", "android")).lower()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.session: Session | None = None

    def session_for(self, session_id: str) -> Session:
        """The active session with this id, or W3C `invalid session id`."""
        session = self.session
        if session is None or session.session_id != session_id:
            raise W3CError("invalid session id", f"no active session with id '{session_id}' on the simulated phone")
        return session

    def new_session(self, capabilities: dict[str, Any]) -> Session:
        """Start a session on the phone; a new one replaces an old one, as on the UiAutomator2 server."""
        returned = self.phone.start_session(capabilities)
        caps = {**capabilities, **(returned if isinstance(returned, dict) else {})}
        app_package = caps.get("appium:appPackage") or caps.get("appPackage")
        session = Session(str(uuid.uuid4()), caps, ElementStore(self.platform, app_package), dict(DEFAULT_SETTINGS))
        self.session = session
        return session

    def end_session(self, session: Session) -> None:
        """End the session on the phone."""
        if self.session is session:
            self.session = None
        self.phone.end_session()

    def wait_unlocked(self, seconds: float) -> None:
        """Wait (interrupted by stop) with the phone's lock released, so the screen can change meanwhile.
        The caller holds the lock (handlers run under it) and holds it again afterwards."""
        self.lock.release()
        try:
            self.stopping.wait(seconds)
        finally:
            self.lock.acquire()

"""WdaServer: the simulated iPhone's WebDriverAgent HTTP surface (what `appium:webDriverAgentUrl` points to).

Same machinery as the W3C SimServer (one lock around the Phone, modelled latency, keep-alive, TCP_NODELAY),
with WDA's dialect: its `/status` and session shapes, `/wda/...` routes, the `{"value", "sessionId"}`
envelope and `{"error", "message", "traceback"}` errors. A request no route answers is recorded in the
phone's log as `unknown_route` (the e2e tests assert there is none) and answered as WDA does: 404
`unknown command`.
"""

from __future__ import annotations

import uuid
from typing import Any

from mobile.sim.w3c import commands as w3c_commands
from mobile.sim.w3c.server import Request, Route, Session, SimServer, make_route
from mobile.sim.w3c.protocol import W3CError, merge_capabilities
from mobile.sim.w3c.elements import ElementStore
from mobile.sim.wda import commands

WDA_VERSION = "9.15.1"  # what appium-webdriveragent 16.12.9 reports; logged by the driver, never checked
WDA_BUNDLE = "com.facebook.WebDriverAgentRunner.xctrunner"


class WdaServer(SimServer):
    """A Phone (platform ios) served in WebDriverAgent's dialect."""

    routes: tuple[Route, ...] = tuple(make_route(*spec) for spec in commands.ROUTE_SPECS)

    def __init__(self, phone: Any, host: str = "127.0.0.1", port: int = 0):
        if getattr(phone, "platform", None) != "ios":
            raise ValueError("WebDriverAgent serves an iOS phone only")
        super().__init__(phone, host=host, port=port)
        self.wda_caps: dict[str, Any] = {}

    def envelope(self, value: Any, request: Request) -> dict[str, Any]:
        """WDA answers `{"value": v, "sessionId": sid-or-null}` (FBResponseWithStatus)."""
        session_id = self.session.session_id if self.session else None
        return {"value": value, "sessionId": session_id}

    def error_envelope(self, error: W3CError, session_id: str | None) -> dict[str, Any]:
        """WDA errors: `{"value": {"error", "message", "traceback"}, "sessionId"}` with the W3C status."""
        return {"value": {"error": error.error, "message": error.message, "traceback": ""}, "sessionId": session_id}

    def unknown_route(self, method: str, path: str, error: W3CError) -> None:
        """Record a request the simulated WDA does not answer, so tests can see every gap."""
        self.phone.log.record("unknown_route", method=method, path=path.split("?", 1)[0], error=error.error)

    def new_wda_session(self, body: Any) -> Session:
        """POST /session as WDA handles it: launch or activate `bundleId` when given, then one session."""
        caps = merge_capabilities(body)
        bundle_id = caps.get("bundleId")
        # WDA relaunches the app unless told not to; noReset makes the driver send forceAppLaunch false,
        # and then a running app is only brought to the front.
        phone_caps: dict[str, Any] = {"platformName": "iOS"}
        if bundle_id is not None:
            phone_caps["appium:bundleId"] = bundle_id
            phone_caps["appium:dontStopAppOnReset"] = caps.get("forceAppLaunch") is False
        self.phone.start_session(phone_caps)
        self.wda_caps = caps
        session = Session(str(uuid.uuid4()).upper(), caps, ElementStore("ios"), dict(w3c_commands.DEFAULT_SETTINGS))
        self.session = session
        return session

    def end_wda_session(self, session: Session) -> None:
        """DELETE /session: with shouldTerminateApp the app under test is stopped too."""
        bundle_id = session.capabilities.get("bundleId")
        if session.capabilities.get("shouldTerminateApp") and bundle_id:
            try:
                self.phone.terminate_app(bundle_id)
            except Exception:  # noqa: BLE001 - an app that is gone needs no stopping
                pass
        self.end_session(session)

"""WdaServer: the simulated iPhone's WebDriverAgent HTTP surface (what `appium:webDriverAgentUrl` points to).

Same machinery as the W3C SimServer (one lock around the Phone, modelled latency, keep-alive, TCP_NODELAY),
with WDA's dialect: its `/status` and session shapes, `/wda/...` routes, the `{"value", "sessionId"}`
envelope and `{"error", "message", "traceback"}` errors. A request no route answers is recorded in the
phone's log as `unknown_route` (the e2e tests assert there is none) and answered as WDA does: 404
`unknown command`.
"""

from __future__ import annotations

from typing import Any

from mobile.sim.w3c.device import Device
from mobile.sim.w3c.protocol import W3CError
from mobile.sim.w3c.server import Request, Route, SimServer, make_route
from mobile.sim.wda import commands
from mobile.sim.wda.device import WDA_BUNDLE, WDA_VERSION, WdaDevice

__all__ = ["WDA_BUNDLE", "WDA_VERSION", "WdaServer"]


class WdaServer(SimServer):
    """A Phone (platform ios) served in WebDriverAgent's dialect."""

    routes: tuple[Route, ...] = tuple(make_route(*spec) for spec in commands.ROUTE_SPECS)

    def __init__(self, phone: Any, host: str = "127.0.0.1", port: int = 0):
        if getattr(phone, "platform", None) != "ios":
            raise ValueError("WebDriverAgent serves an iOS phone only")
        super().__init__(phone, host=host, port=port)

    def make_device(self, phone: Any) -> Device:
        """WDA's handlers need its own session rules (WdaDevice)."""
        return WdaDevice(phone)

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

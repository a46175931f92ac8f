"""The simulated iPhone as WebDriverAgent's handlers see it: the W3C Device plus WDA's session rules."""

from __future__ import annotations

import uuid
from typing import Any

from mobile.sim.w3c.device import DEFAULT_SETTINGS, Device, Session
from mobile.sim.w3c.elements import ElementStore
from mobile.sim.w3c.protocol import merge_capabilities

WDA_VERSION = "9.15.1"  # what appium-webdriveragent 16.12.9 reports; logged by the driver, never checked
WDA_BUNDLE = "com.facebook.WebDriverAgentRunner.xctrunner"


class WdaDevice(Device):
    """A Phone (platform ios) with WDA's POST /session and DELETE /session."""

    def __init__(self, phone: Any) -> None:
        super().__init__(phone)
        self.wda_caps: dict[str, Any] = {}

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
        session = Session(str(uuid.uuid4()).upper(), caps, ElementStore("ios"), dict(DEFAULT_SETTINGS))
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

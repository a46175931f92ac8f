"""Appium capabilities for a Device, built with the client's typed options, and the W3C payload sent.

Real Android -> UiAutomator2, real iOS -> XCUITest, simulated phones -> our LinkedInSim driver with the
same app capabilities the real drivers get, or (simulator driver uiautomator2) the very UiAutomator2
capabilities of a USB phone. The app (package or bundle id) is the flow's `apps:` entry for the platform. `slot` (the index among parallel sessions) keeps the
device-side ports and WDA build folders of concurrent sessions apart. devices.yaml `capabilities:` win.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from appium.options.android import UiAutomator2Options
from appium.options.common import AppiumOptions
from appium.options.ios import XCUITestOptions

from mobile.core.flow_schema import App
from mobile.reach.appium_server import free_port
from mobile.reach.devices import Device

SIM_AUTOMATION = "LinkedInSim"
NEW_COMMAND_TIMEOUT = 120
SYSTEM_PORT_BASE = 8200  # UiAutomator2 server ports 8200-8299
WDA_PORT_BASE = 8100
MJPEG_PORT_BASE = 9100
MAX_SLOTS = 100
# iOS (issue 13 point 11): the first session on an iPhone builds and signs WebDriverAgent with Xcode, which
# takes minutes; WDA's own launch wait and the client's HTTP timeout must outlast it.
WDA_LAUNCH_TIMEOUT_MS = 300_000
IOS_SESSION_TIMEOUT_S = 600.0
IOS_SETTINGS = {
    # LinkedIn's feed never idles; XCTest's default 10 s quiescence wait would be paid by every command.
    "waitForIdleTimeout": 1,
    # WebKit settings pages nest deeper than WDA's default snapshot depth of 50.
    "snapshotMaxDepth": 80,
}
ANDROID_SETTINGS = {
    # Bare WebView ids (e.g. "ACCOUNT") must not be auto-prefixed with the app's "PACKAGE:id/".
    "disableIdLocatorAutocompletion": True,
    # The feed animates forever: the default 10 s idle wait would be paid by every command there, and any
    # cap at all by each command while Home shows (UiAutomator never sees it idle). 0 turns the wait off; the
    # runner does not rely on it: it identifies every screen from the page source and reads a switch twice,
    # equal, before deciding to tap it. Sent as a capability (`appium:settings[...]`), so Appium applies it
    # as the session starts, without a command of ours.
    "waitForIdleTimeout": 0,
}


def adb_server_port() -> int:
    """The adb server port Appium must use: ours, from ANDROID_ADB_SERVER_PORT (default 5037)."""
    return int(os.environ.get("ANDROID_ADB_SERVER_PORT") or 5037)


def wda_derived_data(slot: int) -> str:
    """A per-slot WebDriverAgent build folder, so parallel iOS sessions never share one."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(cache / "linkedin-optout" / f"wda-{slot}")


def _android_app(options: AppiumOptions, app: App) -> None:
    """The app capabilities every Android session carries.

    No appActivity: the launcher entry changes between builds (newer LinkedIn builds launch an
    activity-alias, LaunchActivityDefault, and no longer export LaunchActivity), so UiAutomator2 resolves it
    itself (`cmd package resolve-activity`). Any of the app's activities counts as started: the launcher is
    a trampoline that hands over to the main activity at once."""
    options.set_capability("appium:appPackage", app.app_id)
    options.set_capability("appium:appWaitActivity", f"{app.app_id}.*")
    options.set_capability("appium:noReset", True)  # keeps the user signed in
    # with noReset alone a running LinkedIn comes back where the person left it (Messaging, a post...)
    options.set_capability("appium:forceAppLaunch", True)


def _ios_app(options: AppiumOptions, app: App) -> None:
    """The app capabilities every iOS session carries."""
    options.set_capability("appium:bundleId", app.app_id)
    options.set_capability("appium:noReset", True)
    options.set_capability("appium:forceAppLaunch", True)  # XCUITest: false by default once noReset is set


def _uiautomator2(device: Device, app: App, slot: int, local: bool = True,
                  system_port: int | None = None) -> AppiumOptions:
    options = UiAutomator2Options()
    options.platform_name = "Android"
    options.automation_name = "UiAutomator2"
    _android_app(options, app)
    if device.serial is None or device.serial == "auto":
        raise ValueError(f"device '{device.name}' has no resolved serial; resolve() it first")
    options.udid = device.serial
    if local:  # behind a remote Appium or a Grid these are the lab's: its node stereotypes pin them
        options.system_port = system_port or SYSTEM_PORT_BASE + slot
        options.adb_port = device.adb_port or adb_server_port()
    options.new_command_timeout = NEW_COMMAND_TIMEOUT
    options.disable_window_animation = True
    for name, value in ANDROID_SETTINGS.items():
        options.set_capability(f"appium:settings[{name}]", value)
    return options


def _xcuitest(device: Device, app: App, slot: int, local: bool) -> XCUITestOptions:
    options = XCUITestOptions()
    options.platform_name = "iOS"
    options.automation_name = "XCUITest"
    _ios_app(options, app)
    if device.udid is None:
        raise ValueError(f"device '{device.name}' has no udid")
    options.udid = device.udid
    if local:  # a remote Mac has its own ports and folders; a path from this machine means nothing there
        options.wda_local_port = WDA_PORT_BASE + slot
        options.mjpeg_server_port = MJPEG_PORT_BASE + slot
        options.derived_data_path = wda_derived_data(slot)
    options.new_command_timeout = NEW_COMMAND_TIMEOUT
    options.set_capability("appium:wdaLaunchTimeout", WDA_LAUNCH_TIMEOUT_MS)
    options.set_capability("appium:waitForIdleTimeout", IOS_SETTINGS["waitForIdleTimeout"])
    options.set_capability("appium:settings[snapshotMaxDepth]", IOS_SETTINGS["snapshotMaxDepth"])
    return options


def _xcuitest_simulated(device: Device, app: App, sim_url: str, slot: int, mjpeg_port: int | None) -> AppiumOptions:
    """A simulated iPhone through the real XCUITest driver: a real iPhone's capabilities (its udid is the
    phone's), plus `webDriverAgentUrl`, the phone's WebDriverAgent, so nothing needs Xcode."""
    options = _xcuitest(device, app, slot, local=True)  # the phone runs next to the Appium the tool starts
    options.set_capability("appium:webDriverAgentUrl", sim_url)
    if mjpeg_port is not None:
        options.mjpeg_server_port = mjpeg_port
    return options


def _simulated(device: Device, app: App, sim_url: str) -> AppiumOptions:
    options = AppiumOptions()
    options.set_capability("platformName", "Android" if device.platform == "android" else "iOS")
    options.set_capability("appium:automationName", SIM_AUTOMATION)
    options.set_capability("appium:simServer", sim_url)
    if device.platform == "android":
        _android_app(options, app)
        for name, value in ANDROID_SETTINGS.items():  # the phone honours them as uiautomator2-server does
            options.set_capability(f"appium:settings[{name}]", value)
    else:
        _ios_app(options, app)
    options.set_capability("appium:newCommandTimeout", NEW_COMMAND_TIMEOUT)
    return options


def capabilities_for(device: Device, app: App, *, sim_url: str | None = None, slot: int = 0,
                     mjpeg_port: int | None = None, local: bool = True) -> AppiumOptions:
    """The options for one session of `app` (the flow's `apps:` entry for the device's platform) on
    `device`; `sim_url` is the simulated phone's server URL (its WebDriverAgent for simulator.driver
    xcuitest, whose `udid` is the phone's serial).

    `local` is False when the session goes to a remote Appium or through a Grid: device-side ports
    (systemPort, adbPort, wdaLocalPort, mjpegServerPort) and derivedDataPath are then left to the lab
    (Grid 4 only routes a request whose `appium:` keys equal the node stereotype's), unless devices.yaml
    `capabilities:` names them."""
    if not 0 <= slot < MAX_SLOTS:
        raise ValueError(f"slot {slot} out of range 0..{MAX_SLOTS - 1}")
    if app.platform != device.platform:
        raise ValueError(f"device '{device.name}' is {device.platform}; the app given is for {app.platform}")
    url = sim_url or device.sim_url
    if device.simulated and device.sim_driver == "xcuitest":
        if not url:
            raise ValueError(f"simulated device '{device.name}' needs sim_url (start the phone first)")
        options = _xcuitest_simulated(device, app, url, slot, mjpeg_port)
    elif device.simulated and device.platform == "android" and device.driver == "uiautomator2":
        # The simulated phone on adb takes exactly what a USB phone gets; only the host port of the
        # uiautomator2 forward is a free one (8200+slot may be taken by another user of this machine).

        options = _uiautomator2(device, app, slot, system_port=free_port())
    elif device.simulated:
        if not url:
            raise ValueError(f"simulated device '{device.name}' needs sim_url (start the phone first)")
        options = _simulated(device, app, url)
    elif device.platform == "android":
        options = _uiautomator2(device, app, slot, local)
    else:
        options = _xcuitest(device, app, slot, local)
    for name, value in device.capabilities.items():
        options.set_capability(name, value)
    return options


def to_payload(options: AppiumOptions) -> dict[str, Any]:
    """The body of `POST /session` exactly as the Appium client sends it."""
    return options.to_w3c()

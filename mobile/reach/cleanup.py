"""Leave no trace on a personal phone: remove what Appium installed on it through adb.

The UiAutomator2 driver installs its on-device server (and its instrumentation test package) and the
Appium Settings helper on first use, and leaves them there. `remove_appium_packages` uninstalls the ones it
finds and returns their names; parsing is shared with mobile.reach.adb.
"""

from __future__ import annotations

import adbutils

from mobile.reach.adb import ensure_server, list_devices
from mobile.errors import DeviceError, NoDevice

# What Appium's Android drivers install on a device (appium-uiautomator2-driver, io.appium.settings,
# and the unlock helper older driver versions used).
APPIUM_PACKAGES = ("io.appium.uiautomator2.server.test", "io.appium.uiautomator2.server", "io.appium.settings",
                   "io.appium.unlock")


def installed_packages(text: str) -> set[str]:
    """`pm list packages` output -> the package names."""
    return {line.strip()[len("package:"):] for line in text.splitlines() if line.strip().startswith("package:")}


def remove_appium_packages(serial: str, port: int | None = None) -> tuple[list[str], list[str]]:
    """Uninstall Appium's packages from the device: (removed, failed with the device's reason)."""
    client = ensure_server(port)
    try:
        states = dict(list_devices(client))
    except (adbutils.AdbError, OSError) as exc:
        raise DeviceError(f"adb server on port {client.port} does not answer: {exc}") from None
    if states.get(serial) != "device":
        state = states.get(serial)
        raise NoDevice(f"{serial} is not connected" if state is None else f"{serial} is {state}")
    device = client.device(serial)
    try:
        present = installed_packages(device.shell("pm list packages io.appium", timeout=30))
        removed: list[str] = []
        failed: list[str] = []
        for package in APPIUM_PACKAGES:
            if package not in present:
                continue
            answer = device.shell(f"pm uninstall {package}", timeout=60).strip()
            (removed if answer.startswith("Success") else failed).append(
                package if answer.startswith("Success") else f"{package} ({answer or 'no answer'})")
    except (adbutils.AdbError, OSError) as exc:
        raise DeviceError(f"{serial}: adb shell failed: {exc}") from None
    return removed, failed

"""Where a device's Appium runs: on this machine (ours, or one the user started on a loopback address) or
remote (another host, or any Selenium Grid). Only a local Appium shares this machine's adb, so only then does
the tool run its adb preflight, resolve `serial: auto`, and choose device-side ports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Grid 4's session queue holds a request up to `session-request-timeout` (300 s by default) before it
# answers "New session request timed out": the client's HTTP timeout must outlast it to read that answer.
GRID_SESSION_QUEUE_S = 300.0


def appium_target(appium_url: str | None, grid: str | None, device: Any) -> tuple[str | None, bool]:
    """(the URL sessions go to, or None for the Appium the tool starts; whether it is a Grid)."""
    if appium_url:
        return appium_url, False
    if grid:
        return grid, True
    appium = getattr(device, "appium", "local")
    return (None if appium == "local" else appium), False


def is_local(appium_url: str | None, grid: str | None, device: Any) -> bool:
    """True when the device's Appium runs on this machine (so it uses this machine's adb)."""
    url, through_grid = appium_target(appium_url, grid, device)
    if through_grid:
        return False
    return url is None or (urlparse(url).hostname or "") in LOOPBACK


def outlast_grid_queue(timeout: float, through_grid: bool) -> float:
    """The Appium client's HTTP timeout: through a Grid, longer than Grid's session queue timeout."""
    return max(timeout, GRID_SESSION_QUEUE_S + 30.0) if through_grid else timeout


def auto_needs_local_adb(name: str, url: str) -> str:
    """The config_error message for `serial: auto` / `--device auto` behind a remote Appium or a Grid."""
    return (f"device '{name}': auto needs the local adb, but its Appium is remote ({url}): name the serial "
            f"(`adb devices` on that machine lists it)")

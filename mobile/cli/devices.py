"""`linkedin-optout devices`: devices.yaml entries and live adb devices with their readiness."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.errors import EnvironmentProblem
from mobile.reach.adb import LiveDevice, discover
from mobile.reach.devices import BUILTIN_FILE, Device, DevicesConfig
from mobile.run.inputs import check_devices_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `devices`."""
    parser = subparsers.add_parser("devices", help="list devices.yaml entries and live adb devices with readiness",
                                   description=__doc__)
    parser.add_argument("--devices-file", metavar="FILE", help="devices.yaml to use")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--flow", default=DEFAULT_FLOW, metavar="NAME|FILE",
                        help="the flow whose app (apps.android) is looked for on each device")
    parser.set_defaults(run=run)


def entry_status(device: Device, live: list[LiveDevice], adb_error: str | None) -> str:
    """One line on whether a devices.yaml entry can be driven now."""
    if device.simulator is not None:
        through = {"uiautomator2": ", real UiAutomator2 driver over a private adb server"}.get(
            device.sim_driver or "", f", driver {device.sim_driver}" if device.sim_driver else "")
        return f"ready (built-in simulated phone, scenario {device.simulator['scenario']}{through})"
    if device.platform == "ios":
        return f"udid {device.udid} (checked by Appium's XCUITest driver at session start)"
    if adb_error:
        return f"unknown: {adb_error}"
    ready = [d for d in live if d.ready]
    if device.serial == "auto":
        if len(ready) == 1:
            return f"-> {ready[0].serial}"
        return "no ready device" if not ready else f"{len(ready)} ready devices: pick one with --device SERIAL"
    found = next((d for d in live if d.serial == device.serial), None)
    if found is None:
        return "not connected"
    return "ready" if found.ready else f"{found.state}: {found.fix}"


def live_line(device: LiveDevice, listed_as: str | None) -> str:
    """`127.0.0.1:6001  device  Pixel_8  Android 14  1080x2400  LinkedIn 4.1.1100  screen on`."""
    if not device.ready:
        return f"{device.serial}  {device.state}  fix: {device.fix or 'reconnect the device'}"
    parts = [device.serial, device.state, device.model or "?", f"Android {device.os_version or '?'}"]
    if device.width:
        parts.append(f"{device.width}x{device.height}")
    if device.app_installed is not None:  # None: the flow names no Android app to look for
        parts.append(f"LinkedIn {device.app_version or '?'}" if device.app_installed else "LinkedIn not installed")
    if device.locked and device.secure:
        parts.append("locked with a PIN/pattern/password: unlock it yourself")
    else:
        parts.append("screen locked" if device.locked else ("screen off" if device.screen_on is False else "screen on"))
    if device.sim_url:
        parts.append(f"simulated ({device.sim_url})")
    if device.problem:
        parts.append(f"problem: {device.problem}")
    if listed_as:
        parts.append(f"= {listed_as}")
    return "  ".join(parts)


def _listed_as(config: DevicesConfig, serial: str | None) -> str | None:
    return next((d.name for d in config.devices.values() if d.serial == serial), None)


def as_json(config: DevicesConfig, live: list[LiveDevice], adb_error: str | None) -> dict[str, Any]:
    """The `--json` document."""
    entries = [{"name": d.name, "platform": d.platform, "serial": d.serial, "udid": d.udid,
                "simulator": d.simulator, "appium": d.appium, "locale": d.locale, "capabilities": d.capabilities,
                "status": entry_status(d, live, adb_error)} for d in config.devices.values()]
    found = [{**asdict(d), "ready": d.ready, "fix": d.fix, "listed_as": _listed_as(config, d.serial)} for d in live]
    return {"devices_file": config.path, "devices": entries, "groups": {k: list(v) for k, v in config.groups.items()},
            "live": found, "adb_error": adb_error}


def run(args: argparse.Namespace) -> int:
    """List; exit 0, or 3 when adb itself cannot be reached."""
    config = check_devices_config(args.devices_file)
    package = find_flow(args.flow).app_id("android")
    live: list[LiveDevice] = []
    adb_error = None
    try:
        live = discover(package=package)
    except EnvironmentProblem as exc:
        adb_error = str(exc)
    if args.json:
        print(json.dumps(as_json(config, live, adb_error), indent=2))
        return 3 if adb_error else 0
    width = max(len(name) for name in config.devices)
    builtin = Path(config.path).resolve() == BUILTIN_FILE.resolve()
    print(f"{'built-in devices' if builtin else 'devices.yaml'} ({config.path}):")
    for device in config.devices.values():
        target = device.serial or device.udid or "simulator"
        print(f"  {device.name.ljust(width)}  {device.platform:<7}  {target:<20}  {entry_status(device, live, adb_error)}")
    for group, members in config.groups.items():
        print(f"  group {group}: {', '.join(members)}")
    print("adb:" if not adb_error else f"adb: {adb_error}")
    if not live and not adb_error:
        print("  no devices (connect a phone with USB debugging on, or start an emulator)")
    for found in live:
        print("  " + live_line(found, _listed_as(config, found.serial)))
    return 3 if adb_error else 0

"""`linkedin-optout doctor`: checks the toolchain and the chosen device and prints the fix for each problem."""

from __future__ import annotations

import argparse
import json
import sys

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.errors import EnvironmentProblem
from mobile.reach import doctor
from mobile.reach.adb import LiveDevice, discover
from mobile.reach.appium_server import locate_appium
from mobile.reach.devices import Device, resolve
from mobile.run.inputs import check_devices_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `doctor`."""
    parser = subparsers.add_parser("doctor", help="check Python deps, Node/npm, Appium and drivers, adb, devices",
                                   description=__doc__)
    parser.add_argument("--device", metavar="NAME|SERIAL|UDID|auto", help="device to check (default: the first in devices.yaml)")
    parser.add_argument("--devices-file", metavar="FILE", help="devices.yaml to use")
    parser.add_argument("--appium-url", metavar="URL", help="check this Appium server instead of the local install")
    parser.add_argument("--flow", default=DEFAULT_FLOW, metavar="NAME|FILE",
                        help="the flow whose app (apps.android) must be installed on the device")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(run=run, appium_url=None)


def driver_for(device: Device) -> str:
    """The Appium driver a device's session uses."""
    if device.simulator is not None:
        return str(device.simulator.get("driver", "linkedinsim"))
    if device.sim_url is not None:
        return "linkedinsim"
    return doctor.DRIVER_FOR[device.platform]


def gather(device_name: str | None, devices_file: str | None, appium_url: str | None = None,
           flow_name: str = DEFAULT_FLOW) -> tuple[Device | None, list[doctor.Check]]:
    """Every check, in the order a user fixes them; ConfigError propagates (exit 2)."""
    config = check_devices_config(devices_file)
    package = find_flow(flow_name).app_id("android")
    checks = [doctor.check_python_packages()]
    live_cache: list[list[LiveDevice]] = []

    def live_once() -> list[LiveDevice]:
        if not live_cache:
            live_cache.append(_live_or_empty(package))
        return live_cache[0]

    device = None
    device_check = None
    try:
        device = resolve(config, [device_name] if device_name else [], live=live_once)[0]
    except EnvironmentProblem as exc:  # `auto` with no phone: report it as the device finding
        device_check = doctor.Check(f"device {device_name}", False, str(exc),
                                    "connect a phone with USB debugging on, or use --device sim-android")
    remote = appium_url or config.grid or (device.appium if device is not None and device.appium != "local" else None)
    if remote:
        return device, checks + _remote(remote, device, is_grid=remote == config.grid and not appium_url)
    checks.extend(doctor.check_node())
    found = locate_appium()
    checks.append(doctor.check_appium(found.binary, found.origin))
    real_ios = device is not None and device.platform == "ios" and not device.simulated
    wanted = driver_for(device) if device is not None else None
    if real_ios and sys.platform != "darwin":
        wanted = None  # the macOS line says what is wrong; XCUITest is never advised off macOS
    drivers = doctor.installed_drivers(found.binary, found.home)
    if not found.installed:  # the appium line above says what to run; the drivers come with it
        checks.append(doctor.Check("appium drivers", None, "not listed: Appium is not installed", None, False))
    for name in () if not found.installed else ("linkedinsim", "uiautomator2", "xcuitest", *sorted(doctor.pinned_drivers() - {"linkedinsim", "uiautomator2", "xcuitest"})):
        checks.append(doctor.check_driver(name, drivers, found.binary, found.home, needed=name == wanted))
    if real_ios:
        checks.extend(doctor.check_macos_xcode())
    real_android = device is not None and device.platform == "android" and not device.simulated
    if device is not None and device.simulator is not None and driver_for(device) == "xcuitest":
        checks.append(doctor.check_openssl(needed=True))
    uses_adb = device is None or (device.platform == "android" and device.simulator is None)
    adb_check = doctor.check_adb(needed=uses_adb)
    checks.append(adb_check)
    if real_android:
        checks.append(doctor.check_android_home(needed=True))
    if device_check is not None:
        checks.append(device_check)
    if device is not None:
        live = live_once() if adb_check.ok and device.platform == "android" and device.simulator is None else None
        checks.extend(doctor.check_device(device, live, package))
    return device, checks


def _remote(url: str, device: Device | None, is_grid: bool) -> list[doctor.Check]:
    """A device behind another machine's Appium (or a Grid): that server's /status, and nothing local."""
    checks = [doctor.check_remote_appium(url, "grid" if is_grid else "appium"), doctor.remote_drivers(url)]
    if device is not None:
        checks.append(doctor.Check(f"device {device.name}", None, f"behind {url}: not checkable from here; that "
                                   "server checks it when the session starts", None, False))
    return checks


def _live_or_empty(package: str | None) -> list[LiveDevice]:
    """adb's devices (with `package` looked for), or none when adb itself is the problem (reported by its own
    check)."""
    try:
        return discover(package=package)
    except EnvironmentProblem:
        return []


def run(args: argparse.Namespace) -> int:
    """Print each check; exit 0 only when every needed check passes, else 3."""
    device, checks = gather(args.device, args.devices_file, args.appium_url, args.flow)
    failed = [c for c in checks if c.needed and c.ok is False]
    if args.json:
        print(json.dumps({"device": device.name if device else args.device, "ok": not failed,
                          "checks": [c.as_dict() for c in checks]}, indent=2))
    else:
        width = max(len(c.name) for c in checks)
        for check in checks:
            mark = "ok  " if check.ok else ("--  " if check.ok is None else "FAIL" if check.needed else "warn")
            print(f"{mark}  {check.name.ljust(width)}  {check.detail}")
            if check.fix and check.ok is False:
                print(f"      {''.ljust(width)}  fix: {check.fix}")
        target = device.name if device else (args.device or "?")
        print(f"{target}: ready" if not failed else f"{target}: not ready ({len(failed)} problem(s))",
              file=sys.stdout if not failed else sys.stderr)
    return 0 if not failed else 3

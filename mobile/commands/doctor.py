"""`linkedin-optout doctor`: checks the toolchain and the chosen device and prints the fix for each problem."""

from __future__ import annotations

import argparse
import json
import sys

from mobile import doctor
from mobile.appium_server import appium_binary, appium_home
from mobile.devices import Device, resolve
from mobile.inputs import check_devices_config
from mobile.errors import EnvironmentProblem


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `doctor`."""
    parser = subparsers.add_parser("doctor", help="check Python deps, Node/npm, Appium and drivers, adb, devices",
                                   description=__doc__)
    parser.add_argument("--device", metavar="NAME|SERIAL|UDID|auto", help="device to check (default: the first in devices.yaml)")
    parser.add_argument("--devices-file", metavar="FILE", help="devices.yaml to use")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(run=run)


def gather(device_name: str | None, devices_file: str | None) -> tuple[Device | None, list[doctor.Check]]:
    """Every check, in the order a user fixes them; ConfigError propagates (exit 2)."""
    config = check_devices_config(devices_file)
    checks = [doctor.check_python_packages(), *doctor.check_node()]
    binary, home = appium_binary(), appium_home()
    checks.append(doctor.check_appium(binary))
    live_cache: list[list] = []

    def live_once() -> list:
        if not live_cache:
            live_cache.append(_live_or_empty())
        return live_cache[0]

    live = None
    device = None
    try:
        device = resolve(config, [device_name] if device_name else [], live=live_once)[0]
    except EnvironmentProblem as exc:  # `auto` with no phone: report it as the device finding
        checks.append(doctor.Check(f"device {device_name}", False, str(exc),
                                   "connect a phone with USB debugging on, or use --device sim-android"))
    real_android = device is not None and device.platform == "android" and not device.simulated
    drivers = doctor.installed_drivers(binary, home)
    sim_xcuitest = device is not None and device.simulated and device.sim_driver == "xcuitest"
    checks.append(doctor.check_driver("linkedinsim", drivers, binary, home,
                                      needed=device is not None and device.simulated and not sim_xcuitest))
    checks.append(doctor.check_driver("uiautomator2", drivers, binary, home, needed=real_android))
    checks.append(doctor.check_driver("xcuitest", drivers, binary, home, needed=sim_xcuitest or (
        device is not None and device.platform == "ios" and not device.simulated)))
    if sim_xcuitest:
        checks.append(doctor.check_openssl(needed=True))
    uses_adb = device is None or (device.platform == "android" and device.simulator is None)
    adb_check = doctor.check_adb(needed=uses_adb)
    checks.append(adb_check)
    if real_android:
        checks.append(doctor.check_android_home(needed=True))
    if device is not None:
        if adb_check.ok and device.platform == "android" and device.simulator is None:
            live = live_once()
        checks.extend(doctor.check_device(device, live))
    return device, checks


def _live_or_empty() -> list:
    """adb's devices, or none when adb itself is the problem (reported by its own check)."""
    from mobile.adb import discover

    try:
        return discover()
    except EnvironmentProblem:
        return []


def run(args: argparse.Namespace) -> int:
    """Print each check; exit 0 only when every needed check passes, else 3."""
    device, checks = gather(args.device, args.devices_file)
    failed = [c for c in checks if c.needed and not c.ok]
    if args.json:
        print(json.dumps({"device": device.name if device else args.device, "ok": not failed,
                          "checks": [c.as_dict() for c in checks]}, indent=2))
    else:
        width = max(len(c.name) for c in checks)
        for check in checks:
            mark = "ok  " if check.ok else ("FAIL" if check.needed else "warn")
            print(f"{mark}  {check.name.ljust(width)}  {check.detail}")
            if check.fix and not check.ok:
                print(f"      {''.ljust(width)}  fix: {check.fix}")
        target = device.name if device else (args.device or "?")
        print(f"{target}: ready" if not failed else f"{target}: not ready ({len(failed)} problem(s))",
              file=sys.stdout if not failed else sys.stderr)
    return 0 if not failed else 3

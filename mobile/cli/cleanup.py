"""`linkedin-optout cleanup --device NAME|SERIAL`: remove what Appium installed on a phone, say what."""

from __future__ import annotations

import argparse
import json
import sys

from mobile.errors import ConfigError, EnvironmentProblem
from mobile.reach.cleanup import remove_appium_packages
from mobile.reach.devices import find_devices_file, load_devices, resolve
from mobile.reach.remote import is_local


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `cleanup`."""
    parser = subparsers.add_parser(
        "cleanup", help="remove what Appium installed on a phone (settings helper, UiAutomator2 server packages)",
        description=__doc__)
    parser.add_argument("--device", required=True, metavar="NAME|SERIAL", help="devices.yaml name or adb serial")
    parser.add_argument("--devices-file", metavar="FILE", help="devices.yaml to use")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Uninstall Appium's packages from the device through the local adb; exit 0, 2 bad input, 3 no device."""
    config = load_devices(find_devices_file(args.devices_file))
    try:
        device = resolve(config, [args.device])[0]
    except EnvironmentProblem as problem:
        sys.stderr.write(f"linkedin-optout: {problem}\n")
        return problem.exit_code
    if device.platform != "android" or not device.serial:
        raise ConfigError(f"device '{device.name}' is not an Android device reached through adb "
                          "(nothing of Appium's is installed on a simulated phone the tool starts, and iOS keeps "
                          "WebDriverAgent, which Xcode manages)", where="--device")
    if not is_local(None, config.grid, device):
        raise ConfigError(f"device '{device.name}' is behind a remote Appium or Grid: run cleanup on the machine "
                          "its USB cable goes to", where="--device")
    try:
        removed, failed = remove_appium_packages(device.serial)
    except EnvironmentProblem as problem:
        sys.stderr.write(f"linkedin-optout: {problem}\n")
        return problem.exit_code
    if args.json:
        print(json.dumps({"device": device.name, "serial": device.serial, "removed": removed, "failed": failed}))
    else:
        for package in removed:
            print(f"{device.serial}  removed {package}")
        for failure in failed:
            print(f"{device.serial}  could not remove {failure}")
        if not removed and not failed:
            print(f"{device.serial}  nothing to remove: no Appium package is installed")
    return 3 if failed else 0

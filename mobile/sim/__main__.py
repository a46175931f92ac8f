"""`python -m mobile.sim serve ...`: one simulated phone in the foreground until interrupted."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from mobile.core.flow_schema import App
from mobile.errors import ConfigError
from mobile.reach.appium_server import LOOPBACK_SHIM, appium_binary
from mobile.reach.capabilities import capabilities_for
from mobile.reach.devices import Device
from mobile.sim.activities import APP_IDS
from mobile.sim.adb.device import attach_to_adb, detach_from_adb
from mobile.sim.launch import start_phone
from mobile.sim.phone import check_latency_scale, env_latency_scale
from mobile.sim.profiles import PROFILES
from mobile.sim.wda.usbmuxd import SimUsbmuxd


def app_on(platform: str) -> App:
    """LinkedIn as this phone installs it (the simulator's own ids)."""
    return App(platform, APP_IDS[platform])


def appium_capabilities(platform: str, url: str, serial: str | None = None,
                        driver: str = "linkedinsim") -> dict[str, Any]:
    """The exact Appium capabilities that reach this phone: through the LinkedInSim driver, or (driver
    uiautomator2) through the real UiAutomator2 driver and adb, as a USB phone with that serial."""
    if driver == "uiautomator2":
        device = Device(name=f"sim-{platform}", platform=platform, serial=serial, sim_url=url, live_driver=driver)
    else:
        device = Device(name=f"sim-{platform}", platform=platform, simulator={}, sim_url=url)
    return capabilities_for(device, app_on(platform)).to_capabilities()


def xcuitest_capabilities(url: str, udid: str) -> dict[str, Any]:
    """What the tool sends for a simulated iPhone on the real XCUITest driver: a real iPhone's capabilities
    plus appium:webDriverAgentUrl."""
    device = Device(name="sim-ios-xcuitest", platform="ios", udid=udid,
                    simulator={"scenario": "default", "driver": "xcuitest"})
    return capabilities_for(device, app_on("ios"), sim_url=url).to_capabilities()


def xcuitest_instructions(url: str, udid: str, usbmuxd_address: str) -> str:
    """How to start an Appium that reaches this phone (its usbmuxd, loopback only, XCUITest only)."""
    return (f"WebDriverAgent at {url}, UDID {udid}; simulated usbmuxd at {usbmuxd_address}\n"
            f"start Appium with:\n  USBMUXD_SOCKET_ADDRESS={usbmuxd_address} "
            f"NODE_OPTIONS='--require \"{LOOPBACK_SHIM}\"' \\\n"
            f"  {appium_binary()} server --address 127.0.0.1 --use-drivers xcuitest\n")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by `python -m mobile.sim serve` and `linkedin-optout sim serve`."""
    parser.add_argument("--platform", choices=("android", "ios"), default="android",
                        help="which phone to simulate (page sources in UiAutomator2 or XCUITest form)")
    parser.add_argument("--scenario", default="default", help="a built-in scenario name or a scenario YAML file")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = a free one)")
    parser.add_argument("--latency-scale", type=float, default=None,
                        help="multiply the scenario's latency (0 = instant; default $LINKEDIN_SIM_LATENCY_SCALE or 1)")
    parser.add_argument("--latency-profile", default=None, metavar="NAME",
                        help="the kind of device to stand for: emulator, usb-phone, cloud or busy-feed "
                             "(default: the scenario's latency.profile, else emulator)")
    parser.add_argument("--adb", action="store_true",
                        help="also attach the phone to the adb server ($ANDROID_ADB_SERVER_PORT, default 5037) "
                             "so `adb devices` and `linkedin-optout devices` list it (Android only)")
    parser.add_argument("--driver", choices=("linkedinsim", "uiautomator2", "xcuitest"), default="linkedinsim",
                        help="the Appium driver that takes the phone: linkedinsim (fast, default); uiautomator2 "
                             "(Android only: the real driver over adb, implies --adb); xcuitest (iOS only: serve "
                             "WebDriverAgent and a simulated usbmuxd for the real XCUITest driver)")


def check_profile(name: str | None) -> None:
    """An unknown --latency-profile is a config error naming the flag."""
    if name is not None and name not in PROFILES:
        raise ConfigError(f"unknown latency profile {name!r}; known: {', '.join(PROFILES)}", "--latency-profile")


def serve(args: argparse.Namespace, out: Any = sys.stdout) -> int:
    """Run the phone until SIGINT/SIGTERM; print how to reach it; write --ready-file when serving."""
    if args.latency_scale is not None:
        check_latency_scale(args.latency_scale, "--latency-scale")
    else:
        env_latency_scale()
    check_profile(getattr(args, "latency_profile", None))
    driver = getattr(args, "driver", "linkedinsim") or "linkedinsim"
    if driver == "uiautomator2" and args.platform != "android":
        raise ConfigError("--driver uiautomator2 needs --platform android", "--driver")
    if driver == "uiautomator2":
        args.adb = True
    if getattr(args, "adb", False) and args.platform != "android":
        raise ConfigError("--adb needs --platform android", "--adb")
    xcuitest = getattr(args, "driver", "linkedinsim") == "xcuitest"
    if xcuitest and args.platform != "ios":
        raise ConfigError("--driver xcuitest needs --platform ios", "--driver")
    handle = start_phone(args.platform, args.scenario, latency_scale=args.latency_scale, port=args.port,
                         dialect="wda" if xcuitest else "w3c", latency_profile=getattr(args, "latency_profile", None))
    serial = usbmuxd = None
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    try:
        if getattr(args, "adb", False):
            serial = attach_to_adb(handle, driver=driver)
            out.write(f"attached to adb as {serial} (`adb devices` lists it; `--device auto` finds it)\n")
        if xcuitest:
            usbmuxd = SimUsbmuxd()
            usbmuxd.add(handle.phone)
            out.write(xcuitest_instructions(handle.url, handle.phone.serial, usbmuxd.address))
        caps = appium_capabilities(args.platform, handle.url, serial, driver) if not xcuitest else \
            xcuitest_capabilities(handle.url, handle.phone.serial)
        which = {"xcuitest": "XCUITest driver, through the phone's WebDriverAgent, installed by `make install`",
                 "uiautomator2": "UiAutomator2 driver over adb: Appium needs ANDROID_HOME with this adb and the "
                                 "same ANDROID_ADB_SERVER_PORT"}.get(driver, "LinkedInSim driver, installed by `make install`")
        out.write(f"simulated {args.platform} phone (scenario {args.scenario}) at {handle.url}\n"
                  f"Appium capabilities ({which}):\n"
                  f"{json.dumps(caps, indent=2)}\n"
                  f"interaction log: {handle.url}/sim/log   state: {handle.url}/sim/state\n"
                  f"Ctrl-C stops the phone.\n")
        out.flush()
        ready_file = getattr(args, "ready_file", None)
        if ready_file:
            # Written atomically so a reader never sees half a URL.
            tmp = Path(f"{ready_file}.tmp{os.getpid()}")
            tmp.write_text(handle.url)
            tmp.replace(ready_file)
        done.wait()
    finally:
        if serial is not None:
            detach_from_adb(serial)
        if usbmuxd is not None:
            usbmuxd.stop()
        handle.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m mobile.sim`."""
    parser = argparse.ArgumentParser(prog="python -m mobile.sim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve", help="serve one simulated phone until interrupted")
    add_serve_arguments(serve_parser)
    serve_parser.add_argument("--ready-file", help="write the phone's URL to this file once it serves")
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except ConfigError as exc:
        sys.stderr.write(f"mobile.sim: error: {exc}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

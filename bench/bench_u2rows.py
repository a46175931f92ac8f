"""The bench's rows through the real UiAutomator2 driver: the simulated phone attached to a private adb server,
Appium pointed at it, the unmodified driver installing its helpers and proxying to the phone's
uiautomator2-compatible surface. The tool runs exactly as for a `simulator: {driver: uiautomator2}` device;
the plain script passes the capabilities a QA engineer passes for a USB phone (no settings, so
`waitForIdleTimeout` stays 10 s), plus `appWaitActivity` (LinkedIn's launch activity is a trampoline the
session would otherwise wait for in vain), the private adb server's `adbPort` and a free `systemPort` (this
machine is shared).
"""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from appium import webdriver
from appium.options.android import UiAutomator2Options
from appium.webdriver.client_config import AppiumClientConfig

from bench_targets import PLAIN_ACTIVITY, PLAIN_PACKAGE, Row
from mobile.reach.appium_server import AppiumServer
from mobile.run.plan import RunPlan
from mobile.core.flow import find_flow
from mobile.reach.devices import Device
from mobile.drivers.appium import CountingConnection
from mobile.run.device import run_device
from mobile.run.shared import Shared
from mobile.sim.launch import start_phone
from mobile.sim.phone import Phone


def available() -> bool:
    """True once the UiAutomator2 mode of the simulated phone exists (mobile.reach.private_adb)."""
    try:
        import mobile.reach.private_adb  # noqa: F401
    except ImportError:
        return False
    return True


def scenario_file(folder: Path, profile: str) -> Path:
    """A scenario that is `default` on the given latency profile (the tool starts its own phone)."""
    path = folder / f"default-{profile}.yaml"
    path.write_text(f"description: default on the {profile} profile\nlatency: {{profile: {profile}}}\n")
    return path


def u2_runners(stack: ExitStack, lower_bound: Callable[[Any, str], float],
               naive_script: Callable[[Any, str, dict], str]) -> tuple[Callable[..., Row], Callable[..., Row]]:
    """(run_tool, run_naive) for driver uiautomator2, sharing one private adb server and one Appium."""
    from mobile.reach.appium_server import free_port
    from mobile.reach.private_adb import PrivateAdb
    from mobile.sim.adb.device import attach_to_adb, detach_from_adb

    adb = stack.enter_context(PrivateAdb())
    appium = AppiumServer(env=adb.env()).start()
    stack.callback(appium.stop)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-u2-")))

    def bound(profile: str, mode: str) -> float:
        return round(lower_bound(Phone("android", "default", latency_scale=1.0, latency_profile=profile), mode), 2)

    def run_tool(mode: str, profile: str) -> Row:
        device = Device(name="sim-android-u2", platform="android",
                        simulator={"scenario": str(scenario_file(folder, profile)), "driver": "uiautomator2"})
        plan = RunPlan(mode=mode, devices=[device], flow=find_flow("linkedin-genai"),
                       wanted="off" if mode == "apply" else None)
        began = time.monotonic()
        result = run_device(plan, device, shared=Shared(appium=appium, adb=adb))
        wall = time.monotonic() - began
        return Row("linkedin-optout", "uiautomator2", mode, profile, result.commands, result.screenshots,
                   round(wall, 2), bound(profile, mode), f"{result.status} {result.before}->{result.after}")

    def run_naive(mode: str, profile: str) -> Row:
        with start_phone("android", "default", latency_scale=1.0, latency_profile=profile) as handle:
            serial = attach_to_adb(handle, adb.port, driver="uiautomator2")
            try:
                options = UiAutomator2Options()
                options.udid, options.app_package, options.app_activity = serial, PLAIN_PACKAGE, PLAIN_ACTIVITY
                options.app_wait_activity, options.no_reset, options.system_port = f"{PLAIN_PACKAGE}.*", True, free_port()
                options.adb_port = adb.port  # the private adb server this machine's run uses
                conn = CountingConnection(client_config=AppiumClientConfig(remote_server_addr=appium.url,
                                                                            timeout=600))
                began = time.monotonic()
                driver = webdriver.Remote(command_executor=conn, options=options)
                try:
                    outcome = naive_script(driver, mode, handle.phone.scenario.label_table())
                except Exception as exc:  # noqa: BLE001 - a failed script is a row with its error
                    outcome = f"failed: {type(exc).__name__}"
                finally:
                    driver.quit()
                wall = time.monotonic() - began
            finally:
                detach_from_adb(serial, adb.port)
            return Row("plain-script", "uiautomator2", mode, profile, sum(conn.counts.values()),
                       conn.counts.get("screenshot", 0), round(wall, 2), bound(profile, mode), outcome)

    return run_tool, run_naive

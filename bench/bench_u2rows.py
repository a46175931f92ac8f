"""The bench's rows through the real UiAutomator2 driver: the simulated phone attached to a private adb server,
Appium pointed at it, the unmodified driver installing its helpers and proxying to the phone's
uiautomator2-compatible surface.

Both runs start on a fresh phone already attached to adb, as a USB phone is before anyone runs anything, and
are timed from there to the session's deletion. The tool runs exactly as the CLI does for a simulated phone
seen over adb (`devices.yaml` `serial:`): its adb checks, its session, the flow. The plain script passes the
capabilities a QA engineer passes for a USB phone (no settings, so `waitForIdleTimeout` stays 10 s), plus
`appWaitActivity` (LinkedIn's launch activity is a trampoline the session would otherwise wait for in vain),
the private adb server's `adbPort` and a free `systemPort` (this machine is shared).

The bound of these rows: the phone's modelled path (bench.lower_bound) with its session creation + deletion
replaced by the measured create + delete of an empty UiAutomator2 session (no app capabilities) on a fresh
phone of the same profile: the driver's own fixed cost over adb (helper checks and installs, the
instrumentation, the port forward, the clean-up), which the phone does not model and every client pays,
around the phone's modelled session latency. Measured once per profile per run: the median of
EMPTY_SESSIONS sessions after one unmeasured one (Appium loads the driver on its first session).
"""

from __future__ import annotations

import statistics
import sys
import time
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterator, Literal, cast

from appium import webdriver
from appium.options.android import UiAutomator2Options
from appium.webdriver.client_config import AppiumClientConfig

from bench_targets import PLAIN_ACTIVITY, PLAIN_PACKAGE, Row
from mobile.reach.appium_server import AppiumServer, free_port
from mobile.run.plan import RunPlan
from mobile.core.flow import find_flow
from mobile.reach.devices import Device
from mobile.drivers.appium import CountingConnection
from mobile.run.device import run_device
from mobile.run.shared import Shared
from mobile.sim.launch import start_phone
from mobile.sim.phone import Phone

EMPTY_SESSIONS = 3
Mode = Literal["check", "apply"]
CLIENT_TIMEOUT_S = 600


def available() -> bool:
    """True once the UiAutomator2 mode of the simulated phone exists (mobile.reach.private_adb)."""
    try:
        import mobile.reach.private_adb  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def attached_phone(adb_port: int, profile: str, latency_scale: float = 1.0) -> Iterator[tuple[Any, str]]:
    """A fresh `default` phone on `profile`, attached to the adb server on `adb_port`: (its handle, serial)."""
    from mobile.sim.adb.device import attach_to_adb, detach_from_adb

    with start_phone("android", "default", latency_scale=latency_scale, latency_profile=profile) as handle:
        serial = attach_to_adb(handle, adb_port, driver="uiautomator2")
        try:
            yield handle, serial
        finally:
            detach_from_adb(serial, adb_port)


def empty_options(serial: str, adb_port: int) -> UiAutomator2Options:
    """An empty session: the device and the ports, no app (nothing is launched, no settings are sent)."""
    options = UiAutomator2Options()
    options.udid, options.adb_port, options.system_port = serial, adb_port, free_port()
    return options


def empty_session_s(appium_url: str, adb_port: int, profile: str, runs: int = EMPTY_SESSIONS,
                    latency_scale: float = 1.0) -> float:
    """Median seconds to create and delete an empty UiAutomator2 session on a fresh phone of `profile`."""
    times = []
    for _ in range(runs):
        with attached_phone(adb_port, profile, latency_scale) as (_, serial):
            config = AppiumClientConfig(remote_server_addr=appium_url, timeout=CLIENT_TIMEOUT_S)
            began = time.monotonic()
            webdriver.Remote(command_executor=CountingConnection(client_config=config),
                             options=empty_options(serial, adb_port)).quit()
            times.append(time.monotonic() - began)
    return statistics.median(times)


def plain_options(serial: str, adb_port: int) -> UiAutomator2Options:
    """What a QA engineer passes for a USB phone (see the module docstring)."""
    options = UiAutomator2Options()
    options.udid, options.app_package, options.app_activity = serial, PLAIN_PACKAGE, PLAIN_ACTIVITY
    options.app_wait_activity, options.no_reset, options.system_port = f"{PLAIN_PACKAGE}.*", True, free_port()
    options.adb_port = adb_port  # the private adb server this machine's run uses
    return options


def u2_runners(stack: ExitStack, lower_bound: Callable[..., float],
               naive_script: Callable[[Any, str, dict], str]) -> tuple[Callable[..., Row], Callable[..., Row]]:
    """(run_tool, run_naive) for driver uiautomator2, sharing one private adb server and one Appium."""
    from mobile.reach.private_adb import PrivateAdb

    adb = stack.enter_context(PrivateAdb())
    appium = AppiumServer(env=adb.env()).start()
    stack.callback(appium.stop)
    url = appium.url
    if url is None:
        raise RuntimeError("the Appium server for the UiAutomator2 rows did not start")
    empty_session_s(url, adb.port, "emulator", runs=1, latency_scale=0.0)  # unmeasured: Appium loads the driver
    sessions: dict[str, float] = {}

    def bound(profile: str, mode: str) -> float:
        if profile not in sessions:  # between runs, never inside a timed one
            sessions[profile] = empty_session_s(url, adb.port, profile)
            print(f"  empty UiAutomator2 session on {profile} (create + delete, median of {EMPTY_SESSIONS}): "
                  f"{sessions[profile]:.2f} s", file=sys.stderr)
        phone = Phone("android", "default", latency_scale=1.0, latency_profile=profile)
        return round(lower_bound(phone, mode, session_s=sessions[profile]), 2)

    def run_tool(mode: str, profile: str) -> Row:
        with attached_phone(adb.port, profile) as (handle, serial):
            device = Device(name="sim-android-u2", platform="android", serial=serial, sim_url=handle.url,
                            live_driver="uiautomator2", adb_port=adb.port)
            plan = RunPlan(mode=cast(Mode, mode), devices=[device], flow=find_flow("linkedin-genai"),
                           wanted="off" if mode == "apply" else None)
            began = time.monotonic()
            result = run_device(plan, device, shared=Shared(appium=appium, adb=adb))
            wall = time.monotonic() - began
        return Row("linkedin-optout", "uiautomator2", mode, profile, result.commands, result.screenshots,
                   round(wall, 2), bound(profile, mode), f"{result.status} {result.before}->{result.after}")

    def run_naive(mode: str, profile: str) -> Row:
        with attached_phone(adb.port, profile) as (handle, serial):
            config = AppiumClientConfig(remote_server_addr=url, timeout=CLIENT_TIMEOUT_S)
            conn = CountingConnection(client_config=config)
            began = time.monotonic()
            driver = webdriver.Remote(command_executor=conn, options=plain_options(serial, adb.port))
            try:
                outcome = naive_script(driver, mode, handle.phone.scenario.label_table())
            except Exception as exc:  # noqa: BLE001 - a failed script is a row with its error
                outcome = f"failed: {type(exc).__name__}"
            finally:
                driver.quit()
            wall = time.monotonic() - began
        return Row("plain-script", "uiautomator2", mode, profile, sum(conn.counts.values()),
                   conn.counts.get("screenshot", 0), round(wall, 2), bound(profile, mode), outcome)

    return run_tool, run_naive

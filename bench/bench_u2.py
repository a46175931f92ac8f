"""Benchmark (`make bench`): the real UiAutomator2 driver on the simulated phone over a private adb server.

One Appium 3 (pointed at a private adb server), one simulated phone at latency 0 attached over adb, so
every millisecond measured is overhead of the path, not modelled device time. Prints:
- session creation: the first session on a fresh phone (the driver installs its three helper APKs through
  adb) and the following ones (no server install), each to a ready session;
- session deletion;
- per-command time of page source, a `mobile: clickGesture` tap and a find element, through UiAutomator2
  (Appium -> adb forward -> the phone's uiautomator2 surface) and through LinkedInSim (Appium -> the
  phone's W3C server) on the same phone, and the difference: the overhead of this mode per command;
- one adb shell round trip through the real adb server.
Exits 1 when a later session takes more than 3 s or a proxied command more than 0.2 s over LinkedInSim
(the study measured 0.1-0.3 s and a few ms).

Run: .venv/bin/python bench/bench_u2.py [--sessions N] [--commands N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appium import webdriver  # noqa: E402
from appium.options.common import AppiumOptions  # noqa: E402

from mobile.core.flow import DEFAULT_FLOW, find_flow  # noqa: E402
from mobile.reach.appium_server import AppiumServer  # noqa: E402
from mobile.reach.capabilities import capabilities_for  # noqa: E402
from mobile.reach.devices import Device  # noqa: E402
from mobile.reach.private_adb import PrivateAdb  # noqa: E402
from mobile.sim.adb.device import attach_to_adb, attached_server, detach_from_adb  # noqa: E402
from mobile.sim.launch import start_phone  # noqa: E402

APP = find_flow(DEFAULT_FLOW).apps["android"]  # the tool's capabilities: the shipped flow's app
MAX_SESSION_S = 3.0  # loose: a blocking adb read loop costs 2-5 s per session; 2-core load alone reached 2.9 s
MAX_OVERHEAD_S = 0.2
TAP_XPATH = "//*[@content-desc='My Profile and Communities' or @resource-id='com.linkedin.android:id/me_launcher_container']"


def _median_ms(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def _commands(driver: webdriver.Remote, n: int) -> dict[str, float]:
    """Median ms of the commands the tool's runner sends most (the phone's screen is left unchanged)."""
    return {
        "page source": _median_ms(lambda: driver.page_source, n),
        "clickGesture (no-op point)": _median_ms(
            lambda: driver.execute_script("mobile: clickGesture", {"x": 1070, "y": 2390}), n),
        "find element": _median_ms(lambda: driver.find_element("xpath", TAP_XPATH), n),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4, help="sessions to create (the first installs helpers)")
    parser.add_argument("--commands", type=int, default=15, help="repetitions per command")
    args = parser.parse_args(argv)
    with PrivateAdb() as adb:
        appium = AppiumServer(env=adb.env()).start()
        handle = start_phone("android", "default", latency_scale=0)
        serial = attach_to_adb(handle, adb.port, driver="uiautomator2")
        try:
            return _bench(args, adb, appium, handle, serial)
        finally:
            detach_from_adb(serial, adb.port)
            handle.stop()
            appium.stop()


def _bench(args: argparse.Namespace, adb: PrivateAdb, appium: AppiumServer, handle: Any, serial: str) -> int:
    device = Device(name="bench-u2", platform="android", serial=serial, sim_url=handle.url,
                    live_driver="uiautomator2", adb_port=adb.port)
    created, deleted, u2_cmds = [], [], {}
    for i in range(args.sessions):
        began = time.perf_counter()
        driver = webdriver.Remote(appium.where[0], options=capabilities_for(device, APP))
        created.append(time.perf_counter() - began)
        if i == args.sessions - 1:
            u2_cmds = _commands(driver, args.commands)
        began = time.perf_counter()
        driver.quit()
        deleted.append(time.perf_counter() - began)
    sim_options = capabilities_for(Device(name="bench-sim", platform="android", simulator={}, sim_url=handle.url), APP)
    assert isinstance(sim_options, AppiumOptions)
    driver = webdriver.Remote(appium.where[0], options=sim_options)
    sim_cmds = _commands(driver, args.commands)
    driver.quit()
    shell = [str(adb.sdk / "platform-tools" / "adb"), "-P", str(adb.port), "-s", serial, "shell", "echo", "hi"]
    shell_ms = _median_ms(lambda: subprocess.run(shell, capture_output=True, check=True, timeout=30), 10)
    attached = attached_server(serial)
    if attached is None:
        raise SystemExit(f"bench_u2: {serial} is not attached to the simulated adb server")
    system = attached.system
    print("UiAutomator2 driver -> private adb server -> simulated phone (latency 0)")
    print(f"  session creation, fresh phone (installs {', '.join(system.installs[:3])}): {created[0]:.2f} s")
    later = created[1:] or created
    print(f"  session creation, later sessions: median {statistics.median(later):.2f} s "
          f"(min {min(later):.2f}, max {max(later):.2f}, n={len(later)})")
    print(f"  session deletion: median {statistics.median(deleted):.3f} s")
    print(f"  adb shell round trip (adb binary, process start included): {shell_ms:.1f} ms")
    print(f"  {'command':28} {'UiAutomator2':>12} {'LinkedInSim':>12} {'overhead':>9}")
    worst = 0.0
    for name, ms in u2_cmds.items():
        overhead = ms - sim_cmds[name]
        worst = max(worst, overhead)
        print(f"  {name:28} {ms:10.1f}ms {sim_cmds[name]:10.1f}ms {overhead:7.1f}ms")
    print(f"  adb commands answered: {len(system.records)}, unanswered: {len(system.unanswered)}")
    failed = statistics.median(later) > MAX_SESSION_S or worst / 1000 > MAX_OVERHEAD_S or system.unanswered
    if failed:
        print(f"FAIL: a later session over {MAX_SESSION_S} s, a command over {MAX_OVERHEAD_S * 1000:.0f} ms "
              "of overhead, or an unanswered adb command")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

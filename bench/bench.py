"""Benchmark (`make bench`): linkedin-optout `check` and `apply` against a plain Appium script, per latency profile.

Both run in this process through one real Appium 3 server against the simulated phone (scenario `default`)
on every latency profile (emulator, usb-phone, cloud, busy-feed; mobile/sim/profiles.py) unless --profile
picks some. Every run gets a fresh phone, so each starts from the same state (signed in, switch on). The plain
script is what a QA engineer writes: default capabilities (no settings), WebDriverWait + find_element per
step, element clicks. Per run: Appium HTTP commands sent, screenshots, wall time, and the phone's modelled
lower bound for the path: the latencies (plus the profile's round trip) of the commands the path cannot do
without (session, one page-source read per screen, one tap per step, the switch tap and its read-back, back
and the re-open, session deletion) and the transitions (a read may overlap a transition: the phone renders
the source at the end of the read); on busy-feed a client may set waitForIdleTimeout to 0, so the bound pays
no idle wait. Targets (exit 1 when missed): apply <= 1.10x its bound with <= 20 commands on emulator, <= 1.15x
on every other profile; the tool faster than the plain script by >= 1.5x on busy-feed and >= 1.3x on cloud.

Rows with driver `uiautomator2` (--u2-profile, default busy-feed; bench_u2rows.py) run the same two clients
through the real UiAutomator2 driver over a private adb server, each on a fresh phone already attached to adb
(as a USB phone is), timed from there to the session's deletion. Their bound is the same modelled path with
the phone's modelled session creation + deletion replaced by the measured create + delete of an empty
UiAutomator2 session (no app) on a fresh phone of the same profile, measured once per profile per run (median
of 3): that measurement contains the phone's modelled session latency plus the driver's own fixed work over
adb (helper APK checks and installs, instrumentation start, port forward, clean-up), which both clients pay
and the phone does not model. It is printed on stderr.

Run: .venv/bin/python bench/bench.py [--profile NAME ...] [--u2-profile NAME ...] [--no-u2] [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appium import webdriver  # noqa: E402
from appium.webdriver.client_config import AppiumClientConfig  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from appium.options.common import AppiumOptions  # noqa: E402

from bench_targets import PLAIN_ACTIVITY, PLAIN_PACKAGE, Row, table, verdict  # noqa: E402  (bench/ is on sys.path as the script's folder)
from mobile.reach.appium_server import AppiumServer  # noqa: E402
from mobile.reach.capabilities import SIM_AUTOMATION  # noqa: E402
from mobile.run.plan import RunPlan  # noqa: E402
from mobile.core.flow import find_flow  # noqa: E402
from mobile.core.terms import Mode  # noqa: E402
from mobile.reach.devices import Device  # noqa: E402
from mobile.drivers.appium import CountingConnection  # noqa: E402
from mobile.run.device import run_device  # noqa: E402
from mobile.run.shared import Shared  # noqa: E402
from mobile.sim.launch import start_phone  # noqa: E402
from mobile.sim.profiles import known_profiles  # noqa: E402

PATH = ("side_panel", "settings", "data_privacy", "genai")  # the screens the four path taps open


def lower_bound(phone: Any, mode: str, session_s: float | None = None) -> float:
    """The modelled minimum for the path (seconds): the command latencies (plus the profile's round trip) it
    cannot do without, and the transitions. The phone renders a page source at the END of the read's device
    time, so a read sent right after a tap can overlap the transition: reaching a screen costs
    max(transition, one read), not both. No idle wait: a client may set waitForIdleTimeout to 0.
    `session_s`, when given, replaces the phone's modelled session creation + deletion: the measured cost of
    an empty session through a real driver (bench_u2rows.empty_session_s), which contains them."""
    rtt = phone.round_trip()

    def cmd(name: str) -> float:
        return phone.command_latency(name) + rtt

    def arrive(kind: str) -> float:  # from the action's answer to a read that shows the new screen
        return max(phone.transition_ms(kind) / 1000 * phone.latency_scale, cmd("source"))

    tap = min(cmd("click"), cmd("actions"))  # the cheapest way the phone offers to tap

    def opens(screen: str) -> float:  # a tap, then the screen read once
        return tap + arrive(phone.scenario.screens[screen].kind)

    total = arrive("launch") + sum(opens(s) for s in PATH)
    if mode == "apply":
        total += tap + cmd("source")                                 # the switch tap, read back
        total += cmd("back") + arrive("back")                        # leave the page
        total += opens("genai")                                      # re-open it and read again
    return total + (cmd("session") + cmd("delete_session") if session_s is None else session_s)


def run_tool(server: AppiumServer, mode: Mode, profile: str) -> Row:
    """linkedin-optout's own session layer, exactly as the CLI runs it."""
    with start_phone("android", "default", latency_scale=1.0, latency_profile=profile) as handle:
        device = Device(name="sim-android", platform="android", sim_url=handle.url)
        plan = RunPlan(mode=mode, devices=[device], flow=find_flow("linkedin-genai"),
                       wanted="off" if mode == "apply" else None)
        began = time.monotonic()
        result = run_device(plan, device, shared=Shared(appium=server))
        wall = time.monotonic() - began
        return Row("linkedin-optout", "linkedinsim", mode, profile, result.commands, result.screenshots,
                   round(wall, 2), round(lower_bound(handle.phone, mode), 2),
                   f"{result.status} {result.before}->{result.after}")


def plain_capabilities(sim_url: str) -> AppiumOptions:
    """What a QA engineer passes: the app and the device, no settings (waitForIdleTimeout stays 10 s)."""
    options = AppiumOptions()
    options.set_capability("platformName", "Android")
    options.set_capability("appium:automationName", SIM_AUTOMATION)
    options.set_capability("appium:simServer", sim_url)
    options.set_capability("appium:appPackage", PLAIN_PACKAGE)
    options.set_capability("appium:appActivity", PLAIN_ACTIVITY)
    options.set_capability("appium:noReset", True)
    return options


def naive_script(driver: Any, mode: str, labels: dict[str, str]) -> str:
    """What a QA engineer writes: WebDriverWait + find_element per step, element clicks."""
    wait = WebDriverWait(driver, 30, poll_frequency=0.5, ignored_exceptions=[StaleElementReferenceException])

    def click(by: str, value: str) -> None:
        wait.until(EC.element_to_be_clickable((by, value))).click()

    def open_page() -> None:
        click(By.XPATH, f"//*[@text='{labels['genai_setting']}']")

    switch = (By.XPATH, f"//*[@text='{labels['genai_toggle']}']/following-sibling::*[@checkable='true']")

    def state() -> str:
        return "on" if wait.until(EC.presence_of_element_located(switch)).get_attribute("checked") == "true" else "off"

    click("accessibility id", labels["profile_photo"])
    click(By.XPATH, f"//*[@text='{labels['settings']}']")
    click(By.XPATH, f"//*[@text='{labels['data_privacy']}']")
    open_page()
    before = state()
    if mode == "check" or before == "off":
        return f"read {before}"
    wait.until(EC.element_to_be_clickable(switch)).click()
    wait.until(lambda d: d.find_element(*switch).get_attribute("checked") == "false")
    driver.back()
    open_page()
    return f"{before}->{state()}"


def run_naive(server: AppiumServer, mode: Mode, profile: str) -> Row:
    """The plain script on a fresh phone, its commands counted like the tool's."""
    with start_phone("android", "default", latency_scale=1.0, latency_profile=profile) as handle:
        conn = CountingConnection(client_config=AppiumClientConfig(remote_server_addr=server.where[0], timeout=600))
        began = time.monotonic()
        driver = webdriver.Remote(command_executor=conn, options=plain_capabilities(handle.url))
        try:
            outcome = naive_script(driver, mode, handle.phone.scenario.label_table())
        except Exception as exc:  # noqa: BLE001 - a failed script is a row with its error, not a crash
            outcome = f"failed: {type(exc).__name__}"
        finally:
            driver.quit()
        wall = time.monotonic() - began
        return Row("plain-script", "linkedinsim", mode, profile, sum(conn.counts.values()),
                   conn.counts.get("screenshot", 0), round(wall, 2), round(lower_bound(handle.phone, mode), 2),
                   outcome)


def warm_up(server: AppiumServer) -> None:
    """One unmeasured session on an instant phone: Appium loads the driver on its first session (~2 s)."""
    with start_phone("android", "default", latency_scale=0.0) as handle:
        webdriver.Remote(command_executor=server.where[0], options=plain_capabilities(handle.url)).quit()


def median_run(runs: list[Row]) -> Row:
    """The run with the median wall time."""
    return sorted(runs, key=lambda r: r.wall_s)[len(runs) // 2]


def u2_rows(profiles: list[str], runs: int) -> list[Row]:
    """The same rows through the real UiAutomator2 driver (once that mode of the phone exists)."""
    import bench_u2rows

    if not profiles:
        return []
    if not bench_u2rows.available():
        print("  UiAutomator2 rows skipped: this checkout has no UiAutomator2 mode of the phone yet", file=sys.stderr)
        return []
    rows: list[Row] = []
    with ExitStack() as stack:
        tool_u2, naive_u2 = bench_u2rows.u2_runners(stack, lower_bound, naive_script)
        for profile in profiles:
            for mode in ("check", "apply"):
                for who in (tool_u2, naive_u2):
                    rows.append(median_run([who(mode, profile) for _ in range(runs)]))
                    print(f"  done: {profile} {rows[-1].tool} {mode} uiautomator2 {rows[-1].wall_s:.2f} s",
                          file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (or --json); exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", choices=known_profiles(), metavar="NAME",
                        help=f"latency profile to run (repeatable; default: all of {', '.join(known_profiles())})")
    parser.add_argument("--runs", type=int, default=1, help="runs per row (the median is shown)")
    parser.add_argument("--json", action="store_true", help='print one JSON document {"rows": [...]}')
    parser.add_argument("--u2-profile", action="append", choices=known_profiles(), metavar="NAME",
                        help="profiles also run through the real UiAutomator2 driver over adb (repeatable; "
                             "default: busy-feed, where the idle wait lives in the device server)")
    parser.add_argument("--no-u2", action="store_true", help="skip the UiAutomator2 rows")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    profiles = args.profile or known_profiles()
    u2_profiles = [] if args.no_u2 else [p for p in (args.u2_profile or ["busy-feed"]) if p in profiles]
    rows: list[Row] = []
    with AppiumServer() as server:
        print(f"Appium {server.url}; simulated Android phone, scenario default, latency_scale 1", file=sys.stderr)
        warm_up(server)
        for profile in profiles:
            for mode in ("check", "apply"):
                for who in (run_tool, run_naive):
                    rows.append(median_run([who(server, mode, profile) for _ in range(args.runs)]))
                    print(f"  done: {profile} {rows[-1].tool} {mode} {rows[-1].wall_s:.2f} s", file=sys.stderr)
    rows += u2_rows(u2_profiles, args.runs)
    misses = verdict(rows)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows]}, indent=2))
        print("\n".join(f"MISSED: {m}" for m in misses) or "targets met", file=sys.stderr)
    else:
        print(table(rows))
        print("\n".join(f"MISSED: {m}" for m in misses) or "targets met")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())

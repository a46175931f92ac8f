"""Benchmark (`make bench`): linkedin-optout `check` and `apply` against a straightforward Appium script.

Both run in this process through one real Appium 3 server against the simulated phone (scenario
`default`) with its REALISTIC latency (latency_scale 1); every run gets a fresh phone, so each starts
from the same state (signed in, switch on). For each run it prints the Appium HTTP commands sent, the
page-source reads and the wall time, and the phone's modelled lower bound for the path: the latencies of
the commands the path cannot do without (session, one page-source read per screen, one tap per step, the
switch tap and its read-back, back and the re-open, session deletion) plus the modelled transition times
(a read may overlap a transition: the phone renders the source at the end of the read).
Exits 1 when `apply` takes more than 20 commands or either tool run takes more than 1.3x its bound.

Run: .venv/bin/python bench/bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appium import webdriver  # noqa: E402
from appium.webdriver.client_config import AppiumClientConfig  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from mobile.appium_server import AppiumServer  # noqa: E402
from mobile.capabilities import capabilities_for  # noqa: E402
from mobile.plan import RunPlan  # noqa: E402
from mobile.core.flow import find_flow  # noqa: E402
from mobile.devices import Device  # noqa: E402
from mobile.drivers import CountingConnection  # noqa: E402
from mobile.session import run_device  # noqa: E402
from mobile.sim.launch import start_phone  # noqa: E402

MAX_APPLY_COMMANDS = 20
MAX_BOUND_RATIO = 1.3
PATH = ("side_panel", "settings", "data_privacy", "genai")  # the screens the four path taps open


@dataclass
class Run:
    """One measured run."""

    who: str
    mode: str
    commands: int
    reads: int
    wall_s: float
    bound_s: float
    outcome: str


def lower_bound(phone: Any, mode: str) -> float:
    """The modelled minimum for the path (seconds): the command latencies it cannot do without plus the
    transitions. The phone renders a page source at the END of the read's latency, so a read sent right
    after a tap can overlap the transition: reaching a screen costs max(transition, one read), not both."""
    cmd = phone.command_latency
    transitions = phone.scenario.latency.transitions

    def move(kind: str) -> float:
        return transitions.get(kind, 0.0) / 1000 * phone.latency_scale

    def arrive(kind: str) -> float:  # from the action's answer to a read that shows the new screen
        return max(move(kind), cmd("source"))

    tap = min(cmd("click"), cmd("actions"))  # the cheapest way the phone offers to tap

    def opens(screen: str) -> float:  # a tap, then the screen read once
        return tap + arrive(phone.scenario.screens[screen].kind)

    total = cmd("session") + arrive("launch") + sum(opens(s) for s in PATH)
    if mode == "apply":
        total += tap + cmd("source")                                 # the switch tap, read back
        total += cmd("back") + arrive("back")                        # leave the page
        total += opens("genai")                                      # re-open it and read again
    return total + cmd("delete_session")


def run_tool(server: AppiumServer, mode: str) -> Run:
    """linkedin-optout's own session layer, exactly as the CLI runs it."""
    with start_phone("android", "default", latency_scale=1.0) as handle:
        device = Device(name="sim-android", platform="android", sim_url=handle.url)
        plan = RunPlan(mode=mode, devices=[device], flow=find_flow("linkedin-genai"),
                       wanted="off" if mode == "apply" else None)
        began = time.monotonic()
        result = run_device(plan, device, shared={"appium": server})
        wall = time.monotonic() - began
        return Run("linkedin-optout", mode, result.commands, result.source_reads, wall,
                   lower_bound(handle.phone, mode), f"{result.status} {result.before}->{result.after}")


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


def run_naive(server: AppiumServer, mode: str) -> Run:
    """The straightforward script on a fresh phone, its commands counted like the tool's."""
    with start_phone("android", "default", latency_scale=1.0) as handle:
        device = Device(name="sim-android", platform="android", sim_url=handle.url)
        conn = CountingConnection(client_config=AppiumClientConfig(remote_server_addr=server.url))
        began = time.monotonic()
        driver = webdriver.Remote(command_executor=conn, options=capabilities_for(device, sim_url=handle.url))
        try:
            outcome = naive_script(driver, mode, handle.phone.scenario.label_table())
        finally:
            driver.quit()
        wall = time.monotonic() - began
        return Run("plain Appium script", mode, sum(conn.counts.values()), conn.counts.get("getPageSource", 0)
                   + conn.counts.get("findElement", 0) + conn.counts.get("findElements", 0), wall,
                   lower_bound(handle.phone, mode), outcome)


def median_run(runs: list[Run]) -> Run:
    """The run with the median wall time."""
    return sorted(runs, key=lambda r: r.wall_s)[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per line (the median is shown)")
    args = parser.parse_args(argv)
    rows: list[Run] = []
    with AppiumServer() as server:
        print(f"Appium {server.url}; simulated Android phone, scenario default, latency_scale 1", file=sys.stderr)
        for mode in ("check", "apply"):
            for who in (run_tool, run_naive):
                rows.append(median_run([who(server, mode) for _ in range(max(1, args.runs))]))
                print(f"  done: {rows[-1].who} {mode}", file=sys.stderr)
    print(table(rows))
    return verdict(rows)


def table(rows: list[Run]) -> str:
    """The results as an aligned text table."""
    head = ("tool", "mode", "commands", "reads*", "wall s", "bound s", "wall/bound", "outcome")
    lines = [head] + [(r.who, r.mode, str(r.commands), str(r.reads), f"{r.wall_s:.2f}", f"{r.bound_s:.2f}",
                       f"{r.wall_s / r.bound_s:.2f}x", r.outcome) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) for line in lines)
    return text + "\n* reads: page-source reads (tool); page-source reads + find_element calls (script)"


def verdict(rows: list[Run]) -> int:
    """Check the targets on the tool's runs; print each miss."""
    misses = []
    for r in (r for r in rows if r.who == "linkedin-optout"):
        if r.mode == "apply" and r.commands > MAX_APPLY_COMMANDS:
            misses.append(f"apply sent {r.commands} commands (target <= {MAX_APPLY_COMMANDS})")
        if r.wall_s > MAX_BOUND_RATIO * r.bound_s:
            misses.append(f"{r.mode} took {r.wall_s / r.bound_s:.2f}x its lower bound (target <= {MAX_BOUND_RATIO}x)")
    for miss in misses:
        print(f"MISSED: {miss}")
    if not misses:
        print(f"targets met: apply <= {MAX_APPLY_COMMANDS} commands, wall time <= {MAX_BOUND_RATIO}x the bound")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())

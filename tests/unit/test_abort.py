"""The one abort mechanism: a safety guard or a signal stops every device before its next tap; each device of
a multi-device run gets its own verdict; the run's exit code; the processes the tool started are ended."""

from __future__ import annotations

import signal
import threading

import pytest

from mobile.engine import abort as lifecycle
from mobile.engine.abort import Abort
from mobile.engine.context import RunContext
from mobile.core.flow import find_flow
from mobile.reach.devices import Device, parse_devices, resolve
from mobile.errors import SafetyViolation
from mobile.run.parallel import run_devices, summary_table
from mobile.output.result import RunResult, exit_code

DEVICES = [Device(name=f"phone-{i}", platform="android", serial=f"emulator-{5554 + 2 * i}") for i in range(3)]
WAIT_S = 20.0


class TapRecorder:
    platform = "android"

    def __init__(self) -> None:
        self.taps: list[object] = []

    def source(self) -> str:
        raise AssertionError("not read in these tests")

    def tap(self, node: object) -> None:
        self.taps.append(node)


def ok(device: Device, status: str = "unchanged") -> RunResult:
    return RunResult(device=device.name, platform=device.platform, mode="apply", status=status)


def test_a_safety_violation_aborts_the_run_and_the_others_stop_before_their_next_tap() -> None:
    abort = Abort()
    recorders = {d.name: TapRecorder() for d in DEVICES}

    def run_one(device: Device, slot: int) -> RunResult:
        if device.name == "phone-0":
            raise SafetyViolation("refused to tap the switch", ok(device, "changed"))
        assert abort.wait(WAIT_S), "phone-0's violation must trip the run's abort"
        ctx = RunContext(find_flow("linkedin-genai"), recorders[device.name], ok(device), "apply", "en",
                         lambda: 0.0, lambda s: None, 1.0, abort=abort)
        ctx.tap_path(object())  # type: ignore[arg-type]  # the next tap: must never reach the driver
        return ok(device, "changed")

    seen: list[str] = []
    results = run_devices(DEVICES, run_one, parallel=3, mode="apply", abort=abort,
                          on_result=lambda r: seen.append(r.device))
    assert [r.status for r in results] == ["safety_violation", "interrupted", "interrupted"]
    assert results[0].message == "safety guard: refused to tap the switch"
    assert results[1].message.startswith("stopped: a safety guard fired on phone-0")
    assert all(r.taps == [] for r in recorders.values())
    assert sorted(seen) == [d.name for d in DEVICES]
    assert exit_code(results, abort) == 5
    assert "exit code 5" in summary_table(results, exit_code(results, abort))


def test_devices_not_started_when_the_run_is_aborted_never_start() -> None:
    started: list[str] = []

    def run_one(device: Device, slot: int) -> RunResult:
        started.append(device.name)
        raise SafetyViolation("boom")

    results = run_devices(DEVICES, run_one, parallel=1, mode="apply")
    assert started == ["phone-0"]
    assert [r.status for r in results] == ["safety_violation", "interrupted", "interrupted"]


def test_a_device_stuck_after_an_abort_is_reported_interrupted_without_waiting_for_it() -> None:
    abort, release = Abort(), threading.Event()

    def run_one(device: Device, slot: int) -> RunResult:
        if device.name == "phone-1":
            abort.interrupt(signal.SIGTERM)
            release.wait(WAIT_S)  # a network call that does not return
        return ok(device)

    try:
        results = run_devices(DEVICES[:2], run_one, parallel=2, abort=abort, grace=0.2)
    finally:
        release.set()
    assert [r.status for r in results] == ["unchanged", "interrupted"]
    assert results[1].message == "SIGTERM received: stopped before the next tap"
    assert exit_code(results, abort) == 143


def test_exit_codes_of_aborted_runs() -> None:
    stopped = [ok(DEVICES[0], "ui_drift"), ok(DEVICES[1], "interrupted")]
    sigint = Abort()
    sigint.interrupt(signal.SIGINT)
    assert exit_code(stopped, sigint) == 130
    assert exit_code(stopped) == 130  # without the abort: the table's default for `interrupted`
    safety = Abort()
    safety.safety("phone-0", "x")
    assert exit_code([ok(DEVICES[0], "safety_violation"), ok(DEVICES[1], "interrupted")], safety) == 5


SHIPPED = """\
devices:
  sim-android: {platform: android, simulator: {scenario: default}}
  sim-ios:     {platform: ios, simulator: {scenario: default}}
  phone:       {platform: android, serial: auto}
"""


def test_every_device_of_all_gets_its_own_verdict_without_a_phone() -> None:
    devices = resolve(parse_devices(SHIPPED), all=True, live=[], mark_absent=True)
    assert [(d.name, d.absent[0] if d.absent else None) for d in devices] == [
        ("sim-android", None), ("sim-ios", None), ("phone", "no_device")]
    assert "no Android device is ready" in devices[2].absent[1]  # type: ignore[index]
    auto = resolve(parse_devices(SHIPPED), ["auto"], live=[], mark_absent=True)
    assert [(d.name, d.absent[0] if d.absent else None) for d in auto] == [("auto", "no_device")]


def test_a_device_whose_phone_is_absent_gets_no_device_and_the_others_run() -> None:
    from mobile.run.device import run_device

    class Plan:
        mode, flow = "check", find_flow("linkedin-genai")

    absent = Device(name="phone", platform="android", serial="auto", absent=("no_device", "no phone"))
    result = run_device(Plan(), absent)
    assert (result.status, result.message, result.commands) == ("no_device", "no phone", 0)


class Process:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def stop(self) -> None:
        self.log.append(self.name)


def test_the_way_out_stops_what_was_started_since_the_mark_newest_first() -> None:
    log: list[str] = []
    earlier = Process(log, "earlier")
    lifecycle.own(earlier)
    since = lifecycle.mark()
    first, second, done = Process(log, "appium"), Process(log, "adb"), Process(log, "stopped")
    for process in (first, second, done):
        lifecycle.own(process)
    lifecycle.disown(done)  # stopped the ordinary way
    assert lifecycle.stop_owned(since) == 2
    assert log == ["adb", "appium"]
    assert lifecycle.owned(since) == []
    lifecycle.disown(earlier)

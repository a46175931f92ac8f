"""mobile.run.parallel.run_devices on fake runs: real concurrency, unique slots, isolation, streaming."""

from __future__ import annotations

import threading

from mobile.reach.devices import Device
from mobile.errors import SignedOut
from mobile.run.parallel import run_devices, summary_table
from mobile.output.result import RunResult, exit_code

DEVICES = [Device(name=f"phone-{i}", platform="android", serial=f"emulator-{5554 + 2 * i}") for i in range(4)]


def ok(device: Device, status: str = "unchanged") -> RunResult:
    return RunResult(device=device.name, platform=device.platform, mode="check", status=status,
                     before="off", after="off", duration_s=0.1)


def test_runs_really_overlap_and_hold_distinct_slots() -> None:
    # Four runs that each wait for all four to be inside: only a truly parallel pool gets through.
    inside = threading.Barrier(4, timeout=20)
    held: set[int] = set()
    lock = threading.Lock()

    def run_one(device: Device, slot: int) -> RunResult:
        with lock:
            assert slot not in held, f"slot {slot} used twice at once"
            held.add(slot)
        inside.wait()
        with lock:
            held.discard(slot)
        return ok(device)

    results = run_devices(DEVICES, run_one, parallel=4)
    assert [r.status for r in results] == ["unchanged"] * 4


def test_slots_are_reused_and_stay_below_parallel() -> None:
    seen: list[int] = []
    results = run_devices(DEVICES * 3, lambda d, slot: seen.append(slot) or ok(d), parallel=2)
    assert len(results) == 12 and set(seen) <= {0, 1}


def test_a_crashing_device_is_its_own_device_error() -> None:
    def run_one(device: Device, slot: int) -> RunResult:
        if device.name == "phone-1":
            raise ConnectionResetError("socket closed")
        if device.name == "phone-2":
            raise SignedOut("LinkedIn shows the sign-in screen")
        return ok(device, "changed")

    results = run_devices(DEVICES, run_one, parallel=3, mode="apply")
    assert [r.status for r in results] == ["changed", "device_error", "signed_out", "changed"]
    assert "ConnectionResetError: socket closed" in results[1].message
    assert results[1].mode == "apply" and results[1].serial == "emulator-5556"
    assert exit_code(results) == 3


def test_results_stream_in_finishing_order_but_return_in_given_order() -> None:
    # phone-0 finishes only after every other device has been reported.
    others_done = threading.Event()
    streamed: list[str] = []

    def run_one(device: Device, slot: int) -> RunResult:
        if device.name == "phone-0":
            assert others_done.wait(timeout=20)
        return ok(device)

    def on_result(result: RunResult) -> None:
        streamed.append(result.device)
        if len(streamed) == 3:
            others_done.set()

    results = run_devices(DEVICES, run_one, parallel=4, on_result=on_result)
    assert streamed[-1] == "phone-0" and sorted(streamed) == [d.name for d in DEVICES]
    assert [r.device for r in results] == [d.name for d in DEVICES]


def test_summary_table_lists_every_device_and_the_exit_code() -> None:
    results = [ok(DEVICES[0], "changed"), RunResult(device="phone-1", platform="android", mode="apply",
                                                     status="device_error", duration_s=2.0)]
    table = summary_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["device", "platform", "status", "before", "after", "time"]
    assert "phone-1" in lines[3] and "device_error" in lines[3]
    assert lines[-1] == "2 devices: 1 changed, 1 device_error; exit code 3"


def test_appium_servers_spread_sessions_by_slot() -> None:
    """--appium-servers N: slot k uses local server k % N; --appium-url still wins."""
    from types import SimpleNamespace

    from mobile.reach.devices import Device
    from mobile.run.device import appium_url_for

    from mobile.run.shared import Shared

    class Server:
        def __init__(self, url: str) -> None:
            self.url, self.log_path = url, f"{url}.log"
            self.where = (url, self.log_path)

    shared = Shared(appium=Server("http://a0"), extra_appium={1: Server("http://a1"), 2: Server("http://a2")})
    plan = SimpleNamespace(appium_url=None, grid=None, appium_servers=3, devices=[])
    device = Device(name="sim", platform="android", simulator={})
    assert [appium_url_for(plan, device, shared, slot=s)[0] for s in range(5)] == \
        ["http://a0", "http://a1", "http://a2", "http://a0", "http://a1"]
    plan.appium_url = "http://elsewhere/"
    assert appium_url_for(plan, device, shared, slot=1) == ("http://elsewhere", None)


def test_appium_servers_flag_must_be_positive(capsys) -> None:
    import pytest

    from mobile.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(["check", "--device", "sim-android", "--appium-servers", "0"])
    assert exit_.value.code == 2 and "--appium-servers" in capsys.readouterr().err

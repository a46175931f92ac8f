"""A lab that pins device-side ports in its Grid 4 node stereotypes (as ci/grid/README.md advises): the tool's
session request must match such a slot, so it must not name a port of its own behind a Grid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from mobile.reach.appium_install import ensure_drivers
from mobile.reach.appium_server import AppiumServer
from mobile.cli.run_options import RunPlan
from mobile.core.flow import find_flow
from mobile.reach.devices import Device
from mobile.reach.grid import Grid
from mobile.run.device import run_device

pytestmark = pytest.mark.grid
SERIAL = "emulator-5570"  # not connected anywhere: Appium's UiAutomator2 driver says so once Grid routed it
STEREOTYPE = {"platformName": "Android", "appium:automationName": "UiAutomator2", "appium:udid": SERIAL,
              "appium:systemPort": 8201}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Grid, AppiumServer]]:
    """One Appium (UiAutomator2 installed) behind a hub and a relay node whose one slot pins systemPort 8201."""
    ensure_drivers()
    logs = tmp_path_factory.mktemp("lab")
    appium = AppiumServer(log_path=logs / "appium.log").start()
    grid = Grid(log_dir=logs, session_request_timeout=20).start()
    try:
        grid.add_node(appium.url, [STEREOTYPE])
        grid.wait_ready()
        yield grid, appium
    finally:
        grid.stop()
        appium.stop()


def test_a_port_pinning_stereotype_gets_the_session(lab: tuple[Grid, AppiumServer], tmp_path: Path) -> None:
    grid, appium = lab
    device = Device(name="lab-phone", platform="android", serial=SERIAL)
    plan = RunPlan(mode="check", devices=[device], flow=find_flow("linkedin-genai"), grid=grid.url, timeout=5)
    result = run_device(plan, device)
    # Grid matched the slot and handed the request to Appium with the lab's port merged in (a request naming
    # systemPort 8200 never matches this slot: it waits in the queue and Appium never hears of it). Appium's
    # UiAutomator2 driver then looks for the device on its own machine's adb, where it is not.
    assert result.status == "device_error", result.message
    received = [line for line in appium.log_path.read_text(errors="replace").splitlines()
                if '"appium:udid":"emulator-5570"' in line.replace(" ", "")]
    assert received, "Grid never routed the session request to Appium"
    assert any('"appium:systemPort":8201' in line.replace(" ", "") for line in received)
    assert not any("systemPort\":8200" in line.replace(" ", "") for line in received)
    # no local adb preflight ran: that would have ended the run here with no_device, before any request
    assert result.status != "no_device" and "is not connected" not in result.message


def test_a_whole_run_through_a_port_pinning_grid_on_the_real_uiautomator2_driver(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The simulated phone in UiAutomator2 mode (real driver, real adb server) behind a Grid 4 slot that pins
    its udid and systemPort: the tool's session lands there and the run reads the switch end to end."""
    from mobile.reach.appium_server import free_port
    from mobile.reach.private_adb import PrivateAdb
    from mobile.sim.adb.device import attach_to_adb, detach_from_adb
    from mobile.sim.launch import start_phone

    logs = tmp_path_factory.mktemp("u2lab")
    pinned = free_port()
    with PrivateAdb() as adb, pytest.MonkeyPatch.context() as patch:
        for key, value in adb.env().items():
            patch.setenv(key, value)
        handle = start_phone("android", "open-elsewhere", latency_scale=0)
        serial = attach_to_adb(handle, adb.port, driver="uiautomator2")
        appium = AppiumServer(env=adb.env(), log_path=logs / "appium.log").start()
        grid = Grid(log_dir=logs, session_request_timeout=60).start()
        try:
            grid.add_node(appium.url, [{"platformName": "Android", "appium:automationName": "UiAutomator2",
                                        "appium:udid": serial, "appium:systemPort": pinned,
                                        "appium:adbPort": adb.port}])  # the lab's adb server, also the lab's
            grid.wait_ready()
            device = Device(name="lab-u2", platform="android", serial=serial)
            plan = RunPlan(mode="check", devices=[device], flow=find_flow("linkedin-genai"), grid=grid.url)
            result = run_device(plan, device)
            assert (result.status, result.before) == ("unchanged", "on"), result.message
            log = appium.log_path.read_text(errors="replace")
            assert f"forward tcp:{pinned} tcp:6790" in log  # the lab's port, merged in by Grid
            assert "AndroidUiautomator2Driver" in log and handle.phone.log.switch_changes() == []
        finally:
            grid.stop()
            appium.stop()
            detach_from_adb(serial, adb.port)
            handle.stop()

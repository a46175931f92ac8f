"""The real UiAutomator2 driver (pinned in ci/appium) drives the simulated phone over a real adb server.

Everything real but the phone: Appium 3, appium-uiautomator2-driver with its appium-adb, the adb server on a
private port. The phone answers adb (shell, installs, sync, `tcp:6790`) and the uiautomator2-server HTTP
protocol. These tests are the alarm for a driver upgrade: every adb command must be answered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import mobile.sim.adb.device as adb_device
import mobile.sim.launch as launch
from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.reach.appium_server import AppiumServer
from mobile.reach.capabilities import capabilities_for
from mobile.cli.main import main
from mobile.reach.devices import Device
from mobile.drivers.appium import AppiumDriver
from mobile.errors import AppMissing
from mobile.reach.private_adb import PrivateAdb
from mobile.sim.adb.device import AdbDeviceServer, attach_to_adb, detach_from_adb
from mobile.sim.launch import SimHandle, start_phone
from mobile.sim.scenario import known_scenarios

pytestmark = pytest.mark.e2e
PATH_KEYS = ["profile_photo", "settings", "data_privacy", "genai_setting"]
SERVER_PACKAGES = {"io.appium.uiautomator2.server", "io.appium.uiautomator2.server.test"}
APP = find_flow(DEFAULT_FLOW).apps["android"]  # the app the sessions drive: the shipped flow's apps.android


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrivateAdb, AppiumServer]]:
    """A private adb server and one Appium pointed at it (ANDROID_HOME holding that adb)."""
    root = tmp_path_factory.mktemp("u2sim")
    with PrivateAdb() as adb, pytest.MonkeyPatch.context() as patch:
        for key, value in adb.env().items():
            patch.setenv(key, value)
        appium = AppiumServer(env=adb.env(), log_path=root / "appium.log").start()
        try:
            yield adb, appium
        finally:
            appium.stop()


@pytest.fixture
def phones(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[SimHandle], list[AdbDeviceServer]]]:
    """Every phone the tool starts and every adb device server attached during the test."""
    handles: list[SimHandle] = []
    servers: list[AdbDeviceServer] = []
    real_start, real_attach = launch.start_phone, adb_device.attach_to_adb

    def start(*args: Any, **kwargs: Any) -> SimHandle:
        handles.append(real_start(*args, **kwargs))
        return handles[-1]

    def attach(*args: Any, **kwargs: Any) -> str:
        serial = real_attach(*args, **kwargs)
        servers.append(adb_device.attached_server(serial))
        return serial

    monkeypatch.setattr(launch, "start_phone", start)
    monkeypatch.setattr(adb_device, "attach_to_adb", attach)
    yield handles, servers


@pytest.fixture
def attached(rig: tuple[PrivateAdb, AppiumServer]) -> Iterator[Callable[..., tuple[SimHandle, str]]]:
    """attach(scenario) -> (handle, serial): a phone on the rig's adb server that asks for UiAutomator2."""
    adb, _ = rig
    made: list[tuple[SimHandle, str]] = []

    def _attach(scenario: str = "default") -> tuple[SimHandle, str]:
        handle = start_phone("android", scenario, latency_scale=0)
        made.append((handle, attach_to_adb(handle, adb.port, driver="uiautomator2")))
        return made[-1]

    yield _attach
    for handle, serial in made:
        detach_from_adb(serial, adb.port)
        handle.stop()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)["results"]


def _taps(handle: SimHandle) -> list[str]:
    return [e["node"]["key"] for e in handle.phone.log.events if e["cmd"] == "tap" and e.get("node")]


def _assert_answered(server: AdbDeviceServer) -> None:
    """No adb command went unanswered; the driver started the instrumentation and used the forward."""
    system = server.system
    assert system.unanswered == []
    assert any(c.startswith("am instrument -w") for c in system.commands())
    assert any(r.service == "tcp:6790" for r in system.records)


def test_check_then_apply_on_sim_android_u2(rig, phones, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """The tool starts the phone, its own private adb server and Appium; the real driver does the rest."""
    handles, servers = phones
    code, (result,) = _cli(capsys, "check", "--device", "sim-android-u2", "--report", str(tmp_path / "check"))
    assert code == 0 and (result["status"], result["before"]) == ("unchanged", "on"), result
    assert result["device_info"]["simulated"] is True and result["device_info"]["driver"] == "uiautomator2"
    log = (tmp_path / "check" / result["appium_log"]).read_text()  # the report keeps the Appium log
    assert "creating new AndroidUiautomator2Driver" in log and "creating new LinkedInSim" not in log
    assert re.search(r"Proxying \[GET /session/[^/]+/source\] to \[GET http://127\.0\.0\.1:\d+/session/[^/]+/source\]", log)
    assert "Proxying [POST /appium/gestures/click]" in log
    assert _taps(handles[0]) == PATH_KEYS and handles[0].phone.log.switch_changes() == []
    _assert_answered(servers[0])

    code, (result,) = _cli(capsys, "apply", "--device", "sim-android-u2")
    assert code == 0 and (result["status"], result["before"], result["after"]) == ("changed", "on", "off"), result
    assert (result["verified"], result["persisted"]) == (True, True)
    phone = handles[1].phone
    # the path, the switch, and the verification's re-opening of the setting (as through LinkedInSim)
    assert _taps(handles[1]) == [*PATH_KEYS, "genai_toggle", "genai_setting"]
    assert [(c["before"], c["after"], c["persisted"]) for c in phone.log.switch_changes()] == [("on", "off", True)]
    _assert_answered(servers[1])


def test_fresh_phone_gets_the_helpers_a_second_session_none(rig, attached, capsys: pytest.CaptureFixture[str]):
    """Found with --device auto by its `linkedin.sim.driver` property; the driver installs its helper apps once."""
    _, appium = rig
    handle, serial = attached("default")
    server = adb_device.attached_server(serial)
    code, (first,) = _cli(capsys, "check", "--device", "auto", "--appium-url", appium.url)
    assert code == 0 and first["status"] == "unchanged" and first["serial"] == serial
    installed_first = list(server.system.installs)
    assert SERVER_PACKAGES | {"io.appium.settings"} == set(installed_first)
    code, (second,) = _cli(capsys, "check", "--device", serial, "--appium-url", appium.url)
    assert code == 0 and second["status"] == "unchanged"
    # without aapt2 the driver cannot read the settings helper's version and re-installs it; never the server
    assert SERVER_PACKAGES.isdisjoint(server.system.installs[len(installed_first):])
    assert [e["cmd"] for e in handle.phone.log.events].count("start_session") == 2
    _assert_answered(server)


def test_two_phones_in_parallel_through_one_appium_and_one_adb(rig, attached, capsys: pytest.CaptureFixture[str]):
    _, appium = rig
    (first, s1), (second, s2) = attached("default"), attached("dutch")
    code, results = _cli(capsys, "apply", "--device", s1, "--device", s2, "--parallel", "2",
                         "--appium-url", appium.url)
    assert code == 0 and [(r["serial"], r["status"]) for r in results] == [(s1, "changed"), (s2, "changed")]
    assert first.phone.genai_enabled is False and second.phone.genai_enabled is False
    ports = set(re.findall(r"forward tcp:(\d+) tcp:6790", Path(appium.log_path).read_text()))
    assert len(ports) >= 2  # each session its own systemPort
    for serial in (s1, s2):
        _assert_answered(adb_device.attached_server(serial))


@pytest.mark.parametrize("scenario", known_scenarios())
def test_every_scenario_has_the_linkedinsim_outcome(scenario: str, rig, phones, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]):
    """The same scenario through LinkedInSim and through the real UiAutomator2 driver ends the same way."""
    _, appium = rig
    _, servers = phones
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    _, results = _cli(capsys, "apply", "--device", "sim-android", "--device", "sim-android-u2",
                      "--scenario", scenario, "--parallel", "2", "--appium-url", appium.url)
    fields = ("status", "before", "after", "verified", "persisted")
    by_device = {r["device"]: tuple(r[f] for f in fields) for r in results}
    assert by_device["sim-android-u2"] == by_device["sim-android"], results
    for server in servers:
        assert server.system.unanswered == []


def test_a_missing_app_through_the_real_driver_is_app_missing(rig, attached):
    """Without the tool's adb preflight (a remote Appium): the real driver's own words must still say app_missing."""
    adb, appium = rig
    _, serial = attached("app-missing")
    device = Device(name="u2", platform="android", serial=serial, live_driver="uiautomator2", adb_port=adb.port,
                    sim_url="http://127.0.0.1:1")
    with pytest.raises(AppMissing) as caught:
        AppiumDriver(appium.url, "android", APP.app_id).start(capabilities_for(device, APP))
    assert "launchable activity" in str(caught.value)
    assert adb_device.attached_server(serial).system.unanswered == []


def test_sim_serve_driver_uiautomator2_is_found_by_auto(rig, capsys: pytest.CaptureFixture[str]):
    """`linkedin-optout sim serve --driver uiautomator2` as a user runs it: --device auto drives it through UiAutomator2."""
    import subprocess
    import sys

    from mobile.reach.capabilities import to_payload
    from mobile.reach.devices import parse_devices, resolve

    _, appium = rig
    exe = Path(sys.executable).with_name("linkedin-optout")
    proc = subprocess.Popen([str(exe), "sim", "serve", "--driver", "uiautomator2", "--latency-scale", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the phone is attached (or the process ends: empty line)
        assert "attached to adb as" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        serial = line.split()[4]
        device = resolve(parse_devices("devices:\n  phone: {platform: android, serial: auto}\n"), ["phone"])[0]
        always = to_payload(capabilities_for(device, APP))["capabilities"]["alwaysMatch"]
        assert (device.serial, device.simulated, device.driver) == (serial, True, "uiautomator2")
        assert (always["appium:automationName"], always["appium:udid"]) == ("UiAutomator2", serial)
        code, (result,) = _cli(capsys, "check", "--device", "auto", "--appium-url", appium.url)
        assert code == 0 and result["status"] == "unchanged" and result["device_info"]["simulated"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_tool_settings_reach_the_phone_with_the_session(rig, attached):
    """The tool's Android settings travel as `appium:settings[...]` capabilities: Appium hands them to the
    uiautomator2 server while it creates the session, so the phone has waitForIdleTimeout 0 before the tool's
    first command and the tool sends no settings command of its own (one command: the session)."""
    adb, appium = rig
    handle, serial = attached("default")
    device = Device(name="u2-settings", platform="android", serial=serial, sim_url=handle.url,
                    live_driver="uiautomator2", adb_port=adb.port)
    driver = AppiumDriver(appium.url, "android", APP.app_id)
    driver.start(capabilities_for(device, APP))
    try:
        settings = handle.server.session.settings
        assert (settings["waitForIdleTimeout"], settings["disableIdLocatorAutocompletion"]) == (0, True)
        assert driver.commands == 1
    finally:
        driver.close()

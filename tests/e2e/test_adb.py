"""adb discovery through a real adb server on a private port, with simulated phones attached over adb."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.reach.adb import adb_binary, check_ready, discover, wake_and_unlock
from mobile.reach.appium_server import free_port
from mobile.reach.capabilities import capabilities_for, to_payload
from mobile.cli.main import main
from mobile.reach.devices import parse_devices, resolve
from mobile.errors import AppMissing, ConfigError, NoDevice
from mobile.sim.adb.device import attach_to_adb, detach_from_adb
from mobile.sim.launch import SimHandle, start_phone

pytestmark = pytest.mark.e2e
CONFIG = parse_devices("devices:\n  sim-android: {platform: android, simulator: {scenario: default}}\n"
                       "  phone: {platform: android, serial: auto}\n")
APP = find_flow(DEFAULT_FLOW).apps["android"]  # the app adb is asked about: the shipped flow's apps.android


@pytest.fixture(scope="module")
def adb_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private adb server: own port, own HOME (adbkey), no emulator port scanning; killed at the end."""
    port = free_port()
    home = tmp_path_factory.mktemp("adb-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
        patch.setenv("HOME", str(home))
        patch.setenv("ADB_LOCAL_TRANSPORT_MAX_PORT", "5553")
        patch.setenv("LINKEDIN_OPTOUT_DEVICES", str(_devices_file(home)))
        yield port
        subprocess.run([adb_binary(), "-P", str(port), "kill-server"], capture_output=True, timeout=30)


def _devices_file(folder: Path) -> Path:
    path = folder / "devices.yaml"
    path.write_text("devices:\n  sim-android: {platform: android, simulator: {scenario: default}}\n"
                    "  phone: {platform: android, serial: auto}\n")
    return path


@pytest.fixture
def attach(adb_port: int) -> Iterator:
    """attach(scenario) -> (handle, serial); every phone is disconnected and stopped after the test."""
    attached: list[tuple[SimHandle, str]] = []

    def _attach(scenario: str = "default", latency_scale: float | None = None) -> tuple[SimHandle, str]:
        handle = start_phone("android", scenario, latency_scale=latency_scale)
        serial = attach_to_adb(handle, adb_port)
        attached.append((handle, serial))
        return handle, serial

    yield _attach
    for handle, serial in attached:
        detach_from_adb(serial, adb_port)
        handle.stop()


def test_no_device_is_no_device(adb_port: int, capsys: pytest.CaptureFixture[str]):
    assert [d for d in discover() if d.ready] == []
    with pytest.raises(NoDevice) as caught:
        resolve(CONFIG, ["auto"])
    assert caught.value.status == "no_device" and caught.value.exit_code == 3
    assert main(["doctor", "--device", "phone"]) == 3
    assert "FAIL  device phone" in capsys.readouterr().out


def test_attached_phone_is_listed_with_linkedin_version(attach, capsys: pytest.CaptureFixture[str]):
    handle, serial = attach("default")
    found = next(d for d in discover(package=APP.app_id) if d.serial == serial)
    phone = handle.phone
    assert (found.state, found.model, found.os_version) == ("device", phone.model, phone.os_version)
    assert (found.app_installed, found.app_version, found.sim_url) == (True, phone.app_version, handle.url)
    assert (found.width, found.height) == (phone.width, phone.height)
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert f"{serial}  device  {phone.model}  Android {phone.os_version}" in out
    assert f"LinkedIn {phone.app_version}" in out and f"phone        android  auto                  -> {serial}" in out
    assert main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["live"]
    assert [(d["serial"], d["app_version"], d["ready"]) for d in listed] == [(serial, phone.app_version, True)]


def test_auto_resolves_attached_sim_to_linkedinsim_caps(attach):
    handle, serial = attach("default")
    device = resolve(CONFIG, ["auto"])[0]
    always = to_payload(capabilities_for(device, APP))["capabilities"]["alwaysMatch"]
    assert (device.serial, always["appium:automationName"], always["appium:simServer"]) == (serial, "LinkedInSim", handle.url)


def test_app_missing_scenario_is_app_missing(attach, capsys: pytest.CaptureFixture[str]):
    _, serial = attach("app-missing")
    found = next(d for d in discover(package=APP.app_id) if d.serial == serial)
    assert (found.app_installed, found.app_version) == (False, None)
    with pytest.raises(AppMissing) as caught:
        check_ready(found, APP.app_id)
    assert caught.value.status == "app_missing"
    assert main(["doctor", "--device", serial]) == 3
    assert f"FAIL  LinkedIn app                com.linkedin.android is not installed on {serial}" in capsys.readouterr().out


def test_two_phones_and_auto_ask_to_pick_one(attach):
    _, first = attach("default")
    _, second = attach("dutch")
    with pytest.raises(ConfigError) as caught:
        resolve(CONFIG, ["phone"])
    serials = [d.serial for d in discover() if d.ready]
    assert sorted(serials) == sorted([first, second])
    assert caught.value.message == f"2 devices are ready ({', '.join(serials)}): pick one with --device SERIAL"
    assert resolve(CONFIG, [second])[0].serial == second


def test_locked_screen_is_woken_and_unlocked(attach):
    handle, serial = attach("default")
    handle.phone.screen_on, handle.phone.locked = False, True
    assert next(d for d in discover() if d.serial == serial).locked is True
    after = wake_and_unlock(serial)
    assert (handle.phone.screen_on, handle.phone.locked) == (True, False)
    assert (after.screen_on, after.locked) == (True, False)


def test_shell_exit_codes_through_the_adb_binary(attach, adb_port: int):
    _, serial = attach("default")
    base = [adb_binary(), "-P", str(adb_port), "-s", serial, "shell"]
    echo = subprocess.run([*base, "echo", "hello adb"], capture_output=True, text=True, timeout=30)
    assert (echo.returncode, echo.stdout) == (0, "hello adb\n")
    missing = subprocess.run([*base, "frobnicate"], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 127 and "frobnicate: inaccessible or not found" in missing.stderr
    path = subprocess.run([*base, "pm", "path", "com.linkedin.android"], capture_output=True, text=True, timeout=30)
    assert path.returncode == 0 and path.stdout.startswith("package:/data/app/")
    assert os.environ["ANDROID_ADB_SERVER_PORT"] == str(adb_port)


def test_sim_serve_adb_appears_in_adb_devices(adb_port: int, tmp_path: Path):
    """`linkedin-optout sim serve --adb` as a user runs it: the phone shows up in `adb devices`."""
    import sys
    import time

    exe = Path(sys.executable).with_name("linkedin-optout")
    proc = subprocess.Popen([str(exe), "sim", "serve", "--adb", "--latency-scale", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while not any("attached to adb as" in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, (lines, proc.stderr.read() if proc.poll() is not None else "")
            lines.append(proc.stdout.readline())
        serial = next(line for line in lines if "attached to adb as" in line).split()[4]
        listed = subprocess.run([adb_binary(), "-P", str(adb_port), "devices"], capture_output=True, text=True,
                                timeout=30).stdout
        assert f"{serial}\tdevice" in listed
        assert [d.serial for d in discover() if d.ready] == [serial]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    gone = subprocess.run([adb_binary(), "-P", str(adb_port), "devices"], capture_output=True, text=True,
                          timeout=30).stdout
    assert "127.0.0.1" not in gone


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_check_device_auto_end_to_end_through_adb(attach, capsys: pytest.CaptureFixture[str]):
    """The real discovery path: adb finds the phone, its getprop says where its server is, Appium drives it."""
    handle, serial = attach("default", latency_scale=0)
    code, doc = _cli_json(capsys, "check", "--device", "auto")
    result = doc["results"][0]
    assert code == 0 and (result["status"], result["before"]) == ("unchanged", "on")
    assert (result["serial"], result["app_version"]) == (serial, handle.phone.app_version)
    assert [e["cmd"] for e in handle.phone.log.events].count("start_session") == 1
    assert handle.phone.log.switch_changes() == []  # check never taps the switch


def test_locked_phone_is_woken_before_the_session(attach, capsys: pytest.CaptureFixture[str]):
    handle, serial = attach("default", latency_scale=0)
    handle.phone.screen_on, handle.phone.locked = False, True
    code, doc = _cli_json(capsys, "check", "--device", serial)
    assert code == 0 and doc["results"][0]["status"] == "unchanged"
    cmds = [e["cmd"] for e in handle.phone.log.events]
    assert "keyevent" in cmds and cmds.index("keyevent") < cmds.index("start_session")
    assert (handle.phone.screen_on, handle.phone.locked) == (True, False)


def test_check_device_auto_without_any_device_is_no_device(adb_port: int, capsys: pytest.CaptureFixture[str]):
    code, doc = _cli_json(capsys, "check", "--device", "auto")
    assert code == 3 and [r["status"] for r in doc["results"]] == ["no_device"]
    assert "no Android device is ready" in doc["results"][0]["message"]


def test_app_missing_through_adb_is_found_before_any_session(attach, capsys: pytest.CaptureFixture[str]):
    handle, serial = attach("app-missing", latency_scale=0)
    code, doc = _cli_json(capsys, "check", "--device", serial)
    assert code == 3 and doc["results"][0]["status"] == "app_missing"
    assert "start_session" not in [e["cmd"] for e in handle.phone.log.events]

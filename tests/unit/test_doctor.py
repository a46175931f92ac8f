"""doctor is honest: a remote Appium is asked for /status and nothing local is checked for it; what cannot
be checked is printed as `--`, never `ok`; XCUITest is never advised off macOS; outside a checkout the
fixes say `linkedin-optout setup`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import mobile.reach.appium_server as appium_server
import mobile.reach.doctor as doctor
from mobile.reach.appium_server import free_port
from mobile.cli.main import main
from mobile.cli.doctor import gather
from mobile.sim.launch import start_phone
from support import write_file


def test_device_behind_a_remote_appium_is_checked_by_its_status_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    with start_phone("android", "default", latency_scale=0) as phone:  # any W3C /status will do
        file = write_file(tmp_path / "devices.yaml", f"devices:\n  lab: {{platform: android, serial: emulator-5554, appium: '{phone.url}'}}\n")
        device, checks = gather("lab", file)
        assert device is not None and device.name == "lab"
        by_name = {c.name: c for c in checks}
        assert list(by_name) == ["python packages", "appium", "appium drivers", "device lab"]
        assert by_name["appium"].ok is True and f"{phone.url} answers /status" in by_name["appium"].detail
        assert by_name["appium drivers"].ok is None and "cannot be checked from here" in by_name["appium drivers"].detail
        assert by_name["device lab"].ok is None
        assert main(["doctor", "--devices-file", file, "--device", "lab"]) == 0
    out = capsys.readouterr().out
    assert "--    appium drivers" in out and "ok    appium drivers" not in out and "\nok    adb " not in out


def test_remote_appium_that_does_not_answer_fails_with_its_url():
    url = f"http://127.0.0.1:{free_port()}"
    check = doctor.check_remote_appium(url)
    assert check.ok is False and check.detail.startswith(f"no answer from {url}/status")


def test_remote_status_reports_the_appium_build(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(doctor, "get_status", lambda url, timeout: {"ready": True, "build": {"version": "3.8.0"}})
    assert doctor.check_remote_appium("http://mac:4723").detail == "http://mac:4723 answers /status: Appium build 3.8.0"


def _linux_toolchain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, drivers: dict[str, dict]) -> None:
    """The local tools as doctor would find them, without running node, npm, Appium or adb: this Appium
    (a file standing for its CLI) has `drivers` installed."""
    monkeypatch.setattr(sys, "platform", "linux")
    appium = tmp_path / "appium"
    appium.write_text("")
    monkeypatch.setenv("LINKEDIN_OPTOUT_APPIUM", str(appium))
    monkeypatch.setenv("APPIUM_HOME", str(tmp_path / "appium-home"))
    monkeypatch.setattr(doctor, "check_node", lambda: [doctor.Check("node", True, "v22.12.0"), doctor.Check("npm", True, "10.9.0")])
    monkeypatch.setattr(doctor, "check_appium", lambda binary, origin="": doctor.Check("appium", True, f"3.1.0 at {binary}"))
    monkeypatch.setattr(doctor, "installed_drivers", lambda binary, home: drivers)
    monkeypatch.setattr(doctor, "check_adb", lambda needed: doctor.Check("adb", True, "server v41", None, needed))


def test_off_macos_xcuitest_is_never_advised_and_a_real_iphone_is_told_to_use_a_mac(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch):
    _linux_toolchain(monkeypatch, tmp_path, {"linkedinsim": {"version": "1.0.0"}, "uiautomator2": {"version": "8.7.0"}})
    quiet = doctor.check_driver("xcuitest", {}, Path("/x/appium"), Path("/x/home"), needed=False)
    assert (quiet.ok, quiet.fix) == (None, None)
    file = write_file(tmp_path / "devices.yaml", "devices:\n  iphone: {platform: ios, udid: 00008110-AAAA}\n")
    _, checks = gather("iphone", file)
    by_name = {c.name: c for c in checks}
    assert by_name["appium driver xcuitest"].ok is None  # the drivers were read, and XCUITest is missing
    assert not any("driver install xcuitest" in (c.fix or "") for c in checks)
    assert by_name["macOS"].ok is False and "needs a Mac with Xcode" in by_name["macOS"].detail
    assert by_name["device iphone"].ok is None and "Xcode" not in by_name


def test_outside_a_checkout_fixes_say_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(doctor, "checkout_root", lambda: None)
    assert doctor.install_command() == "linkedin-optout setup"
    missing = doctor.check_appium(tmp_path / "appium", "per-user folder")
    assert missing.ok is False and missing.fix == "linkedin-optout setup" and "(per-user folder)" in missing.detail
    driver = doctor.check_driver("uiautomator2", {}, tmp_path / "appium", tmp_path / "home", needed=True)
    assert driver.fix == "linkedin-optout setup"



def test_a_grid_in_devices_yaml_is_checked_by_its_status(tmp_path: Path):
    with start_phone("android", "default", latency_scale=0) as phone:  # stands in for the Grid's W3C /status
        file = write_file(tmp_path / "devices.yaml", f"devices:\n  sim-android: {{platform: android, simulator: {{}}}}\ngrid: '{phone.url}'\n")
        _, checks = gather(None, file)
    assert [(c.name, c.ok) for c in checks[1:3]] == [("grid", True), ("appium drivers", None)]
    assert "node" not in {c.name for c in checks}


def test_without_appium_one_line_says_setup_and_the_drivers_wait_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("APPIUM_HOME", "LINKEDIN_OPTOUT_APPIUM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LINKEDIN_OPTOUT_HOME", str(tmp_path / "user"))
    monkeypatch.setattr(appium_server, "checkout_root", lambda: None)
    monkeypatch.setattr(doctor, "checkout_root", lambda: None)
    monkeypatch.setattr(doctor, "check_node", lambda: [doctor.Check("node", True, "v22.12.0"), doctor.Check("npm", True, "10.9.0")])
    monkeypatch.setattr(doctor, "check_adb", lambda needed: doctor.Check("adb", True, "server v41", None, needed))
    _, checks = gather("sim-android", write_file(tmp_path / "devices.yaml", "devices:\n  sim-android: {platform: android, simulator: {}}\n"))
    failed = [c for c in checks if c.ok is False]
    assert [(c.name, c.fix) for c in failed] == [("appium", "linkedin-optout setup")]
    assert "(per-user folder)" in failed[0].detail
    assert [(c.name, c.ok) for c in checks if c.name.startswith("appium driver")] == [("appium drivers", None)]

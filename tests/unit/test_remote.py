"""Where Appium runs decides the adb preflight, `serial: auto` and the device-side ports (labs and farms)."""

from __future__ import annotations

import pytest

from mobile.cli.main import main
from mobile.reach.devices import Device
from mobile.reach.remote import GRID_SESSION_QUEUE_S, is_local, outlast_grid_queue
from mobile.run.device import client_timeout
from support import write_file

PHONE = Device(name="phone", platform="android", serial="auto")


@pytest.mark.parametrize(("appium_url", "grid", "device_appium", "local"), [
    (None, None, "local", True),
    ("http://127.0.0.1:4723", None, "local", True),      # an Appium the user runs on this machine
    ("http://localhost:4723/", None, "local", True),
    ("http://mac-mini.lan:4723", None, "local", False),
    (None, None, "http://lab.example:4723", False),
    (None, "http://127.0.0.1:4444", "local", False),      # a Grid's nodes may be anywhere
])
def test_is_local(appium_url, grid, device_appium, local):
    device = Device(name="d", platform="android", serial="R58", appium=device_appium)
    assert is_local(appium_url, grid, device) is local


def test_client_timeout_outlasts_the_grid_queue():
    android = Device(name="d", platform="android", serial="R58")
    assert outlast_grid_queue(client_timeout(android, None), through_grid=False) == 120
    assert outlast_grid_queue(client_timeout(android, None), through_grid=True) > GRID_SESSION_QUEUE_S
    assert outlast_grid_queue(client_timeout(android, 200), through_grid=True) == 600


@pytest.mark.parametrize(("yaml_text", "argv", "where"), [
    ("devices:\n  phone: {platform: android, serial: auto, appium: 'http://lab.example:4723'}\n",
     ["--device", "phone"], "devices.yaml:2"),
    ("grid: http://grid.example:4444\ndevices:\n  phone: {platform: android, serial: auto}\n",
     ["--device", "phone"], "devices.yaml:3"),
    ("devices:\n  sim-android: {platform: android, simulator: {scenario: default}}\n",
     ["--device", "auto", "--appium-url", "http://lab.example:4723"], "--device"),
])
def test_auto_behind_a_remote_appium_is_a_config_error(tmp_path, capsys, yaml_text, argv, where):
    devices_file = write_file(tmp_path / "devices.yaml", yaml_text)
    code = main(["check", "--devices-file", devices_file, *argv])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and "auto needs the local adb" in err and "name the serial" in err
    assert f"{where}: device" in err

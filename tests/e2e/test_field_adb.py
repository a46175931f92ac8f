"""Phones as people have them, reached through a real adb server: locks, leftover Appium packages, and a
device adb may not open (udev). Fixtures (private adb server, attached simulated phones) come from test_adb."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.reach.adb import adb_binary
from mobile.cli.main import main
from test_adb import adb_port, attach  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e
APPIUM_LEFTOVERS = ["io.appium.settings", "io.appium.uiautomator2.server", "io.appium.uiautomator2.server.test"]


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _cmds(handle) -> list[str]:
    return [e["cmd"] for e in handle.phone.log.events]


def test_pin_locked_phone_is_device_error_before_any_session(attach, capsys: pytest.CaptureFixture[str]):
    handle, serial = attach("pin-locked", latency_scale=0)
    code, doc = _cli_json(capsys, "check", "--device", serial)
    result = doc["results"][0]
    assert (code, result["status"]) == (3, "device_error"), result
    assert "unlock the phone yourself" in result["message"] and "PIN, pattern or password" in result["message"]
    assert "start_session" not in _cmds(handle) and "tap" not in _cmds(handle)
    assert handle.phone.locked is True
    assert main(["devices"]) == 0
    assert "locked with a PIN/pattern/password: unlock it yourself" in capsys.readouterr().out


def test_swipe_locked_phone_is_dismissed_then_the_run_goes_on(attach, capsys: pytest.CaptureFixture[str]):
    handle, serial = attach("swipe-locked", latency_scale=0)
    code, doc = _cli_json(capsys, "check", "--device", serial)
    assert (code, doc["results"][0]["status"], doc["results"][0]["before"]) == (0, "unchanged", "on")
    cmds = _cmds(handle)
    assert cmds.index("dismiss_keyguard") < cmds.index("start_session")  # `wm dismiss-keyguard` over adb


def test_cleanup_removes_appium_packages_and_says_which(attach, capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path, adb_port: int):  # noqa: F811
    scenario = tmp_path / "used-by-appium.yaml"
    scenario.write_text(f"description: Appium has been here\nstate: {{packages: {json.dumps(APPIUM_LEFTOVERS)}}}\n")
    handle, serial = attach(str(scenario), latency_scale=0)
    listed = subprocess.run([adb_binary(), "-P", str(adb_port), "-s", serial, "shell", "pm", "list", "packages",
                             "io.appium"], capture_output=True, text=True, timeout=30).stdout
    assert sorted(line.split(":", 1)[1] for line in listed.split()) == sorted(APPIUM_LEFTOVERS)
    assert main(["cleanup", "--device", serial]) == 0
    out = capsys.readouterr().out
    assert [line.split()[-1] for line in out.splitlines()] == [
        "io.appium.uiautomator2.server.test", "io.appium.uiautomator2.server", "io.appium.settings"]
    assert handle.phone.packages == [] and handle.phone.app_installed  # LinkedIn itself stays
    listed = subprocess.run([adb_binary(), "-P", str(adb_port), "-s", serial, "shell", "pm", "list", "packages",
                             "io.appium"], capture_output=True, text=True, timeout=30).stdout
    assert listed.strip() == ""
    code, doc = _cli_json(capsys, "cleanup", "--device", serial)
    assert (code, doc["removed"], doc["failed"]) == (0, [], [])


def test_cleanup_refuses_a_simulated_phone_the_tool_starts(capsys: pytest.CaptureFixture[str]):
    assert main(["cleanup", "--device", "sim-android"]) == 2
    assert "not an Android device reached through adb" in capsys.readouterr().err


@pytest.fixture
def adb_server_with_a_no_permissions_phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An adb server (host side of the protocol) listing a USB phone this user may not open."""
    serial = "0123456789ABCDEF"
    listing = (f"{serial}\tno permissions (user in plugdev group; are your udev rules wrong?); "
               "see [http://developer.android.com/tools/device.html]\n").encode()
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                header = conn.recv(4)
                if len(header) < 4:  # a probe that only checks the port is open
                    continue
                request = conn.recv(int(header, 16))
                if request == b"host:devices":
                    conn.sendall(b"OKAY" + f"{len(listing):04x}".encode() + listing)
                else:
                    message = b"unknown host service"
                    conn.sendall(b"FAIL" + f"{len(message):04x}".encode() + message)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(server.getsockname()[1]))
    yield serial
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_no_permissions_phone_is_listed_with_the_udev_fix(adb_server_with_a_no_permissions_phone: str,
                                                          capsys: pytest.CaptureFixture[str], tmp_path: Path):
    serial = adb_server_with_a_no_permissions_phone
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n  phone: {platform: android, serial: auto}\n")
    assert main(["devices", "--devices-file", str(devices)]) == 0
    out = capsys.readouterr().out
    assert f"{serial}  no permissions  fix: " in out and "udev rule" in out
    code = main(["check", "--devices-file", str(devices), "--device", "phone", "--json"])
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert (code, result["status"]) == (3, "no_device")
    assert "no permissions" in result["message"] and "udev rule" in result["message"]

"""Our Android capabilities pass the real UiAutomator2 driver's validation: a session fails only for lack of a device."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.reach.adb import adb_binary
from mobile.reach.appium_install import LocalDriver, install_local_driver
from mobile.reach.appium_server import APPIUM_DIR, AppiumServer, appium_binary, free_port
from mobile.reach.capabilities import capabilities_for, to_payload
from mobile.reach.devices import Device

pytestmark = pytest.mark.e2e
DRIVER_DIR = APPIUM_DIR / "node_modules" / "appium-uiautomator2-driver"
APP = find_flow(DEFAULT_FLOW).apps["android"]


@pytest.fixture(scope="module")
def appium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppiumServer]:
    """Appium with only UiAutomator2 in a fresh APPIUM_HOME, a private adb server and an SDK dir holding adb."""
    root = tmp_path_factory.mktemp("u2")
    sdk_tools = root / "sdk" / "platform-tools"
    sdk_tools.mkdir(parents=True)
    (sdk_tools / "adb").symlink_to(adb_binary())  # appium-adb finds adb through ANDROID_HOME
    adb_port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANDROID_HOME", str(root / "sdk"))
        patch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_port))
        patch.setenv("HOME", str(root))
        patch.setenv("ADB_LOCAL_TRANSPORT_MAX_PORT", "5553")
        home = root / "appium-home"
        home.mkdir()
        install_local_driver(LocalDriver("uiautomator2", DRIVER_DIR), appium_binary(), home, {})
        server = AppiumServer(home=home, log_path=root / "appium.log").start()
        try:
            yield server
        finally:
            server.stop()
            subprocess.run([adb_binary(), "-P", str(adb_port), "kill-server"], capture_output=True, timeout=30)


def _new_session(url: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(f"{url}/session", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())["value"]["message"]


def test_android_caps_fail_only_for_lack_of_a_device(appium: AppiumServer):
    body = to_payload(capabilities_for(Device(name="emu", platform="android", serial="emulator-5554"), APP, slot=4))
    status, message = _new_session(appium.url, body)
    assert status == 500
    assert "Could not find a connected Android device" in message
    log = Path(appium.log_path).read_text()
    assert "AndroidUiautomator2Driver" in log
    assert "capabilities were not recognized" not in log  # every cap we send is one the driver knows


def test_a_bad_capability_is_rejected_before_any_device_lookup(appium: AppiumServer):
    body = to_payload(capabilities_for(Device(name="emu", platform="android", serial="emulator-5554",
                                              capabilities={"appium:systemPort": "eighty"}), APP))
    status, message = _new_session(appium.url, body)
    assert status in (400, 500)
    assert "systemPort" in message and "Could not find a connected Android device" not in message

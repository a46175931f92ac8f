"""The exact `POST /session` payloads for real Android, real iOS and simulated phones."""

from __future__ import annotations

from typing import Any

import pytest
from appium.options.common import AppiumOptions

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.core.flow_schema import App
from mobile.reach.capabilities import capabilities_for, to_payload
from mobile.reach.devices import Device, parse_devices

APPS = find_flow(DEFAULT_FLOW).apps  # the app ids come from the shipped flow's `apps:`
WAIT = "com.linkedin.android.*"  # no appActivity: the driver resolves the launcher (an activity-alias on new builds)


def capabilities(device: Device, **options: Any) -> AppiumOptions:
    """The options for the shipped flow's app on `device`."""
    return capabilities_for(device, APPS[device.platform], **options)


@pytest.fixture(autouse=True)
def _fixed_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", "5041")
    monkeypatch.setenv("XDG_CACHE_HOME", "/cache")


def payload(always: dict) -> dict:
    return {"capabilities": {"firstMatch": [{}], "alwaysMatch": always}}


def test_android_uiautomator2_payload():
    device = Device(name="emu", platform="android", serial="emulator-5554")
    assert to_payload(capabilities(device, slot=3)) == payload({
        "platformName": "Android",
        "appium:automationName": "UiAutomator2",
        "appium:appPackage": "com.linkedin.android",
        "appium:appWaitActivity": WAIT,
        "appium:noReset": True,
        "appium:forceAppLaunch": True,
        "appium:udid": "emulator-5554",
        "appium:systemPort": 8203,
        "appium:adbPort": 5041,
        "appium:newCommandTimeout": 120,
        "appium:disableWindowAnimation": True,
        "appium:settings[disableIdLocatorAutocompletion]": True,
        "appium:settings[waitForIdleTimeout]": 0,
    })


def test_ios_xcuitest_payload():
    device = Device(name="iphone", platform="ios", udid="00008110-001A")
    assert to_payload(capabilities(device, slot=2)) == payload({
        "platformName": "iOS",
        "appium:automationName": "XCUITest",
        "appium:bundleId": "com.linkedin.LinkedIn",
        "appium:noReset": True,
        "appium:forceAppLaunch": True,
        "appium:udid": "00008110-001A",
        "appium:wdaLocalPort": 8102,
        "appium:mjpegServerPort": 9102,
        "appium:derivedDataPath": "/cache/linkedin-optout/wda-2",
        "appium:newCommandTimeout": 120,
        "appium:wdaLaunchTimeout": 300000,      # the first session builds WebDriverAgent
        "appium:waitForIdleTimeout": 1,
        "appium:settings[snapshotMaxDepth]": 80,
    })


def test_simulated_iphone_on_xcuitest_gets_the_real_caps_plus_its_wda():
    device = Device(name="sim-ios-xcuitest", platform="ios", udid="00008110-0000000000051A01",
                    simulator={"scenario": "default", "driver": "xcuitest"})
    caps = to_payload(capabilities(device, sim_url="http://127.0.0.1:7002", slot=1, mjpeg_port=40123))
    real = to_payload(capabilities(Device(name="i", platform="ios", udid="00008110-0000000000051A01"), slot=1))
    first = caps["capabilities"]["firstMatch"][0] if caps["capabilities"].get("firstMatch") else {}
    merged = {**caps["capabilities"]["alwaysMatch"], **first}
    real_merged = {**real["capabilities"]["alwaysMatch"], **((real["capabilities"].get("firstMatch") or [{}])[0])}
    assert merged.pop("appium:webDriverAgentUrl") == "http://127.0.0.1:7002"
    assert merged.pop("appium:mjpegServerPort") == 40123  # a free loopback port, not 9100+slot
    real_merged.pop("appium:mjpegServerPort")
    assert merged == real_merged  # otherwise exactly what a real iPhone gets: bundleId, noReset, udid, ...


def test_simulated_android_payload_has_the_real_app_caps():
    device = Device(name="sim-android", platform="android", simulator={"scenario": "default"})
    assert to_payload(capabilities(device, sim_url="http://127.0.0.1:7001", slot=5)) == payload({
        "platformName": "Android",
        "appium:automationName": "LinkedInSim",
        "appium:simServer": "http://127.0.0.1:7001",
        "appium:appPackage": "com.linkedin.android",
        "appium:appWaitActivity": WAIT,
        "appium:noReset": True,
        # the same settings a real phone gets: the phone honours waitForIdleTimeout on a never-idle feed
        "appium:settings[disableIdLocatorAutocompletion]": True,
        "appium:settings[waitForIdleTimeout]": 0,
        "appium:forceAppLaunch": True,
        "appium:newCommandTimeout": 120,
    })


def test_simulated_ios_payload():
    device = Device(name="sim-ios", platform="ios", simulator={"scenario": "default"})
    assert to_payload(capabilities(device, sim_url="http://127.0.0.1:7002")) == payload({
        "platformName": "iOS",
        "appium:automationName": "LinkedInSim",
        "appium:simServer": "http://127.0.0.1:7002",
        "appium:bundleId": "com.linkedin.LinkedIn",
        "appium:noReset": True,
        "appium:forceAppLaunch": True,
        "appium:newCommandTimeout": 120,
    })


def test_remote_appium_gets_no_device_side_ports():
    """Behind a remote Appium or a Grid the lab owns systemPort/adbPort/wdaLocalPort/mjpegServerPort and the
    WDA build folder; devices.yaml `capabilities:` may still name them."""
    android = to_payload(capabilities(Device(name="emu", platform="android", serial="emulator-5554"),
                                          slot=3, local=False))["capabilities"]["alwaysMatch"]
    ios = to_payload(capabilities(Device(name="iphone", platform="ios", udid="00008110-001A"),
                                      slot=2, local=False))["capabilities"]["alwaysMatch"]
    device_side = {"appium:systemPort", "appium:adbPort", "appium:wdaLocalPort", "appium:mjpegServerPort",
                   "appium:derivedDataPath"}
    assert device_side & (set(android) | set(ios)) == set()
    assert (android["appium:udid"], ios["appium:udid"]) == ("emulator-5554", "00008110-001A")
    pinned = Device(name="emu", platform="android", serial="emulator-5554",
                    capabilities={"appium:systemPort": 8201})
    assert to_payload(capabilities(pinned, local=False))["capabilities"]["alwaysMatch"]["appium:systemPort"] == 8201


def test_adb_attached_simulated_phone_uses_linkedinsim_from_its_sim_url():
    device = Device(name="127.0.0.1:6001", platform="android", serial="127.0.0.1:6001", sim_url="http://127.0.0.1:7003")
    always = to_payload(capabilities(device))["capabilities"]["alwaysMatch"]
    assert always["appium:automationName"] == "LinkedInSim"
    assert always["appium:simServer"] == "http://127.0.0.1:7003"


def test_devices_yaml_capabilities_win():
    config = parse_devices('devices:\n  emu: {platform: android, serial: emulator-5554, '
                           'capabilities: {"appium:systemPort": 8250, "appium:autoGrantPermissions": true}}\n')
    always = to_payload(capabilities(config.devices["emu"], slot=1))["capabilities"]["alwaysMatch"]
    assert always["appium:systemPort"] == 8250
    assert always["appium:autoGrantPermissions"] is True


def test_parallel_slots_get_distinct_ports():
    device = Device(name="emu", platform="android", serial="emulator-5554")
    ports = {to_payload(capabilities(device, slot=s))["capabilities"]["alwaysMatch"]["appium:systemPort"] for s in range(100)}
    assert ports == set(range(8200, 8300))
    with pytest.raises(ValueError, match="slot 100 out of range"):
        capabilities(device, slot=100)


@pytest.mark.parametrize(("device", "message"), [
    (Device(name="phone", platform="android", serial="auto"), "device 'phone' has no resolved serial"),
    (Device(name="sim", platform="android", simulator={"scenario": "default"}), "simulated device 'sim' needs sim_url"),
])
def test_unresolved_devices_are_refused(device: Device, message: str):
    with pytest.raises(ValueError, match=message):
        capabilities(device)


def test_the_app_ids_are_the_flows() -> None:
    android = Device(name="emu", platform="android", serial="emulator-5554")
    ios = Device(name="iphone", platform="ios", udid="00008110-001A")
    sim = Device(name="sim", platform="android", simulator={}, sim_url="http://127.0.0.1:7001")
    assert APPS["android"].app_id == "com.linkedin.android" and APPS["ios"].app_id == "com.linkedin.LinkedIn"
    for device, app in ((android, App("android", "com.example.app")), (sim, App("android", "com.example.app"))):
        always = to_payload(capabilities_for(device, app))["capabilities"]["alwaysMatch"]
        assert (always["appium:appPackage"], always["appium:appWaitActivity"]) == ("com.example.app", "com.example.app.*")
    always = to_payload(capabilities_for(ios, App("ios", "com.example.App")))["capabilities"]["alwaysMatch"]
    assert always["appium:bundleId"] == "com.example.App"
    with pytest.raises(ValueError, match="device 'emu' is android; the app given is for ios"):
        capabilities_for(android, APPS["ios"])

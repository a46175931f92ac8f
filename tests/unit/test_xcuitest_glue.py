"""The glue for simulated iPhones on the real XCUITest driver, and the loopback-only Appium environment."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mobile.reach.appium_server import LOOPBACK_SHIM, AppiumServer, loopback_node_options
from mobile.reach.devices import Device
from mobile.errors import DeviceError
from mobile.run.device import client_timeout
from mobile.run.xcuitest_sim import check_local_appium, uses_xcuitest_sim

SIM = Device(name="s", platform="ios", simulator={"scenario": "default", "driver": "xcuitest"})
LINKEDINSIM = Device(name="l", platform="ios", simulator={"scenario": "default"})
IPHONE = Device(name="i", platform="ios", udid="00008110-001A")


def plan(**kwargs: object) -> SimpleNamespace:
    return SimpleNamespace(**{"appium_url": None, "grid": None, **kwargs})


def test_which_devices_use_the_mode():
    assert uses_xcuitest_sim(SIM) and SIM.sim_driver == "xcuitest"
    assert not uses_xcuitest_sim(LINKEDINSIM) and not uses_xcuitest_sim(IPHONE)


@pytest.mark.parametrize(("the_plan", "device"), [
    (plan(appium_url="http://127.0.0.1:4723"), SIM),
    (plan(grid="http://127.0.0.1:4444"), SIM),
    (plan(), Device(name="s", platform="ios", simulator={"driver": "xcuitest"}, appium="http://lab:4723")),
])
def test_the_mode_needs_the_appium_this_tool_starts(the_plan, device):
    with pytest.raises(DeviceError, match="simulated usbmuxd"):
        check_local_appium(the_plan, device)


def test_a_local_run_is_accepted():
    check_local_appium(plan(), SIM)


def test_every_appium_we_start_preloads_the_loopback_shim():
    assert loopback_node_options(None) == f'--require "{LOOPBACK_SHIM}"'
    mine = loopback_node_options("--max-old-space-size=512")
    assert mine.startswith(f'--require "{LOOPBACK_SHIM}"') and mine.endswith("--max-old-space-size=512")
    assert loopback_node_options(mine) == mine  # kept once
    assert LOOPBACK_SHIM.is_file()
    server = AppiumServer(env={"USBMUXD_SOCKET_ADDRESS": "unix:/tmp/x.sock"}, extra_args=("--use-drivers", "xcuitest"))
    assert server.env == {"USBMUXD_SOCKET_ADDRESS": "unix:/tmp/x.sock"}


def test_a_real_iphones_session_may_take_as_long_as_a_first_wda_build():
    assert client_timeout(IPHONE, None) == 600.0
    assert client_timeout(SIM, None) == 120.0 and client_timeout(LINKEDINSIM, 60) == 180.0
    assert client_timeout(Device(name="a", platform="android", serial="x"), None) == 120.0


def test_sim_serve_prints_the_xcuitest_capabilities_and_how_to_start_appium():
    from mobile.sim.__main__ import main, xcuitest_capabilities, xcuitest_instructions

    caps = xcuitest_capabilities("http://127.0.0.1:7003", "00008110-0000000000051A01")
    assert caps["appium:automationName"] == "XCUITest" and caps["appium:webDriverAgentUrl"] == "http://127.0.0.1:7003"
    assert caps["appium:udid"] == "00008110-0000000000051A01" and caps["appium:bundleId"] == "com.linkedin.LinkedIn"
    text = xcuitest_instructions("http://127.0.0.1:7003", "U", "unix:/tmp/u.sock")
    assert "USBMUXD_SOCKET_ADDRESS=unix:/tmp/u.sock" in text and str(LOOPBACK_SHIM) in text
    assert "--address 127.0.0.1 --use-drivers xcuitest" in text
    assert main(["serve", "--platform", "android", "--driver", "xcuitest"]) == 2

"""The simulated phone's W3C server over plain HTTP (urllib): sessions, locators, gestures, errors, latency."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from typing import Any, Iterator

import pytest

from mobile.sim.launch import start_phone
from support import ANDROID_CAPS, ELEMENT, Client


@pytest.fixture
def phone() -> Iterator[Any]:
    handle = start_phone("android", "default", latency_scale=0)
    yield handle
    handle.stop()


@pytest.fixture
def client(phone: Any) -> Client:
    client = Client(phone.url)
    client.start()
    return client


def test_status_and_session_capabilities(phone):
    client = Client(phone.url)
    assert client.ok("GET", "/status")["ready"] is True
    sid = client.start({**ANDROID_CAPS, "appium:noReset": True})
    assert client.ok("GET", "/session/:sid")["appium:noReset"] is True
    assert client.screen() == "home"
    assert client.ok("GET", "/sim/state")["session"] == sid
    assert client.call("DELETE", "/session/:sid") == (200, None)
    assert client.call("GET", "/session/:sid/source")[1]["error"] == "invalid session id"


def test_session_for_the_other_platform_is_not_created(phone):
    status, value = Client(phone.url).call("POST", "/session", {"capabilities": {"alwaysMatch": {"platformName": "iOS"}}})
    assert (status, value["error"]) == (500, "session not created")


def test_malformed_session_request_is_invalid_argument(phone):
    client = Client(phone.url)
    assert client.call("POST", "/session", {"desiredCapabilities": {}})[0] == 400
    assert client.call("POST", "/session", {"capabilities": {"alwaysMatch": {"a": 1}, "firstMatch": [{"a": 2}]}})[0] == 400


def test_source_is_the_phone_source(client, phone):
    assert client.ok("GET", "/session/:sid/source") == phone.phone.source()


def test_unknown_command_wrong_session_wrong_method_bad_json(client, phone):
    status, value = client.call("GET", "/session/:sid/url")
    assert (status, value["error"], value["stacktrace"]) == (404, "unknown command", "")
    assert client.call("GET", "/session/nope/source")[1]["error"] == "invalid session id"
    assert client.call("GET", "/session/:sid/back")[0] == 405
    request = urllib.request.Request(f"{phone.url}/session/{client.sid}/element", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400 and json.loads(caught.value.read())["value"]["error"] == "invalid argument"


def test_xpath_is_real_xpath_1(client):
    assert len(client.finds("xpath", "//*[contains(@content-desc, 'of 5')]")) == 5
    assert len(client.finds("xpath", "(//*[@clickable='true'])[last()]")) == 1
    assert client.finds("xpath", "//*[@text='Nope']") == []
    assert client.call("POST", "/session/:sid/elements", {"using": "xpath", "value": "//*["})[1]["error"] == "invalid selector"
    assert client.call("POST", "/session/:sid/elements", {"using": "xpath", "value": "count(//*)"})[1]["error"] == "invalid selector"


def test_id_autocompletion_and_setting(client):
    assert client.finds("id", "me_launcher_container")
    assert client.finds("id", "com.linkedin.android:id/me_launcher_container")
    client.ok("POST", "/session/:sid/appium/settings", {"settings": {"disableIdLocatorAutocompletion": True}})
    assert client.ok("GET", "/session/:sid/appium/settings")["disableIdLocatorAutocompletion"] is True
    assert client.finds("id", "me_launcher_container") == []


def test_accessibility_id_class_name_and_unsupported_strategy(client):
    assert client.finds("accessibility id", "Home 1 of 5")
    assert len(client.finds("class name", "androidx.compose.ui.platform.ComposeView")) == 1
    status, value = client.call("POST", "/session/:sid/element", {"using": "-android uiautomator", "value": "x"})
    assert (status, value["error"]) == (400, "invalid argument")
    status, value = client.call("POST", "/session/:sid/element", {"using": "xpath", "value": "//nothing"})
    assert (status, value["error"]) == (404, "no such element")


def test_element_reads(client):
    photo = client.find("accessibility id", "My Profile and Communities")
    assert client.ok("GET", f"/session/:sid/element/{photo}/attribute/resource-id") == "com.linkedin.android:id/me_launcher_container"
    assert client.ok("GET", f"/session/:sid/element/{photo}/attribute/contentDescription") == "My Profile and Communities"
    assert client.ok("GET", f"/session/:sid/element/{photo}/attribute/nope") is None
    assert client.ok("GET", f"/session/:sid/element/{photo}/rect") == {"x": 24, "y": 105, "width": 114, "height": 114}
    assert client.ok("GET", f"/session/:sid/element/{photo}/displayed") is True
    assert client.ok("GET", f"/session/:sid/element/{photo}/enabled") is True
    assert client.ok("GET", f"/session/:sid/element/{photo}/name") == "android.widget.ImageView"
    search = client.find("id", "search_bar")
    assert client.ok("GET", f"/session/:sid/element/{search}/text") == "Search"


def test_click_taps_center_and_old_elements_go_stale(client, phone):
    photo = client.find("accessibility id", "My Profile and Communities")
    client.ok("POST", f"/session/:sid/element/{photo}/click")
    assert client.screen() == "side_panel"
    tap = [e for e in phone.phone.log.events if e["cmd"] == "tap"][-1]
    assert (tap["x"], tap["y"]) == (81, 162)
    status, value = client.call("POST", f"/session/:sid/element/{photo}/click")
    assert (status, value["error"]) == (404, "stale element reference")
    assert client.call("GET", "/session/:sid/element/unknown-id/rect")[1]["error"] == "no such element"


def test_switch_element_survives_its_own_flip(client):
    client.ok("POST", f"/session/:sid/element/{client.find('accessibility id', 'My Profile and Communities')}/click")
    for text in ("Settings", "Data privacy", "Data for Generative AI Improvement"):
        row = client.find("xpath", f"//*[@clickable='true' and @text='{text}']")
        client.ok("POST", f"/session/:sid/element/{row}/click")
    switch = client.find("xpath", "//*[@checkable='true']")
    assert client.ok("GET", f"/session/:sid/element/{switch}/attribute/checked") == "true"
    client.ok("POST", f"/session/:sid/element/{switch}/click")
    assert client.ok("GET", f"/session/:sid/element/{switch}/attribute/checked") == "false"
    assert client.ok("GET", "/sim/state")["genai"] == "off"


def _pointer(*actions: dict) -> dict:
    return {"actions": [{"type": "pointer", "id": "finger", "parameters": {"pointerType": "touch"},
                         "actions": list(actions)}]}


def test_w3c_actions_tap_and_swipe(client, phone):
    client.ok("POST", "/session/:sid/actions", _pointer(
        {"type": "pointerMove", "duration": 0, "x": 81, "y": 162}, {"type": "pointerDown", "button": 0},
        {"type": "pause", "duration": 50}, {"type": "pointerUp", "button": 0}))
    assert client.screen() == "side_panel"
    client.ok("POST", "/session/:sid/back")
    photo = client.find("accessibility id", "My Profile and Communities")
    client.ok("POST", "/session/:sid/actions", _pointer(
        {"type": "pointerMove", "duration": 0, "x": 540, "y": 1800}, {"type": "pointerDown", "button": 0},
        {"type": "pointerMove", "duration": 250, "x": 0, "y": -900, "origin": "pointer"},
        {"type": "pointerUp", "button": 0}))
    swipe = [e for e in phone.phone.log.events if e["cmd"] == "swipe"][-1]
    assert (swipe["x1"], swipe["y1"], swipe["x2"], swipe["y2"], swipe["duration_ms"]) == (540, 1800, 540, 900, 250)
    client.ok("POST", "/session/:sid/actions", _pointer(
        {"type": "pointerMove", "duration": 0, "x": 0, "y": 0, "origin": {ELEMENT: photo}},
        {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}))
    assert client.screen() == "side_panel"
    assert client.ok("DELETE", "/session/:sid/actions") is None
    multi = {"actions": _pointer({"type": "pointerDown"})["actions"] * 2}
    assert client.call("POST", "/session/:sid/actions", multi)[1]["error"] == "unsupported operation"


def test_mobile_extensions_android(client):
    app = {"appId": "com.linkedin.android"}
    execute = lambda script, args: client.ok("POST", "/session/:sid/execute/sync", {"script": script, "args": [args]})  # noqa: E731
    assert execute("mobile: queryAppState", app) == 4
    assert execute("mobile:terminateApp", app) is True
    assert execute("mobile: queryAppState", app) == 1
    execute("mobile: activateApp", app)
    feed = client.find("xpath", "//*[@scrollable='true']")
    assert execute("mobile: scrollGesture", {"elementId": feed, "direction": "down", "percent": 0.5}) is True
    execute("mobile: clickGesture", {"x": 81, "y": 162})
    assert client.screen() == "side_panel"
    status, value = client.call("POST", "/session/:sid/execute/sync", {"script": "mobile: scroll", "args": [{}]})
    assert (status, value["error"]) == (500, "unsupported operation")
    status, value = client.call("POST", "/session/:sid/execute/sync", {"script": "mobile: scrollGesture",
                                                                      "args": [{"direction": "down"}]})
    assert (status, value["error"]) == (400, "invalid argument")


def test_ios_server_speaks_xcuitest(tmp_path):
    with start_phone("ios", "default", latency_scale=0) as handle:
        client = Client(handle.url)
        client.start({"platformName": "iOS", "appium:bundleId": "com.linkedin.LinkedIn"})
        assert client.ok("GET", "/session/:sid/source").startswith('<?xml version="1.0" encoding="UTF-8"?>')
        assert client.ok("GET", "/session/:sid/window/rect") == {"x": 0, "y": 0, "width": 390, "height": 844}
        photo = client.find("id", "My Profile and Communities")  # XCUITest: id is the name
        rect = client.ok("GET", f"/session/:sid/element/{photo}/rect")
        client.ok("POST", "/session/:sid/execute/sync", {"script": "mobile: tap",
                                                         "args": [{"x": rect["x"] + 2, "y": rect["y"] + 2}]})
        assert client.screen() == "side_panel"


def test_screenshot_is_base64_png(client):
    png = base64.b64decode(client.ok("GET", "/session/:sid/screenshot"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_latency_scale_env_is_honoured(monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    with start_phone("android", "default") as handle:
        assert handle.phone.command_latency("session") == 0
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0.5")
    with start_phone("android", "default") as handle:
        assert handle.phone.command_latency("session") == pytest.approx(2.0)


def test_concurrent_requests_are_served_one_phone_state(client):
    errors: list[Any] = []

    def read() -> None:
        for _ in range(20):
            status, value = client.call("GET", "/session/:sid/source")
            if status != 200 or "hierarchy" not in value:
                errors.append(value)

    threads = [threading.Thread(target=read) for _ in range(8)]  # 8 clients at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_sim_log_lists_commands(client):
    client.ok("GET", "/session/:sid/source")
    log = client.ok("GET", "/sim/log")
    assert [e["cmd"] for e in log][:1] == ["start_session"]
    assert "source" in [e["cmd"] for e in log]


def test_stop_releases_the_port_and_cuts_keep_alive():
    handle = start_phone("android", "default", latency_scale=0)
    url = handle.url
    Client(url).ok("GET", "/status")
    handle.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/status", timeout=5)

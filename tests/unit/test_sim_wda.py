"""The simulated iPhone's WebDriverAgent surface, its predicate strings and its usbmuxd, without Appium."""

from __future__ import annotations

import plistlib
import socket
import ssl
import struct
from typing import Any, Iterator

import pytest
from lxml import etree

from mobile.sim.launch import SimHandle, start_phone
from mobile.sim.phone import Phone
from mobile.sim.w3c.protocol import W3CError
from mobile.sim.wda.predicate import compile_predicate
from mobile.sim.wda.usbmuxd import LOCKDOWN_PORT, SimUsbmuxd
from support import http_json

BUNDLE = "com.linkedin.LinkedIn"


@pytest.fixture
def wda() -> Iterator[SimHandle]:
    handle = start_phone("ios", "default", latency_scale=0, dialect="wda")
    yield handle
    handle.stop()


def call(handle: SimHandle, method: str, path: str, body: Any = None) -> tuple[int, dict]:
    return http_json(handle.url + path, method, body)


def session(handle: SimHandle) -> str:
    caps = {"bundleId": BUNDLE, "forceAppLaunch": False, "shouldTerminateApp": False}
    status, body = call(handle, "POST", "/session", {"capabilities": {"firstMatch": [caps], "alwaysMatch": {}}})
    assert status == 200 and body["sessionId"] == body["value"]["sessionId"]
    assert body["value"]["capabilities"]["device"] == "iphone"
    return body["sessionId"]


def test_status_and_session_in_wdas_shapes(wda):
    status, body = call(wda, "GET", "/status")
    assert status == 200 and body["sessionId"] is None
    assert body["value"]["ready"] is True and body["value"]["os"]["version"] == "17.5"
    assert body["value"]["build"]["productBundleIdentifier"] == "com.facebook.WebDriverAgentRunner.xctrunner"
    sid = session(wda)
    status, body = call(wda, "GET", f"/session/{sid}/source?format=xml&scope=AppiumAUT")
    assert status == 200 and body["sessionId"] == sid and body["value"].startswith('<?xml version="1.0"')
    assert "<AppiumAUT>" in body["value"]
    status, body = call(wda, "GET", f"/session/{sid}/source?format=json")
    assert status == 400 and body["value"]["error"] == "invalid argument" and "traceback" in body["value"]
    assert call(wda, "DELETE", f"/session/{sid}")[0] == 200
    # noReset: the app kept running after the session (shouldTerminateApp false)
    assert wda.phone.query_app_state(BUNDLE) == 4


def test_an_unknown_route_is_wdas_404_and_is_recorded(wda):
    sid = session(wda)
    status, body = call(wda, "POST", f"/session/{sid}/wda/keyboard/dismiss", {})
    assert status == 404 and body["value"]["error"] == "unknown command" and body["sessionId"] == sid
    unknown = [e for e in wda.phone.log.events if e["cmd"] == "unknown_route"]
    assert [(e["method"], e["path"]) for e in unknown] == [("POST", f"/session/{sid}/wda/keyboard/dismiss")]


def find(handle: SimHandle, sid: str, using: str, value: str, scope: str | None = None, many: bool = False) -> Any:
    base = f"/session/{sid}" + (f"/element/{scope}" if scope else "")
    return call(handle, "POST", f"{base}/element{'s' if many else ''}", {"using": using, "value": value})


def element_id(ref: dict) -> str:
    assert ref["ELEMENT"] == ref["element-6066-11e4-a52e-4f735466cecf"]
    return ref["ELEMENT"]


def test_the_xcuitest_drivers_back_finds_the_navigation_bar_back_button(wda):
    sid = session(wda)
    status, body = find(wda, sid, "class name", "XCUIElementTypeNavigationBar")
    assert status == 404 and body["value"]["error"] == "no such element"  # Home has no navigation bar
    for label in ("My Profile and Communities", "Settings"):
        _, body = find(wda, sid, "predicate string", f'label == "{label}" AND type == "XCUIElementTypeButton"')
        assert call(wda, "POST", f"/session/{sid}/element/{element_id(body['value'])}/click", {})[0] == 200
    assert wda.phone.current_screen == "settings"
    _, body = find(wda, sid, "class name", "XCUIElementTypeNavigationBar")
    bar = element_id(body["value"])
    _, body = find(wda, sid, "predicate string", 'type == "XCUIElementTypeButton" AND label == "Back"', bar, many=True)
    assert len(body["value"]) == 1
    assert call(wda, "POST", f"/session/{sid}/element/{element_id(body['value'][0])}/click", {}) == (
        200, {"value": None, "sessionId": sid})
    assert wda.phone.current_screen == "side_panel"


def test_taps_scrolls_and_app_management(wda):
    sid = session(wda)
    assert call(wda, "POST", f"/session/{sid}/wda/tap", {"x": 500, "y": 10})[1]["value"]["error"] == "invalid argument"
    assert call(wda, "POST", f"/session/{sid}/wda/tap", {"x": 20, "y": 57})[0] == 200
    assert wda.phone.current_screen == "side_panel"
    assert call(wda, "POST", f"/session/{sid}/wda/scroll", {})[0] == 400
    assert call(wda, "POST", f"/session/{sid}/wda/scroll", {"name": "nothing like this"})[0] == 404
    assert call(wda, "POST", f"/session/{sid}/wda/scroll", {"direction": "down"})[0] == 200
    app = {"bundleId": BUNDLE}
    assert call(wda, "POST", f"/session/{sid}/wda/apps/state", app)[1]["value"] == 4
    assert call(wda, "POST", f"/session/{sid}/wda/apps/terminate", app)[1]["value"] is True
    assert call(wda, "POST", f"/session/{sid}/wda/apps/state", app)[1]["value"] == 1
    assert call(wda, "POST", f"/session/{sid}/wda/apps/activate", app)[1]["value"] is None
    assert call(wda, "POST", f"/session/{sid}/wda/apps/state", app)[1]["value"] == 4
    status, body = call(wda, "POST", f"/session/{sid}/wda/apps/launch", {"bundleId": "com.example.other"})
    assert status == 500 and body["value"]["error"] == "unknown error"


def test_ios_back_never_leaves_the_app():
    phone = Phone("ios", "default", latency_scale=0)
    phone.start_session({"platformName": "iOS", "appium:bundleId": BUNDLE})
    phone.back()  # Home: no navigation bar, nothing happens (the real driver's back is a no-op there)
    assert (phone.current_screen, phone.query_app_state(BUNDLE)) == ("home", 4)
    android = Phone("android", "default", latency_scale=0)
    android.start_session({"platformName": "Android", "appium:appPackage": "com.linkedin.android"})
    android.back()
    assert android.query_app_state("com.linkedin.android") == 3  # Android's Back key does leave it


NODE = etree.fromstring('<XCUIElementTypeButton type="XCUIElementTypeButton" name="BackButton" label="Back" '
                        'enabled="true" visible="true"/>')


@pytest.mark.parametrize(("predicate", "hit"), [
    ('type == "XCUIElementTypeButton" AND label == "Back"', True),
    ('type == "XCUIElementTypeButton"', True),
    ("label ==[c] 'back'", True),
    ('name BEGINSWITH "Back" && NOT (label == "Close")', True),
    ('wdLabel CONTAINS "ac" OR label == "x"', True),
    ('label LIKE "B*k"', True),
    ("visible == 1 AND enabled == TRUE", True),
    ('label == "Zurück"', False),
    ('type != "XCUIElementTypeButton"', False),
])
def test_predicate_subset(predicate, hit):
    assert compile_predicate(predicate)(NODE) is hit


@pytest.mark.parametrize("predicate", ["", "label ==", 'frame == "x"', 'label MATCHES "x"', '(label == "x"'])
def test_unsupported_predicates_are_invalid_selectors(predicate):
    with pytest.raises(W3CError) as caught:
        compile_predicate(predicate)
    assert caught.value.error == "invalid selector"


# --- usbmuxd -------------------------------------------------------------------------------------------

def usbmux(sock: socket.socket, payload: dict, tag: int = 1) -> dict:
    data = plistlib.dumps(payload)
    sock.sendall(struct.pack("<IIII", 16 + len(data), 1, 8, tag) + data)
    length, _, _, got = struct.unpack("<IIII", recv(sock, 16))
    assert got == tag
    return plistlib.loads(recv(sock, length - 16))


def recv(sock: Any, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


def plist_call(sock: Any, payload: dict) -> dict:
    data = plistlib.dumps(payload)
    sock.sendall(struct.pack(">I", len(data)) + data)
    return plistlib.loads(recv(sock, struct.unpack(">I", recv(sock, 4))[0]))


def connect(mux: SimUsbmuxd, device_id: int, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(mux.socket_path))
    swapped = struct.unpack("<H", struct.pack(">H", port))[0]  # usbmuxd wants the port byte-swapped
    assert usbmux(sock, {"MessageType": "Connect", "DeviceID": device_id, "PortNumber": swapped}) == {
        "MessageType": "Result", "Number": 0}
    return sock


@pytest.mark.parametrize(("scenario", "listed"), [("default", True), ("app-missing", False)])
def test_usbmuxd_pairs_opens_a_tls_lockdown_session_and_looks_up_linkedin(scenario, listed):
    phone = Phone("ios", scenario, latency_scale=0)
    mux = SimUsbmuxd()
    try:
        device_id = mux.add(phone)
        assert mux.address == f"unix:{mux.socket_path}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(mux.socket_path))
            devices = usbmux(sock, {"MessageType": "ListDevices"})["DeviceList"]
            assert [d["Properties"]["SerialNumber"] for d in devices] == [phone.serial]
            record = plistlib.loads(usbmux(sock, {"MessageType": "ReadPairRecord", "PairRecordID": phone.serial},
                                           2)["PairRecordData"])
            assert b"BEGIN CERTIFICATE" in record["HostCertificate"]
        lockdown = connect(mux, device_id, LOCKDOWN_PORT)
        assert plist_call(lockdown, {"Request": "GetValue", "Key": "ProductVersion"})["Value"] == "17.5"
        reply = plist_call(lockdown, {"Request": "StartSession", "HostID": record["HostID"]})
        assert reply["EnableSessionSSL"] is True and reply["SessionID"]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        secure = context.wrap_socket(lockdown)
        service = plist_call(secure, {"Request": "StartService", "Service": "com.apple.mobile.installation_proxy"})
        assert service["EnableServiceSSL"] is False
        refused = plist_call(secure, {"Request": "StartService", "Service": "com.apple.afc"})
        assert refused["Error"] == "InvalidService"
        secure.close()
        proxy = connect(mux, device_id, service["Port"])
        found = plist_call(proxy, {"Command": "Lookup", "ClientOptions": {"BundleIDs": [BUNDLE]}})
        proxy.close()
        assert found["Status"] == "Complete" and (BUNDLE in found["LookupResult"]) is listed
        assert [e["request"] for e in phone.log.events if e["cmd"] == "lockdown"] == [
            "GetValue", "StartSession", "StartService", "StartService"]
    finally:
        mux.stop()
    assert not mux.socket_path.exists()


def test_usbmuxd_socket_fits_sun_path_under_a_deep_tmpdir(tmp_path, monkeypatch):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr("tempfile.tempdir", str(deep))
    mux = SimUsbmuxd()
    try:
        assert len(str(mux.socket_path).encode()) <= 100 and mux.socket_path.exists()
    finally:
        mux.stop()
    assert not mux.socket_path.exists() and not mux.socket_path.parent.exists()
    assert list(deep.iterdir()) == []

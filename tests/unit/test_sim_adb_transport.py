"""The simulated adb device over a real socket (an adb host played by hand), and the uiautomator2 surface."""

from __future__ import annotations

import io
import socket
import struct
import zipfile
from collections.abc import Iterator

import pytest

from mobile.sim.adb.device import A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_WRTE, AdbDeviceServer, pack
from mobile.sim.adb.apk import manifest_package
from mobile.sim.launch import SimHandle, start_phone
from mobile.sim.u2.server import U2Server

TIMEOUT_S = 10.0


def _axml(package: str) -> bytes:
    """A minimal binary AndroidManifest.xml: <manifest package=PACKAGE/>."""
    strings = ["manifest", "package", package]
    data = b"".join(struct.pack("<H", len(s)) + s.encode("utf-16-le") + b"\0\0" for s in strings)
    offsets, at = [], 0
    for s in strings:
        offsets.append(at)
        at += 2 + 2 * len(s) + 2
    header = 28
    pool_body = struct.pack(f"<{len(offsets)}I", *offsets) + data
    pool = struct.pack("<HHI5I", 1, header, header + len(pool_body), len(strings), 0, 0,
                       header + 4 * len(strings), 0) + pool_body
    attr = struct.pack("<IIIHBBI", 0xFFFFFFFF, 1, 2, 8, 0, 3, 2)
    element = struct.pack("<HHIIIIIHHHHHH", 0x0102, 16, 36 + len(attr), 1, 0xFFFFFFFF, 0xFFFFFFFF, 0,
                          20, 20, 1, 0, 0, 0) + attr
    return struct.pack("<HHI", 3, 8, 8 + len(pool) + len(element)) + pool + element


def _apk(package: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", _axml(package))
        archive.writestr("classes.dex", b"dex\n035\0")
    return buffer.getvalue()


def test_manifest_package_reads_binary_xml():
    assert manifest_package(_apk("io.appium.settings")) == "io.appium.settings"
    assert manifest_package(b"not a zip") is None


class Host:
    """The adb server's side of one transport connection, by hand."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
        self.send(A_CNXN, 0x01000001, 256 * 1024, b"host::features=shell_v2,cmd\0")
        command, *_, banner = self.read()
        assert command == A_CNXN and b"features=shell_v2,cmd,abb_exec" in banner

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        self.sock.sendall(pack(command, arg0, arg1, data))

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            assert chunk, "device closed the transport"
            data += chunk
        return data

    def read(self) -> tuple[int, int, int, bytes]:
        command, arg0, arg1, length, _, _ = struct.unpack("<6I", self._exact(24))
        return command, arg0, arg1, self._exact(length) if length else b""

    def run(self, remote_id: int, service: str, stdin: bytes = b"") -> tuple[int, bytes]:
        """OPEN a service, write stdin, collect what comes back until CLSE: (first answer, bytes)."""
        self.send(A_OPEN, remote_id, 0, service.encode() + b"\0")
        command, local_id, _, _ = self.read()
        if command == A_CLSE:
            return A_CLSE, b""
        assert command == A_OKAY
        out = b""
        for i in range(0, len(stdin), 4096):
            self.send(A_WRTE, remote_id, local_id, stdin[i:i + 4096])
            command, _, _, data = self.read()
            assert command == A_OKAY, "the device acknowledges stdin before it answers"
        while True:
            command, _, _, data = self.read()
            if command == A_WRTE:
                out += data
                self.send(A_OKAY, remote_id, local_id)
            elif command == A_CLSE:
                return A_OKAY, out


@pytest.fixture
def device() -> Iterator[tuple[SimHandle, AdbDeviceServer]]:
    handle = start_phone("android", "default", latency_scale=0)
    server = AdbDeviceServer(handle.phone, sim_url=handle.url, driver="uiautomator2", sim_server=handle.server).start()
    yield handle, server
    server.stop()
    handle.stop()


def test_shell_v2_exec_install_sink_and_refusals(device):
    _, server = device
    host = Host(server.port)
    assert host.run(1, "shell,v2,TERM=xterm,raw:echo hi") == (A_OKAY, b"\x01\x03\0\0\0hi\n\x03\x01\0\0\0\0")
    assert host.run(2, "exec:getprop linkedin.sim.driver") == (A_OKAY, b"uiautomator2\n")
    apk = _apk("io.appium.uiautomator2.server")
    assert host.run(3, f"exec:cmd package 'install' '-r' -S {len(apk)}", apk) == (A_OKAY, b"Success\n")
    apk = _apk("io.appium.settings")
    assert host.run(4, f"abb_exec:package\0install\0-g\0-S\0{len(apk)}", apk) == (A_OKAY, b"Success\n")
    assert server.system.installs == ["io.appium.uiautomator2.server", "io.appium.settings"]
    assert host.run(5, "tcp:6790")[0] == A_CLSE  # nothing listens until the instrumentation runs
    assert host.run(6, "jdwp:1234")[0] == A_CLSE
    assert server.system.unanswered == ["jdwp:1234"]


def test_u2_session_does_not_launch_and_translates_u2_bodies(device):
    handle, server = device
    u2 = U2Server(server.system, handle.server)
    phone = handle.phone
    assert u2.dispatch("GET", "/wd/hub/status", {})[1]["value"]["ready"] is True
    status, answer = u2.dispatch("POST", "/session", {"capabilities": {"firstMatch": [{"appPackage": "com.linkedin.android"}]}})
    sid = answer["sessionId"]
    assert status == 200 and answer["value"]["sessionId"] == sid and phone.query_state_quietly() == 1
    assert u2.dispatch("GET", "/sessions", {})[1]["value"][0]["id"] == sid
    phone.activate_app("com.linkedin.android")
    found = u2.dispatch("POST", f"/session/{sid}/element", {"strategy": "accessibility id",
                                                            "selector": "My Profile and Communities", "context": ""})
    element = found[1]["value"]["ELEMENT"]
    rect = u2.dispatch("GET", f"/session/{sid}/element/{element}/rect", {})[1]["value"]
    assert u2.dispatch("GET", f"/session/{sid}/element/{element}/size", {})[1]["value"] == \
        {"width": rect["width"], "height": rect["height"]}
    click = u2.dispatch("POST", f"/session/{sid}/appium/gestures/click",
                        {"origin": {"ELEMENT": element}, "offset": {"x": 2, "y": 3}})
    assert click[1] == {"sessionId": sid, "value": None}
    tap = [e for e in phone.log.events if e["cmd"] == "tap"][-1]
    assert (tap["x"], tap["y"]) == (rect["x"] + 2, rect["y"] + 3)  # top-left + offset, as the real server
    status, answer = u2.dispatch("POST", f"/session/{sid}/appium/gestures/scroll", {"direction": "down", "percent": 0.5})
    assert (status, answer["value"]["error"]) == (400, "invalid argument")
    assert u2.dispatch("POST", f"/session/{sid}/appium/settings", {"settings": {"waitForIdleTimeout": 100}})[0] == 200
    assert handle.server.session.settings["waitForIdleTimeout"] == 100  # the phone's settings store
    assert u2.dispatch("GET", f"/session/{sid}/appium/device/pixel_ratio", {})[1]["value"] == 2.625
    status, answer = u2.dispatch("GET", "/session/nope/source", {})
    assert (status, answer["value"]["error"], answer["sessionId"]) == (404, "invalid session id", "nope")
    assert "status" not in answer  # a numeric status would make Appium's proxy think MJSONWP


def test_instrumentation_is_held_bridged_and_ended_by_a_force_stop(device):
    """`am instrument -w` stays open, `tcp:6790` then reaches the uiautomator2 surface, and a force-stop ends
    the held stream with the runner's tail and exit 0 framed as shell v2."""
    _, server = device
    for package in ("io.appium.uiautomator2.server", "io.appium.uiautomator2.server.test"):
        server.system.install(package)
    host = Host(server.port)
    runner = "io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner"
    host.send(A_OPEN, 10, 0, f"shell,v2,raw:am instrument -w -e disableAnalytics true {runner}\0".encode())
    command, held_id, _, _ = host.read()
    assert command == A_OKAY and server.system.u2_port() is not None
    host.send(A_OPEN, 11, 0, b"tcp:6790\0")
    command, bridge_id, _, _ = host.read()
    assert command == A_OKAY
    host.send(A_WRTE, 11, bridge_id, b"GET /status HTTP/1.1\r\nHost: device\r\n\r\n")
    assert host.read()[0] == A_OKAY
    command, _, remote, answer = host.read()
    assert (command, remote) == (A_WRTE, 11) and answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b'"message": "UiAutomator2 Server is ready to accept commands"' in answer  # one write: head and body
    host.send(A_OKAY, 11, bridge_id)
    assert host.run(12, "shell,v2,raw:ps -A")[1].count(b"io.appium.uiautomator2.server") == 1
    host.send(A_OPEN, 13, 0, b"shell,v2,raw:am force-stop io.appium.uiautomator2.server\0")
    held, closed = b"", set()
    while closed != {10, 13}:  # the held stream and the force-stop's own stream both end
        command, local, remote, data = host.read()
        if command == A_WRTE:
            held += data if remote == 10 else b""
            host.send(A_OKAY, remote, local)
        elif command == A_CLSE:
            closed.add(remote)
    assert b"INSTRUMENTATION_RESULT: shortMsg=Process crashed." in held and held.endswith(b"\x03\x01\0\0\0\0")
    assert server.system.u2_port() is None
    assert host.run(14, "tcp:6790")[0] == A_CLSE

"""A simulated usbmuxd for simulated iPhones: the device side appium-ios-device talks to on a Unix socket.

The real XCUITest driver reaches an iPhone's services through usbmuxd (`/var/run/usbmuxd`, or
`USBMUXD_SOCKET_ADDRESS=unix:PATH`, which is how the tool points the Appium it starts for simulated iPhones
here). What it needs for the project's capabilities (`bundleId`, `noReset`; see
research/xcuitest-over-wda.md §4.3), all answered from the Phone objects registered with `add()`:

- usbmux (16-byte little-endian header + XML plist): `ReadBUID`, `ReadPairRecord`, `ListDevices`, `Connect`
  (after `Connect` the socket is a raw stream to the device port);
- lockdownd on port 62078 (4-byte big-endian length + plist): `QueryType`, `GetValue` (ProductVersion, ...),
  `StartSession` followed by a TLS upgrade (a throw-away self-signed certificate made with `openssl`),
  `StartService` (installation_proxy and syslog_relay; others are refused as a locked-down device does);
- installation_proxy: `Lookup` (LinkedIn when installed; an empty result is the driver's
  "App with bundle identifier '...' unknown"), `Browse`;
- syslog_relay: held open, silent.
Every request is recorded in the phone's log as `usbmux` / `lockdown` / `installation_proxy` events.
"""

from __future__ import annotations

import itertools
import plistlib
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from mobile.sim.activities import BUNDLE_ID

LOCKDOWN_PORT = 62078
SERVICE_PORT_BASE = 49152
INSTALLATION_PROXY = "com.apple.mobile.installation_proxy"
SYSLOG_RELAY = "com.apple.syslog_relay"
SERVICES = (INSTALLATION_PROXY, SYSLOG_RELAY)
MAX_SOCKET_PATH = 100  # AF_UNIX sun_path holds 108 bytes on Linux (104 on macOS)


class UsbmuxError(RuntimeError):
    """The simulated usbmuxd could not start (no openssl, socket path unusable)."""


def _plist(payload: dict) -> bytes:
    return plistlib.dumps(payload, fmt=plistlib.FMT_XML)


def _recv_exact(conn: Any, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def make_certificate(folder: Path) -> tuple[bytes, bytes]:
    """A throw-away self-signed certificate and key (PEM) for the lockdown TLS upgrade."""
    key, cert = folder / "host.key", folder / "host.crt"
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=linkedin-optout simulated iPhone"]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except FileNotFoundError as exc:
        raise UsbmuxError("the simulated usbmuxd needs the `openssl` command (apt-get install openssl)") from exc
    except subprocess.CalledProcessError as exc:
        raise UsbmuxError(f"openssl could not make a certificate: {exc.stderr.decode(errors='replace')[-300:]}") from exc
    return cert.read_bytes(), key.read_bytes()


class SimUsbmuxd:
    """usbmuxd on a Unix socket, listing the registered simulated iPhones (one DeviceID each)."""

    def __init__(self, socket_path: Path | None = None):
        self._dir = Path(tempfile.mkdtemp(prefix="linkedin-optout-usbmuxd-"))
        if socket_path is None and len(str(self._dir / "usbmuxd.sock").encode()) > MAX_SOCKET_PATH:
            # a deep $TMPDIR (pytest's tmp_path) would overflow sun_path: /tmp then, still private (0700)
            self._dir.rmdir()
            self._dir = Path(tempfile.mkdtemp(prefix="linkedin-optout-usbmuxd-", dir="/tmp"))
        self.socket_path = Path(socket_path) if socket_path else self._dir / "usbmuxd.sock"
        self.cert, self.key = make_certificate(self._dir)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(self._dir / "host.crt", self._dir / "host.key")
        self.buid = str(uuid.uuid4()).upper()
        self._phones: dict[int, Any] = {}
        self._ports: dict[int, tuple[int, str]] = {}  # service port -> (device id, service)
        self._ids = itertools.count(1)
        self._port_numbers = itertools.count(SERVICE_PORT_BASE)
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.socket_path))
        self._listener.listen(16)
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="sim-usbmuxd", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """The value for USBMUXD_SOCKET_ADDRESS."""
        return f"unix:{self.socket_path}"

    def add(self, phone: Any) -> int:
        """Attach a simulated iPhone (its `serial` is the UDID); returns its DeviceID. Two phones of one
        scenario share a serial: a later one gets a unique UDID (the driver picks devices by UDID)."""
        with self._lock:
            device_id = next(self._ids)
            if any(other.serial == phone.serial for other in self._phones.values()):
                phone.serial = f"{phone.serial[:-4]}{device_id:04X}"
            self._phones[device_id] = phone
            return device_id

    def remove(self, phone: Any) -> None:
        """Detach a phone (it is no longer listed)."""
        with self._lock:
            self._phones = {k: v for k, v in self._phones.items() if v is not phone}

    def stop(self) -> None:
        """Close the socket and every open connection; remove the socket file and the certificate."""
        self._stopping.set()
        try:
            self._listener.close()
        finally:
            with self._lock:
                for conn in list(self._connections):
                    try:
                        conn.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            for path in (self.socket_path, self._dir / "host.key", self._dir / "host.crt"):
                path.unlink(missing_ok=True)
            try:
                self._dir.rmdir()
            except OSError:
                pass

    # --- usbmux ------------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._usbmux(conn)
        except (OSError, ssl.SSLError, ValueError, plistlib.InvalidFileException):
            pass  # the client went away or spoke nonsense: drop the connection, as usbmuxd does
        finally:
            with self._lock:
                self._connections.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _phone(self, udid: Any = None, device_id: Any = None) -> tuple[int, Any] | None:
        with self._lock:
            for did, phone in self._phones.items():
                if did == device_id or (udid is not None and phone.serial == udid):
                    return did, phone
        return None

    def _record(self, phone: Any, cmd: str, **fields: Any) -> None:
        if phone is not None:
            phone.log.record(cmd, **fields)

    def _usbmux(self, conn: socket.socket) -> None:
        while True:
            header = _recv_exact(conn, 16)
            if header is None:
                return
            length, version, kind, tag = struct.unpack("<IIII", header)
            body = _recv_exact(conn, length - 16) or b""
            request = plistlib.loads(body)
            reply, target = self._usbmux_reply(request)
            data = _plist(reply)
            conn.sendall(struct.pack("<IIII", 16 + len(data), version, kind, tag) + data)
            if target is not None:
                self._device_stream(conn, *target)
                return

    def _usbmux_reply(self, request: dict) -> tuple[dict, tuple[int, Any, int] | None]:
        message = request.get("MessageType")
        if message == "ReadBUID":
            return {"BUID": self.buid}, None
        if message == "ListDevices":
            with self._lock:
                listed = [{"DeviceID": did, "MessageType": "Attached",
                           "Properties": {"DeviceID": did, "SerialNumber": phone.serial, "ConnectionType": "USB",
                                          "ProductID": 4776, "LocationID": did}}
                          for did, phone in self._phones.items()]
            return {"DeviceList": listed}, None
        if message == "ReadPairRecord":
            found = self._phone(udid=request.get("PairRecordID"))
            if found is None:
                return {"MessageType": "Result", "Number": 2}, None  # BadDevice: never paired
            self._record(found[1], "usbmux", request="ReadPairRecord")
            record = {"HostID": self.buid, "SystemBUID": self.buid, "HostCertificate": self.cert,
                      "HostPrivateKey": self.key, "DeviceCertificate": self.cert, "RootCertificate": self.cert,
                      "RootPrivateKey": self.key, "WiFiMACAddress": "00:00:00:00:00:00"}
            return {"PairRecordData": _plist(record)}, None
        if message == "Connect":
            port = struct.unpack(">H", struct.pack("<H", int(request.get("PortNumber", 0)) & 0xFFFF))[0]
            found = self._phone(device_id=request.get("DeviceID"))
            known = port == LOCKDOWN_PORT or self._ports.get(port, (None,))[0] == (found or (None,))[0]
            if found is None or not known:
                return {"MessageType": "Result", "Number": 3}, None  # ConnectionRefused
            self._record(found[1], "usbmux", request="Connect", port=port)
            return {"MessageType": "Result", "Number": 0}, (found[0], found[1], port)
        return {"MessageType": "Result", "Number": 1}, None  # BadCommand

    # --- device ports ------------------------------------------------------------------------------
    def _device_stream(self, conn: Any, device_id: int, phone: Any, port: int) -> None:
        if port == LOCKDOWN_PORT:
            self._lockdown(conn, device_id, phone)
            return
        service = self._ports[port][1]
        if service == INSTALLATION_PROXY:
            self._installation_proxy(conn, phone)
        else:  # syslog_relay: held open and silent until the client closes it
            while conn.recv(4096):
                pass

    @staticmethod
    def _read(conn: Any) -> dict | None:
        size = _recv_exact(conn, 4)
        if size is None:
            return None
        body = _recv_exact(conn, struct.unpack(">I", size)[0])
        return None if body is None else plistlib.loads(body)

    @staticmethod
    def _send(conn: Any, payload: dict) -> None:
        data = _plist(payload)
        conn.sendall(struct.pack(">I", len(data)) + data)

    def _lockdown(self, conn: Any, device_id: int, phone: Any) -> None:
        while (request := self._read(conn)) is not None:
            name = request.get("Request")
            self._record(phone, "lockdown", request=name, key=request.get("Key"), service=request.get("Service"))
            reply: dict[str, Any] = {"Request": name}
            if name == "QueryType":
                reply["Type"] = "com.apple.mobile.lockdown"
            elif name == "GetValue":
                values = {"ProductVersion": phone.os_version, "UniqueDeviceID": phone.serial,
                          "DeviceName": phone.model, "ProductType": "iPhone14,7", "DeviceClass": "iPhone",
                          "ProductName": "iPhone OS"}
                key = request.get("Key")
                reply.update({"Key": key, "Value": values[key]} if key in values else
                             {"Error": "MissingValue"} if key else {"Value": values})
            elif name == "StartSession":
                self._send(conn, {**reply, "SessionID": str(uuid.uuid4()).upper(), "EnableSessionSSL": True})
                conn = self._tls.wrap_socket(conn, server_side=True)
                continue
            elif name == "StartService" and request.get("Service") in SERVICES:
                with self._lock:
                    port = next(self._port_numbers)
                    self._ports[port] = (device_id, request["Service"])
                reply.update({"Service": request["Service"], "Port": port, "EnableServiceSSL": False})
            elif name == "StartService":
                reply.update({"Service": request.get("Service"), "Error": "InvalidService"})
            else:
                reply["Error"] = "InvalidRequest"
            self._send(conn, reply)

    def _installation_proxy(self, conn: Any, phone: Any) -> None:
        while (request := self._read(conn)) is not None:
            command = request.get("Command")
            options = request.get("ClientOptions") or {}
            self._record(phone, "installation_proxy", command=command, bundle_ids=options.get("BundleIDs"))
            apps = {}
            if phone.app_installed:
                apps[BUNDLE_ID] = {"CFBundleIdentifier": BUNDLE_ID, "CFBundleVersion": phone.app_version or "1",
                                   "CFBundleShortVersionString": phone.app_version or "1",
                                   "CFBundleName": "LinkedIn", "ApplicationType": "User"}
            if command == "Lookup":
                wanted = options.get("BundleIDs")
                found = {k: v for k, v in apps.items() if wanted is None or k in wanted}
                self._send(conn, {"LookupResult": found, "Status": "Complete"})
            elif command == "Browse":
                self._send(conn, {"CurrentList": list(apps.values()), "CurrentAmount": len(apps),
                                  "Status": "BrowsingApplications"})
                self._send(conn, {"Status": "Complete"})
            else:
                self._send(conn, {"Error": "UnknownCommand", "Status": "Complete"})

"""The device side of the adb transport for a simulated phone, so a real adb server lists it like a phone.

A TCP server that answers the host's CNXN without AUTH, then serves `shell:` / `shell,v2:` streams
(OPEN/OKAY/WRTE/CLSE, one WRTE in flight per stream as adb's flow control requires). Shell commands are
answered from the wrapped Phone by mobile.sim.adb_shell. `attach_to_adb()` runs it and `adb connect`s it.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from mobile.sim.adb_shell import run_shell

A_CNXN, A_OPEN, A_OKAY, A_CLSE, A_WRTE, A_AUTH = (
    struct.unpack("<I", tag)[0] for tag in (b"CNXN", b"OPEN", b"OKAY", b"CLSE", b"WRTE", b"AUTH"))
A_VERSION = 0x01000001  # adb >= 1.0.41: hosts skip the payload checksum, but we still send it
MAX_PAYLOAD = 256 * 1024
FEATURES = "shell_v2,cmd"
V2_STDOUT, V2_STDERR, V2_EXIT = 1, 2, 3


def pack(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    """One adb message: 24-byte header (command, args, length, checksum, magic) then the payload."""
    return struct.pack("<6I", command, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, command ^ 0xFFFFFFFF) + data


def _v2_packet(kind: int, data: bytes) -> bytes:
    return struct.pack("<BI", kind, len(data)) + data


@dataclass
class _Stream:
    """One open service stream: chunks still to send and whether the host has acknowledged the last."""

    remote_id: int
    chunks: list[bytes] = field(default_factory=list)


class AdbDeviceServer:
    """Serves the adb device protocol for one Phone on 127.0.0.1:port (0 = any free port)."""

    def __init__(self, phone: Any, sim_url: str | None = None, port: int = 0):
        self.phone = phone
        self.sim_url = sim_url
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name=f"adb-device-{self.port}", daemon=True)
        self._connections: list[socket.socket] = []

    @property
    def serial(self) -> str:
        """The serial the adb server lists this phone under after `adb connect`."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> AdbDeviceServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every live connection (adb then shows the device offline)."""
        self._stopped.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        except OSError:
            pass
        self._listener.close()
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._thread.join(timeout=5)

    def banner(self) -> bytes:
        """The CNXN payload: the identity adb shows in `adb devices -l`."""
        model = str(getattr(self.phone, "model", "LinkedIn Sim")).replace(" ", "_")
        return f"device::ro.product.name=linkedin_sim;ro.product.model={model};ro.product.device=linkedin_sim;features={FEATURES}".encode()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            _Connection(self, conn).run()
        except (OSError, ConnectionError):
            pass
        finally:
            conn.close()
            if conn in self._connections:
                self._connections.remove(conn)


class _Connection:
    """One adb transport connection: the handshake, then a message loop multiplexing streams."""

    def __init__(self, server: AdbDeviceServer, conn: socket.socket):
        self.server = server
        self.conn = conn
        self.max_payload = MAX_PAYLOAD
        self.streams: dict[int, _Stream] = {}
        self.next_id = 1

    def _read_exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.conn.recv(size - len(data))
            if not chunk:
                raise ConnectionError("host closed the connection")
            data += chunk
        return data

    def _read(self) -> tuple[int, int, int, bytes]:
        command, arg0, arg1, length, _checksum, magic = struct.unpack("<6I", self._read_exact(24))
        if magic != command ^ 0xFFFFFFFF:
            raise ConnectionError("bad adb message magic")
        return command, arg0, arg1, self._read_exact(length) if length else b""

    def _send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        self.conn.sendall(pack(command, arg0, arg1, data))

    def run(self) -> None:
        while True:
            command, arg0, arg1, data = self._read()
            if command == A_CNXN:
                self.max_payload = max(4096, min(arg1 or MAX_PAYLOAD, MAX_PAYLOAD))
                self._send(A_CNXN, A_VERSION, MAX_PAYLOAD, self.server.banner())
            elif command == A_OPEN:
                self._open(arg0, data.rstrip(b"\0").decode("utf-8", "replace"))
            elif command == A_OKAY:
                self._send_next(arg1)
            elif command == A_WRTE:
                # stdin or shell-v2 control packets: acknowledged and ignored (our commands read no input)
                self._send(A_OKAY, arg1, arg0)
            elif command == A_CLSE:
                if self.streams.pop(arg1, None) is not None:
                    self._send(A_CLSE, arg1, arg0)

    def _open(self, remote_id: int, service: str) -> None:
        name, _, command = service.partition(":")
        options = name.split(",")
        if options[0] not in ("shell", "exec"):
            self._send(A_CLSE, 0, remote_id)  # refused, as adbd does for services it lacks
            return
        out, err, code = run_shell(self.server.phone, command, sim_url=self.server.sim_url)
        if "v2" in options[1:]:
            payload = b""
            if out:
                payload += _v2_packet(V2_STDOUT, out)
            if err:
                payload += _v2_packet(V2_STDERR, err)
            payload += _v2_packet(V2_EXIT, bytes([code & 0xFF]))
        else:
            payload = out + err  # shell v1 has one stream and no exit code
        local_id = self.next_id
        self.next_id += 1
        step = self.max_payload
        stream = _Stream(remote_id, [payload[i:i + step] for i in range(0, len(payload), step)])
        self.streams[local_id] = stream
        self._send(A_OKAY, local_id, remote_id)
        self._send_next(local_id)

    def _send_next(self, local_id: int) -> None:
        """Send the stream's next chunk, or close it when all were acknowledged."""
        stream = self.streams.get(local_id)
        if stream is None:
            return
        if stream.chunks:
            self._send(A_WRTE, local_id, stream.remote_id, stream.chunks.pop(0))
        else:
            self._send(A_CLSE, local_id, stream.remote_id)


_attached: dict[str, AdbDeviceServer] = {}


def attach_to_adb(handle: Any, adb_port: int | None = None, port: int = 0, timeout: float = 15.0) -> str:
    """Serve `handle.phone` over adb and `adb connect` it; returns the serial once adb lists it as `device`."""
    from mobile.adb import ensure_server

    server = AdbDeviceServer(handle.phone, sim_url=getattr(handle, "url", None), port=port).start()
    client = ensure_server(adb_port)
    client.connect(server.serial, timeout=timeout)
    deadline = time.monotonic() + timeout
    while not any(d.serial == server.serial and d.state == "device" for d in client.list()):
        if time.monotonic() > deadline:
            server.stop()
            raise TimeoutError(f"adb did not list {server.serial} as a device within {timeout} s")
        time.sleep(0.05)  # the transport comes up asynchronously after `connect`
    _attached[server.serial] = server
    return server.serial


def detach_from_adb(serial: str, adb_port: int | None = None) -> None:
    """`adb disconnect` an attached simulated phone and stop its device server."""
    from mobile.adb import ensure_server

    server = _attached.pop(serial, None)
    try:
        ensure_server(adb_port).disconnect(serial)
    except Exception:  # noqa: BLE001 - the adb server may already be gone at teardown
        pass
    if server is not None:
        server.stop()

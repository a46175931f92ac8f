"""The device side of the adb transport for a simulated phone, so a real adb server lists and drives it like a phone.

A TCP server that answers the host's CNXN without AUTH, then serves streams (OPEN/OKAY/WRTE/CLSE, one WRTE in
flight per stream as adb's flow control requires). What each service does lives in mobile.sim.adb.services:
shell (v1/v2), exec, abb_exec (install sinks), held streams (`am instrument -w`, logcat) and `tcp:PORT` bridged
to the phone's uiautomator2-compatible server. The read loop never blocks: every OPEN is served on a worker
thread, sends go through one lock, and TCP_NODELAY keeps each message from waiting for a delayed ACK.
`attach_to_adb()` runs a device server and `adb connect`s it.
"""

from __future__ import annotations

import queue
import socket
import struct
import threading
import time
from typing import Any

from mobile.reach.adb import ensure_server
from mobile.sim.adb.system import AndroidSystem

A_CNXN, A_OPEN, A_OKAY, A_CLSE, A_WRTE, A_AUTH = (
    struct.unpack("<I", tag)[0] for tag in (b"CNXN", b"OPEN", b"OKAY", b"CLSE", b"WRTE", b"AUTH"))
A_VERSION = 0x01000001  # adb >= 1.0.41: hosts skip the payload checksum, but we still send it
MAX_PAYLOAD = 256 * 1024
FEATURES = "shell_v2,cmd,abb_exec"
V2_STDIN, V2_STDOUT, V2_STDERR, V2_EXIT, V2_CLOSE_STDIN = 0, 1, 2, 3, 3
ACK_TIMEOUT_S = 30.0


def pack(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    """One adb message: 24-byte header (command, args, length, checksum, magic) then the payload."""
    return struct.pack("<6I", command, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, command ^ 0xFFFFFFFF) + data


def v2_packet(kind: int, data: bytes) -> bytes:
    """One shell-protocol v2 packet: [id:u8][length:u32le][data]."""
    return struct.pack("<BI", kind, len(data)) + data


class Stream:
    """One open service stream. Writers (worker threads) wait for the host's OKAY before the next WRTE;
    bytes the host writes arrive in `inbound` (b"" once the host closed the stream)."""

    def __init__(self, conn: "_Connection", local_id: int, remote_id: int, service: str) -> None:
        self.conn, self.local_id, self.remote_id, self.service = conn, local_id, remote_id, service
        self.inbound: queue.Queue[bytes] = queue.Queue()
        self._cond = threading.Condition()
        self._in_flight = False
        self.closed = False  # either side closed it
        self._sent_close = False

    def accept(self) -> None:
        """OKAY the OPEN: the service exists and the stream is live."""
        self.conn.send(A_OKAY, self.local_id, self.remote_id)

    def write(self, data: bytes) -> bool:
        """Send data in WRTE chunks, each after the previous one was acknowledged; False once closed."""
        step = self.conn.max_payload
        for i in range(0, len(data), step):
            with self._cond:
                if not self._cond.wait_for(lambda: not self._in_flight or self.closed, ACK_TIMEOUT_S) or self.closed:
                    return False
                self._in_flight = True
            self.conn.send(A_WRTE, self.local_id, self.remote_id, data[i:i + step])
        return True

    def acked(self) -> None:
        with self._cond:
            self._in_flight = False
            self._cond.notify_all()

    def close(self) -> None:
        """Our side ends the stream (CLSE once), after the last WRTE was acknowledged."""
        with self._cond:
            self._cond.wait_for(lambda: not self._in_flight or self.closed, ACK_TIMEOUT_S)
            if self._sent_close:
                return
            self._sent_close = self.closed = True
            self._cond.notify_all()
        self.conn.send(A_CLSE, self.local_id, self.remote_id)
        self.inbound.put(b"")

    def host_closed(self) -> None:
        """The host sent CLSE: answer it unless we closed first, and wake every waiter."""
        with self._cond:
            answer = not self._sent_close
            self._sent_close = self.closed = True
            self._cond.notify_all()
        if answer:
            self.conn.send(A_CLSE, self.local_id, self.remote_id)
        self.inbound.put(b"")

    def read(self, timeout: float | None = None) -> bytes:
        """The next bytes the host wrote; b"" when the stream is closed (or nothing came in `timeout`)."""
        try:
            return self.inbound.get(timeout=timeout)
        except queue.Empty:
            return b""


class AdbDeviceServer:
    """Serves the adb device protocol for one Phone on 127.0.0.1:port (0 = any free port)."""

    def __init__(self, phone: Any, sim_url: str | None = None, port: int = 0, driver: str = "linkedinsim",
                 sim_server: Any = None) -> None:
        self.phone = phone
        self.sim_url = sim_url
        self.system = AndroidSystem(phone, sim_url=sim_url, driver=driver, sim_server=sim_server)
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
        """Close the listener, every live connection and the phone's uiautomator2 server (adb shows it offline)."""
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
        self.system.shutdown()
        self._thread.join(timeout=5)

    def banner(self) -> bytes:
        """The CNXN payload: the identity adb shows in `adb devices -l`, and the features adb may use."""
        model = str(getattr(self.phone, "model", "LinkedIn Sim")).replace(" ", "_")
        return (f"device::ro.product.name=linkedin_sim;ro.product.model={model};ro.product.device=linkedin_sim;"
                f"features={FEATURES}").encode()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        connection = _Connection(self, conn)
        try:
            connection.run()
        except (OSError, ConnectionError):
            pass
        finally:
            connection.close_all()
            conn.close()
            if conn in self._connections:
                self._connections.remove(conn)


class _Connection:
    """One adb transport connection: the handshake, then a message loop multiplexing streams."""

    def __init__(self, server: AdbDeviceServer, conn: socket.socket) -> None:
        self.server = server
        self.conn = conn
        self.max_payload = MAX_PAYLOAD
        self.streams: dict[int, Stream] = {}
        self.next_id = 1
        self._send_lock = threading.Lock()

    def _read_exact(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.conn.recv(size - len(data))
            if not chunk:
                raise ConnectionError("host closed the connection")
            data += chunk
        return bytes(data)

    def _read(self) -> tuple[int, int, int, bytes]:
        command, arg0, arg1, length, _checksum, magic = struct.unpack("<6I", self._read_exact(24))
        if magic != command ^ 0xFFFFFFFF:
            raise ConnectionError("bad adb message magic")
        return command, arg0, arg1, self._read_exact(length) if length else b""

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        """One message in one write, serialised between the worker threads."""
        message = pack(command, arg0, arg1, data)
        with self._send_lock:
            self.conn.sendall(message)

    def run(self) -> None:
        """The read loop: it only records and dispatches, it never waits for a service."""
        from mobile.sim.adb.services import serve_stream  # a real cycle: adb.services imports this module

        stream: Stream | None
        while True:
            command, arg0, arg1, data = self._read()
            if command == A_CNXN:
                self.max_payload = max(4096, min(arg1 or MAX_PAYLOAD, MAX_PAYLOAD))
                self.send(A_CNXN, A_VERSION, MAX_PAYLOAD, self.server.banner())
            elif command == A_OPEN:
                stream = Stream(self, self.next_id, arg0, data.rstrip(b"\0").decode("utf-8", "replace"))
                self.streams[stream.local_id] = stream
                self.next_id += 1
                threading.Thread(target=self._run_service, args=(serve_stream, stream), daemon=True,
                                 name=f"adb-stream-{stream.local_id}").start()
            elif command == A_OKAY:
                stream = self.streams.get(arg1)
                if stream is not None:
                    stream.acked()
            elif command == A_WRTE:
                # acknowledged before the service sees the data, so its answer never overtakes the OKAY
                self.send(A_OKAY, arg1, arg0)
                stream = self.streams.get(arg1)
                if stream is not None:
                    stream.inbound.put(data)
            elif command == A_CLSE:
                stream = self.streams.pop(arg1, None)
                if stream is not None:
                    stream.host_closed()

    def _run_service(self, serve: Any, stream: Stream) -> None:
        try:
            serve(self.server.system, stream)
        except (OSError, ConnectionError):
            pass
        except Exception as exc:  # noqa: BLE001 - a bug in one service must not hang the host: close it, record it
            self.server.system.record(stream.service, f"internal error: {type(exc).__name__}: {exc}", unknown=True)
            try:
                stream.close()
            except OSError:
                pass

    def refuse(self, stream: Stream) -> None:
        """CLSE(0, remote): what adbd answers for a service it lacks or a port nothing listens on."""
        self.streams.pop(stream.local_id, None)
        stream.closed = True
        self.send(A_CLSE, 0, stream.remote_id)

    def close_all(self) -> None:
        """The transport is gone: wake every stream's waiters (held streams, bridges)."""
        for stream in list(self.streams.values()):
            with stream._cond:
                stream.closed = True
                stream._sent_close = True
                stream._cond.notify_all()
            stream.inbound.put(b"")
        self.streams.clear()


_attached: dict[str, AdbDeviceServer] = {}


def attached_server(serial: str) -> AdbDeviceServer | None:
    """The device server behind an attached serial (its AndroidSystem holds the command log)."""
    return _attached.get(serial)


def attach_to_adb(handle: Any, adb_port: int | None = None, port: int = 0, timeout: float = 15.0,
                  driver: str = "linkedinsim") -> str:
    """Serve `handle.phone` over adb and `adb connect` it; returns the serial once adb lists it as `device`.
    `driver` is what the phone advertises (`linkedin.sim.driver`): linkedinsim or uiautomator2."""
    server = AdbDeviceServer(handle.phone, sim_url=getattr(handle, "url", None), port=port, driver=driver,
                             sim_server=getattr(handle, "server", None)).start()
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
    server = _attached.pop(serial, None)
    try:
        ensure_server(adb_port).disconnect(serial)
    except Exception:  # noqa: BLE001 - the adb server may already be gone at teardown
        pass
    if server is not None:
        server.stop()

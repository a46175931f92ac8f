"""The adb device services of the simulated phone, each served on its own worker thread.

- `shell[,v2,...]:CMD` and `exec:CMD`: one-shot answers from mobile.sim.adb.shell (v2 framing with the exit
  code; `exec:` raw), or held streams (`am instrument -w`, `logcat`), or an install sink;
- `abb_exec:package\\0install\\0...\\0-S\\0N` and `exec:cmd package install ... -S N`: read N bytes of APK
  from the host, record the package, answer `Success`;
- `tcp:PORT`: bridged both ways to the phone's uiautomator2-compatible server while the instrumentation
  runs (the adb forward `tcp:<systemPort> -> tcp:6790`), refused otherwise.
Anything else is refused with CLSE as adbd does, and recorded as unanswered.
"""

from __future__ import annotations

import socket
import struct
import threading

from mobile.sim.adb.device import V2_EXIT, V2_STDERR, V2_STDOUT, Stream, v2_packet
from mobile.sim.adb.shell import Special, evaluate, run_argv
from mobile.sim.adb.system import AndroidSystem
from mobile.sim.adb.apk import manifest_package

U2_DEVICE_PORT = 6790
LOGCAT_FIRST_LINE = b"--------- beginning of main\n"


def serve_stream(system: AndroidSystem, stream: Stream) -> None:
    """Serve one OPENed stream to its end (or leave it held open)."""
    name, _, rest = stream.service.partition(":")
    options = name.split(",")
    kind = options[0]
    if kind == "tcp":
        system.record(stream.service)
        _bridge(system, stream, rest)
    elif kind == "sync":
        system.record("sync:")
        _sync(system, stream)
    elif kind == "abb_exec":
        _abb(system, stream, rest.split("\0"))
    elif kind in ("shell", "exec"):
        v2 = kind == "shell" and "v2" in options[1:]
        _shell(system, stream, rest, v2=v2, raw=kind == "exec")
    else:
        system.record(stream.service, unknown=True)
        stream.conn.refuse(stream)


def _frame(out: bytes, err: bytes, code: int, v2: bool) -> bytes:
    if not v2:
        return out + err  # shell v1 / exec: one stream and no exit code
    payload = v2_packet(V2_STDOUT, out) if out else b""
    payload += v2_packet(V2_STDERR, err) if err else b""
    return payload + v2_packet(V2_EXIT, bytes([code & 0xFF]))


def _shell(system: AndroidSystem, stream: Stream, command: str, v2: bool, raw: bool) -> None:
    answer = evaluate(system, command)
    if isinstance(answer, Special):
        _special(system, stream, command, answer, v2)
        return
    out, err, code = answer
    system.record(stream.service.split(":", 1)[0], command, code)
    stream.accept()
    stream.write(_frame(out, err, code, v2))
    stream.close()


def _special(system: AndroidSystem, stream: Stream, command: str, special: Special, v2: bool) -> None:
    system.record(stream.service.split(":", 1)[0], command, None)
    stream.v2 = v2  # type: ignore[attr-defined]  # how the instrumentation's end is framed
    if special.kind == "instrument":
        system.start_instrumentation(stream)  # the server is up by the time the host hears the OKAY
    stream.accept()
    if special.prefix:
        stream.write(v2_packet(V2_STDOUT, special.prefix) if v2 else special.prefix)
    if special.kind == "sink":
        _sink(system, stream, special.size, v2)
    elif special.kind == "instrument":
        _drain(stream)  # held until the host closes it or the instrumentation ends
        if system.instrumentation is stream:
            system.end_instrumentation(crashed=True)
    else:  # logcat: the first line at once (the driver waits for it), then held until the host closes it
        stream.write(v2_packet(V2_STDOUT, LOGCAT_FIRST_LINE) if v2 else LOGCAT_FIRST_LINE)
        _drain(stream)


def _drain(stream: Stream) -> None:
    """Wait until the stream closes, discarding what the host writes (shell v2 stdin/window packets)."""
    while not stream.closed:
        stream.read(timeout=1.0)


def _read_stdin(stream: Stream, size: int, v2: bool) -> bytes:
    """`size` bytes of the host's stdin (unwrapping shell v2 stdin packets)."""
    data, pending = bytearray(), bytearray()
    while len(data) < size:
        chunk = stream.read(timeout=60.0)
        if not chunk:
            break
        if not v2:
            data += chunk
            continue
        pending += chunk
        while len(pending) >= 5:
            kind, length = struct.unpack("<BI", bytes(pending[:5]))
            if len(pending) < 5 + length:
                break
            if kind == 0:
                data += pending[5:5 + length]
            del pending[:5 + length]
    return bytes(data)


def _sink(system: AndroidSystem, stream: Stream, size: int, v2: bool) -> None:
    """An install: read the APK, install the package its manifest names, answer like `pm install`."""
    apk = _read_stdin(stream, size, v2)
    package = manifest_package(apk) if len(apk) == size else None
    if package is None:
        out = b"Failure [INSTALL_PARSE_FAILED_NOT_APK: Failed to parse the APK]\n"
    else:
        system.install(package)
        out = b"Success\n"
    stream.write(_frame(out, b"", 0 if package else 1, v2))
    stream.close()


def _abb(system: AndroidSystem, stream: Stream, args: list[str]) -> None:
    """`abb_exec:` (Android binder bridge): `package ...` is `cmd package ...`, `settings ...` is settings."""
    if args[:1] in (["package"], ["settings"]):
        argv = ["cmd", *args] if args[0] == "package" else args
        answer = run_argv(system, argv)
        command = " ".join(argv)
        if isinstance(answer, Special):
            _special(system, stream, command, answer, v2=False)
            return
        out, err, code = answer
        system.record("abb_exec", command, code)
        stream.accept()
        stream.write(out + err)
        stream.close()
        return
    system.record("abb_exec", " ".join(args), unknown=True)
    stream.conn.refuse(stream)


class _Reader:
    """Exact-size reads over a stream's inbound chunks (the sync protocol's framing ignores WRTE bounds)."""

    def __init__(self, stream: Stream) -> None:
        self.stream, self.buffer = stream, bytearray()

    def take(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            chunk = self.stream.read(timeout=30.0)
            if not chunk:
                return None
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def _sync(system: AndroidSystem, stream: Stream) -> None:
    """`sync:` (adb push/pull): STAT and SEND into the phone's small file store, RECV from it, QUIT."""
    stream.accept()
    reader = _Reader(stream)
    while True:
        head = reader.take(8)
        if head is None:
            break
        verb, length = head[:4], struct.unpack("<I", head[4:])[0]
        if verb == b"QUIT":
            break
        arg = (reader.take(length) or b"").decode("utf-8", "replace")
        if verb == b"STAT":
            exists = arg in system.files or arg in system.dirs
            mode = (0o40755 if arg in system.dirs else 0o100644) if exists else 0
            size = len(system.files.get(arg, "")) if exists else 0
            stream.write(b"STAT" + struct.pack("<III", mode, size, 0))
        elif verb == b"SEND":
            path = arg.rsplit(",", 1)[0]
            data = bytearray()
            while True:
                part = reader.take(8)
                if part is None:
                    return
                kind, size = part[:4], struct.unpack("<I", part[4:])[0]
                if kind == b"DONE":
                    break
                data += reader.take(size) or b""
            system.files[path] = data.decode("utf-8", "replace")
            system.record("sync:", f"push {path}", 0)
            stream.write(b"OKAY" + struct.pack("<I", 0))
        elif verb == b"RECV" and arg in system.files:
            content = system.files[arg].encode()
            stream.write(b"DATA" + struct.pack("<I", len(content)) + content + b"DONE" + struct.pack("<I", 0))
        else:
            message = f"sync {verb.decode(errors='replace')} {arg}: not supported by the simulated phone".encode()
            system.record("sync:", f"{verb.decode(errors='replace')} {arg}", 1, unknown=verb != b"RECV")
            stream.write(b"FAIL" + struct.pack("<I", len(message)) + message)
            break
    stream.close()


def _bridge(system: AndroidSystem, stream: Stream, port_text: str) -> None:
    """`tcp:6790`: connect to the uiautomator2 server and copy bytes both ways; refused when it is not up."""
    if port_text != str(U2_DEVICE_PORT):
        stream.conn.refuse(stream)
        return
    wait = system.start_wait_s()
    if system.u2_port() is None and wait > 0:
        system.instrumentation_started.wait(wait)
    port = system.u2_port()
    if port is None:
        stream.conn.refuse(stream)  # nothing listens on 6790 until `am instrument` started the server
        return
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        stream.conn.refuse(stream)
        return
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(None)
    stream.accept()
    threading.Thread(target=_pump_to_host, args=(sock, stream), daemon=True).start()
    try:
        while True:
            data = stream.read()
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def _pump_to_host(sock: socket.socket, stream: Stream) -> None:
    try:
        while True:
            data = sock.recv(stream.conn.max_payload)
            if not data or not stream.write(data):
                break
    except OSError:
        pass
    stream.close()


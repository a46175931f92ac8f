"""A private adb server for simulated phones driven by the real UiAutomator2 driver.

It runs on a free port with its own HOME (its own adbkey) and without emulator port scanning, so it never
touches the user's adb server on 5037 or their phones. `env()` is what the Appium we start gets: the port
(ANDROID_ADB_SERVER_PORT) and an ANDROID_HOME whose platform-tools/adb is the very binary that started the
server (a client of another adb version would kill and restart it, dropping the attached phones).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from mobile.reach.appium_server import free_port
from mobile.errors import DeviceError
from mobile.reach.adb import adb_binary


class PrivateAdb:
    """Start with `start()`, end with `stop()` (kill-server, temp folder removed)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root: Path | None = None

    @property
    def sdk(self) -> Path:
        """The ANDROID_HOME that holds platform-tools/adb."""
        assert self.root is not None, "start() first"
        return self.root / "sdk"

    def env(self) -> dict[str, str]:
        """Environment for processes that must use this server (Appium, adb clients)."""
        assert self.root is not None, "start() first"
        return {"ANDROID_ADB_SERVER_PORT": str(self.port), "ANDROID_HOME": str(self.sdk),
                "ANDROID_SDK_ROOT": str(self.sdk), "ADB_LOCAL_TRANSPORT_MAX_PORT": "5553"}

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        assert self.root is not None
        env = {**os.environ, **self.env(), "HOME": str(self.root)}
        return subprocess.run([str(self.sdk / "platform-tools" / "adb"), "-P", str(self.port), *args],
                              env=env, capture_output=True, timeout=30)

    def start(self) -> "PrivateAdb":
        self.root = Path(tempfile.mkdtemp(prefix="linkedin-optout-adb-"))
        tools = self.sdk / "platform-tools"
        tools.mkdir(parents=True)
        (tools / "adb").symlink_to(adb_binary())
        try:
            done = self._run("start-server")
        except (OSError, subprocess.SubprocessError) as exc:
            self.stop()
            raise DeviceError(f"cannot start a private adb server on port {self.port}: {exc}") from None
        if done.returncode != 0:
            self.stop()
            raise DeviceError(f"cannot start a private adb server on port {self.port}: "
                              f"{done.stderr.decode(errors='replace').strip()[-300:]}")
        return self

    def stop(self) -> None:
        """Kill the server and remove its folder (idempotent)."""
        if self.root is None:
            return
        try:
            self._run("kill-server")
        except (OSError, subprocess.SubprocessError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> "PrivateAdb":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

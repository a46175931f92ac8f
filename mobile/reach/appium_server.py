"""Starts and stops the pinned Appium 3 server on 127.0.0.1, or checks one the user runs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Callable

import platformdirs

from mobile.engine import abort as lifecycle
from mobile.errors import DeviceError
from mobile.output.redact import LOG_FILTERS
from mobile.resources import APPIUM_LOCK_DIR, CHECKOUT_DIR, checkout_root, shipped

REPO_ROOT = CHECKOUT_DIR
# ci/appium: in a checkout its npm project (package.json + lock, node_modules); installed, the package's copy
APPIUM_DIR = shipped(APPIUM_LOCK_DIR)
DEFAULT_APPIUM_HOME = REPO_ROOT / ".appium-home"
HOME_ENV = "LINKEDIN_OPTOUT_HOME"
BINARY_ENV = "LINKEDIN_OPTOUT_APPIUM"
CHECKOUT_HINT = "run `make install` (it runs `npm ci` in ci/appium and installs the Appium drivers)"
SETUP_HINT = "run `linkedin-optout setup` (it installs the pinned Appium 3 and its drivers for this user)"
TEMP_PREFIX = "linkedin-optout-appium-"


@dataclass(frozen=True)
class AppiumInstall:
    """Where an Appium 3 install lives: its npm project, the CLI, the APPIUM_HOME holding the drivers."""

    prefix: Path  # folder with package.json, package-lock.json, node_modules/, linkedinsim-driver/
    home: Path
    origin: str   # "checkout", "per-user folder" or "environment"
    binary_override: Path | None = None

    @property
    def binary(self) -> Path:
        """The Appium CLI of this install (or $LINKEDIN_OPTOUT_APPIUM)."""
        if self.binary_override is not None:
            return self.binary_override
        return self.prefix / "node_modules" / ".bin" / ("appium.cmd" if os.name == "nt" else "appium")

    @property
    def installed(self) -> bool:
        return self.binary.exists()


def user_dir() -> Path:
    """The per-user data folder: $LINKEDIN_OPTOUT_HOME, else platformdirs' (XDG_DATA_HOME on Linux)."""
    return Path(os.environ.get(HOME_ENV) or platformdirs.user_data_dir("linkedin-optout", appauthor=False))


def user_appium() -> AppiumInstall:
    """The Appium `linkedin-optout setup` installs for this user."""
    base = user_dir()
    return AppiumInstall(prefix=base / "appium", home=base / "appium-home", origin="per-user folder")


def checkout_appium() -> AppiumInstall | None:
    """The checkout's Appium (`make install`), or None outside a checkout."""
    if checkout_root() is None:
        return None
    return AppiumInstall(prefix=APPIUM_DIR, home=DEFAULT_APPIUM_HOME, origin="checkout")


def locate_appium() -> AppiumInstall:
    """$APPIUM_HOME / $LINKEDIN_OPTOUT_APPIUM, else the checkout's install, else the per-user one.

    The first install whose CLI exists wins; with none, the one to install (the checkout's inside a
    checkout). The two variables override the folder and the CLI of whichever is chosen."""
    candidates = [c for c in (checkout_appium(), user_appium()) if c is not None]
    chosen = next((c for c in candidates if c.installed), candidates[0])
    home, binary = os.environ.get("APPIUM_HOME"), os.environ.get(BINARY_ENV)
    if home or binary:
        chosen = AppiumInstall(prefix=chosen.prefix, home=Path(home) if home else chosen.home,
                               origin="environment",
                               binary_override=Path(binary) if binary else None)
    return chosen


def install_hint() -> str:
    """What to run to get Appium: `make install` in a checkout, `linkedin-optout setup` elsewhere."""
    return CHECKOUT_HINT if checkout_root() is not None else SETUP_HINT


# Preloaded into every Appium we start: a listener that names no host binds 127.0.0.1, not every
# interface (the XCUITest driver's MJPEG forwarder does that). See the file's header.
LOOPBACK_SHIM = APPIUM_DIR / "loopback-only.cjs"


def loopback_node_options(existing: str | None) -> str:
    """NODE_OPTIONS with the loopback shim required first (kept once; the user's own options after it)."""
    path = str(LOOPBACK_SHIM).replace("\\", "\\\\").replace('"', '\\"')
    shim = f'--require "{path}"'
    rest = (existing or "").strip()
    if shim in rest:
        return rest
    return f"{shim} {rest}" if rest else shim


def appium_home() -> Path:
    """The APPIUM_HOME to use (see locate_appium)."""
    return locate_appium().home


def appium_binary() -> Path:
    """The Appium executable to run (see locate_appium)."""
    return locate_appium().binary


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_status(url: str, timeout: float = 2.0) -> dict:
    """GET {url}/status and return its `value`; raises OSError/ValueError when it does not answer."""
    with urllib.request.urlopen(f"{url.rstrip('/')}/status", timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8")).get("value", {})


class AppiumServer:
    """An Appium 3 server: started here (`AppiumServer()`) or run by the user (`AppiumServer.external`)."""

    def __init__(
        self,
        *,
        port: int | None = None,
        home: Path | None = None,
        binary: Path | None = None,
        log_path: Path | None = None,
        start_timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
        cancel: Callable[[], bool] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.home = Path(home) if home else appium_home()
        self.binary = Path(binary) if binary else appium_binary()
        self.log_path = Path(log_path) if log_path else None
        self.start_timeout = start_timeout
        self.extra_args = tuple(extra_args)
        self.cancel = cancel  # polled while starting: True stops the start (a signal arrived)
        self.env = dict(env or {})
        self.url: str | None = None
        self.start_seconds: float | None = None
        self.external_url = False
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None  # our temp folder (console output, the log unless log_path): removed by stop()

    @property
    def where(self) -> tuple[str, str | None]:
        """(URL, log file or None) of the started server; DeviceError before it started."""
        if self.url is None:
            raise DeviceError("the Appium server was not started")
        return self.url, str(self.log_path) if self.log_path is not None else None

    @classmethod
    def external(cls, url: str, timeout: float = 10.0) -> "AppiumServer":
        """Use an Appium the user runs at `url`; raises DeviceError if its /status does not answer."""
        server = cls()
        server.url = url.rstrip("/")
        server.external_url = True
        began = time.monotonic()
        try:
            get_status(server.url, timeout=timeout)
        except (OSError, ValueError) as exc:
            raise DeviceError(f"no Appium server answers at {server.url}/status: {exc}") from exc
        server.start_seconds = time.monotonic() - began
        return server

    def command_line(self) -> list[str]:
        """The exact command that starts the server."""
        assert self.port is not None and self.log_path is not None
        return [
            str(self.binary), "server", "--address", "127.0.0.1", "--port", str(self.port),
            "--log", str(self.log_path), "--log-no-colors", "--log-timestamp", "--local-timezone",
            *(["--log-filters", str(self._filters_path())] if self._tmp is not None else []), *self.extra_args,
        ]

    def start(self) -> "AppiumServer":
        """Start Appium and wait until GET /status answers; raises DeviceError otherwise."""
        if self.external_url or self._process is not None:
            return self
        if not self.binary.exists():
            raise DeviceError(f"Appium is not installed at {self.binary}: {install_hint()}")
        self.port = self.port or free_port()
        self._tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        if self.log_path is None:
            self.log_path = self._tmp / "appium.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{self.port}"
        from mobile.reach.adb import android_home_env  # lazy: adbutils (the pytest plugin imports this module)

        # the same adb binary for Appium and for this tool: two adb versions kill each other's server
        # (`self.env`, e.g. a private adb server's ANDROID_HOME, wins)
        env = {**os.environ, **android_home_env(), "APPIUM_HOME": str(self.home), **self.env}
        env["NODE_OPTIONS"] = loopback_node_options(env.get("NODE_OPTIONS"))
        began = time.monotonic()
        # stdout/stderr go to a side file: --log holds the server log, this catches start-up crashes.
        self._console = open(self._console_path(), "wb")
        self._process = subprocess.Popen(
            self.command_line(), env=env, stdin=subprocess.DEVNULL,
            stdout=self._console, stderr=subprocess.STDOUT,
            # its own session: a Ctrl-C in the terminal reaches the tool, which stops every device before
            # its next tap and then stops this server (never the server first, under running sessions)
            start_new_session=True,
        )
        lifecycle.own(self)  # whatever happens next, the way out of the tool ends it
        self._wait_until_ready(began)
        self.start_seconds = time.monotonic() - began
        return self

    def _wait_until_ready(self, began: float) -> None:
        """Poll /status until it answers, the process dies, or start_timeout passes."""
        assert self._process is not None and self.url is not None
        deadline = began + self.start_timeout
        while True:
            if self.cancel is not None and self.cancel():
                self.stop()
                raise DeviceError("Appium's start was cancelled: the run was stopped")
            code = self._process.poll()
            if code is not None:
                tail = self.console_tail()
                self.stop()
                raise DeviceError(f"Appium exited with code {code} while starting: {tail}")
            try:
                get_status(self.url, timeout=1.0)
                return
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    tail = self.console_tail()
                    self.stop()
                    raise DeviceError(f"Appium did not answer {self.url}/status within "
                                      f"{self.start_timeout:.0f} s: {tail[-300:]}") from None
            # Paces the /status poll and wakes at once if the process exits meanwhile.
            try:
                self._process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass

    def _filters_path(self) -> Path:
        """LOG_FILTERS as a JSON file (the CLI splits an inline value at commas)."""
        assert self._tmp is not None
        path = self._tmp / "log-filters.json"
        if not path.exists():
            path.write_text(json.dumps(list(LOG_FILTERS)), encoding="utf-8")
        return path

    def _console_path(self) -> Path:
        assert self._tmp is not None
        return self._tmp / "appium.console.txt"

    def console_tail(self, limit: int = 2000) -> str:
        """The end of what the Appium process wrote to stdout/stderr."""
        if self._tmp is None:
            return ""
        path = self._console_path()
        try:
            return path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the Appium process we started (SIGKILL after `grace` seconds) and remove our temp
        folder; no-op for an external server."""
        process, self._process = self._process, None
        lifecycle.disown(self)
        if process is None:
            return
        try:
            self._end(process, grace)
        finally:
            tmp, self._tmp = self._tmp, None
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _end(self, process: "subprocess.Popen[bytes]", grace: float) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=grace)
        console = getattr(self, "_console", None)
        if console is not None:
            console.close()

    @property
    def running(self) -> bool:
        """Whether the server we started is still alive (always True for an external one)."""
        return self.external_url or (self._process is not None and self._process.poll() is None)

    def __enter__(self) -> "AppiumServer":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

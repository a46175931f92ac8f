"""The Android system around the simulated phone, as adb sees it: packages, processes, focus, settings, the
uiautomator2 instrumentation and a log of every adb service and shell command it was asked for.

The LinkedIn app's own state (installed, running, in front, screens) stays in the Phone; every adb view
(`ps -A`, `dumpsys activity processes`, `dumpsys window displays`, `cmd package list packages`) is derived
from it here, so terminateApp/queryAppState/ensureAppStarts see the same truth as the page source.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from mobile.sim.activities import KNOWN, PACKAGE
from mobile.sim.u2.server import U2Server

MAIN_ACTIVITY = ".infra.navigation.MainActivity"
LAUNCHER = "com.google.android.apps.nexuslauncher/.NexusLauncherActivity"
SETTINGS_PKG = "io.appium.settings"
U2_SERVER_PKG = "io.appium.uiautomator2.server"
U2_TEST_PKG = "io.appium.uiautomator2.server.test"
U2_RUNNER = f"{U2_TEST_PKG}/androidx.test.runner.AndroidJUnitRunner"
HELPER_PACKAGES = (SETTINGS_PKG, U2_SERVER_PKG, U2_TEST_PKG)
SYSTEM_PACKAGES = ("android", "com.android.settings", "com.android.systemui", "com.google.android.webview",
                   "com.google.android.apps.nexuslauncher")
DRIVERS = ("linkedinsim", "uiautomator2")
DRIVER_PROP = "linkedin.sim.driver"
PIDS = {PACKAGE: 4321, U2_SERVER_PKG: 5001, SETTINGS_PKG: 5102}
# How long a `tcp:6790` open made right after the pre-start force-stops waits for `am instrument` (T8).
START_WAIT_S = 2.0


@dataclass
class CommandRecord:
    """One adb service a host opened (and, for shell commands, how it ended)."""

    at: float
    service: str
    command: str = ""
    code: int | None = None
    unknown: bool = False


@dataclass
class AndroidSystem:
    """Device-wide state behind the adb services of one simulated Android phone."""

    phone: Any
    sim_url: str | None = None
    driver: str = "linkedinsim"
    sim_server: Any = None  # the phone's W3C server (SimServer), shared by the uiautomator2 surface
    installs: list[str] = field(default_factory=list)  # package of every install sink, in order
    global_settings: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=lambda: {"/", "/data", "/data/local", "/data/local/tmp", "/sdcard"})
    settings_running: bool = False
    records: list[CommandRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.driver not in DRIVERS:
            raise ValueError(f"driver must be one of {', '.join(DRIVERS)}, not {self.driver!r}")
        self._lock = threading.RLock()
        self.instrumentation: Any = None  # the held `am instrument -w` stream while the server runs
        self.instrumentation_started = threading.Event()
        self._start_wait_until = 0.0
        self._teardown_stops = 0
        self._server_stopping = False
        self._u2: Any = None
        self._packages: list[str] = []

    # ---- the command log -------------------------------------------------------------------------
    def record(self, service: str, command: str = "", code: int | None = None, unknown: bool = False) -> None:
        """Remember one opened service; `unknown` marks a command or service the phone could not answer."""
        with self._lock:
            self.records.append(CommandRecord(time.monotonic(), service, command, code, unknown))

    @property
    def unanswered(self) -> list[str]:
        """Every command or service the phone did not know (the alarm for a driver upgrade)."""
        return [r.command or r.service for r in self.records if r.unknown]

    def commands(self) -> list[str]:
        """Shell command lines in the order they came."""
        return [r.command for r in self.records if r.command]

    # ---- apps and processes ----------------------------------------------------------------------
    @property
    def launcher(self) -> str:
        """The activity (or activity-alias) LinkedIn's MAIN/LAUNCHER intent resolves to."""
        return str(getattr(self.phone, "launcher_activity", None) or KNOWN[0])

    @property
    def exported(self) -> tuple[str, ...]:
        """The LinkedIn activities `am start -n` may start from outside the app (the scenario's, else the two)."""
        return tuple(getattr(self.phone, "exported_activities", None) or KNOWN)

    def activity_state(self, activity: str) -> str:
        """`exported`, `private` (exists, not exported: a SecurityException) or `missing`."""
        full = PACKAGE + activity if activity.startswith(".") else activity
        if full in self.exported:
            return "exported"
        return "private" if full in (*KNOWN, self.launcher) else "missing"

    def _store(self) -> list[str]:
        """Other installed apps (Appium's helpers): the Phone's own list when its scenario keeps one."""
        store = getattr(self.phone, "packages", None)
        return store if isinstance(store, list) else self._packages

    @property
    def installed(self) -> frozenset[str]:
        """The helper packages installed now."""
        return frozenset(self._store())

    def install(self, package: str) -> None:
        """An install sink received this package's APK."""
        store = self._store()
        if package not in store:
            store.append(package)
        self.installs.append(package)

    def uninstall(self, package: str) -> bool:
        store = self._store()
        if package not in store:
            return False
        store.remove(package)
        return True

    def packages(self) -> list[str]:
        """Installed packages, as `pm list packages` lists them."""
        app = [PACKAGE] if self.phone.app_installed else []
        return [*SYSTEM_PACKAGES, *app, *sorted(self.installed)]

    def app_running(self) -> bool:
        return self.phone.query_state_quietly() >= 3

    def processes(self) -> list[tuple[str, int]]:
        """(package, pid) of the running app processes this phone models."""
        found = []
        if self.app_running():
            found.append((PACKAGE, PIDS[PACKAGE]))
        if self.instrumentation is not None and not self._server_stopping:
            found.append((U2_SERVER_PKG, PIDS[U2_SERVER_PKG]))
        if self.settings_running:
            found.append((SETTINGS_PKG, PIDS[SETTINGS_PKG]))
        return found

    def focus(self) -> str:
        """The focused window's component: keyguard, the app's main activity, or the launcher."""
        phone = self.phone
        if not phone.screen_on or phone.locked:
            return "NotificationShade"
        if phone.query_state_quietly() == 4:
            return f"{PACKAGE}/{MAIN_ACTIVITY}"
        return LAUNCHER

    # ---- the uiautomator2 instrumentation --------------------------------------------------------
    def arm_start_wait(self) -> None:
        """The pre-start pair of force-stops: a `tcp:6790` open may briefly wait for `am instrument`."""
        with self._lock:
            if self.instrumentation is None:
                self._start_wait_until = time.monotonic() + START_WAIT_S

    def session_deleted(self) -> None:
        """DELETE /session was answered: the next two force-stops are the driver's teardown, not a start."""
        with self._lock:
            self._teardown_stops = 2
            self._server_stopping = True  # its process row goes now: the driver polls `ps` until it does

    def u2_force_stopped(self) -> None:
        """`am force-stop io.appium.uiautomator2.server[.test]`: kills a running instrumentation; before a
        start (not in the teardown after a DELETE) it arms the short wait for `am instrument`."""
        with self._lock:
            teardown = self._teardown_stops > 0
            self._teardown_stops = max(0, self._teardown_stops - 1)
        if not self.end_instrumentation(crashed=True) and not teardown:
            self.arm_start_wait()

    def start_wait_s(self) -> float:
        with self._lock:
            return max(0.0, self._start_wait_until - time.monotonic())

    def u2_port(self) -> int | None:
        """The port of the phone's uiautomator2-compatible server while the instrumentation runs."""
        with self._lock:
            return self._u2.port if self._u2 is not None and self.instrumentation is not None else None

    def start_instrumentation(self, stream: Any) -> None:
        """`am instrument -w ...`: start the phone's uiautomator2 server; the stream stays open until it ends."""
        with self._lock:
            if self._u2 is None:
                self._u2 = U2Server(self, self.sim_server).start()
            self.instrumentation = stream
            self._server_stopping = False
            self._start_wait_until = 0.0
            self.instrumentation_started.set()

    def end_instrumentation(self, crashed: bool = False) -> bool:
        """End the held instrumentation stream (DELETE /session or a force-stop); False if none ran."""
        with self._lock:
            stream, self.instrumentation = self.instrumentation, None
            self.instrumentation_started.clear()
            if self._u2 is not None:
                self._u2.forget_session()
        if stream is None:
            return False
        from mobile.sim.adb.device import V2_EXIT, V2_STDOUT, v2_packet  # a real cycle: adb.device imports this module

        tail = ("INSTRUMENTATION_RESULT: shortMsg=Process crashed.\nINSTRUMENTATION_CODE: 0\n" if crashed else
                "\nTime: 0.001\n\nOK (1 test)\n\nINSTRUMENTATION_CODE: -1\n")
        data = tail.encode()
        if getattr(stream, "v2", False):
            data = v2_packet(V2_STDOUT, data) + v2_packet(V2_EXIT, b"\0")
        stream.write(data)
        stream.close()
        return True

    def shutdown(self) -> None:
        """The phone goes away: stop its uiautomator2 server."""
        with self._lock:
            server, self._u2 = self._u2, None
            self.instrumentation = None
        if server is not None:
            server.stop()

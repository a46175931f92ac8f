"""The checks behind `linkedin-optout doctor`: each a small function returning Check(name, ok, detail, fix).

`needed` says whether a failure blocks the chosen device (a missing iOS driver does not block an Android
run); only needed failures make `doctor` exit 3. `ok` is None for what cannot be checked from here (a
remote Appium's drivers, an iPhone before its session): such a line is never printed as ok.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mobile.reach import appium_install
from mobile.reach.appium_server import get_status
from mobile.reach.devices import Device
from mobile.resources import APPIUM_LOCK_DIR, checkout_root, shipped
from mobile.reach.adb import adb_binary, adbutils, ensure_server
from mobile.errors import EnvironmentProblem

PYTHON_PACKAGES = ("Appium-Python-Client", "adbutils", "PyYAML", "lxml", "pillow")
NODE_RANGES = ((20, 19), (22, 12), (24, 0))  # ci/appium/package.json engines: ^20.19 || ^22.12 || >=24
DRIVER_FOR = {"android": "uiautomator2", "ios": "xcuitest"}
_DRIVER_PACKAGE = re.compile(r"^appium-([a-z0-9]+)-driver$")


@dataclass(frozen=True)
class Check:
    """One doctor finding: what was checked, whether it passed, what was seen, and the command that fixes it."""

    name: str
    ok: bool | None  # None: cannot be checked from here
    detail: str
    fix: str | None = None
    needed: bool = True

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def install_command() -> str:
    """What installs Appium and its drivers here: `make install` in a checkout, else `linkedin-optout setup`."""
    return "make install" if checkout_root() is not None else "linkedin-optout setup"


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str] | None:
    """Run a tool; None when it cannot be started at all."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.SubprocessError):
        return None


def _version(text: str) -> tuple[int, ...]:
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part or 0) for part in found.groups()) if found else ()


def check_python_packages() -> Check:
    """The Python dependencies are importable at usable versions."""
    seen, missing = [], []
    for name in PYTHON_PACKAGES:
        try:
            seen.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        fix = "make install" if checkout_root() is not None else "pipx reinstall linkedin-optout (or pip install --force-reinstall linkedin-optout)"
        return Check("python packages", False, "missing: " + ", ".join(missing), fix)
    return Check("python packages", True, ", ".join(seen))


def node_version_ok(version: tuple[int, ...]) -> bool:
    """Whether a Node version satisfies Appium 3's engines range."""
    if not version:
        return False
    major, minor = version[0], version[1] if len(version) > 1 else 0
    return any(major == m and minor >= n for m, n in NODE_RANGES[:2]) or major >= NODE_RANGES[2][0]


def check_node() -> list[Check]:
    """Node >= 20.19 (Appium 3) and npm >= 10."""
    fix = f"install Node.js 22 LTS (or 20.19+) with its npm, e.g. `nvm install 22`, then `{install_command()}`"
    node = shutil.which("node")
    done = _run([node, "--version"]) if node else None
    if done is None or done.returncode != 0:
        return [Check("node", False, "node not found on PATH", fix), Check("npm", False, "needs node", fix)]
    version = done.stdout.strip()
    checks = [Check("node", node_version_ok(_version(version)), f"{version} (Appium 3 needs ^20.19 || ^22.12 || >=24)",
                    None if node_version_ok(_version(version)) else fix)]
    npm = shutil.which("npm")
    done = _run([npm, "--version"]) if npm else None
    npm_version = done.stdout.strip() if done is not None and done.returncode == 0 else ""
    npm_ok = _version(npm_version) >= (10,)
    checks.append(Check("npm", npm_ok, npm_version or "npm not found", None if npm_ok else "npm install -g npm@10"))
    return checks


def check_appium(binary: Path, origin: str = "") -> Check:
    """The pinned Appium 3 is installed where the tool runs it from (`origin` says which install that is)."""
    where = f"{binary}" + (f" ({origin})" if origin else "")
    if not binary.exists():
        return Check("appium", False, f"not installed at {where}", install_command())
    done = _run([str(binary), "--version"])
    if done is None or done.returncode != 0:
        fix = "make clean && make install" if checkout_root() is not None else "linkedin-optout setup"
        return Check("appium", False, f"{binary} --version failed: {(done.stderr if done else '').strip()[-300:]}", fix)
    return Check("appium", True, f"{done.stdout.strip()} at {where}")


def check_remote_appium(url: str, what: str = "appium") -> Check:
    """An Appium (or Grid) on another machine: its /status answers; the build it reports."""
    try:
        status = get_status(url, timeout=10.0)
    except (OSError, ValueError) as exc:
        return Check(what, False, f"no answer from {url}/status: {exc}",
                     "start it there, or fix `appium:`/`grid:` in devices.yaml (or --appium-url)")
    build = status.get("build", {}) if isinstance(status, dict) else {}
    version = build.get("version") if isinstance(build, dict) else None
    seen = f"Appium build {version}" if version else ("ready" if status.get("ready", True) else "answers, not ready")
    return Check(what, True, f"{url} answers /status: {seen}")


def remote_drivers(url: str) -> Check:
    """A remote Appium's drivers cannot be listed from here: said so, never printed as ok."""
    return Check("appium drivers", None, f"cannot be checked from here (Appium 3 lists its drivers only on the "
                 f"machine behind {url}: run `appium driver list --installed` there)", None, False)


def installed_drivers(binary: Path, home: Path) -> dict[str, dict[str, Any]] | None:
    """The drivers installed in `home` (mobile.reach.appium_install's reading); None when Appium cannot tell."""
    if not binary.exists():
        return None
    try:
        return appium_install.installed_drivers(binary, home)
    except (appium_install.InstallError, OSError, subprocess.SubprocessError):
        return None


def pinned_drivers() -> set[str]:
    """Drivers `make install`/`setup` put into APPIUM_HOME: ours, plus each appium-NAME-driver of the lockfile."""
    names = {"linkedinsim"}
    try:
        manifest = json.loads((shipped(APPIUM_LOCK_DIR) / "package.json").read_text())
    except (OSError, ValueError):
        return names
    for package in manifest.get("dependencies", {}):
        found = _DRIVER_PACKAGE.match(package)
        if found:
            names.add(found.group(1))
    return names


def check_openssl(needed: bool) -> Check:
    """The simulated usbmuxd makes its throw-away TLS certificate with the openssl command."""
    found = shutil.which("openssl")
    return Check("openssl", found is not None, found or "not found (the simulated iPhone on XCUITest needs it)",
                 None if found else "apt-get install openssl", needed)


def check_driver(name: str, drivers: dict[str, dict] | None, binary: Path, home: Path, needed: bool) -> Check:
    """One Appium driver is installed in APPIUM_HOME. Off macOS, XCUITest is never advised for a real
    iPhone (it needs Xcode): unless something here needs it, its absence is only said."""
    label = f"appium driver {name}"
    if drivers is None:
        return Check(label, False if needed else None, f"cannot list drivers in APPIUM_HOME={home}",
                     install_command(), needed)
    info = drivers.get(name)
    if info is not None:
        return Check(label, True, f"{info.get('version', '?')} in {home}", None, needed)
    if name == "xcuitest" and not needed and sys.platform != "darwin":
        return Check(label, None, "not installed; real iPhones need macOS with Xcode, so it is not used here",
                     None, False)
    if name in pinned_drivers():
        fix: str | None = install_command()
    elif name == "xcuitest" and sys.platform != "darwin":
        fix = None  # never advised off macOS
    else:
        fix = f"APPIUM_HOME={home} {binary} driver install {name}"
    return Check(label, False, f"not installed in APPIUM_HOME={home}", fix, needed)


def check_macos_xcode() -> list[Check]:
    """A real iPhone through a local Appium: macOS with Xcode (checked only on macOS; elsewhere it fails)."""
    if sys.platform != "darwin":
        return [Check("macOS", False, f"a real iPhone needs a Mac with Xcode; this is {platform.system() or sys.platform}",
                      "run linkedin-optout on a Mac, or give the device `appium: http://MAC:4723` in devices.yaml")]
    done = _run(["xcodebuild", "-version"])
    if done is None or done.returncode != 0:
        return [Check("Xcode", False, "xcodebuild -version failed: " + ((done.stderr if done else "") or "not found").strip()[-200:],
                      "install Xcode from the App Store, then `sudo xcode-select -s /Applications/Xcode.app`")]
    return [Check("Xcode", True, " ".join(done.stdout.split()[:2]) or "installed")]


def check_adb(needed: bool) -> Check:
    """An adb binary exists and its server answers (started on ANDROID_ADB_SERVER_PORT if needed)."""
    try:
        client = ensure_server()
        version = client.server_version()
    except (EnvironmentProblem, OSError, Exception) as exc:  # noqa: BLE001 - any failure is the finding
        return Check("adb", False, f"adb server not reachable: {exc}", "sudo apt-get install adb", needed)
    return Check("adb", True, f"server v{version} on port {client.port} ({adb_binary()})", None, needed)


XIAOMI_HINT = ("Xiaomi (MIUI/HyperOS): in Developer options also turn on 'USB debugging (Security settings)' "
               "(taps are refused without it; it asks for a Mi account and a SIM) and 'Install via USB' (Appium "
               "installs its UiAutomator2 server), then reconnect")


def check_android_home(needed: bool) -> Check:
    """appium-adb (inside UiAutomator2) finds platform-tools/adb through ANDROID_HOME; the Appium the tool
    starts gets one holding the bundled adb when none is set, so both use the same adb binary."""
    home = os.environ.get("ANDROID_HOME") or os.environ.get("ANDROID_SDK_ROOT")
    fix = "sudo apt-get install adb && export ANDROID_HOME=/usr/lib/android-sdk"
    if not home:
        return Check("ANDROID_HOME", True, f"not set: the Appium this tool starts gets one holding the bundled adb "
                     f"({adbutils.adb_path()}); an Appium you run yourself needs it set", None, needed)
    if not (Path(home) / "platform-tools" / "adb").exists():
        return Check("ANDROID_HOME", False, f"{home}/platform-tools/adb does not exist", fix, needed)
    return Check("ANDROID_HOME", True, home, None, needed)


def check_device(device: Device, live: list | None, package: str | None) -> list[Check]:
    """The chosen device is connected, authorised, has the flow's app (`package`: its apps.android; None when
    the flow has none), and its screen can be used."""
    name = f"device {device.name}"
    if device.simulator is not None:
        via = (", driven by the real UiAutomator2 driver over a private adb server the tool starts"
               if device.driver == "uiautomator2" else "")
        return [Check(name, True, f"built-in simulated {device.platform} phone (scenario {device.simulator['scenario']}{via})")]
    if device.platform == "ios":
        return [Check(name, None, f"iOS udid {device.udid}: not checkable from here; Appium's XCUITest driver "
                      "checks it at session start", None, False)]
    found = next((d for d in live or [] if d.serial == device.serial), None)
    if found is None:
        return [Check(name, False, f"adb does not see {device.serial}",
                      "connect the phone with USB debugging on (Settings > Developer options), then `adb devices`; "
                      + XIAOMI_HINT)]
    if not found.ready:
        fix = found.fix if found.state != "unauthorized" else f"{found.fix}; {XIAOMI_HINT}"
        return [Check(name, False, f"{found.serial} is {found.state}", fix)]
    if found.problem:
        return [Check(name, False, found.problem, "adb reconnect, then run doctor again")]
    model = f"{found.model}, Android {found.os_version}"
    checks = [Check(name, True, f"{found.serial} ready ({model})")]
    if found.vendor_os:
        checks.append(Check("vendor", False, f"{found.vendor_os}: two developer switches cannot be checked from here",
                            XIAOMI_HINT, False))
    if package is None:
        checks.append(Check("LinkedIn app", False, "the flow names no Android app (apps.android)",
                            "run with a flow that has apps.android (--flow)"))
    elif found.app_installed:
        checks.append(Check("LinkedIn app", True, f"{package} installed, version {found.app_version}"))
    else:
        checks.append(Check("LinkedIn app", False, f"{package} is not installed on {found.serial}",
                            "install LinkedIn from the phone's app store and sign in"))
    if found.locked and found.secure:
        checks.append(Check("screen", False, "locked with a PIN, pattern or password",
                            "unlock the phone yourself and keep the screen on (the tool never enters a PIN)"))
    elif found.screen_on is False or found.locked:
        checks.append(Check("screen", True, "off or locked: it is woken and a swipe lock dismissed at the start of a run",
                            None, False))
    return checks

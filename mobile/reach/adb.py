"""adb discovery: which Android devices are connected, are they ready, is the app there (the package the flow's
`apps.android` names, passed in); wake and unlock.

We start the adb server ourselves (on ANDROID_ADB_SERVER_PORT, default 5037) with the adb binary Appium
uses ($ANDROID_HOME/platform-tools/adb when it exists, else the one adbutils ships: two adb versions on one
machine kill each other's server), then talk to it through adbutils. Parsing of adb and shell output is done
by small pure functions so it is tested without a device.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass, replace
from typing import Sequence

import adbutils

from mobile.engine import abort as lifecycle
from mobile.errors import AppMissing, ConfigError, DeviceError, NoDevice

SIM_PROP = "linkedin.sim.server"  # set only by our simulated phone: the URL of its W3C server
SIM_DRIVER_PROP = "linkedin.sim.driver"  # which Appium driver that phone takes: linkedinsim or uiautomator2
KEYCODE_WAKEUP = 224
KEYCODE_MENU = 82  # dismisses a swipe-only keyguard
FIXES = {
    "unauthorized": "accept the USB debugging prompt on the phone (tick 'Always allow'), then run this again",
    "offline": "reconnect the USB cable or run `adb reconnect offline`",
    "no permissions": ("this user may not open the phone's USB device: add a udev rule for its vendor id "
                       "(e.g. the android-sdk-platform-tools-common package, or SUBSYSTEM==\"usb\", "
                       "ATTR{idVendor}==\"18d1\", MODE=\"0660\", GROUP=\"plugdev\" in "
                       "/etc/udev/rules.d/51-android.rules), add yourself to plugdev, replug the cable, "
                       "then `adb kill-server`"),
    "authorizing": "wait a moment and accept the USB debugging prompt on the phone",
}
SECURE_LOCK = ("is locked with a PIN, pattern or password: unlock the phone yourself (the tool never enters "
               "one) and keep the screen on, then run again")


@dataclass(frozen=True)
class LiveDevice:
    """What adb tells us about one connected device."""

    serial: str
    state: str  # device | unauthorized | offline | ...
    model: str | None = None
    os_version: str | None = None
    sdk: str | None = None
    width: int | None = None
    height: int | None = None
    app_installed: bool | None = None  # None: not looked for (no package asked) or unreadable
    app_version: str | None = None
    screen_on: bool | None = None
    locked: bool | None = None
    secure: bool | None = None  # the lock needs a credential (only a person can open it)
    manufacturer: str | None = None
    vendor_os: str | None = None  # "MIUI V14" / "HyperOS OS1.0": Xiaomi's extra developer switches apply
    sim_url: str | None = None
    sim_driver: str | None = None
    problem: str | None = None

    @property
    def ready(self) -> bool:
        """adb can drive it (state `device`); the app and the screen are checked separately."""
        return self.state == "device"

    @property
    def fix(self) -> str | None:
        """The action that makes a not-ready device usable."""
        return FIXES.get(self.state) if not self.ready else None


def server_port() -> int:
    """The adb server port: ANDROID_ADB_SERVER_PORT, else 5037."""
    return int(os.environ.get("ANDROID_ADB_SERVER_PORT") or 5037)


def sdk_adb() -> str | None:
    """$ANDROID_HOME (or $ANDROID_SDK_ROOT)/platform-tools/adb when it exists: the one Appium's appium-adb runs."""
    for variable in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        root = os.environ.get(variable)
        if root:
            path = os.path.join(root, "platform-tools", "adb.exe" if os.name == "nt" else "adb")
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return None


def adb_binary() -> str:
    """The adb Appium uses (the SDK's, see sdk_adb), else the one adbutils ships. Never a different adb
    from PATH: an adb client of another version kills the running server and starts its own."""
    return sdk_adb() or adbutils.adb_path()


def android_home_env() -> dict[str, str]:
    """Environment for an Appium we start: when no SDK adb exists, an ANDROID_HOME whose platform-tools/adb
    is the bundled adb, so Appium's appium-adb and this tool run the very same binary."""
    if sdk_adb() is not None:
        return {}
    target = adbutils.adb_path()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = hashlib.sha1(os.path.realpath(target).encode()).hexdigest()[:10]  # one folder per bundled adb
    root = os.path.join(cache, "linkedin-optout", f"android-sdk-{tag}")
    link = os.path.join(root, "platform-tools", "adb")
    if os.path.realpath(link) != os.path.realpath(target):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        temporary = f"{link}.{os.getpid()}"
        os.symlink(target, temporary)
        os.replace(temporary, link)  # atomic: a parallel run never sees a half-made link
    return {"ANDROID_HOME": root}


def parse_devices(text: str) -> list[tuple[str, str]]:
    """`adb devices` / host:devices output -> [(serial, state)]; the state may hold spaces
    ("no permissions (user in plugdev group; are your udev rules wrong?); see [...]"), kept as its first words."""
    found = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(("List of devices", "*")):
            continue
        serial, _, rest = line.replace("\t", " ", 1).partition(" ")
        state = rest.strip()
        if state.startswith("no permissions"):
            state = "no permissions"
        found.append((serial.strip(), state.split(" ")[0] if state != "no permissions" else state))
    return found


def list_devices(client: adbutils.AdbClient) -> list[tuple[str, str]]:
    """Every device the adb server knows, with its full state (adbutils' list() cuts "no permissions")."""
    with client.make_connection() as conn:
        conn.send_command("host:devices")
        conn.check_okay()
        return parse_devices(conn.read_string_block())


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class StartedAdbServer:
    """An adb server this tool started (adb daemonizes it): ended with `adb kill-server` on the way out."""

    def __init__(self, port: int):
        self.port = port

    def stop(self) -> None:
        lifecycle.disown(self)
        try:
            subprocess.run([adb_binary(), "-P", str(self.port), "kill-server"], capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            pass  # already gone

    def __repr__(self) -> str:
        return f"adb server on port {self.port}"


def ensure_server(port: int | None = None) -> adbutils.AdbClient:
    """A client of a running adb server on `port`, starting the server when nothing listens there (the
    server we start is registered, so the way out of the tool ends it)."""
    port = port or server_port()
    if not _listening(port):
        try:
            subprocess.run([adb_binary(), "-P", str(port), "start-server"], capture_output=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DeviceError(f"cannot start the adb server on port {port}: {exc} "
                              "(fix: `sudo apt-get install adb`, or `make install` for the bundled one)") from None
        lifecycle.own(StartedAdbServer(port))
    return adbutils.AdbClient(host="127.0.0.1", port=port, socket_timeout=20)


def parse_getprop(text: str) -> dict[str, str]:
    """`getprop` output (`[key]: [value]` lines) -> dict."""
    return dict(re.findall(r"^\[([^\]]+)\]: \[(.*)\]\s*$", text, flags=re.M))


def vendor_os(props: dict[str, str]) -> str | None:
    """Xiaomi's MIUI / HyperOS from getprop, whose developer options hide two switches Appium needs."""
    if props.get("ro.mi.os.version.name"):
        return f"HyperOS {props['ro.mi.os.version.name']}"
    if props.get("ro.miui.ui.version.name"):
        return f"MIUI {props['ro.miui.ui.version.name']}"
    return None


def parse_wm_size(text: str) -> tuple[int, int] | None:
    """`wm size` -> (width, height); an override size wins over the physical one."""
    sizes = dict(re.findall(r"^(Physical|Override) size: (\d+x\d+)", text, flags=re.M))
    size = sizes.get("Override") or sizes.get("Physical")
    if not size:
        return None
    width, height = size.split("x")
    return int(width), int(height)


def parse_packages(text: str, package: str) -> bool:
    """Whether `pm list packages` lists exactly `package` (its filter matches substrings)."""
    return any(line.strip() == f"package:{package}" for line in text.splitlines())


def parse_version_name(text: str) -> str | None:
    """`dumpsys package PKG` -> the first versionName."""
    found = re.search(r"versionName=(\S+)", text)
    return found.group(1) if found else None


def parse_screen_on(power: str) -> bool | None:
    """`dumpsys power` -> screen on (mWakefulness=Awake) or not."""
    found = re.search(r"mWakefulness=(\w+)", power)
    return found.group(1) == "Awake" if found else None


def parse_locked(window: str) -> bool | None:
    """`dumpsys window` -> whether the keyguard shows, as appium-adb decides: mShowingLockscreen or
    mDreamingLockscreen (Android 9 and older), or, on Android 10+, KeyguardStateMonitor's mIsShowing together
    with mInputRestricted. None when the dump has none of these fields."""
    if re.search(r"(?:mShowingLockscreen|mDreamingLockscreen|isKeyguardShowing)=true", window):
        return True
    monitor = re.search(r"KeyguardStateMonitor\s+mIsShowing=(true|false)", window)
    restricted = re.search(r"\smInputRestricted=(true|false)", window)
    if monitor and restricted:
        return monitor.group(1) == "true" and restricted.group(1) == "true"
    if re.search(r"(?:mShowingLockscreen|mDreamingLockscreen|isKeyguardShowing|mIsShowing)=false", window):
        return False
    return None


def parse_secure(window: str) -> bool | None:
    """`dumpsys window` (Android 10+, KeyguardServiceDelegate) -> whether the lock needs a PIN/pattern/password."""
    found = re.search(r"KeyguardServiceDelegate[\s\S]*?\ssecure=(true|false)", window)
    return found.group(1) == "true" if found else None


def _shell(device: adbutils.AdbDevice, command: str) -> str:
    return device.shell(command, timeout=20)


def inspect(client: adbutils.AdbClient, serial: str, state: str = "device", package: str | None = None) -> LiveDevice:
    """Everything we report about one device, and whether `package` is installed (not looked for when None);
    a device that fails mid-way keeps what was read plus `problem`."""
    live = LiveDevice(serial=serial, state=state)
    if state != "device":
        return live
    device = client.device(serial)
    try:
        props = parse_getprop(_shell(device, "getprop"))
        live = replace(live, model=props.get("ro.product.model"), os_version=props.get("ro.build.version.release"),
                       sdk=props.get("ro.build.version.sdk"), sim_url=props.get(SIM_PROP) or None,
                       manufacturer=props.get("ro.product.manufacturer"), vendor_os=vendor_os(props),
                       sim_driver=(props.get(SIM_DRIVER_PROP) or None) if props.get(SIM_PROP) else None)
        size = parse_wm_size(_shell(device, "wm size"))
        if size:
            live = replace(live, width=size[0], height=size[1])
        if package is not None:
            installed = parse_packages(_shell(device, f"pm list packages {package}"), package)
            version = parse_version_name(_shell(device, f"dumpsys package {package}")) if installed else None
            live = replace(live, app_installed=installed, app_version=version)
        window = _shell(device, "dumpsys window")
        live = replace(live, screen_on=parse_screen_on(_shell(device, "dumpsys power")),
                       locked=parse_locked(window), secure=parse_secure(window))
    except (adbutils.AdbError, OSError) as exc:
        live = replace(live, problem=f"adb shell failed: {exc}")
    return live


def discover(port: int | None = None, package: str | None = None) -> list[LiveDevice]:
    """Every device the adb server sees (any state), inspected when it is usable (`package`: the app to look
    for, None: not looked for)."""
    client = ensure_server(port)
    try:
        infos = list_devices(client)
    except (adbutils.AdbError, OSError) as exc:
        raise DeviceError(f"adb server on port {client.port} does not answer: {exc} (fix: `adb kill-server`)") from None
    return [inspect(client, serial, state, package) for serial, state in infos]


def pick_auto(live: Sequence[LiveDevice]) -> LiveDevice:
    """The one ready device; NoDevice when there is none, ConfigError when there are several."""
    ready = [d for d in live if d.ready]
    if len(ready) == 1:
        return ready[0]
    if ready:
        serials = ", ".join(d.serial for d in ready)
        raise ConfigError(f"{len(ready)} devices are ready ({serials}): pick one with --device SERIAL", where="--device auto")
    waiting = "; ".join(f"{d.serial} is {d.state}: {d.fix or 'not usable'}" for d in live)
    raise NoDevice("no Android device is ready" + (f" ({waiting})" if waiting else
                   ": connect a phone with USB debugging on, start an emulator, or use --device sim-android"))


def check_ready(device: LiveDevice, package: str) -> LiveDevice:
    """The device if a run can start on it: NoDevice when adb cannot drive it, AppMissing without `package`."""
    if not device.ready:
        raise NoDevice(f"{device.serial} is {device.state}: {device.fix or 'reconnect it'}")
    if device.problem:
        raise DeviceError(f"{device.serial}: {device.problem}")
    if device.app_installed is False:
        raise AppMissing(f"LinkedIn ({package}) is not installed on {device.serial}: install it and sign in")
    return device


def wake_and_unlock(serial: str, port: int | None = None, timeout: float = 10.0,
                    package: str | None = None) -> LiveDevice:
    """Turn the screen on and dismiss a swipe keyguard (`wm dismiss-keyguard`), then wait until adb reports
    it unlocked. A secure lock (PIN, pattern, password) is a DeviceError asking the person to unlock.
    `package`: the app whose install the returned LiveDevice reports (None: not looked for)."""
    client = ensure_server(port)
    device = client.device(serial)
    live = inspect(client, serial, package=package)
    deadline = time.monotonic() + timeout
    while live.screen_on is False or live.locked:  # None = cannot tell: do not loop on it
        if live.problem:
            raise DeviceError(f"{serial}: {live.problem}")
        if live.locked and live.secure:
            raise DeviceError(f"{serial} {SECURE_LOCK}")
        if live.screen_on is False:
            _shell(device, f"input keyevent {KEYCODE_WAKEUP}")
        elif live.locked:
            _shell(device, "wm dismiss-keyguard")
            _shell(device, f"input keyevent {KEYCODE_MENU}")
        if time.monotonic() > deadline:
            raise DeviceError(f"{serial}: the screen stays locked (a PIN, pattern or password?): unlock the phone "
                              "by hand, then run again")
        time.sleep(0.2)  # poll interval while the device reacts; bounded by `deadline`
        live = inspect(client, serial, package=package)
    return live


def prepare(serial: str, port: int | None = None, *, package: str) -> LiveDevice:
    """Before a session on an adb device: it is connected and authorized, the app (`package`, the flow's
    apps.android) is installed, and the screen is on and unlocked. Raises NoDevice / AppMissing / DeviceError
    with the fix."""
    client = ensure_server(port)
    try:
        states = dict(list_devices(client))
    except (adbutils.AdbError, OSError) as exc:
        raise DeviceError(f"adb server on port {client.port} does not answer: {exc} (fix: `adb kill-server`)") from None
    if serial not in states:
        raise NoDevice(f"{serial} is not connected (`adb devices` does not list it)")
    live = check_ready(inspect(client, serial, states[serial], package), package)
    if live.locked and live.secure:
        raise DeviceError(f"{serial} {SECURE_LOCK}")
    if live.screen_on is False or live.locked:
        live = wake_and_unlock(serial, port, package=package)
    return live

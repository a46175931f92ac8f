"""devices.yaml: the typed model, its two-stage loader (errors carry file:line) and device resolution.

Stage 1 is the tool's one YAML loader (`mobile.core.yaml_lines`, YAML 1.1 booleans as Appium users write
capabilities; values keep their line and every repeated key); stage 2 checks each value and builds frozen
`Device`s. `resolve()` turns `--device/--group/--all` into devices, asking
adb (lazily) only for `auto` and for serials that devices.yaml does not list.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from mobile.core.terms import LOCALE_CHOICES as LOCALES, PLATFORMS, Status
from mobile.core.yaml_lines import PLAIN_TAGS, Raw, parse_yaml, plain
from mobile.errors import ConfigError, EnvironmentProblem, Problems
from mobile.resources import BUILTIN_DEVICES, shipped

if TYPE_CHECKING:
    from mobile.reach.adb import LiveDevice

# W3C standard capability names; every other key must carry a vendor prefix ("appium:...").
W3C_CAPABILITIES = frozenset({
    "platformName", "browserName", "browserVersion", "acceptInsecureCerts", "pageLoadStrategy", "proxy",
    "setWindowRect", "timeouts", "strictFileInteractability", "unhandledPromptBehavior", "webSocketUrl",
    "userAgent",
})
# simulator: {driver: ...}: the Appium driver that talks to the simulated phone, and the platforms it serves
SIM_DRIVERS: dict[str, tuple[str, ...]] = {"linkedinsim": ("android", "ios"), "uiautomator2": ("android",),
                                          "xcuitest": ("ios",)}
# capabilities whose type the tool checks (a wrong one fails late and obscurely inside WDA's build)
TYPED_CAPABILITIES: dict[str, tuple[type, str]] = {
    "appium:xcodeOrgId": (str, "a string (the Apple team id)"),
    "appium:xcodeSigningId": (str, "a string (e.g. 'Apple Development')"),
    "appium:updatedWDABundleId": (str, "a string (a bundle id your team may sign)"),
    "appium:usePreinstalledWDA": (bool, "true or false"),
    "appium:prebuiltWDAPath": (str, "a string (path to a signed WebDriverAgentRunner-Runner.app)"),
    "appium:wdaLaunchTimeout": (int, "a whole number of milliseconds"),
    "appium:wdaConnectionTimeout": (int, "a whole number of milliseconds"),
    "appium:allowProvisioningDeviceRegistration": (bool, "true or false"),
    "appium:webDriverAgentUrl": (str, "a string (http://host:port of a running WebDriverAgent)"),
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ENV_FILE = "LINKEDIN_OPTOUT_DEVICES"
BUILTIN_FILE = shipped(BUILTIN_DEVICES)  # the repository's devices.yaml, carried by the package too


@dataclass(frozen=True)
class Device:
    """One device the tool can drive: a devices.yaml entry or a live adb device."""

    name: str
    platform: str
    serial: str | None = None
    udid: str | None = None
    simulator: dict[str, Any] | None = None
    appium: str = "local"
    capabilities: dict[str, Any] = field(default_factory=dict)
    locale: str = "auto"
    where: str | None = None
    sim_url: str | None = None  # set when adb shows this serial is a simulated phone (linkedin.sim.server)
    live_driver: str | None = None  # the driver an adb-attached simulated phone asks for (linkedin.sim.driver)
    adb_port: int | None = None  # the adb server this device is attached to, when not $ANDROID_ADB_SERVER_PORT
    # (status, message) when its phone is absent (`serial: auto` and adb sees none): that device alone gets
    # this verdict and the other devices of the run still run
    absent: tuple[Status, str] | None = None

    @property
    def driver(self) -> str:
        """The Appium driver a simulated phone takes: linkedinsim (default) or uiautomator2 over adb."""
        return self.sim_driver or "linkedinsim"

    @property
    def simulated(self) -> bool:
        """True for the built-in simulated phone, started by us or attached over adb."""
        return self.simulator is not None or self.sim_url is not None

    @property
    def sim_driver(self) -> str | None:
        """The real Appium driver a simulated phone is driven through (`xcuitest`, `uiautomator2`), or None
        for our LinkedInSim driver (the default)."""
        driver = (self.simulator or {}).get("driver") or self.live_driver
        return None if driver in (None, "linkedinsim") else driver


@dataclass(frozen=True)
class DevicesConfig:
    """The whole devices.yaml: defaults, devices in file order, groups, grid."""

    devices: dict[str, Device]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    grid: str | None = None
    default_locale: str = "auto"
    default_appium: str = "local"
    path: str = "devices.yaml"
    scenario_lines: dict[str, str] = field(default_factory=dict)  # device -> file:line of simulator.scenario


class _Checker:
    """Stage 2: walks the loaded values, raising ConfigError at the offending line."""

    def __init__(self, label: str):
        self.label = label
        self.scenario_lines: dict[str, str] = {}  # device name -> file:line of its simulator.scenario

    def fail(self, raw: Raw | int, message: str) -> ConfigError:
        """A problem at a value's line (or at a line number: a key's, from `Raw.key_lines`)."""
        return ConfigError(message, where=f"{self.label}:{raw if isinstance(raw, int) else raw.line}")

    def mapping(self, raw: Raw, what: str, allowed: Sequence[str] | None = None) -> dict[str, Raw]:
        """A mapping's values by key (`raw.key_lines` has the keys' lines); repeated, unknown and non-string
        keys are errors, every one of them."""
        if not isinstance(raw.value, dict):
            raise self.fail(raw, f"{what} must be a mapping")
        first: dict[str, int] = {}
        problems = Problems()  # every bad key of the mapping, not only the first
        for key, _ in raw.pairs:
            text = key.text_key
            if text is None:
                problems.add(self.fail(key, f"{what}: keys must be strings"))
            elif text in first:
                problems.add(self.fail(key, f"duplicate key '{text}' in {what} (first at line {first[text]})"))
            else:
                first[text] = key.line
                if allowed is not None and text not in allowed:
                    problems.add(self.fail(key, f"unknown key '{text}' in {what} (allowed: {', '.join(allowed)})"))
        problems.raise_if_any()
        return raw.value

    def string(self, raw: Raw, what: str, choices: Sequence[str] | None = None) -> str:
        if not isinstance(raw.value, str) or raw.tag != "str" or not raw.value:
            raise self.fail(raw, f"{what} must be a non-empty string")
        if choices is not None and raw.value not in choices:
            raise self.fail(raw, f"{what} '{raw.value}' is not one of: {', '.join(choices)}")
        return raw.value

    def appium(self, raw: Raw, what: str) -> str:
        value = self.string(raw, what)
        if value != "local" and not is_http_url(value):
            raise self.fail(raw, f"{what} must be 'local' or an http(s) URL, not '{value}'")
        return value.rstrip("/") if value != "local" else value


def is_http_url(url: str) -> bool:
    """http(s)://host[:port][/path] with a valid port and no spaces (an Appium server or a Grid)."""
    parsed = urllib.parse.urlsplit(url)
    try:
        port_ok = parsed.port is None or 0 < parsed.port < 65536
    except ValueError:
        port_ok = False
    return parsed.scheme in ("http", "https") and bool(parsed.hostname) and port_ok and not re.search(r"\s", url)


def _has_type(value: Any, kind: type) -> bool:
    """isinstance, except that a YAML true/false is never taken for a number."""
    return isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool)


def _device(check: _Checker, name: str, raw: Raw, locale: str, appium: str) -> Device:
    """One `devices:` entry."""
    keys = ("platform", "serial", "udid", "simulator", "appium", "capabilities", "locale")
    fields = check.mapping(raw, f"device '{name}'", keys)
    where = f"{check.label}:{raw.line}"
    if "platform" not in fields:
        raise check.fail(raw, f"device '{name}' needs platform: android or ios")
    platform = check.string(fields["platform"], f"device '{name}': platform", PLATFORMS)
    kinds = [k for k in ("serial", "udid", "simulator") if k in fields]
    if len(kinds) != 1:
        raise check.fail(raw, f"device '{name}' needs exactly one of serial (android), udid (ios) or simulator")
    serial = udid = simulator = None
    if "serial" in fields:
        if platform != "android":
            raise check.fail(raw.key_lines["serial"], f"device '{name}': serial is for android devices; use udid")
        serial = check.string(fields["serial"], f"device '{name}': serial")
    if "udid" in fields:
        if platform != "ios":
            raise check.fail(raw.key_lines["udid"], f"device '{name}': udid is for ios devices; use serial")
        udid = check.string(fields["udid"], f"device '{name}': udid")
        if udid == "auto":
            raise check.fail(fields["udid"], f"device '{name}': udid: auto is only supported for android (serial: auto)")
    if "simulator" in fields:
        simulator = _simulator(check, name, platform, fields["simulator"])
    caps = _capabilities(check, name, fields["capabilities"]) if "capabilities" in fields else {}
    if "locale" in fields:
        locale = check.string(fields["locale"], f"device '{name}': locale", LOCALES)
    if "appium" in fields:
        appium = check.appium(fields["appium"], f"device '{name}': appium")
    return Device(name=name, platform=platform, serial=serial, udid=udid, simulator=simulator, appium=appium,
                  capabilities=caps, locale=locale, where=where)


def _capabilities(check: _Checker, name: str, raw: Raw) -> dict[str, Any]:
    """`capabilities:`: W3C or vendor-prefixed keys; JSON-like values; the typed ones of the right type."""
    caps: dict[str, Any] = {}
    for key, value in check.mapping(raw, f"device '{name}': capabilities").items():
        if key not in W3C_CAPABILITIES and ":" not in key:
            raise check.fail(raw.key_lines[key], f"device '{name}': capability '{key}' is neither W3C nor "
                             f"vendor-prefixed (use 'appium:{key}')")
        if any(part.tag not in PLAIN_TAGS for part in value.walk()):
            raise check.fail(value, f"device '{name}': capability '{key}' must be a string, number, "
                             "boolean, list or mapping (quote dates and the like)")
        caps[key] = plain(value, check.label)
        wanted = TYPED_CAPABILITIES.get(key)
        if wanted is not None and not _has_type(caps[key], wanted[0]):
            raise check.fail(value, f"device '{name}': capability '{key}' must be {wanted[1]}")
    return caps


def _simulator(check: _Checker, name: str, platform: str, raw: Raw) -> dict[str, Any]:
    """`simulator: {scenario: NAME|FILE, driver: linkedinsim|uiautomator2|xcuitest}` (both optional)."""
    sim_fields = check.mapping(raw, f"device '{name}': simulator", ("scenario", "driver"))
    simulator: dict[str, Any] = {"scenario": "default"}
    if "scenario" in sim_fields:
        simulator["scenario"] = check.string(sim_fields["scenario"], f"device '{name}': simulator.scenario")
        check.scenario_lines[name] = f"{check.label}:{sim_fields['scenario'].line}"
    if "driver" in sim_fields:
        driver = check.string(sim_fields["driver"], f"device '{name}': simulator.driver", tuple(SIM_DRIVERS))
        if platform not in SIM_DRIVERS[driver]:
            raise check.fail(sim_fields["driver"], f"device '{name}': simulator.driver {driver} drives "
                             f"{' and '.join(SIM_DRIVERS[driver])} only, not {platform}")
        simulator["driver"] = driver
    return simulator


def parse_devices(text: str, label: str = "devices.yaml",
                  extra_check: Callable[[DevicesConfig], None] | None = None) -> DevicesConfig:
    """devices.yaml text -> DevicesConfig; every problem is a ConfigError with `label:line`.

    `extra_check` sees the config of the valid entries, so its problems (e.g. a bad scenario file) are
    listed together with the file's own."""
    root = parse_yaml(text, label, booleans="1.1")
    if root is None:
        raise ConfigError("empty file: expected 'devices:'", where=f"{label}:1")
    check = _Checker(label)
    top = check.mapping(root, "devices.yaml", ("defaults", "devices", "groups", "grid"))
    problems = Problems()
    locale, appium = "auto", "local"
    if "defaults" in top:
        with problems.each():
            defaults = check.mapping(top["defaults"], "defaults", ("locale", "appium"))
            if "locale" in defaults:
                with problems.each():
                    locale = check.string(defaults["locale"], "defaults.locale", LOCALES)
            if "appium" in defaults:
                appium = check.appium(defaults["appium"], "defaults.appium")
    if "devices" not in top:
        problems.add(check.fail(root, "missing 'devices:'"))
        problems.raise_if_any()
    devices: dict[str, Device] = {}
    listed: list[str] = []
    with problems.each():
        entries = top["devices"]
        for name, value in check.mapping(entries, "devices").items():
            listed.append(name)
            with problems.each():
                if not _NAME.match(name) or name == "auto":
                    raise check.fail(entries.key_lines[name], f"bad device name '{name}' (letters, digits, . _ -; "
                                     "'auto' is reserved)")
                devices[name] = _device(check, name, value, locale, appium)
        if not listed:
            raise check.fail(entries, "'devices:' is empty")
    groups: dict[str, tuple[str, ...]] = {}
    if "groups" in top:
        with problems.each():
            for name, members in check.mapping(top["groups"], "groups").items():
                with problems.each():
                    groups[name] = _group(check, name, top["groups"].key_lines[name], members, listed)
    grid = None
    if "grid" in top and top["grid"].value is not None:
        with problems.each():
            grid = check.appium(top["grid"], "grid")
            if grid == "local":
                raise check.fail(top["grid"], "grid must be null or a Selenium Grid URL")
    config = DevicesConfig(devices=devices, groups=groups, grid=grid, default_locale=locale,
                           default_appium=appium, path=label, scenario_lines=check.scenario_lines)
    if extra_check is not None and devices:
        with problems.each():
            extra_check(config)  # e.g. the scenarios the (valid) devices name: reported with the file's problems
    problems.raise_if_any()
    return config


def _group(check: _Checker, name: str, key_line: int, members_raw: Raw, known: list[str]) -> tuple[str, ...]:
    """One `groups:` entry: a non-empty list of devices listed in the file."""
    if not isinstance(members_raw.value, list):
        raise check.fail(members_raw, f"group '{name}' must be a list of device names")
    if not members_raw.value:
        raise check.fail(key_line, f"group '{name}' is empty: list at least one device")
    problems = Problems()
    members = []
    for member in members_raw.value:
        with problems.each():
            member_name = check.string(member, f"group '{name}': member")
            if member_name not in known:
                raise check.fail(member, f"group '{name}': unknown device '{member_name}' (known: {', '.join(known)})")
            members.append(member_name)
    problems.raise_if_any()
    return tuple(members)


def load_devices(path: str | os.PathLike[str],
                 extra_check: Callable[[DevicesConfig], None] | None = None) -> DevicesConfig:
    """Read and check a devices.yaml file."""
    if Path(path).is_dir():
        raise ConfigError("is a directory, not a devices file", where=str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read devices file: {exc.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file (a devices.yaml is YAML text)", where=str(path)) from None
    return parse_devices(text, label=str(path), extra_check=extra_check)


def find_devices_file(flag: str | None = None) -> Path:
    """--devices-file, else $LINKEDIN_OPTOUT_DEVICES, else ./devices.yaml, else the built-in devices.

    The built-in devices are the repository's devices.yaml (sim-android, sim-ios, phone, ...), which the
    installed package carries as well; a devices.yaml that is found defines the devices alone."""
    for chosen, origin in ((flag, "--devices-file"), (os.environ.get(ENV_FILE), ENV_FILE)):
        if chosen:
            if Path(chosen).is_dir():
                raise ConfigError(f"{chosen} is a directory, not a devices file", where=origin)
            if not Path(chosen).is_file():
                raise ConfigError(f"devices file not found: {chosen}", where=origin)
            return Path(chosen)
    for candidate in (Path("devices.yaml"), BUILTIN_FILE):
        if candidate.is_file():
            return candidate
    raise ConfigError("no devices.yaml found: pass --devices-file FILE or set LINKEDIN_OPTOUT_DEVICES")


LiveSource: TypeAlias = "Sequence[LiveDevice] | Callable[[], Sequence[LiveDevice]] | None"


class _Live:
    """The live adb device list, fetched at most once and only when resolution needs it."""

    def __init__(self, source: LiveSource):
        self._source = source
        self._devices: Sequence[LiveDevice] | None = None if source is None or callable(source) else source

    def get(self, required: bool) -> Sequence[LiveDevice]:
        if self._devices is None:
            if self._source is None:
                from mobile.reach.adb import discover  # lazy: adbutils (the pytest plugin imports this module)
                self._source = discover
            try:
                self._devices = list(self._source())  # type: ignore[operator]
            except EnvironmentProblem:
                if required:
                    raise
                self._devices = []
        return self._devices


def _with_live(device: Device, live: _Live, mark_absent: bool = False) -> Device:
    """Fill `serial: auto` and mark serials that adb reports as simulated phones."""
    if device.platform != "android" or device.simulator is not None or device.serial is None:
        return device
    if device.serial == "auto":
        from mobile.reach.adb import pick_auto  # lazy: adbutils (the pytest plugin imports this module)
        try:
            picked = pick_auto(live.get(required=True))
        except EnvironmentProblem as exc:
            if not mark_absent:
                raise
            return replace(device, absent=(exc.status, str(exc)))
        return replace(device, serial=picked.serial, sim_url=picked.sim_url, live_driver=picked.sim_driver)
    for seen in live.get(required=False):
        if seen.serial == device.serial and seen.sim_url:
            return replace(device, sim_url=seen.sim_url, live_driver=seen.sim_driver)
    return device


def _adhoc(config: DevicesConfig, live_device: LiveDevice) -> Device:
    """A Device for an adb device that devices.yaml does not list."""
    return Device(name=live_device.serial, platform="android", serial=live_device.serial, appium=config.default_appium,
                  locale=config.default_locale, sim_url=live_device.sim_url, live_driver=live_device.sim_driver,
                  where="adb")


def _one(config: DevicesConfig, name: str, live: _Live, mark_absent: bool = False) -> Device:
    """NAME, `auto`, a listed SERIAL/UDID, or a live adb serial."""
    if name in config.devices:
        return _with_live(config.devices[name], live, mark_absent)
    if name == "auto":
        from mobile.reach.adb import pick_auto  # lazy: adbutils (the pytest plugin imports this module)
        try:
            return _adhoc(config, pick_auto(live.get(required=True)))
        except EnvironmentProblem as exc:
            if not mark_absent:
                raise
            return Device(name="auto", platform="android", appium=config.default_appium,
                          locale=config.default_locale, where="--device auto", absent=(exc.status, str(exc)))
    for device in config.devices.values():
        if name in (device.serial, device.udid):
            return _with_live(device, live)
    for seen in live.get(required=False):
        if seen.serial == name:
            return _adhoc(config, seen)
    raise ConfigError(f"unknown device '{name}' (known: {', '.join(config.devices)}, auto, or a serial adb lists)",
                      where="--device")


def resolve(config: DevicesConfig, names: Sequence[str] = (), group: str | None = None, all: bool = False,
            live: LiveSource = None, mark_absent: bool = False) -> list[Device]:
    """The devices a run targets, in order, without duplicates; the first entry when nothing is chosen.

    `live` is the adb device list, or a callable returning it; None means `mobile.reach.adb.discover`.
    `mark_absent`: a device whose phone is absent (`auto` and no ready phone, adb unusable) comes back with
    `absent=(status, message)` instead of raising, so that a run of several devices still runs the others.
    """
    wanted: list[str] = list(config.devices) if all else []
    if group is not None:
        if group not in config.groups:
            raise ConfigError(f"unknown group '{group}' (known: {', '.join(config.groups) or 'none'})", where="--group")
        wanted += config.groups[group]
    wanted += list(names)
    if not wanted:
        wanted = [next(iter(config.devices))]
    cache = _Live(live)
    out: list[Device] = []
    for name in wanted:
        device = _one(config, name, cache, mark_absent)
        if _phone_key(device) not in {_phone_key(seen) for seen in out}:
            out.append(device)
    return out


def _phone_key(device: Device) -> tuple[str, str]:
    """What identifies the phone a device entry reaches: its serial or UDID once known (two names for one
    phone must never drive it twice at once), else its name (simulated phones: one phone per entry)."""
    if device.simulator is None and device.absent is None:
        if device.serial and device.serial != "auto":
            return ("serial", device.serial)
        if device.udid:
            return ("udid", device.udid)
    return ("name", device.name)

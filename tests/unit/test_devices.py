"""devices.yaml loading (good and bad files, exact file:line messages), file lookup and device resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.reach.adb import LiveDevice
from mobile.reach.devices import Device, find_devices_file, load_devices, parse_devices, resolve
from mobile.errors import ConfigError, NoDevice

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "devices"
REPO = Path(__file__).resolve().parents[2]


def good():
    return load_devices(FIXTURES / "good.yaml")


def live(serial: str, state: str = "device", sim_url: str | None = None) -> LiveDevice:
    return LiveDevice(serial=serial, state=state, model="Pixel 8", os_version="14", sim_url=sim_url)


def test_good_file_loads_every_field():
    config = good()
    assert list(config.devices) == ["sim-android", "sim-ios", "phone", "emu-34", "iphone-lab"]
    assert config.devices["sim-ios"].simulator == {"scenario": "dutch"}
    assert config.devices["phone"].serial == "auto"
    assert config.devices["emu-34"].capabilities == {"appium:systemPort": 8201}
    lab = config.devices["iphone-lab"]
    assert (lab.platform, lab.udid, lab.appium, lab.locale) == ("ios", "00008110-001A2B3C4D5E", "http://mac-mini.lan:4723", "nl")
    assert lab.where == f"{FIXTURES / 'good.yaml'}:8"
    assert config.devices["emu-34"].appium == "local" and config.devices["emu-34"].locale == "auto"
    assert config.groups == {"sims": ("sim-android", "sim-ios"), "lab": ("emu-34", "iphone-lab")}
    assert config.grid is None


def test_repository_devices_yaml_is_valid():
    config = load_devices(REPO / "devices.yaml")
    assert next(iter(config.devices)) == "sim-android"


@pytest.mark.parametrize(("name", "line", "message"), [
    ("bad_unknown_key.yaml", 6, "unknown key 'colour' in device 'emu' (allowed: platform, serial, udid, simulator, appium, capabilities, locale)"),
    ("bad_duplicate.yaml", 4, "duplicate key 'phone' in devices (first at line 2)"),
    ("bad_platform.yaml", 3, "device 'win': platform 'windows' is not one of: android, ios"),
    ("bad_group.yaml", 6, "group 'sims': unknown device 'sim-ios' (known: sim-android)"),
    ("bad_type.yaml", 3, "device 'emu': capabilities must be a mapping"),
    ("bad_capability.yaml", 7, "device 'emu': capability 'systemPort' is neither W3C nor vendor-prefixed (use 'appium:systemPort')"),
    ("bad_syntax.yaml", 3, "invalid YAML: expected ',' or '}', but got ':'"),
    ("bad_appium.yaml", 2, "defaults.appium must be 'local' or an http(s) URL, not 'remote'"),
    ("bad_serial_on_ios.yaml", 4, "device 'iphone': serial is for android devices; use udid"),
])
def test_bad_file_names_file_and_line(name: str, line: int, message: str):
    path = FIXTURES / name
    with pytest.raises(ConfigError) as caught:
        load_devices(path)
    assert caught.value.where == f"{path}:{line}"
    assert caught.value.message == message
    assert str(caught.value) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty file: expected 'devices:'"),
    ("grid: null\n", "missing 'devices:'"),
    ("devices: {}\n", "'devices:' is empty"),
    ("devices:\n  auto: {platform: android, serial: x}\n", "bad device name 'auto' (letters, digits, . _ -; 'auto' is reserved)"),
    ("devices:\n  a: {platform: android}\n", "device 'a' needs exactly one of serial (android), udid (ios) or simulator"),
    ("devices:\n  a: {platform: android, serial: x, simulator: {}}\n", "device 'a' needs exactly one of serial (android), udid (ios) or simulator"),
    ("devices:\n  a: {platform: ios, udid: auto}\n", "device 'a': udid: auto is only supported for android (serial: auto)"),
    ("devices:\n  a: {platform: android, serial: 5554}\n", "device 'a': serial must be a non-empty string"),
    ("devices:\n  a: {platform: android, serial: x, locale: klingon}\n", "device 'a': locale 'klingon' is not one of: auto, en, nl, de, fr, es, pt-BR, it"),
    ("devices:\n  a: {platform: android, simulator: {scenario: default, speed: 2}}\n", "unknown key 'speed' in device 'a': simulator (allowed: scenario, driver)"),
    ("devices:\n  a: {platform: ios, udid: U1, capabilities: {appium:usePreinstalledWDA: 'yes'}}\n",
     "device 'a': capability 'appium:usePreinstalledWDA' must be true or false"),
    ("devices:\n  a: {platform: ios, udid: U1, capabilities: {appium:xcodeOrgId: 12345}}\n",
     "device 'a': capability 'appium:xcodeOrgId' must be a string (the Apple team id)"),
    ("devices:\n  a: {platform: ios, udid: U1, capabilities: {appium:wdaLaunchTimeout: true}}\n",
     "device 'a': capability 'appium:wdaLaunchTimeout' must be a whole number of milliseconds"),
    ("devices:\n  a: {platform: android, serial: x}\ngrid: local\n", "grid must be null or a Selenium Grid URL"),
    ("devices:\n  a: {platform: android, serial: x}\ngroups:\n  g: a\n", "group 'g' must be a list of device names"),
])
def test_bad_text_messages(text: str, message: str):
    with pytest.raises(ConfigError) as caught:
        parse_devices(text, label="d.yaml")
    assert caught.value.message == message
    assert caught.value.where.startswith("d.yaml:")


def test_grid_url_is_kept():
    config = parse_devices("devices:\n  a: {platform: android, serial: x}\ngrid: http://grid:4444/\n")
    assert config.grid == "http://grid:4444"


def test_defaults_apply_to_entries():
    config = parse_devices("defaults: {locale: de, appium: 'http://h:4723'}\ndevices:\n  a: {platform: android, serial: x}\n")
    assert (config.devices["a"].locale, config.devices["a"].appium) == ("de", "http://h:4723")


def test_find_devices_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    flag, env, cwd = tmp_path / "flag.yaml", tmp_path / "env.yaml", tmp_path / "cwd"
    for path in (flag, env):
        path.write_text("devices: {}\n")
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("LINKEDIN_OPTOUT_DEVICES", str(env))
    assert find_devices_file(str(flag)) == flag
    assert find_devices_file(None) == env
    monkeypatch.delenv("LINKEDIN_OPTOUT_DEVICES")
    assert find_devices_file(None) == REPO / "devices.yaml"
    (cwd / "devices.yaml").write_text("devices: {}\n")
    assert find_devices_file(None) == Path("devices.yaml")
    with pytest.raises(ConfigError, match="devices file not found: nope.yaml"):
        find_devices_file("nope.yaml")


def test_resolve_default_is_first_entry_without_asking_adb():
    def no_adb():
        raise AssertionError("adb must not be asked to resolve a simulator name")

    assert [d.name for d in resolve(good(), live=no_adb)] == ["sim-android"]


def test_resolve_names_group_all_in_order_without_duplicates():
    config = good()
    names = [d.name for d in resolve(config, ["emu-34", "sim-ios"], group="sims", live=[])]
    assert names == ["sim-android", "sim-ios", "emu-34"]
    assert [d.name for d in resolve(config, all=True, live=[live("X1")])][:2] == ["sim-android", "sim-ios"]


def test_resolve_by_listed_serial_and_udid():
    config = good()
    assert resolve(config, ["emulator-5554"], live=[])[0].name == "emu-34"
    assert resolve(config, ["00008110-001A2B3C4D5E"], live=[])[0].name == "iphone-lab"


def test_resolve_unlisted_live_serial_becomes_adhoc_device():
    device = resolve(good(), ["R58M123"], live=[live("R58M123")])[0]
    assert device == Device(name="R58M123", platform="android", serial="R58M123", where="adb")


def test_resolve_auto_and_serial_auto_pick_the_one_ready_phone():
    found = [live("127.0.0.1:6001", sim_url="http://127.0.0.1:7001"), live("R58", state="unauthorized")]
    auto = resolve(good(), ["auto"], live=found)[0]
    assert (auto.name, auto.serial, auto.sim_url, auto.simulated) == ("127.0.0.1:6001", "127.0.0.1:6001", "http://127.0.0.1:7001", True)
    phone = resolve(good(), ["phone"], live=found)[0]
    assert (phone.name, phone.serial) == ("phone", "127.0.0.1:6001")


def test_resolve_auto_with_two_ready_phones_asks_to_pick():
    with pytest.raises(ConfigError) as caught:
        resolve(good(), ["auto"], live=[live("emulator-5554"), live("127.0.0.1:6001")])
    assert caught.value.message == "2 devices are ready (emulator-5554, 127.0.0.1:6001): pick one with --device SERIAL"


def test_resolve_auto_with_no_ready_phone_is_no_device_with_fix():
    with pytest.raises(NoDevice) as caught:
        resolve(good(), ["phone"], live=[live("R58", state="unauthorized")])
    assert "R58 is unauthorized: accept the USB debugging prompt on the phone" in str(caught.value)
    assert caught.value.exit_code == 3


def test_resolve_unknown_device_lists_known_ones():
    with pytest.raises(ConfigError) as caught:
        resolve(good(), ["pixel"], live=[])
    assert str(caught.value) == ("--device: unknown device 'pixel' (known: sim-android, sim-ios, phone, emu-34, iphone-lab, "
                                 "auto, or a serial adb lists)")


def test_resolve_unknown_group():
    with pytest.raises(ConfigError, match=r"unknown group 'farm' \(known: sims, lab\)"):
        resolve(good(), group="farm", live=[])


def test_resolve_marks_listed_serial_that_adb_reports_as_simulated():
    device = resolve(good(), ["emu-34"], live=[live("emulator-5554", sim_url="http://127.0.0.1:7001")])[0]
    assert device.sim_url == "http://127.0.0.1:7001"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("devices:\n  a:\n    platform: android\n    simulator: {scenario: default, driver: espresso}\n", 4,
     "device 'a': simulator.driver 'espresso' is not one of: linkedinsim, uiautomator2, xcuitest"),
    ("devices:\n  i:\n    platform: ios\n    simulator:\n      driver: uiautomator2\n", 5,
     "device 'i': simulator.driver uiautomator2 drives android only, not ios"),
])
def test_bad_simulator_driver_is_config_error_at_its_line(text: str, line: int, message: str):
    with pytest.raises(ConfigError) as caught:
        parse_devices(text, label="d.yaml")
    assert (caught.value.message, caught.value.where) == (message, f"d.yaml:{line}")


def test_simulator_driver_is_kept_and_defaults_to_linkedinsim():
    config = parse_devices("devices:\n  u: {platform: android, simulator: {driver: uiautomator2}}\n"
                           "  s: {platform: android, simulator: {scenario: dutch}}\n")
    assert (config.devices["u"].driver, config.devices["u"].simulator["scenario"]) == ("uiautomator2", "default")
    assert config.devices["s"].driver == "linkedinsim"


def test_repository_devices_file_has_the_uiautomator2_sim():
    from mobile.reach.devices import BUILTIN_FILE, load_devices

    device = load_devices(BUILTIN_FILE).devices["sim-android-u2"]
    assert (device.platform, device.simulated, device.driver) == ("android", True, "uiautomator2")

"""Parsing of real Android shell output, the readiness rules, and the simulated phone's shell answers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import adbutils
import pytest

from mobile.errors import AppMissing, ConfigError, NoDevice
from mobile.reach.adb import (FIXES, LiveDevice, adb_binary, check_ready, parse_devices, parse_getprop, parse_locked,
                              parse_packages, parse_screen_on, parse_secure, parse_version_name, parse_wm_size,
                              pick_auto, vendor_os)
from mobile.reach.devices import Device
from mobile.reach.doctor import check_device
from mobile.sim.adb.device import pack
from mobile.sim.adb.shell import run_shell
from mobile.sim.phone import Phone

APP = "com.linkedin.android"  # the package adb is asked about (the shipped flow's apps.android)


def test_getprop_lines():
    text = "[ro.product.model]: [Pixel 7]\n[ro.build.version.release]: [14]\n[empty]: []\n"
    assert parse_getprop(text) == {"ro.product.model": "Pixel 7", "ro.build.version.release": "14", "empty": ""}


def test_wm_size_prefers_override():
    assert parse_wm_size("Physical size: 1080x2400\n") == (1080, 2400)
    assert parse_wm_size("Physical size: 1440x3120\nOverride size: 1080x2340\n") == (1080, 2340)
    assert parse_wm_size("") is None


def test_packages_match_exactly_not_by_substring():
    assert parse_packages("package:com.linkedin.android\n", APP) is True
    assert parse_packages("package:com.linkedin.android.lite\n", APP) is False
    assert parse_packages("package:com.linkedin.android.lite\n", "com.linkedin.android.lite") is True


def test_version_name_first_one():
    text = "  Package [com.linkedin.android] (abc):\n    versionCode=207700 minSdk=28\n    versionName=4.1.1077\n"
    assert parse_version_name(text) == "4.1.1077"
    assert parse_version_name("Unable to find package") is None


@pytest.mark.parametrize(("text", "on"), [("  mWakefulness=Awake\n", True), ("  mWakefulness=Asleep\n", False),
                                          ("  mWakefulness=Dozing\n", False), ("nothing", None)])
def test_screen_on(text: str, on: bool | None):
    assert parse_screen_on(text) is on


@pytest.mark.parametrize(("text", "locked"), [
    ("    mShowingLockscreen=true mShowingDream=false mDreamingLockscreen=true", True),  # Android 9-10
    ("  KeyguardController:\n    isKeyguardShowing=false", False),  # Android 12+
    ("mDreamingLockscreen=false isKeyguardShowing=true", True),
    ("no keyguard lines", None),
])
def test_locked(text: str, locked: bool | None):
    assert parse_locked(text) is locked


# `dumpsys window` of an Android 10+ phone: no mShowingLockscreen; the keyguard state is in
# KeyguardServiceDelegate / KeyguardStateMonitor (what appium-adb's isShowingLockscreen reads)
ANDROID_13_LOCKED = """WINDOW MANAGER POLICY STATE (dumpsys window policy)
    mScreenOnEarly=true mScreenOnFully=true
    KeyguardServiceDelegate
      showing=true
      showingAndNotOccluded=true
      inputRestricted=true
      occluded=false
      secure=%s
      dreaming=false
      KeyguardStateMonitor
        mIsShowing=true
        mSimSecure=false
        mInputRestricted=true
        mTrusted=false
        mCurrentUserId=0
"""


def test_android_10_plus_lock_is_read_from_the_keyguard_state_monitor():
    assert parse_locked(ANDROID_13_LOCKED % "true") is True
    assert (parse_secure(ANDROID_13_LOCKED % "true"), parse_secure(ANDROID_13_LOCKED % "false")) == (True, False)
    unlocked = ANDROID_13_LOCKED.replace("mIsShowing=true", "mIsShowing=false").replace(
        "mInputRestricted=true", "mInputRestricted=false")
    assert parse_locked(unlocked) is False
    assert parse_secure("mShowingLockscreen=true") is None


@pytest.mark.parametrize(("scenario", "locked", "secure"), [("pin-locked", True, True), ("swipe-locked", True, False),
                                                            ("default", False, False)])
def test_sim_window_dump_follows_the_lock(scenario: str, locked: bool, secure: bool):
    window = run_shell(Phone("android", scenario), "dumpsys window")[0].decode()
    assert "mShowingLockscreen" not in window  # the phone says Android 14: the old field is gone
    assert (parse_locked(window), parse_secure(window)) == (locked, secure)


def test_no_permissions_devices_keep_their_state_and_get_the_udev_fix():
    text = ("List of devices attached\n"
            "0123456789ABCDEF\tno permissions (user in plugdev group; are your udev rules wrong?); "
            "see [http://developer.android.com/tools/device.html]\n"
            "emulator-5554\tdevice\nR58M\tunauthorized\n")
    assert parse_devices(text) == [("0123456789ABCDEF", "no permissions"), ("emulator-5554", "device"),
                                   ("R58M", "unauthorized")]
    live = LiveDevice("0123456789ABCDEF", "no permissions")
    assert live.fix == FIXES["no permissions"] and "udev" in live.fix
    with pytest.raises(NoDevice, match="0123456789ABCDEF is no permissions: .*udev rule"):
        check_ready(live, APP)


def test_adb_binary_is_the_sdk_one_appium_uses_else_the_bundled_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    on_path = tmp_path / "bin" / "adb"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(on_path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{on_path.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("ANDROID_HOME", raising=False)
    monkeypatch.delenv("ANDROID_SDK_ROOT", raising=False)
    assert adb_binary() == adbutils.adb_path()  # never another adb from PATH: it would kill Appium's server
    sdk = tmp_path / "sdk" / "platform-tools" / "adb"
    sdk.parent.mkdir(parents=True)
    sdk.write_text("#!/bin/sh\n")
    sdk.chmod(sdk.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("ANDROID_HOME", str(tmp_path / "sdk"))
    assert adb_binary() == str(sdk)


def test_check_ready_names_the_problem():
    with pytest.raises(NoDevice, match="accept the USB debugging prompt"):
        check_ready(LiveDevice("R58", "unauthorized"), APP)
    with pytest.raises(AppMissing, match=r"LinkedIn \(com.example.app\) is not installed on R58"):
        check_ready(LiveDevice("R58", "device", app_installed=False), "com.example.app")
    ok = LiveDevice("R58", "device", app_installed=True)
    assert check_ready(ok, APP) is ok


def test_pick_auto():
    one = LiveDevice("a", "device")
    assert pick_auto([one, LiveDevice("b", "offline")]) is one
    with pytest.raises(ConfigError, match=r"2 devices are ready \(a, c\)"):
        pick_auto([one, LiveDevice("c", "device")])
    with pytest.raises(NoDevice, match="b is offline: reconnect the USB cable"):
        pick_auto([LiveDevice("b", "offline")])


def test_message_header_has_length_checksum_and_magic():
    message = pack(0x4E584E43, 1, 2, b"ab")
    assert message[12:24] == (2).to_bytes(4, "little") + (0x61 + 0x62).to_bytes(4, "little") + (0x4E584E43 ^ 0xFFFFFFFF).to_bytes(4, "little")
    assert message[24:] == b"ab"


def test_sim_shell_answers_like_android():
    phone = Phone("android", "default")
    out, _, code = run_shell(phone, "getprop ro.product.model", sim_url="http://127.0.0.1:1")
    assert (out, code) == (f"{phone.model}\n".encode(), 0)
    out, _, _ = run_shell(phone, "getprop", sim_url="http://127.0.0.1:1")
    assert parse_getprop(out.decode())["linkedin.sim.server"] == "http://127.0.0.1:1"
    assert parse_version_name(run_shell(phone, "dumpsys package com.linkedin.android")[0].decode()) == phone.app_version
    assert run_shell(phone, "pm path com.example")[2] == 1
    assert run_shell(phone, "frob")[2] == 127
    phone.screen_on, phone.locked = False, True
    run_shell(phone, "input keyevent KEYCODE_WAKEUP; wm dismiss-keyguard")
    assert (phone.screen_on, phone.locked) == (True, False)


def test_sim_shell_app_missing():
    phone = Phone("android", "app-missing")
    assert run_shell(phone, "pm list packages -3")[0] == b""
    assert parse_version_name(run_shell(phone, "dumpsys package com.linkedin.android")[0].decode()) is None


def test_xiaomi_phones_get_the_hidden_developer_switches_in_doctor():
    assert vendor_os({"ro.miui.ui.version.name": "V14"}) == "MIUI V14"
    assert vendor_os({"ro.miui.ui.version.name": "V816", "ro.mi.os.version.name": "OS1.0"}) == "HyperOS OS1.0"
    assert vendor_os({"ro.product.manufacturer": "Google"}) is None
    phone = Device(name="mi", platform="android", serial="a1b2")
    live = LiveDevice("a1b2", "device", model="23049PCD8G", os_version="14", app_installed=True, app_version="4.1",
                      vendor_os="HyperOS OS1.0")
    vendor = next(c for c in check_device(phone, [live], APP) if c.name == "vendor")
    assert (vendor.ok, vendor.needed) == (False, False)  # a warning: it cannot be checked over adb
    assert "USB debugging (Security settings)" in vendor.fix and "Install via USB" in vendor.fix
    unauthorized = check_device(phone, [LiveDevice("a1b2", "unauthorized")], APP)[0]
    assert "Install via USB" in unauthorized.fix


def test_doctor_says_a_secure_lock_must_be_opened_by_the_person():
    live = LiveDevice("a1b2", "device", app_installed=True, app_version="4.1", screen_on=True, locked=True, secure=True)
    screen = next(c for c in check_device(Device(name="p", platform="android", serial="a1b2"), [live], APP)
                  if c.name == "screen")
    assert (screen.ok, screen.needed) == (False, True) and "unlock the phone yourself" in screen.fix


def test_doctor_names_the_flows_package_it_looked_for():
    phone = Device(name="p", platform="android", serial="a1b2")
    missing = LiveDevice("a1b2", "device", app_installed=False, screen_on=True, locked=False)
    app = next(c for c in check_device(phone, [missing], "com.example.app") if c.name == "LinkedIn app")
    assert (app.ok, app.detail) == (False, "com.example.app is not installed on a1b2")
    app = next(c for c in check_device(phone, [missing], None) if c.name == "LinkedIn app")
    assert (app.ok, app.detail) == (False, "the flow names no Android app (apps.android)")

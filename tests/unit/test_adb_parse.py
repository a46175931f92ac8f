"""Parsing of real Android shell output, the readiness rules, and the simulated phone's shell answers."""

from __future__ import annotations

import pytest

from mobile.adb import (LiveDevice, check_ready, parse_getprop, parse_locked, parse_packages, parse_screen_on,
                        parse_version_name, parse_wm_size, pick_auto)
from mobile.errors import AppMissing, ConfigError, NoDevice
from mobile.sim.adb_device import pack
from mobile.sim.adb_shell import run_shell
from mobile.sim.phone import Phone


def test_getprop_lines():
    text = "[ro.product.model]: [Pixel 7]\n[ro.build.version.release]: [14]\n[empty]: []\n"
    assert parse_getprop(text) == {"ro.product.model": "Pixel 7", "ro.build.version.release": "14", "empty": ""}


def test_wm_size_prefers_override():
    assert parse_wm_size("Physical size: 1080x2400\n") == (1080, 2400)
    assert parse_wm_size("Physical size: 1440x3120\nOverride size: 1080x2340\n") == (1080, 2340)
    assert parse_wm_size("") is None


def test_packages_match_exactly_not_by_substring():
    assert parse_packages("package:com.linkedin.android\n") is True
    assert parse_packages("package:com.linkedin.android.lite\n") is False


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


def test_check_ready_names_the_problem():
    with pytest.raises(NoDevice, match="accept the USB debugging prompt"):
        check_ready(LiveDevice("R58", "unauthorized"))
    with pytest.raises(AppMissing, match="not installed on R58"):
        check_ready(LiveDevice("R58", "device", app_installed=False))
    ok = LiveDevice("R58", "device", app_installed=True)
    assert check_ready(ok) is ok


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

"""The simulated phone's adb shell: outputs in the formats the pinned appium-adb parsers read, exit codes,
`;`/`&&` lists, and answers that follow the phone's own app state."""

from __future__ import annotations

import re

import pytest

from mobile.sim.adb.shell import Special, evaluate, run_shell
from mobile.sim.adb.system import SETTINGS_PKG, U2_SERVER_PKG, U2_TEST_PKG, AndroidSystem
from mobile.sim.phone import Phone

APP = "com.linkedin.android"
START = f"am start-activity -W -n {APP}/{APP}.authenticator.LaunchActivity -S -a android.intent.action.MAIN"


@pytest.fixture
def system() -> AndroidSystem:
    return AndroidSystem(Phone("android", "default", latency_scale=0), driver="uiautomator2")


def sh(system: AndroidSystem, command: str) -> tuple[str, str, int]:
    out, err, code = run_shell(system, command)
    return out.decode(), err.decode(), code


def test_lists_run_each_part_and_and_short_circuits(system: AndroidSystem):
    assert sh(system, "echo a; frobnicate; echo b") == ("a\nb\n", "/system/bin/sh: frobnicate: inaccessible or not found\n", 0)
    assert sh(system, "[ -e '/data/local/tmp/mock_apps.json' ] && echo __PASS__") == ("", "", 1)
    assert sh(system, "frobnicate && echo never")[2] == 127
    assert system.unanswered == ["frobnicate", "frobnicate"]  # recorded: the alarm for a driver upgrade


def test_ps_and_processes_follow_the_app(system: AndroidSystem):
    assert re.search(r"^-A\b", sh(system, "ps --help")[0], re.M)  # appium-adb then uses `ps -A`
    table = sh(system, "ps -A")[0]
    assert re.match(r"USER +PID.*NAME", table) and APP not in table
    assert "Status: ok" in sh(system, START)[0]
    assert re.search(rf" S {re.escape(APP)}$", sh(system, "ps -A")[0], re.M)
    assert re.search(rf"ProcessRecord\{{\w+\s+(\d+):{re.escape(APP)}/", sh(system, "dumpsys activity processes")[0])
    shown = sh(system, "dumpsys window displays")[0]
    assert f"mFocusedApp=ActivityRecord{{7d1e2f3 u0 {APP}/.infra.navigation.MainActivity t12}}" in shown
    assert sh(system, f"am force-stop {APP}")[2] == 0
    assert APP not in sh(system, "ps -A")[0] and APP not in sh(system, "dumpsys window displays")[0]
    assert system.phone.query_state_quietly() == 1


def test_am_start_refuses_an_activity_the_app_does_not_export(system: AndroidSystem):
    out, _, code = sh(system, f"am start-activity -W -n {APP}/.MainActivity")
    assert code == 0 and f"Error: Activity class {{{APP}/{APP}.MainActivity}} does not exist." in out
    system.phone.exported_activities = (f"{APP}.authenticator.LaunchActivityDefault",)  # an activity-alias launcher
    _, err, code = sh(system, f"am start-activity -W -n {APP}/{APP}.authenticator.LaunchActivity")
    assert code == 255 and "Permission Denial" in err and "not exported" in err
    assert system.phone.query_state_quietly() == 1
    assert sh(system, f"cmd package resolve-activity --brief {APP}")[0].splitlines()[-1] == \
        f"{APP}/.authenticator.LaunchActivity"


def test_helper_packages_appear_once_installed(system: AndroidSystem):
    assert "Unable to find package: io.appium.settings" in sh(system, f"dumpsys package {SETTINGS_PKG}")[0]
    assert sh(system, "appops set io.appium.settings android:mock_location allow")[1] == \
        "Error: No UID for io.appium.settings in user 0\n"
    assert sh(system, "pm list instrumentation")[0] == ""
    for package in (SETTINGS_PKG, U2_SERVER_PKG, U2_TEST_PKG):
        system.install(package)
    assert re.search(r"^\s*Package\s+\[io.appium.settings\][^:]+:$", sh(system, f"dumpsys package {SETTINGS_PKG}")[0], re.M)
    assert "versionCode" not in sh(system, f"dumpsys package {U2_SERVER_PKG}")[0]
    assert sh(system, "pm list instrumentation")[0] == (
        "instrumentation:io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner "
        "(target=io.appium.uiautomator2.server)\n")
    assert "package:io.appium.settings versionCode:1" in sh(system, "cmd package list packages --show-versioncode")[0]
    assert "isForeground=true" not in sh(system, f"dumpsys activity services {SETTINGS_PKG}")[0]
    sh(system, f"am start-activity -n {SETTINGS_PKG}/.Settings -a android.intent.action.MAIN")
    assert "isForeground=true" in sh(system, f"dumpsys activity services {SETTINGS_PKG}")[0]
    assert "isForeground=true" not in sh(system, f"dumpsys activity services {SETTINGS_PKG}/.recorder.RecorderService")[0]


def test_held_streams_and_install_sinks_are_specials(system: AndroidSystem):
    runner = "io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner"
    assert "INSTRUMENTATION_FAILED" in sh(system, f"am instrument -w {runner}")[0]  # not installed yet
    system.install(U2_SERVER_PKG)
    system.install(U2_TEST_PKG)
    assert evaluate(system, f"am instrument -w -e disableAnalytics true {runner}") == Special("instrument")
    assert evaluate(system, "export ANDROID_LOG_TAGS=''; exec logcat '-v' 'threadtime'") == Special("held")
    assert evaluate(system, "cmd package 'install' '-g' -S 3076274") == Special("sink", 3076274)


def test_settings_store_and_lock_views(system: AndroidSystem):
    assert sh(system, "settings put global hidden_api_policy 1;settings get global hidden_api_policy")[0] == "1\n"
    assert sh(system, "settings delete global hidden_api_policy")[0] == "Deleted 1 rows\n"
    assert sh(system, "settings get global enable_adb_incremental_install_default")[0] == "null\n"
    system.phone.screen_on, system.phone.locked = False, True
    window = sh(system, "dumpsys window")[0]
    assert re.search(r"KeyguardStateMonitor[\n\s]+mIsShowing=true", window) and "mInputRestricted=true" in window
    assert "mWakefulness=Asleep" in sh(system, "dumpsys power")[0]
    sh(system, "input keyevent 26; input keyevent 224; wm dismiss-keyguard")  # the driver's unlock
    assert (system.phone.screen_on, system.phone.locked) == (True, False)


def test_the_phone_marks_its_driver(system: AndroidSystem):
    assert sh(system, "getprop linkedin.sim.driver")[0] == "uiautomator2\n"
    with pytest.raises(ValueError):
        AndroidSystem(system.phone, driver="espresso")

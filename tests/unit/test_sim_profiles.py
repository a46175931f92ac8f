"""Latency profiles of the simulated phone: the scenario key, the flag, and what each profile charges."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mobile.errors import ConfigError
from mobile.sim.__main__ import check_profile
from mobile.sim.phone import Phone
from mobile.sim.profiles import known_profiles
from mobile.sim.scenario import load_scenario
from support import FakeClock

CAPS = {"platformName": "Android", "appium:appPackage": "com.linkedin.android",
        "appium:appActivity": "com.linkedin.android.authenticator.LaunchActivity"}


def test_profiles_in_bench_order() -> None:
    assert known_profiles() == ["emulator", "usb-phone", "cloud", "busy-feed"]


def test_scenario_key_picks_the_profile_and_the_flag_overrides_it(tmp_path: Path) -> None:
    path = tmp_path / "far.yaml"
    path.write_text("latency: {profile: cloud}\n")
    assert load_scenario(path).latency.profile == "cloud"
    assert load_scenario("default").latency.profile == "emulator"
    assert Phone("android", load_scenario(path), latency_scale=1).round_trip() == pytest.approx(0.25)
    assert Phone("android", load_scenario(path), latency_scale=1, latency_profile="emulator").round_trip() == 0


def test_unknown_profile_in_a_scenario_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("description: x\nlatency:\n  profile: satellite\n")
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert f"{path}:3" in str(err.value) and "satellite" in str(err.value)


def test_unknown_profile_flag_names_the_flag() -> None:
    with pytest.raises(ConfigError) as err:
        check_profile("satellite")
    assert err.value.where == "--latency-profile"
    check_profile("busy-feed")
    check_profile(None)


def test_usb_phone_replaces_figures_and_scale_applies() -> None:
    phone = Phone("android", latency_scale=2, latency_profile="usb-phone")
    assert phone.command_latency("source") == pytest.approx(0.6 * 2)
    assert phone.command_latency("back") == pytest.approx(0.15 * 2)   # not in the profile: the scenario's
    assert phone.transition_ms("webview") == 1200 and phone.transition_ms("back") == 300


def test_busy_feed_charges_the_session_setting_only_on_home() -> None:
    clock = FakeClock()
    phone = Phone("android", clock=clock, latency_scale=1, latency_profile="busy-feed")
    phone.start_session(CAPS)
    assert phone.current_screen == "splash" and phone.idle_wait("source", {}) == 0  # a launch is not the feed
    clock.now += 1.8
    assert phone.current_screen == "home"
    assert phone.idle_wait("source", {}) == pytest.approx(10.0)                     # uiautomator's default
    assert phone.idle_wait("find", {"waitForIdleTimeout": 100}) == pytest.approx(0.1)
    assert phone.idle_wait("query_app_state", {}) == 0                              # answered over adb
    assert phone.idle_wait("session", {}) == 0
    emulator = Phone("android", clock=clock, latency_scale=1)
    emulator.start_session(CAPS)
    clock.now += 1.8
    assert emulator.current_screen == "home" and emulator.idle_wait("source", {}) == 0


def test_cli_sim_serve_rejects_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    from mobile.cli.main import main

    assert main(["sim", "serve", "--latency-profile", "satellite"]) == 2
    err = capsys.readouterr().err
    assert "--latency-profile" in err and "satellite" in err and "\n" == err[-1] and err.count("\n") == 1


def test_server_charges_half_trip_idle_wait_and_latency_before_and_half_trip_after() -> None:
    """What a command waits on the cloud and busy-feed profiles (recorded, not timed)."""
    from mobile.sim.w3c.server import SimServer

    clock = FakeClock()
    phone = Phone("android", clock=clock, latency_scale=1, latency_profile="cloud")
    server = SimServer(phone)
    waits: list[float] = []
    server._wait = waits.append  # type: ignore[method-assign]
    try:
        status, body = server.dispatch("POST", "/session", {"capabilities": {"alwaysMatch": CAPS}})
        sid = body["value"]["sessionId"]
        waits.clear()
        server.dispatch("GET", f"/session/{sid}/source", {})
        assert waits == [pytest.approx(0.125), pytest.approx(0.45), pytest.approx(0.125)]
        phone.profile = Phone("android", latency_profile="busy-feed").profile
        clock.now += 1.8  # home shows
        server.session.settings["waitForIdleTimeout"] = 100
        waits.clear()
        server.dispatch("GET", f"/session/{sid}/source", {})
        assert waits == [0, pytest.approx(0.1 + 0.45), 0]
        waits.clear()
        server.dispatch("GET", "/sim/state", {})  # outside the device: no latency at all
        assert waits == []
    finally:
        server._httpd.server_close()  # never started: only the bound port to release

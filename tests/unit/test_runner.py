"""Runner tests: the real flow file and fixture XML through the real interpreter over ReplayDriver, with a
fake clock (no real waiting), asserting the exact events the runner caused (Maestro style)."""

from __future__ import annotations

import dataclasses
import re

from pathlib import Path

import pytest

from mobile.core.flow import find_flow
from mobile.core.flow_schema import Flow
from mobile.core.terms import Status, StepStatus
from mobile.errors import DeviceError
from mobile.drivers.replay import ReplayDriver, ReplayScreen
from mobile.engine.abort import Abort, Cause
from mobile.engine.runner import Callbacks, Runner
from support import FakeClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FLOW = find_flow("linkedin-genai")
PHOTO = "com.linkedin.android:id/me_launcher_container"
SETTINGS = "com.linkedin.android:id/home_nav_premium_upsell_text_view"
GENAI = "Data for Generative AI Improvement"
SWITCH = "ember71"
UNKNOWN = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy index=\"0\" class=\"hierarchy\" "
           "rotation=\"0\" width=\"1080\" height=\"2400\"><android.widget.FrameLayout index=\"0\" "
           "package=\"com.google.android.apps.nexuslauncher\" class=\"android.widget.FrameLayout\" text=\"\" "
           "bounds=\"[0,0][1080,2400]\" displayed=\"true\" /></hierarchy>")
PATH_EVENTS = ["source()", f"tap({PHOTO})", "source()", f"tap({SETTINGS})", "source()", "tap(Data privacy)",
               "source()", f"tap({GENAI})"]


def xml(name: str, platform: str = "android", locale: str = "en") -> str:
    return (FIXTURES / platform / locale / f"{name}.xml").read_text(encoding="utf-8")


def flip(persist: bool = True):
    """A switch tap: flips the page's state (and the stored one unless `persist` is False)."""
    def go(d: ReplayDriver) -> str:
        shown = "off" if d.vars.get("page", d.vars["stored"]) == "on" else "on"
        d.vars["page"] = shown
        if persist:
            d.vars["stored"] = shown
        return f"genai_{shown}"
    return go


def open_genai(d: ReplayDriver) -> str:
    """Opening the page loads the stored value."""
    d.vars["page"] = d.vars["stored"]
    return f"genai_{d.vars['stored']}"


def android_script(switch: str = "on", persist: bool = True, **overrides: ReplayScreen) -> ReplayDriver:
    """The LinkedIn path on Android, English fixtures; `overrides` replace screens by name."""
    screens = {
        "home": ReplayScreen("home", xml("home"), {PHOTO: "side_panel"}),
        "side_panel": ReplayScreen("side_panel", xml("side_panel"), {SETTINGS: "settings"}),
        "settings": ReplayScreen("settings", xml("settings"), {"Data privacy": "data_privacy"}),
        "data_privacy": ReplayScreen("data_privacy", xml("data_privacy"), {GENAI: open_genai}),
        "genai_on": ReplayScreen("genai_on", xml("genai_on"), {SWITCH: flip(persist), "back": "data_privacy"}),
        "genai_off": ReplayScreen("genai_off", xml("genai_off"), {SWITCH: flip(persist), "back": "data_privacy"}),
    }
    screens.update(overrides)
    driver = ReplayDriver(list(screens.values()), "home")
    driver.vars["stored"] = switch
    return driver


COMMAND_S = 0.1  # what each driver command costs on the fake clock (a read is never free)


def run(driver: ReplayDriver, mode: str = "apply", **kwargs) -> tuple:
    clock = FakeClock()
    driver.on_command = lambda: clock.sleep(COMMAND_S)
    result = Runner(FLOW, driver, mode, clock=clock, sleeper=clock.sleep, **kwargs).run()
    return result, driver.events


def switch_taps(events: list[str]) -> list[int]:
    return [i for i, e in enumerate(events) if e == f"tap({SWITCH})"]


def test_apply_default_exact_events_and_command_budget() -> None:
    result, events = run(android_script())
    assert events == PATH_EVENTS + [
        "source()", "source()",          # the switch's page, read twice: the state settled before any tap
        f"tap({SWITCH})", "source()",    # one tap, then read back
        "back()", "source()", f"tap({GENAI})", "source()",  # leave, re-open, read again
    ]
    assert (result.status, result.before, result.after) == ("changed", "on", "off")
    assert (result.verified, result.persisted) == (True, True)
    assert result.commands + 1 <= 20  # + the session deletion the session layer adds
    assert [s.name for s in result.steps][-2:] == ["toggle genai_toggle", "verify persisted"]
    assert all(s.status == "ok" for s in result.steps)
    assert type(result.status) is Status and {type(s.status) for s in result.steps} == {StepStatus}


def test_check_reads_and_never_taps_the_switch() -> None:
    driver = android_script()
    result, events = run(driver, "check")
    assert events == PATH_EVENTS + ["source()", "source()"]
    assert (result.status, result.before, result.after, result.verified) == ("unchanged", "on", "on", None)
    assert driver.vars["stored"] == "on" and not driver.undeclared


def test_check_expect_mismatch() -> None:
    result, events = run(android_script(), "check", expected="off")
    assert result.status == "mismatch" and result.exit_code == 1
    assert switch_taps(events) == []


def test_check_expect_match_is_unchanged() -> None:
    result, _ = run(android_script(switch="off"), "check", expected="off")
    assert (result.status, result.before) == ("unchanged", "off")


def test_apply_already_off_taps_nothing() -> None:
    result, events = run(android_script(switch="off"))
    assert result.status == "unchanged" and result.before == result.after == "off"
    assert switch_taps(events) == [] and events[-1] == "source()"


def test_apply_on_sets_it_back_on() -> None:
    result, events = run(android_script(switch="off"), wanted="on")
    assert (result.status, result.before, result.after) == ("changed", "off", "on")
    assert len(switch_taps(events)) == 1


def test_no_persist_is_verify_failed_after_reopen() -> None:
    result, events = run(android_script(persist=False))
    assert result.status == "verify_failed" and result.exit_code == 1
    assert (result.verified, result.persisted, result.after) == (True, False, "on")
    assert len(switch_taps(events)) == 1


def test_switch_that_does_not_flip_is_never_tapped_twice() -> None:
    stuck = ReplayScreen("genai_on", xml("genai_on"), {SWITCH: "genai_on", "back": "data_privacy"})
    result, events = run(android_script(genai_on=stuck), timeout=2.0)
    assert result.status == "verify_failed" and result.verified is False
    taps = switch_taps(events)
    assert len(taps) == 1 and "source()" in events[taps[0]:]  # re-read until the timeout, no second tap


def test_signed_out_found_before_any_tap() -> None:
    driver = ReplayDriver([ReplayScreen("signin", xml("signin"))], "signin")
    result, events = run(driver)
    assert result.status == "signed_out" and result.exit_code == 3
    assert events == ["source()"]


@pytest.mark.parametrize("name", ["signin", "prereg"])
def test_both_signed_out_screens_are_signed_out_before_any_tap(name: str) -> None:
    driver = ReplayDriver([ReplayScreen(name, xml(name))], name)
    result, events = run(driver)
    assert (result.status, events) == ("signed_out", ["source()"])


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_secure_lock_screen_is_device_error_asking_to_unlock(platform: str) -> None:
    driver = ReplayDriver([ReplayScreen("keyguard", xml("keyguard_pin", platform))], "keyguard", platform=platform)
    result, events = run(driver)
    assert (result.status, result.exit_code, events) == ("device_error", 3, ["source()"])
    assert "unlock it" in result.message


def test_app_missing_from_query_app_state() -> None:
    driver = ReplayDriver([ReplayScreen("launcher", UNKNOWN)], "launcher", app_state=0)
    result, events = run(driver)
    # read at once, re-read at once (a splash would change), then ask: the same unknown screen twice
    assert result.status == "app_missing" and events == ["source()", "source()", "app_state()"]


def test_not_offered_after_scrolling_to_the_end() -> None:
    privacy = ReplayScreen("data_privacy", xml("data_privacy_not_offered"), {})
    result, events = run(android_script(data_privacy=privacy))
    assert result.status == "not_offered" and result.exit_code == 0
    assert "scroll(down)" in events and f"tap({GENAI})" not in events
    assert result.steps[-1].status == "not_offered"


def test_long_list_scrolls_to_the_row() -> None:
    top = xml("data_privacy").replace(GENAI, "Manage your data and activity")
    privacy_top = ReplayScreen("privacy_top", top, {"scroll:down": "data_privacy"})
    result, events = run(android_script(privacy_top=privacy_top, settings=ReplayScreen(
        "settings", xml("settings"), {"Data privacy": "privacy_top"})))
    assert result.status == "changed"
    scroll = events.index("scroll(down)")
    assert events[scroll + 1:scroll + 4] == ["source()", "source()", f"tap({GENAI})"]  # found, settled, tapped


def test_settings_with_data_privacy_below_the_fold_is_still_settings() -> None:
    above_fold = xml("settings").replace('text="Data privacy"', 'text="Sign in &amp; security"')
    settings_top = ReplayScreen("settings_top", above_fold, {"scroll:down": "settings"})
    result, events = run(android_script(settings_top=settings_top, side_panel=ReplayScreen(
        "side_panel", xml("side_panel"), {SETTINGS: "settings_top"})))
    assert result.status == "changed"
    scroll = events.index("scroll(down)")
    assert events[scroll - 1] == "source()" and "tap(Data privacy)" in events[scroll:]


def test_ambiguous_switch_row_is_ui_drift_without_tap() -> None:
    page = ReplayScreen("genai_on", xml("ambiguous_row"), {SWITCH: flip(), "back": "data_privacy"})
    result, events = run(android_script(genai_on=page))
    assert result.status == "ui_drift" and result.exit_code == 4
    assert switch_taps(events) == [] and not any(e.startswith("tap(?") for e in events)


def test_missing_target_is_ui_drift_naming_step_locator_and_screen() -> None:
    panel = xml("side_panel").replace(SETTINGS, "com.linkedin.android:id/other").replace('text="Settings"', 'text="Help"')
    result, events = run(android_script(side_panel=ReplayScreen("side_panel", panel, {})), timeout=1.0)
    assert result.status == "ui_drift"
    assert "tap settings" in result.message and "Settings" in result.message and "side_panel" in result.message
    assert not any(e.startswith("tap(?") for e in events)


def test_interruption_is_dismissed_with_its_declared_control() -> None:
    popup = xml("home").replace('content-desc="Messaging"', 'content-desc="Not now"').replace(
        'class="android.widget.ImageButton" text="" content-desc="Not now"',
        'class="android.widget.Button" text="" content-desc="Not now"')
    home = ReplayScreen("home_popup", popup, {"Not now": "home"})
    driver = android_script(home_popup=home)
    driver.screen = "home_popup"
    result, events = run(driver)
    assert result.status == "changed"
    assert events[:3] == ["source()", "tap(Not now)", "source()"]
    assert "dismissed linkedin_prompt" in (result.steps[0].detail or "")


def test_crash_relaunches_and_resumes_from_home() -> None:
    crashed = ReplayScreen("launcher", UNKNOWN, {"launch": "home"})
    driver = android_script(settings=ReplayScreen("settings", xml("settings"), {"Data privacy": "crash"}),
                            crash=crashed)

    def crash_once(d: ReplayDriver) -> str:
        if d.vars.get("crashed"):
            return "data_privacy"
        d.vars["crashed"] = True
        d.state = 1
        return "launcher"
    driver.screens["settings"].on["Data privacy"] = crash_once
    driver.screens["launcher"] = crashed
    result, events = run(driver)
    assert result.status == "changed"
    assert "app_state()" in events and "launch()" in events
    relaunch = events.index("launch()")
    assert events[relaunch + 1:relaunch + 3] == ["source()", f"tap({PHOTO})"]
    assert [s.status for s in result.steps].count(StepStatus.RECOVERED) == 1


def test_slow_page_waits_for_the_switch() -> None:
    loading = xml("genai_on").replace('class="android.widget.ToggleButton"', 'class="android.view.View"').replace(
        'checkable="true"', 'checkable="false"')
    page = ReplayScreen("genai_on", [loading, loading, xml("genai_on")], {SWITCH: flip(), "back": "data_privacy"})
    result, events = run(android_script(genai_on=page))
    assert result.status == "changed" and len(switch_taps(events)) == 1
    before_tap = events[:switch_taps(events)[0]]
    assert before_tap[-2:] == ["source()", "source()"]  # the switch read twice alike before the tap


def test_switch_that_never_reads_the_same_twice_is_drift_without_tap() -> None:
    flicker = [xml("genai_on"), xml("genai_off")] * 200  # every read disagrees with the one before
    page = ReplayScreen("genai_on", flicker, {SWITCH: flip(), "back": "data_privacy"})
    result, events = run(android_script(genai_on=page), timeout=5)
    assert result.status == "ui_drift" and "did not settle" in result.message
    assert switch_taps(events) == []


def test_dutch_locale_detected_automatically() -> None:
    nl = {name: xml(name, locale="nl") for name in ("home", "side_panel", "settings", "data_privacy",
                                                     "genai_on", "genai_off")}
    label = lambda key: FLOW.label(key, "nl")[0]  # noqa: E731
    switch = "ember71"
    screens = [
        ReplayScreen("home", nl["home"], {"com.linkedin.android:id/me_launcher": "side_panel"}),  # older app ids
        ReplayScreen("side_panel", nl["side_panel"], {"com.linkedin.android:id/interests_panel_view_settings": "settings"}),
        ReplayScreen("settings", nl["settings"], {label("data_privacy"): "data_privacy"}),
        ReplayScreen("data_privacy", nl["data_privacy"], {label("genai_setting"): open_genai}),
        ReplayScreen("genai_on", nl["genai_on"], {switch: flip(), "back": "data_privacy"}),
        ReplayScreen("genai_off", nl["genai_off"], {switch: flip(), "back": "data_privacy"}),
    ]
    driver = ReplayDriver(screens, "home")
    driver.vars["stored"] = "on"
    result, _ = run(driver)
    assert (result.status, result.locale) == ("changed", "nl")
    assert not driver.undeclared


def test_ios_apply_uses_labels_and_switch_value() -> None:
    ios = lambda name: xml(name, "ios")  # noqa: E731
    toggle = FLOW.label("genai_toggle", "en")[0]
    screens = [
        ReplayScreen("home", ios("home"), {"My Profile and Communities": "side_panel"}),
        ReplayScreen("side_panel", ios("side_panel"), {"Settings": "settings"}),
        ReplayScreen("settings", ios("settings"), {"Data privacy": "data_privacy"}),
        ReplayScreen("data_privacy", ios("data_privacy"), {GENAI: open_genai}),
        # iOS has no Back key: the page is left through the navigation bar's declared Back button
        ReplayScreen("genai_on", ios("genai_on"), {toggle: flip(), "Back": "data_privacy"}),
        ReplayScreen("genai_off", ios("genai_off"), {toggle: flip(), "Back": "data_privacy"}),
    ]
    driver = ReplayDriver(screens, "home", platform="ios")
    driver.vars["stored"] = "on"
    result, events = run(driver)
    assert (result.status, result.before, result.after, result.persisted) == ("changed", "on", "off", True)
    assert events.count(f"tap({toggle})") == 1 and not driver.undeclared
    assert "tap(Back)" in events and "back()" not in events  # never the driver's own back guess


def test_ios_without_a_declared_back_control_is_drift_not_the_drivers_guess() -> None:
    ios = lambda name: xml(name, "ios")  # noqa: E731
    toggle = FLOW.label("genai_toggle", "en")[0]
    no_bar = re.sub(r"<XCUIElementTypeNavigationBar.*?</XCUIElementTypeNavigationBar>", "", ios("genai_on"),
                    flags=re.S)
    screens = [
        ReplayScreen("home", ios("home"), {"My Profile and Communities": "side_panel"}),
        ReplayScreen("side_panel", ios("side_panel"), {"Settings": "settings"}),
        ReplayScreen("settings", ios("settings"), {"Data privacy": "data_privacy"}),
        ReplayScreen("data_privacy", ios("data_privacy"), {GENAI: "genai_on"}),
        ReplayScreen("genai_on", no_bar, {toggle: "genai_off"}),
        ReplayScreen("genai_off", re.sub(r'value="1"', 'value="0"', no_bar), {}),
    ]
    driver = ReplayDriver(screens, "home", platform="ios")
    result, events = run(driver, timeout=0.5)
    assert result.status == "ui_drift" and "Back" in result.message
    assert "back()" not in events and not driver.undeclared


def test_device_error_from_the_driver_becomes_the_status() -> None:
    def boom(d: ReplayDriver) -> str:
        raise DeviceError("the device went away")
    driver = android_script(home=ReplayScreen("home", xml("home"), {PHOTO: boom}))
    result, _ = run(driver)
    assert result.status == "device_error" and "went away" in result.message
    assert result.steps[-1].status == "failed"


def test_events_reach_subscribers_with_evidence() -> None:
    seen: list[tuple] = []
    screens: list = []
    callbacks = Callbacks(on_step_start=[lambda n: seen.append(("start", n))],
                          on_step_end=[lambda n, s, ms, d: seen.append(("end", n, s))],
                          on_screen=[screens.append])
    result, events = run(android_script(), callbacks=callbacks, evidence=True)
    assert seen[0] == ("start", "launch") and seen[-1] == ("end", "verify persisted", "ok")
    assert [e.step for e in screens] == [s.name for s in result.steps]
    assert events.count("screenshot()") == len(result.steps)
    genai = screens[-1]
    assert genai.screen == "genai" and genai.keep_nodes  # the switch and its label are kept unredacted


def test_no_tap_on_anything_undeclared_in_any_scenario() -> None:
    for driver, mode in ((android_script(), "apply"), (android_script(), "check"),
                         (android_script(switch="off"), "apply")):
        run(driver, mode)
        assert driver.undeclared == []
        assert not any(e.startswith("tap(?") for e in driver.events)


@pytest.mark.parametrize("mode", ["check", "apply"])
def test_never_two_switch_taps_without_a_read_between(mode: str) -> None:
    _, events = run(android_script(), mode)
    taps = switch_taps(events)
    assert all("source()" in events[a:b] for a, b in zip(taps, taps[1:]))
    assert (len(taps) == 0) if mode == "check" else (len(taps) == 1)


def cold_start_run(flow: Flow) -> tuple[ReplayDriver, list[float], list[float]]:
    """A check whose session starts on LinkedIn's splash (three reads of it, then Home); the send time of
    every command and every hold the runner made."""
    splash = UNKNOWN.replace("com.google.android.apps.nexuslauncher", "com.linkedin.android")
    driver = android_script(home=ReplayScreen("home", [splash, splash, splash, xml("home")], {PHOTO: "side_panel"}))
    clock, sent, holds = FakeClock(), [], []

    def command() -> None:
        sent.append(clock.now)
        clock.sleep(COMMAND_S)

    def hold(seconds: float) -> None:
        holds.append(seconds)
        clock.sleep(seconds)

    driver.on_command = command
    result = Runner(flow, driver, "check", clock=clock, sleeper=hold).run()
    assert result.status == "unchanged"
    assert driver.events[:5] == ["source()"] * 4 + [f"tap({PHOTO})"]  # no queryAppState: the splash is the app's
    return driver, sent, holds


def test_cold_start_is_read_at_once_then_when_the_launch_can_be_over() -> None:
    """The session started the app: the first read goes at once; it shows the splash (the device is slow
    enough to show a transition), so the next read is held until the flow's launch length can be over
    (minus a read's round trip) and later ones go at once until Home shows. Nothing asks the app state."""
    _, sent, holds = cold_start_run(FLOW)
    launch = FLOW.transition_s["launch"]
    assert sent[0] == 0 and sent[1] >= launch - COMMAND_S and sent[1] < launch  # as soon as it can show Home
    assert sent[2] == pytest.approx(sent[1] + COMMAND_S) and sent[3] == pytest.approx(sent[2] + COMMAND_S)
    assert holds[0] == pytest.approx(sent[1] - COMMAND_S)


def test_a_flow_without_transition_lengths_reads_at_once_and_never_holds() -> None:
    """Without `defaults: transition_ms` nothing is expected: every read goes at once (the read paces itself)."""
    driver, _, holds = cold_start_run(dataclasses.replace(FLOW, transition_s={}))
    assert holds == [] and driver.events.count("source()") >= 4


def test_an_asked_locale_the_row_does_not_read_is_said_in_the_message() -> None:
    result = Runner(FLOW, android_script(), "check", locale="de").run()
    assert result.status == "unchanged" and result.locale == "en"
    assert result.message.endswith("(the switch's row reads en, not the asked de)")
    plain = Runner(FLOW, android_script(), "check", locale="en").run()
    assert "asked" not in plain.message


def test_a_hold_before_a_read_ends_when_the_run_is_aborted() -> None:
    """A signal during the cold start's hold: the hold returns at once and the next read stops the run."""
    class RecordingAbort(Abort):
        def __init__(self) -> None:
            super().__init__()
            self.waits: list[tuple[float | None, bool]] = []

        def wait(self, timeout: float | None = None) -> bool:
            self.waits.append((timeout, self.tripped))
            return super().wait(timeout)

    splash = UNKNOWN.replace("com.google.android.apps.nexuslauncher", "com.linkedin.android")
    driver = android_script(home=ReplayScreen("home", [splash, splash, xml("home")], {PHOTO: "side_panel"}))
    abort = RecordingAbort()
    driver.on_command = lambda: abort.trip(Cause("SIGINT received: stopped before the next tap", 130, 2))
    result = Runner(FLOW, driver, "check", abort=abort).run()  # the default sleeper: the abort's wait
    assert result.status == "interrupted" and driver.events == ["source()"]
    assert len(abort.waits) == 1 and abort.waits[0][1] and abort.waits[0][0] is not None and abort.waits[0][0] > 1


def test_app_left_on_an_unknown_screen_is_restarted_once() -> None:
    """LinkedIn in front on Messaging and a session that did not restart it: terminate + activate, then on."""
    driver = android_script()
    driver.screens["messaging"] = ReplayScreen("messaging", UNKNOWN, {"launch": "home"})
    driver.screen = "messaging"
    result, events = run(driver, mode="check")
    assert result.status == "unchanged", result.message
    assert events.index("terminate()") < events.index("launch()")
    assert events.count("terminate()") == 1
    assert "restarted" in result.steps[0].detail

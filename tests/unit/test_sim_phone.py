"""The simulated phone: the whole path on both platforms, account state, scenarios, timing, the log."""

from __future__ import annotations

import io
import json
import re

import pytest
from lxml import etree
from PIL import Image

from mobile.errors import ConfigError
from mobile.sim import Phone, SimError, known_scenarios, load_scenario
from support import FakeClock

CAPS = {
    "android": {"platformName": "Android", "appium:automationName": "LinkedInSim",
                "appium:appPackage": "com.linkedin.android",
                "appium:appActivity": "com.linkedin.android.authenticator.LaunchActivity", "appium:noReset": True},
    "ios": {"platformName": "iOS", "appium:automationName": "LinkedInSim", "appium:bundleId": "com.linkedin.LinkedIn",
            "appium:noReset": True},
}
CAPS_APP = {"android": "com.linkedin.android", "ios": "com.linkedin.LinkedIn"}
SWITCH_ROLES = ("android.widget.ToggleButton", "android.widget.CheckBox", "XCUIElementTypeSwitch")


def elements(xml: str) -> list:
    root = etree.fromstring(xml.encode("utf-8"))
    return [e for e in root.iter() if e.tag not in ("hierarchy", "AppiumAUT")]


def label_of(el) -> str:
    return el.get("content-desc") or el.get("label") or ""


def text_of(el) -> str:
    return el.get("text") if el.get("text") is not None else (el.get("label") or "")


def center(el) -> tuple[int, int]:
    if el.get("bounds"):
        l, t, r, b = map(int, re.findall(r"-?\d+", el.get("bounds")))
        return (l + r) // 2, (t + b) // 2
    x, y, w, h = (int(el.get(k)) for k in ("x", "y", "width", "height"))
    return x + w // 2, y + h // 2


def find(phone: Phone, pred) -> object | None:
    return next((e for e in elements(phone.source()) if pred(e)), None)


def tap_where(phone: Phone, pred) -> None:
    el = find(phone, pred)
    assert el is not None, f"nothing matches on screen {phone.current_screen}"
    phone.tap(*center(el))


def open_data_privacy(phone: Phone, labels: dict) -> None:
    """Home -> side panel -> Settings -> Data privacy, tapping node centres read from the page source."""
    tap_where(phone, by_label(labels["profile_photo"]))
    tap_where(phone, by_label(labels["settings"]))
    tap_where(phone, lambda e: text_of(e) == labels["data_privacy"] and e.get("clickable") == "true")


def by_label(text: str):
    return lambda e: label_of(e) == text or text_of(e) == text


def switch(phone: Phone):
    return find(phone, lambda e: e.tag in SWITCH_ROLES)


def switch_state(el) -> str:
    value = el.get("checked") if el.get("checked") is not None and el.tag != "XCUIElementTypeSwitch" else None
    if value is None:
        value = "true" if el.get("value") == "1" else "false"
    return "on" if value == "true" else "off"


def walk_to_genai(phone: Phone, labels: dict) -> None:
    tap_where(phone, by_label(labels["profile_photo"]))
    assert phone.current_screen == "side_panel"
    tap_where(phone, lambda e: text_of(e) == labels["settings"] and e.tag.endswith(("Button", "TextView")))
    assert phone.current_screen == "settings"
    tap_where(phone, lambda e: text_of(e) == labels["data_privacy"] and e.get("heading") != "true"
              and e.tag in ("android.view.View", "XCUIElementTypeLink"))
    assert phone.current_screen == "data_privacy"
    tap_where(phone, lambda e: text_of(e) == labels["genai_setting"] and e.tag in ("android.view.View",
                                                                                  "XCUIElementTypeLink"))
    assert phone.current_screen == "genai"


def started(platform: str = "android", scenario: str = "default", **kw) -> Phone:
    phone = Phone(platform, scenario, latency_scale=0, **kw)
    phone.start_session(CAPS[platform])
    return phone


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_whole_path_flip_and_state_survives_a_new_session(platform):
    phone = started(platform)
    labels = phone.scenario.label_table()
    walk_to_genai(phone, labels)
    assert switch_state(switch(phone)) == "on"
    phone.tap(*center(switch(phone)))
    assert switch_state(switch(phone)) == "off"
    assert [(c["before"], c["after"], c["persisted"]) for c in phone.log.switch_changes()] == [("on", "off", True)]
    phone.end_session()
    phone.start_session({**CAPS[platform], "appium:forceAppLaunch": True})
    assert phone.current_screen == "home"  # forceAppLaunch restarts the running app
    walk_to_genai(phone, labels)
    assert switch_state(switch(phone)) == "off"
    assert phone.genai_enabled is False
    keys = [t["node"]["key"] for t in phone.log.taps()]
    assert keys == ["profile_photo", "settings", "data_privacy", "genai_setting", "genai_toggle",
                    "profile_photo", "settings", "data_privacy", "genai_setting"]


def test_check_path_never_touches_the_switch_and_log_is_json():
    phone = started()
    walk_to_genai(phone, phone.scenario.label_table())
    assert phone.log.switch_changes() == []
    events = json.loads(phone.log.to_json())
    assert {"start_session", "source", "tap"} <= {e["cmd"] for e in events}
    tap = phone.log.taps()[0]
    assert tap["screen"] == "home" and tap["node"]["id"] == "com.linkedin.android:id/me_launcher_container"


def test_page_source_only_on_screen_nodes_and_genai_row_after_research_row():
    phone = started()
    labels = phone.scenario.label_table()
    walk_to_genai(phone, labels)
    phone.back()
    texts = [text_of(e) for e in elements(phone.source())]
    assert texts.index(labels["research_setting"]) < texts.index(labels["genai_setting"])


@pytest.mark.parametrize("scenario,locale", [("dutch", "nl"), ("german", "de"), ("french", "fr")])
def test_locales_show_translated_labels(scenario, locale):
    phone = started("android", scenario)
    labels = phone.scenario.label_table()
    assert labels["genai_toggle"] == phone.scenario.labels[locale]["genai_toggle"]
    walk_to_genai(phone, labels)
    texts = {text_of(e) for e in elements(phone.source())}
    assert labels["genai_toggle"] in texts and labels["on"] == switch(phone).get("text")


def test_already_off():
    phone = started("ios", "already-off")
    walk_to_genai(phone, phone.scenario.label_table())
    assert switch(phone).get("value") == "0"


def test_not_offered_has_no_genai_row():
    phone = started(scenario="not-offered")
    labels = phone.scenario.label_table()
    open_data_privacy(phone, labels)
    texts = {text_of(e) for e in elements(phone.source())}
    assert labels["research_setting"] in texts and labels["genai_setting"] not in texts


def test_signed_out_opens_on_sign_in():
    phone = started(scenario="signed-out")
    assert phone.current_screen == "sign_in"
    assert find(phone, by_label("Sign in with Email")) is not None


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_app_missing(platform):
    phone = Phone(platform, "app-missing", latency_scale=0)
    with pytest.raises(SimError) as err:
        phone.start_session(CAPS[platform])
    assert err.value.error == "session not created"
    phone.start_session({**CAPS[platform], "appium:autoLaunch": False})
    app_id = "com.linkedin.android" if platform == "android" else "com.linkedin.LinkedIn"
    assert phone.query_app_state(app_id) == 0
    assert phone.current_screen == "launcher" and find(phone, by_label("LinkedIn")) is None


def test_wrong_app_and_platform_refused():
    phone = Phone("android", latency_scale=0)
    with pytest.raises(SimError, match="session not created"):
        phone.start_session({**CAPS["android"], "appium:appPackage": "com.example"})
    with pytest.raises(SimError, match="session not created"):
        phone.start_session(CAPS["ios"])
    with pytest.raises(SimError) as err:
        phone.activate_app("com.example")
    assert err.value.error == "unknown error"


def test_popups_block_until_dismissed():
    phone = started(scenario="popups")
    labels = phone.scenario.label_table()
    assert phone.current_screen == "permission_notifications"
    assert find(phone, by_label(labels["profile_photo"])) is None
    root = elements(phone.source())[0]
    assert root.get("package") == "com.android.permissioncontroller"
    tap_where(phone, by_label(labels["permission_deny"]))
    assert phone.current_screen == "home"
    tap_where(phone, by_label(labels["profile_photo"]))
    tap_where(phone, by_label(labels["settings"]))
    assert phone.current_screen == "prompt_not_now"
    tap_where(phone, by_label(labels["not_now"]))
    assert phone.current_screen == "settings"
    popups = [e["popup"] for e in phone.log.events if e["cmd"] == "popup"]
    assert popups == ["permission_notifications", "prompt_not_now"]


def test_slow_latency_and_late_switch():
    clock = FakeClock(100.0)
    phone = Phone("android", "slow", clock=clock, latency_scale=1.0)
    assert phone.command_latency("source") == pytest.approx(0.45 * 3)
    assert phone.command_latency("no-such-command") == pytest.approx(0.05 * 3)
    phone.start_session(CAPS["android"])
    assert phone.current_screen == "splash"
    clock.advance(1.8 * 3)
    labels = phone.scenario.label_table()
    for step in (by_label(labels["profile_photo"]), by_label(labels["settings"]),
                 lambda e: text_of(e) == labels["data_privacy"] and e.get("clickable") == "true",
                 lambda e: text_of(e) == labels["genai_setting"] and e.get("clickable") == "true"):
        tap_where(phone, step)
        clock.advance(0.9 * 3)
    assert phone.current_screen == "genai"
    assert switch(phone) is None and find(phone, by_label(labels["genai_toggle"])) is not None
    clock.advance(2.5 * 3 - 0.01)
    assert switch(phone) is None
    clock.advance(0.02)
    assert switch(phone) is not None


def test_transition_shows_old_screen_until_the_clock_passes():
    clock = FakeClock(100.0)
    phone = Phone("android", clock=clock, latency_scale=1.0)
    phone.start_session(CAPS["android"])
    clock.advance(1.8)
    assert phone.current_screen == "home"
    tap_where(phone, by_label("My Profile and Communities"))
    assert phone.current_screen == "home"
    clock.advance(0.349)
    assert find(phone, by_label("My Profile and Communities")) is not None
    clock.advance(0.002)
    assert phone.current_screen == "side_panel"


def test_long_list_must_scroll_and_clips_partial_rows():
    phone = started(scenario="long-list")
    labels = phone.scenario.label_table()
    open_data_privacy(phone, labels)
    assert find(phone, by_label(labels["genai_setting"])) is None
    webview = find(phone, lambda e: e.tag == "android.webkit.WebView")
    bottom = 2400
    for el in elements(phone.source()):
        l, t, r, b = map(int, re.findall(r"\d+", el.get("bounds")))
        assert b <= bottom and (el is webview or t >= 0)
    moves = 0
    while find(phone, by_label(labels["genai_setting"])) is None:
        assert phone.swipe(540, 2000, 540, 1000), "list stopped moving before the row appeared"
        moves += 1
    assert moves >= 1
    for el in elements(phone.source()):
        l, t, r, b = map(int, re.findall(r"\d+", el.get("bounds")))
        assert t < b and (el.tag == "android.widget.FrameLayout" or t >= 84) and b <= bottom
    tap_where(phone, by_label(labels["genai_setting"]))
    assert phone.current_screen == "genai"


def test_scroll_gesture_reports_whether_more_is_possible():
    phone = started(scenario="long-list")
    labels = phone.scenario.label_table()
    open_data_privacy(phone, labels)
    results = [phone.scroll("down", (0, 240, 1080, 2160), 0.5) for _ in range(4)]
    assert results == [True, False, False, False]  # max offset 1900: 1080, then clamped at 1900
    assert find(phone, by_label(labels["genai_setting"])) is not None
    assert phone.scroll("up", None, 1.0) is False
    assert phone.swipe(540, 1000, 540, 2000) is False  # already at the top


def test_partially_visible_row_has_clipped_bounds():
    phone = started(scenario="long-list")
    labels = phone.scenario.label_table()
    open_data_privacy(phone, labels)
    phone.swipe(540, 2000, 540, 1950)  # 50 px: the title row (180 px) is cut to 130 px at the top
    title = find(phone, lambda e: e.get("heading") == "true" and text_of(e) == labels["data_privacy"])
    assert title.get("bounds") == "[0,240][1080,370]"


def test_no_persist_shows_old_state_after_reopening():
    phone = started(scenario="no-persist")
    labels = phone.scenario.label_table()
    walk_to_genai(phone, labels)
    phone.tap(*center(switch(phone)))
    assert switch_state(switch(phone)) == "off"
    phone.back()
    assert phone.current_screen == "data_privacy"
    tap_where(phone, lambda e: text_of(e) == labels["genai_setting"] and e.get("clickable") == "true")
    assert switch_state(switch(phone)) == "on"
    assert phone.genai_enabled is True
    assert phone.log.switch_changes()[0]["persisted"] is False


def test_crash_once_then_works_after_restart():
    phone = started(scenario="crash-once")
    labels = phone.scenario.label_table()
    open_data_privacy(phone, labels)
    assert phone.current_screen == "launcher"
    assert phone.query_app_state("com.linkedin.android") == 1
    assert elements(phone.source())[0].get("package") == "com.google.android.apps.nexuslauncher"
    phone.activate_app("com.linkedin.android")
    walk_to_genai(phone, labels)
    assert [e["cmd"] for e in phone.log.events].count("crash") == 1


def test_webview_legacy_uses_checkbox_and_older_ids():
    phone = started(scenario="webview-legacy")
    source = phone.source()
    assert 'resource-id="com.linkedin.android:id/me_launcher"' in source
    labels = phone.scenario.label_table()
    tap_where(phone, by_label(labels["profile_photo"]))
    assert find(phone, lambda e: e.get("resource-id") == "com.linkedin.android:id/interests_panel_view_settings") is not None
    phone.back()
    walk_to_genai(phone, labels)
    box = switch(phone)
    assert box.tag == "android.widget.CheckBox" and box.get("text") == "" and box.get("checked") == "true"


def test_app_control_and_back():
    phone = started()
    app = "com.linkedin.android"
    assert phone.query_app_state(app) == 4
    phone.back()  # Home: leaves the app
    assert phone.query_app_state(app) == 3 and phone.current_screen == "launcher"
    phone.activate_app(app)
    assert phone.current_screen == "home"
    tap_where(phone, by_label("My Profile and Communities"))
    phone.keyevent(3)
    assert phone.query_app_state(app) == 3
    phone.activate_app(app)
    assert phone.current_screen == "side_panel"  # background -> foreground keeps the screen
    assert phone.terminate_app(app) is True and phone.terminate_app(app) is False
    assert phone.query_app_state(app) == 1 and phone.query_app_state("com.other") == 0
    tap_where(phone, by_label("LinkedIn"))  # the launcher icon starts it
    assert phone.current_screen == "home"


def test_lock_screen_and_unlock_keys():
    phone = started()
    phone.keyevent(26)
    assert (phone.screen_on, phone.locked, phone.current_screen) == (False, True, "keyguard")
    phone.tap(540, 1200)
    assert phone.log.taps()[-1]["node"] is None
    phone.keyevent(224)
    phone.keyevent(82)
    assert phone.current_screen == "home"
    phone.keyevent(26)
    phone.wake()
    phone.dismiss_keyguard()
    assert phone.current_screen == "home"
    phone.keyevent(26)
    phone.start_session(CAPS["android"])  # like UiAutomator2, session creation unlocks
    assert phone.current_screen == "home"


def test_device_facts_and_window_size():
    android, ios = Phone("android", latency_scale=0), Phone("ios", latency_scale=0)
    assert android.window_size() == (1080, 2400) and ios.window_size() == (390, 844)
    assert android.app_installed and android.app_version and android.serial and ios.os_version.startswith("17")


def test_screenshot_draws_the_switch_state():
    phone = started()
    walk_to_genai(phone, phone.scenario.label_table())
    x, y = center(switch(phone))
    on = Image.open(io.BytesIO(phone.screenshot()))
    phone.tap(x, y)
    off = Image.open(io.BytesIO(phone.screenshot()))
    assert on.size == (1080, 2400) and on.format == "PNG"
    assert on.getpixel((x - 20, y)) != off.getpixel((x - 20, y))


def test_latency_scale_zero_and_env(monkeypatch):
    assert Phone("android", latency_scale=0).command_latency("source") == 0
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0.5")
    assert Phone("android").command_latency("click") == pytest.approx(0.06)


def test_scenario_loader_errors_name_the_place(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_scenario("nope")
    assert "default" in str(err.value) and "crash-once" in str(err.value)
    bad = tmp_path / "bad.yaml"
    bad.write_text("locale: en\nstate:\n  genai_enabled: true\n  colour: blue\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:4: unknown key 'colour'"):
        load_scenario(str(bad))
    bad.write_text("locale: xx\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:1: unknown locale 'xx'"):
        load_scenario(str(bad))
    bad.write_text("interruptions:\n  - {screen: home, popup: nothing}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:2: .*'nothing' is not a known screen"):
        load_scenario(str(bad))
    bad.write_text("state: [\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:\d+: invalid YAML"):
        load_scenario(str(bad))


def test_custom_scenario_file_with_extra_interstitial(tmp_path):
    custom = tmp_path / "mine.yaml"
    custom.write_text(
        "description: extra page between Settings and Data privacy\n"
        "locale: de\n"
        "state: {genai_enabled: false}\n"
        "labels: {de: {settings: Einstellungen}}\n"
        "screens:\n"
        "  interstitial:\n"
        "    kind: native\n"
        "    nodes:\n"
        "      - {role: button, text: Weiter, box: [60, 1800, 1020, 1940], clickable: true,"
        " on_tap: {goto: data_privacy}}\n"
    )
    scenario = load_scenario(custom)
    assert scenario.locale == "de" and scenario.state["genai_enabled"] is False and scenario.state["signed_in"]
    assert "interstitial" in scenario.screens and scenario.latency.commands["source"] == 450
    assert set(known_scenarios()) >= {"default", "already-off", "dutch", "german", "french", "not-offered",
                                      "signed-out", "app-missing", "popups", "slow", "long-list", "no-persist",
                                      "crash-once", "webview-legacy"}
    phone = Phone("android", scenario, latency_scale=0)
    assert "Weiter" in phone.source_of("interstitial")


@pytest.mark.parametrize("name", ["default", "dutch", "slow", "crash-once"])
def test_a_scenario_is_named_after_its_own_file_not_its_base(name):
    from mobile.sim.scenario import load_scenario

    assert load_scenario(name).name == name


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_no_reset_without_force_launch_leaves_a_running_app_where_it_was(platform):
    """UiAutomator2/XCUITest with noReset and no forceAppLaunch do not restart a running app."""
    phone = Phone(platform, "background", latency_scale=0)
    assert (phone.current_screen, phone.query_app_state(CAPS_APP[platform])) == ("launcher", 3)
    phone.start_session(CAPS[platform])
    # UiAutomator2 leaves it in the background; XCUITest activates it where it was
    assert phone.current_screen == ("launcher" if platform == "android" else "conversation")
    phone.activate_app(CAPS_APP[platform])
    assert phone.current_screen == "conversation"
    phone.end_session()
    phone.start_session({**CAPS[platform], "appium:forceAppLaunch": True})
    assert phone.current_screen == "home"


def test_open_elsewhere_starts_in_the_foreground_on_messaging():
    phone = Phone("android", "open-elsewhere", latency_scale=0)
    assert (phone.current_screen, phone.query_app_state("com.linkedin.android")) == ("messaging", 4)
    phone.back()
    assert phone.current_screen == "home"


def test_launcher_alias_refuses_the_unexported_launch_activity():
    phone = Phone("android", "launcher-alias", latency_scale=0)
    with pytest.raises(SimError, match="not exported from uid"):
        phone.start_session(CAPS["android"])
    caps = {k: v for k, v in CAPS["android"].items() if k != "appium:appActivity"}
    phone.start_session(caps)
    assert phone.current_screen == "home"
    assert phone.launcher_activity == "com.linkedin.android.authenticator.LaunchActivityDefault"


@pytest.mark.parametrize(("scenario", "screen", "ids"), [
    ("signed-out", "sign_in", {"growth_prereg_fragment_login_button", "growth_prereg_fragment_join_button",
                               "growth_prereg_fragment_join_with_google_button"}),
    ("signed-out-form", "sign_in_form", {"growth_login_join_fragment"}),
])
def test_signed_out_screens(scenario, screen, ids):
    phone = started("android", scenario)
    assert phone.current_screen == screen
    source = phone.source()
    assert all(f"com.linkedin.android:id/{i}" in source for i in ids)


def test_new_panel_has_no_interests_panel_or_identity_mirror_ids():
    phone = started("android", "new-panel")
    tap_where(phone, by_label(phone.scenario.label_table()["profile_photo"]))
    source = phone.source()
    assert phone.current_screen == "side_panel"
    assert "interests_panel_" not in source and "identity_mirror_" not in source
    assert "com.linkedin.android:id/home_nav_premium_upsell_text_view" in source


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_pin_lock_survives_session_start_and_dismiss_keyguard(platform):
    phone = Phone(platform, "pin-locked", latency_scale=0)
    phone.start_session(CAPS[platform])
    phone.dismiss_keyguard()
    phone.keyevent(82)
    assert (phone.locked, phone.screen_on, phone.current_screen) == (True, True, "keyguard")
    assert ("Enter PIN" if platform == "android" else "Enter Passcode") in phone.source()


def test_swipe_lock_is_opened_by_session_start():
    phone = Phone("android", "swipe-locked", latency_scale=0)
    assert phone.current_screen == "keyguard"
    phone.start_session(CAPS["android"])
    assert (phone.locked, phone.current_screen) == (False, "home")

"""Each SPEC scenario of the simulated phone, shown through a real Appium 3 server by plain client calls."""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import NoSuchElementException, WebDriverException
from selenium.webdriver.common.by import By

ANDROID_APP = {"appId": "com.linkedin.android"}


def test_default_english_switch_on(linkedin, sim):
    ui = linkedin("android", "default")
    ui.open_genai_page()
    assert ui.switch_state() == "on"
    assert sim(ui.handle, "/sim/state")["locale"] == "en"


def test_already_off_reads_off_and_nothing_is_tapped(linkedin, sim):
    ui = linkedin("android", "already-off")
    ui.open_genai_page()
    assert ui.switch_state() == "off"
    assert not [e for e in sim(ui.handle, "/sim/log") if e["cmd"] == "switch"]


@pytest.mark.parametrize(("scenario", "settings", "toggle_label"), [
    ("dutch", "Instellingen", "Mijn gegevens gebruiken voor training van AI-modellen waarmee content wordt gemaakt"),
    ("german", "Einstellungen", None),
    ("french", "Préférences", "Utiliser mes données pour entraîner des modèles d'IA de création de contenu"),
])
def test_localized_labels_lead_to_the_switch(linkedin, scenario, settings, toggle_label):
    ui = linkedin("android", scenario)
    assert ui.labels["settings"] == settings
    if toggle_label:
        assert ui.labels["genai_toggle"] == toggle_label
    ui.open_side_panel()
    assert ui.driver.find_elements(By.XPATH, "//*[@text='Settings']") == []
    ui.tap_text(ui.labels["settings"])
    ui.tap_text(ui.labels["data_privacy"])
    ui.tap_text(ui.labels["genai_setting"])
    assert ui.switch_state() == "on"
    ui.flip_switch()
    assert ui.switch_state() == "off"


def test_not_offered_has_no_genai_row_even_at_the_end_of_the_list(linkedin):
    ui = linkedin("android", "not-offered")
    ui.open_side_panel()
    ui.tap_text(ui.labels["settings"])
    ui.tap_text(ui.labels["data_privacy"])
    page = ui.driver.find_element(By.XPATH, "//android.webkit.WebView")
    while ui.driver.execute_script("mobile: scrollGesture", {"elementId": page.id, "direction": "down",
                                                             "percent": 1.0}):
        page = ui.driver.find_element(By.XPATH, "//android.webkit.WebView")
    assert ui.driver.find_elements(By.XPATH, ui.tappable(ui.labels["genai_setting"])) == []
    assert ui.driver.find_elements(By.XPATH, ui.tappable(ui.labels["research_setting"]))


def test_signed_out_opens_on_sign_in(linkedin, sim):
    ui = linkedin("android", "signed-out")
    assert sim(ui.handle, "/sim/state")["screen"] == "sign_in"
    assert ui.driver.find_element(By.XPATH, ui.tappable(ui.labels["sign_in_email"]))  # the prereg screen
    with pytest.raises(NoSuchElementException):
        ui.open_side_panel()


def test_app_missing_session_not_created_and_app_state_0(appium_session, sim_phone):
    handle = sim_phone("android", "app-missing")
    with pytest.raises(WebDriverException, match="not installed"):
        appium_session(handle)
    driver = appium_session(handle, **{"appium:appPackage": None, "appium:appActivity": None})
    assert driver.execute_script("mobile: queryAppState", ANDROID_APP) == 0


def test_popups_are_dismissed_by_their_declared_controls(linkedin, sim):
    ui = linkedin("android", "popups")
    assert sim(ui.handle, "/sim/state")["screen"] == "permission_notifications"
    with pytest.raises(NoSuchElementException):
        ui.open_side_panel()  # the dialog covers Home: the photo is not in the tree
    ui.driver.find_element(By.ID, "com.android.permissioncontroller:id/permission_deny_button").click()
    ui.open_side_panel()
    ui.tap_text(ui.labels["settings"])
    assert sim(ui.handle, "/sim/state")["screen"] == "prompt_not_now"
    ui.tap_text(ui.labels["not_now"])
    ui.tap_text(ui.labels["data_privacy"])
    ui.tap_text(ui.labels["genai_setting"])
    assert ui.switch_state() == "on"


def test_slow_device_commands_take_time_and_the_switch_appears_late(linkedin):
    scale = 0.05  # scenario latency x3 x0.05: source ~68 ms, the switch ~375 ms after its page
    ui = linkedin("android", "slow", latency_scale=scale)
    source_s = ui.handle.phone.command_latency("source")
    assert source_s > 0
    began = time.monotonic()
    ui.driver.page_source
    assert time.monotonic() - began >= source_s
    # Screens take time to appear: the phone's server retries finds for the implicit wait, like UiAutomator2.
    ui.driver.implicitly_wait(10)
    ui.open_side_panel()
    ui.tap_text(ui.labels["settings"])
    ui.tap_text(ui.labels["data_privacy"])
    ui.tap_text(ui.labels["genai_setting"])
    assert ui.wait_for(ui.switch_state) == "on"


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_long_list_needs_scrolling_to_reach_the_row(linkedin, platform):
    ui = linkedin(platform, "long-list")
    ui.open_side_panel()
    ui.tap_text(ui.labels["settings"])
    ui.tap_text(ui.labels["data_privacy"])
    row = ui.tappable(ui.labels["genai_setting"])
    assert ui.driver.find_elements(By.XPATH, row) == []
    for _ in range(10):
        if ui.driver.find_elements(By.XPATH, row):
            break
        if platform == "android":
            page = ui.driver.find_element(By.XPATH, "//android.webkit.WebView").rect
            ui.driver.execute_script("mobile: scrollGesture", {
                "left": page["x"], "top": page["y"], "width": page["width"], "height": page["height"],
                "direction": "down", "percent": 0.75})
        else:
            ui.driver.execute_script("mobile: scroll", {"direction": "down"})
    ui.tap_text(ui.labels["genai_setting"])
    assert ui.switch_state() == "on"


def test_long_list_scrolls_with_a_w3c_swipe(linkedin, sim):
    ui = linkedin("android", "long-list")
    ui.open_side_panel()
    ui.tap_text(ui.labels["settings"])
    ui.tap_text(ui.labels["data_privacy"])
    rows = "//android.webkit.WebView//*[@clickable='true']"
    first_before = ui.driver.find_element(By.XPATH, rows).text
    ui.driver.swipe(540, 2000, 540, 900, 300)  # the client sends W3C pointer actions: down, move, up
    assert ui.driver.find_element(By.XPATH, rows).text != first_before
    swipes = [e for e in sim(ui.handle, "/sim/log") if e["cmd"] == "swipe"]
    assert [(e["x1"], e["y1"], e["x2"], e["y2"]) for e in swipes] == [(540, 2000, 540, 900)]


def test_no_persist_flips_on_screen_but_reopening_shows_the_old_state(linkedin, sim):
    ui = linkedin("android", "no-persist")
    ui.open_genai_page()
    ui.flip_switch()
    assert ui.switch_state() == "off"
    ui.driver.back()
    ui.tap_text(ui.labels["genai_setting"])
    assert ui.switch_state() == "on"
    assert sim(ui.handle, "/sim/state")["genai"] == "on"


def test_crash_once_recovers_after_activate_app(linkedin, sim):
    ui = linkedin("android", "crash-once")
    ui.open_side_panel()
    ui.tap_text(ui.labels["settings"])
    ui.tap_text(ui.labels["data_privacy"])
    assert ui.driver.execute_script("mobile: queryAppState", ANDROID_APP) == 1
    assert sim(ui.handle, "/sim/state")["screen"] == "launcher"
    ui.driver.execute_script("mobile: activateApp", ANDROID_APP)
    ui.open_genai_page()
    assert ui.switch_state() == "on"


def test_webview_legacy_switch_is_a_checkbox_without_text(linkedin):
    ui = linkedin("android", "webview-legacy")
    assert ui.driver.find_elements(By.ID, "me_launcher")
    ui.open_side_panel()
    ui.driver.find_element(By.ID, "interests_panel_view_settings").click()
    ui.tap_text(ui.labels["data_privacy"])
    ui.tap_text(ui.labels["genai_setting"])
    switch = ui.driver.find_element(By.XPATH, ui.switch_xpath())
    assert switch.get_attribute("class") == "android.widget.CheckBox"
    assert switch.text == ""
    ui.flip_switch()
    assert ui.switch_state() == "off"


@pytest.mark.parametrize("scenario", ["open-elsewhere", "background"])
def test_a_running_app_comes_back_where_it_was_unless_force_launched(appium_session, sim_phone, sim, scenario):
    """UiAutomator2/XCUITest behaviour with noReset: a running app is not restarted by session creation."""
    handle = sim_phone("android", scenario)
    appium_session(handle)
    # UiAutomator2 leaves a running app alone: in front on Messaging, or still in the background
    left_on = "messaging" if scenario == "open-elsewhere" else "launcher"
    assert sim(handle, "/sim/state")["screen"] == left_on
    appium_session(handle, **{"appium:forceAppLaunch": True})
    assert sim(handle, "/sim/state")["screen"] == "home"


def test_launcher_alias_refuses_launch_activity_but_resolves_without_it(appium_session, sim_phone, sim):
    handle = sim_phone("android", "launcher-alias")
    with pytest.raises(WebDriverException, match="not exported from uid"):
        appium_session(handle)  # the capabilities scripts copy: appActivity .authenticator.LaunchActivity
    appium_session(handle, **{"appium:appActivity": None})
    assert sim(handle, "/sim/state")["screen"] == "home"


@pytest.mark.parametrize(("scenario", "screen", "text"), [("signed-out", "sign_in", "Sign in with Email"),
                                                          ("signed-out-form", "sign_in_form", "Email or phone")])
def test_signed_out_screens_through_appium(linkedin, sim, scenario, screen, text):
    ui = linkedin("android", scenario)
    assert sim(ui.handle, "/sim/state")["screen"] == screen
    assert ui.driver.find_elements(By.XPATH, f"//*[@text='{text}']")


def test_pin_locked_keeps_its_lock_through_session_creation(appium_session, sim_phone, sim):
    handle = sim_phone("android", "pin-locked")
    driver = appium_session(handle)
    assert sim(handle, "/sim/state")["screen"] == "keyguard"
    assert driver.find_elements(By.ID, "com.android.systemui:id/keyguard_pin_view")

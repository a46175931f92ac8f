"""Through a real Appium 3 server and the LinkedInSim driver: the whole path, locators, actions, errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By

from mobile.sim.launch import spawn_phone
from support import http_json


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_flip_switch_off_and_new_session_sees_it_persisted(platform, linkedin, appium_session, sim):
    ui = linkedin(platform)
    ui.open_genai_page()
    assert ui.switch_state() == "on"
    ui.flip_switch()
    assert ui.switch_state() == "off"
    switches = [e for e in sim(ui.handle, "/sim/log") if e["cmd"] == "switch"]
    assert switches == [{**switches[0], "before": "on", "after": "off", "persisted": True}]
    ui.driver.quit()

    # the app is still open on the setting's page: a session that should start on Home asks for a fresh
    # start, as the tool does (with noReset alone the drivers leave a running app where it is)
    again = type(ui)(appium_session(ui.handle, **{"appium:forceAppLaunch": True}), ui.handle)
    again.open_genai_page()
    assert again.switch_state() == "off"
    assert sim(ui.handle, "/sim/state")["genai"] == "off"


def test_session_capabilities_come_back_through_appium(linkedin):
    ui = linkedin("android")
    caps = ui.driver.capabilities
    assert caps["automationName"] == "LinkedInSim"
    assert caps["simServer"] == ui.handle.url
    assert caps["platformName"].lower() == "android"


def test_page_source_through_appium_is_the_phone_source_byte_for_byte(linkedin):
    ui = linkedin("android")
    through_appium = ui.driver.page_source
    assert through_appium == ui.handle.phone.source()
    assert through_appium.startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>")


def test_ios_source_is_xcuitest_format_and_switch_value_reads_1(linkedin):
    ui = linkedin("ios")
    assert ui.driver.page_source.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<AppiumAUT>')
    ui.open_genai_page()
    switch = ui.driver.find_element(By.XPATH, ui.switch_xpath())
    assert switch.get_attribute("value") == "1"
    assert switch.tag_name == "XCUIElementTypeSwitch"


def test_locators_id_accessibility_id_class_name_and_real_xpath(linkedin):
    ui = linkedin("android")
    by_id = ui.driver.find_element(By.ID, "me_launcher_container")
    by_full_id = ui.driver.find_element(By.ID, "com.linkedin.android:id/me_launcher_container")
    by_a11y = ui.driver.find_element("accessibility id", "My Profile and Communities")
    assert by_id.rect == by_full_id.rect == by_a11y.rect
    tabs = ui.driver.find_elements(By.XPATH, "//*[starts-with(@resource-id, 'com.linkedin.android:id/tab_')]")
    assert len(tabs) == 5
    assert ui.driver.find_elements(By.CLASS_NAME, "androidx.compose.ui.platform.ComposeView")
    count_is_five = ui.driver.find_elements(By.XPATH, "//*[count(*[starts-with(@resource-id, "
                                                      "'com.linkedin.android:id/tab_')]) = 5]")
    assert len(count_is_five) == 1
    with pytest.raises(WebDriverException, match="(?i)invalid (selector|xpath)"):
        ui.driver.find_element(By.XPATH, "//*[")


def test_bare_webview_id_needs_disabled_id_autocompletion(linkedin):
    ui = linkedin("android")
    ui.open_side_panel()
    ui.tap_text("Settings")
    assert ui.driver.find_elements(By.ID, "sign_out") == []  # auto-prefixed: misses the bare HTML id
    ui.driver.update_settings({"disableIdLocatorAutocompletion": True})
    assert ui.driver.get_settings()["disableIdLocatorAutocompletion"] is True
    assert ui.driver.find_element(By.ID, "sign_out").text == "Sign out"


def test_w3c_pointer_tap_and_element_attributes(linkedin):
    ui = linkedin("android")
    photo = ui.driver.find_element("accessibility id", "My Profile and Communities")
    rect = photo.rect
    assert photo.get_attribute("clickable") == "true"
    assert photo.get_attribute("resource-id") == "com.linkedin.android:id/me_launcher_container"
    assert photo.is_displayed() and photo.is_enabled()
    actions = ActionChains(ui.driver)
    actions.w3c_actions = ActionBuilder(ui.driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    actions.w3c_actions.pointer_action.move_to_location(rect["x"] + rect["width"] // 2, rect["y"] + rect["height"] // 2)
    actions.w3c_actions.pointer_action.pointer_down().pause(0.05).release()
    actions.perform()
    ui.wait_for(lambda: ui.driver.find_elements(By.ID, "home_nav_premium_upsell_text_view"))


def test_clicking_an_element_from_an_earlier_screen_is_stale(linkedin):
    ui = linkedin("android")
    photo = ui.driver.find_element("accessibility id", "My Profile and Communities")
    photo.click()
    with pytest.raises(StaleElementReferenceException):
        photo.click()


def test_back_and_window_rect_and_screenshot(linkedin, sim):
    ui = linkedin("android")
    assert ui.driver.get_window_rect() == {"x": 0, "y": 0, "width": 1080, "height": 2400}
    ui.open_side_panel()
    assert sim(ui.handle, "/sim/state")["screen"] == "side_panel"
    ui.driver.back()
    assert sim(ui.handle, "/sim/state")["screen"] == "home"
    png = ui.driver.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_app_control_extensions(linkedin):
    ui = linkedin("android")
    app = {"appId": "com.linkedin.android"}
    assert ui.driver.execute_script("mobile: queryAppState", app) == 4
    assert ui.driver.execute_script("mobile: terminateApp", app) is True
    assert ui.driver.execute_script("mobile: queryAppState", app) == 1
    ui.driver.execute_script("mobile: activateApp", app)
    assert ui.driver.execute_script("mobile: queryAppState", app) == 4
    ios = linkedin("ios")
    assert ios.driver.execute_script("mobile: queryAppState", {"bundleId": "com.linkedin.LinkedIn"}) == 4


def test_click_gesture_and_ios_tap(linkedin, sim):
    ui = linkedin("android")
    photo = ui.driver.find_element("accessibility id", "My Profile and Communities")
    ui.driver.execute_script("mobile: clickGesture", {"elementId": photo.id})
    assert sim(ui.handle, "/sim/state")["screen"] == "side_panel"
    ios = linkedin("ios")
    rect = ios.driver.find_element("accessibility id", "My Profile and Communities").rect
    ios.driver.execute_script("mobile: tap", {"x": rect["x"] + 5, "y": rect["y"] + 5})
    assert sim(ios.handle, "/sim/state")["screen"] == "side_panel"


def test_unknown_commands_are_w3c_errors_never_hangs(linkedin, appium_server):
    ui = linkedin("android")
    session = f"{appium_server.url}/session/{ui.driver.session_id}"
    began = time.monotonic()
    status, body = http_json(f"{session}/url")  # Appium knows the route, forwards it, the phone does not know it
    assert (status, body["value"]["error"]) == (404, "unknown command")
    status, body = http_json(f"{session}/no/such/thing")  # Appium itself does not know it
    assert (status, body["value"]["error"]) == (404, "unknown command")
    with pytest.raises(WebDriverException, match="Unsupported execute method 'mobile: shell'"):
        ui.driver.execute_script("mobile: shell", {"command": "id"})
    assert time.monotonic() - began < 10


def test_missing_sim_server_capability_is_refused(appium_session, sim_phone):
    handle = sim_phone("android")
    with pytest.raises(WebDriverException, match="simServer"):
        appium_session(handle, **{"appium:simServer": None})


def test_phone_that_dies_mid_session_fails_the_next_command_fast(appium_session, tmp_path: Path):
    child = spawn_phone("android", "default", latency_scale=0, ready_file=tmp_path / "url")
    try:
        handle = type("Handle", (), {"platform": "android", "url": child.url})()
        driver = appium_session(handle)
        assert "hierarchy" in driver.page_source
        child.kill()
        began = time.monotonic()
        with pytest.raises(WebDriverException):
            driver.page_source
        assert time.monotonic() - began < 30
    finally:
        child.stop()


def test_no_element_is_no_such_element(linkedin):
    ui = linkedin("android")
    with pytest.raises(NoSuchElementException):
        ui.driver.find_element(By.XPATH, "//*[@text='Nothing like this']")


def test_settings_capabilities_reach_the_phone_like_uiautomator2(sim_phone, appium_session):
    """`appium:settings[...]` caps are applied by Appium after the session starts; the LinkedInSim driver
    forwards them to the phone, which keeps them (busy-feed charges waitForIdleTimeout from them)."""
    handle = sim_phone("android")
    driver = appium_session(handle, **{"appium:settings[waitForIdleTimeout]": 100})
    assert handle.server.session.settings["waitForIdleTimeout"] == 100
    assert driver.get_settings()["waitForIdleTimeout"] == 100
    driver.update_settings({"waitForIdleTimeout": 250})
    assert handle.server.session.settings["waitForIdleTimeout"] == 250
    plain = appium_session(sim_phone("android"))
    assert plain.get_settings()["waitForIdleTimeout"] == 10000  # uiautomator's default when nothing is sent

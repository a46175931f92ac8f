"""Matching the LinkedIn flow on recorded page sources: screens, locales, targets, the switch, interruptions."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from mobile.core.flow import find_flow
from mobile.core.flow_schema import Flow
from mobile.core.locate import SwitchFor, Text
from mobile.core.match import (
    TargetMatch,
    detect_locale,
    find_interruption,
    identify_screen,
    match_targets,
    matching_screens,
    read_genai_toggle,
)
from mobile.core.tree import Tree, parse_page_source
from mobile.errors import AmbiguousMatch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLATFORMS = ("android", "ios")
LOCALES = ("en", "nl", "de", "fr")
# fixture file -> (screen it shows, the target of the step taken there)
PATH = {
    "home": ("home", "profile_photo"),
    "side_panel": ("side_panel", "settings"),
    "settings": ("settings", "data_privacy"),
    "data_privacy": ("data_privacy", "genai_setting"),
    "genai_on": ("genai", "genai_toggle"),
    "genai_off": ("genai", "genai_toggle"),
}


@pytest.fixture(scope="module")
def flow() -> Flow:
    return find_flow("linkedin-genai")


def load(platform: str, locale: str, name: str) -> Tree:
    return parse_page_source((FIXTURES / platform / locale / f"{name}.xml").read_bytes())


def assert_xpath_selects(platform: str, locale: str, name: str, match: TargetMatch) -> None:
    """The reported XPath selects exactly the matched node in the original XML."""
    doc = etree.parse(str(FIXTURES / platform / locale / f"{name}.xml"))
    hits = doc.xpath(match.xpath)
    assert len(hits) == 1
    attr = "class" if platform == "android" else "type"
    assert hits[0].get(attr) == match.node.role


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(PATH))
def test_each_screen_of_the_path(flow: Flow, platform: str, locale: str, name: str) -> None:
    tree = load(platform, locale, name)
    screen, target = PATH[name]
    assert detect_locale(flow, tree) == locale
    assert identify_screen(flow, tree, locale) == screen
    found = {m.target: m for m in match_targets(flow, tree, platform, locale)}
    assert target in found
    assert_xpath_selects(platform, locale, name, found[target])


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name, state", [("genai_on", "on"), ("genai_off", "off")])
def test_genai_toggle_state(flow: Flow, platform: str, locale: str, name: str, state: str) -> None:
    node, read = read_genai_toggle(flow, load(platform, locale, name), locale)
    assert node is not None and node.checkable
    assert read == state


@pytest.mark.parametrize("platform, name, state", [
    ("android", "genai_legacy_checkbox_on", "on"),
    ("android", "genai_legacy_checkbox_off", "off"),
    ("android", "genai_off_selected", "off"),
    ("ios", "genai_off_truefalse", "off"),
])
def test_genai_toggle_variants(flow: Flow, platform: str, name: str, state: str) -> None:
    node, read = read_genai_toggle(flow, load(platform, "en", name), "en")
    assert node is not None
    assert read == state


@pytest.mark.parametrize("platform", PLATFORMS)
def test_two_switches_in_opposite_states_reads_the_genai_one(flow: Flow, platform: str) -> None:
    tree = load(platform, "en", "multi_switch")
    node, state = read_genai_toggle(flow, tree, "en")
    other = SwitchFor(Text("Social, economic and workplace research")).find(tree)
    assert node is not None and len(other) == 1 and other[0] != node
    assert {state, tree.toggle_state(other[0])} == {"on", "off"}
    assert state == "on"


@pytest.mark.parametrize("name", ["multi_switch_flat", "ambiguous_row"])
def test_switch_that_cannot_be_singled_out_is_never_guessed(flow: Flow, name: str) -> None:
    with pytest.raises(AmbiguousMatch):
        read_genai_toggle(flow, load("android", "en", name), "en")


@pytest.mark.parametrize("platform, locale", [("android", "en"), ("android", "de"), ("ios", "en")])
def test_not_offered_data_privacy_has_no_genai_setting(flow: Flow, platform: str, locale: str) -> None:
    tree = load(platform, locale, "data_privacy_not_offered")
    assert identify_screen(flow, tree, locale) == "data_privacy"
    assert "genai_setting" not in {m.target for m in match_targets(flow, tree, platform, locale)}
    assert read_genai_toggle(flow, tree, locale) == (None, None)


@pytest.mark.parametrize("name", ["data_privacy_lowercase", "data_privacy_nbsp"])
def test_label_with_other_case_or_spaces_still_matches(flow: Flow, name: str) -> None:
    tree = load("android", "en", name)
    found = {m.target: m for m in match_targets(flow, tree, "android", "en")}
    assert " ".join(found["genai_setting"].node.text.split()).casefold() == "data for generative ai improvement"


@pytest.mark.parametrize("name, target, candidate_id", [
    ("home_legacy", "profile_photo", "com.linkedin.android:id/me_launcher"),
    ("home", "profile_photo", "com.linkedin.android:id/me_launcher_container"),
    ("side_panel_legacy", "settings", "com.linkedin.android:id/interests_panel_view_settings"),
    ("side_panel", "settings", "com.linkedin.android:id/home_nav_premium_upsell_text_view"),
    ("side_panel_hidden_duplicate", "settings", "com.linkedin.android:id/home_nav_premium_upsell_text_view"),
])
def test_old_and_new_ids_are_both_found(flow: Flow, name: str, target: str, candidate_id: str) -> None:
    found = {m.target: m for m in match_targets(flow, load("android", "en", name), "android", "en")}
    assert found[target].candidate.id == candidate_id


def test_side_panel_over_home_identifies_as_side_panel(flow: Flow) -> None:
    tree = load("android", "en", "side_panel")
    assert matching_screens(flow, tree, "en") == ["home", "side_panel"]
    assert identify_screen(flow, tree, "en") == "side_panel"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_signed_out_screen(flow: Flow, platform: str) -> None:
    tree = load(platform, "en", "signin")
    assert identify_screen(flow, tree, "en") == "sign_in"
    assert match_targets(flow, tree, platform, "en") == []


ANDROID = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
           '<hierarchy index="0" class="hierarchy" rotation="0" width="1080" height="2400">{}</hierarchy>')


def a_node(cls: str, text: str = "", rid: str = "", top: int = 0, children: str = "") -> str:
    rid_attr = f' resource-id="{rid}"' if rid else ""
    return (f'<{cls} index="0" class="{cls}" text="{text}"{rid_attr} checkable="false" checked="false" '
            f'clickable="true" enabled="true" bounds="[0,{top}][1080,{top + 100}]" displayed="true">{children}</{cls}>')


def test_android_permission_dialog_is_dismissed_with_the_deny_button(flow: Flow) -> None:
    dialog = a_node("android.widget.LinearLayout", rid="com.android.permissioncontroller:id/grant_dialog", children=(
        a_node("android.widget.Button", "While using the app", "com.android.permissioncontroller:id/permission_allow_foreground_only_button", 100)
        + a_node("android.widget.Button", "Don’t allow", "com.android.permissioncontroller:id/permission_deny_button", 300)))
    tree = parse_page_source(ANDROID.format(dialog))
    found = find_interruption(flow, tree, "en")
    assert found is not None
    interruption, dismiss = found
    assert interruption.name == "android_permission"
    assert dismiss is not None and dismiss.id == "com.android.permissioncontroller:id/permission_deny_button"


def test_linkedin_prompt_not_now_button(flow: Flow) -> None:
    page = a_node("android.widget.FrameLayout", children=(
        a_node("android.widget.TextView", "Turn on notifications?", top=100)
        + a_node("android.widget.Button", "Niet nu", top=300)))
    found = find_interruption(flow, parse_page_source(ANDROID.format(page)), "nl")
    assert found is not None and found[0].name == "linkedin_prompt"
    assert found[1] is not None and found[1].text == "Niet nu"


def test_not_now_in_plain_text_is_no_interruption(flow: Flow) -> None:
    page = a_node("android.widget.FrameLayout", children=a_node("android.widget.TextView", "Not now", top=300))
    assert find_interruption(flow, parse_page_source(ANDROID.format(page)), "en") is None


def test_ios_permission_alert(flow: Flow) -> None:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><AppiumAUT><XCUIElementTypeApplication type="XCUIElementTypeApplication" '
           'name="LinkedIn" label="LinkedIn" enabled="true" visible="true" x="0" y="0" width="390" height="844" index="0">'
           '<XCUIElementTypeAlert type="XCUIElementTypeAlert" name="Allow notifications?" label="Allow notifications?" '
           'enabled="true" visible="true" x="40" y="300" width="310" height="200" index="0">'
           '<XCUIElementTypeButton type="XCUIElementTypeButton" name="Allow" label="Allow" enabled="true" visible="true" '
           'x="40" y="450" width="155" height="44" index="0"/>'
           '<XCUIElementTypeButton type="XCUIElementTypeButton" name="Don’t Allow" label="Don’t Allow" enabled="true" '
           'visible="true" x="195" y="450" width="155" height="44" index="1"/>'
           '</XCUIElementTypeAlert></XCUIElementTypeApplication></AppiumAUT>')
    found = find_interruption(flow, parse_page_source(xml), "en")
    assert found is not None and found[0].name == "ios_permission"
    assert found[1] is not None and found[1].label == "Don’t Allow"


def test_locale_is_unknown_without_labels(flow: Flow) -> None:
    tree = parse_page_source(ANDROID.format(a_node("android.widget.TextView", "Hello", top=10)))
    assert detect_locale(flow, tree) is None
    assert identify_screen(flow, tree, "en") is None


@pytest.mark.parametrize("platform", PLATFORMS)
def test_signed_out_landing_prereg_screen(flow: Flow, platform: str) -> None:
    """The landing screen reads "Sign in with Email" / "New to LinkedIn? Join now" (no plain "Sign in")."""
    tree = load(platform, "en", "prereg")
    assert identify_screen(flow, tree, "en") == "sign_in"
    assert match_targets(flow, tree, platform, "en") == []


def test_newer_side_panel_without_interests_panel_ids(flow: Flow) -> None:
    tree = load("android", "en", "side_panel_new")
    assert identify_screen(flow, tree, "en") == "side_panel"
    found = {m.target: m for m in match_targets(flow, tree, "android", "en")}
    assert found["settings"].node.id == "com.linkedin.android:id/home_nav_premium_upsell_text_view"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_secure_lock_screen_is_the_lock_screen(flow: Flow, platform: str) -> None:
    assert identify_screen(flow, load(platform, "en", "keyguard_pin"), "en") == "lock_screen"


def test_swipe_keyguard_is_no_lock_screen_the_tool_stops_at(flow: Flow) -> None:
    """A swipe keyguard is dismissed over adb; only a credential prompt ends the run as locked."""
    assert identify_screen(flow, load("android", "en", "keyguard_swipe"), "en") is None

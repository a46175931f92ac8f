"""Locators over the fixtures: every screen of the path, per locale and platform, plus the hard cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mobile.core.locate import (AnyOf, Id, Role, SwitchFor, Text, locate_one, normalize_text,
                                read_toggle_state)
from mobile.core.tree import Bounds, parse_page_source
from mobile.errors import AmbiguousMatch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOCALES = ("en", "nl", "de", "fr")
# The labels as LINKEDIN.md spells them (straight apostrophes; the fr fixtures use U+2019).
SETTINGS = {"en": "Settings", "nl": "Instellingen", "de": "Einstellungen", "fr": "Préférences"}
DATA_PRIVACY = {"en": "Data privacy", "nl": "Gegevensprivacy", "de": "Datenschutz",
                "fr": "Confidentialité des données"}
GENAI = {"en": "Data for Generative AI Improvement", "nl": "Gegevens voor verbetering van generatieve AI",
         "de": "Daten zur Verbesserung generativer KI", "fr": "Données pour l'amélioration de l'IA générative"}
TOGGLE = {"en": "Use my data for training content creation AI models",
          "nl": "Mijn gegevens gebruiken voor training van AI-modellen waarmee content wordt gemaakt",
          "de": "Ihre Daten zum Schulen von KI-Modellen verwenden, um Inhalte zu erstellen",
          "fr": "Utiliser mes données pour entraîner des modèles d'IA de création de contenu"}
PROFILE_IOS = {"en": "My Profile and Communities", "nl": "Mijn profiel en community's",
               "de": "Mein Profil und Communitys", "fr": "Mon profil et mes communautés"}
APP = "com.linkedin.android"  # the package of the fixtures' app: a bare id may carry its `pkg:id/` prefix
PROFILE = AnyOf(Id("me_launcher_container", APP), Id("me_launcher", APP))
SETTINGS_ANDROID = AnyOf(Id("home_nav_premium_upsell_text_view", APP), Id("interests_panel_view_settings", APP))


def load(rel: str):
    return parse_page_source((FIXTURES / rel).read_bytes())


@pytest.mark.parametrize("loc", LOCALES)
def test_android_path_targets(loc):
    home = load(f"android/{loc}/home.xml")
    photo = locate_one(home, PROFILE)
    legacy = loc == "nl"
    assert photo.id == "com.linkedin.android:id/" + ("me_launcher" if legacy else "me_launcher_container")
    assert (photo.role, photo.bounds, photo.clickable) == ("android.widget.ImageView", Bounds(32, 110, 148, 226), True)
    panel = load(f"android/{loc}/side_panel.xml")
    settings = locate_one(panel, SETTINGS_ANDROID)
    assert settings.bounds == Bounds(0, 2120, 860, 2280)
    assert settings.role == ("android.widget.LinearLayout" if legacy else "android.widget.Button")
    by_text = locate_one(panel, Text(SETTINGS[loc]))
    assert by_text.text == SETTINGS[loc] and settings.bounds.contains(by_text.bounds)
    dp = locate_one(load(f"android/{loc}/settings.xml"), Text(DATA_PRIVACY[loc]))
    assert dp.role == "android.widget.TextView" and dp.bounds == Bounds(48, 930, 1032, 1010)
    tree = load(f"android/{loc}/data_privacy.xml")
    row = locate_one(tree, Text(GENAI[loc]))
    assert row.bounds == Bounds(48, 1090, 860, 1170) and tree.parent(row).id == "ember40"
    for state in ("on", "off"):
        tree = load(f"android/{loc}/genai_{state}.xml")
        node, got = read_toggle_state(tree, Text(TOGGLE[loc]))
        assert (node.role, node.id, node.bounds, got) == (
            "android.widget.ToggleButton", "ember71", Bounds(900, 700, 1032, 780), state)


@pytest.mark.parametrize("loc", LOCALES)
def test_ios_path_targets(loc):
    photo = locate_one(load(f"ios/{loc}/home.xml"), Text(PROFILE_IOS[loc]))
    assert (photo.role, photo.bounds) == ("XCUIElementTypeButton", Bounds(12, 53, 56, 97))
    settings = locate_one(load(f"ios/{loc}/side_panel.xml"), Text(SETTINGS[loc]))
    assert (settings.role, settings.bounds) == ("XCUIElementTypeButton", Bounds(16, 760, 284, 804))
    dp = locate_one(load(f"ios/{loc}/settings.xml"), Text(DATA_PRIVACY[loc]))
    assert dp.role == "XCUIElementTypeStaticText"  # innermost of Link + StaticText with the same label
    assert dp.bounds == Bounds(16, 330, 374, 354)
    genai = locate_one(load(f"ios/{loc}/data_privacy.xml"), Text(GENAI[loc]))
    assert genai.role == "XCUIElementTypeStaticText" and genai.bounds == Bounds(16, 386, 296, 410)
    for state in ("on", "off"):
        node, got = read_toggle_state(load(f"ios/{loc}/genai_{state}.xml"), Text(TOGGLE[loc]))
        assert (node.role, node.bounds, got) == ("XCUIElementTypeSwitch", Bounds(320, 268, 371, 299), state)
        assert node.value == ("1" if state == "on" else "0")


def test_switch_labelled_by_itself_and_by_its_row():
    own, _ = read_toggle_state(load("ios/en/genai_on.xml"), Text(TOGGLE["en"]))
    assert own.label == TOGGLE["en"]  # the switch carries the label itself
    row, _ = read_toggle_state(load("ios/nl/genai_on.xml"), Text(TOGGLE["nl"]))
    assert row.label == ""  # the label is a sibling text in the switch's row


@pytest.mark.parametrize("rel", ["android/en/data_privacy_not_offered.xml", "android/de/data_privacy_not_offered.xml",
                                 "ios/en/data_privacy_not_offered.xml"])
def test_not_offered_has_no_genai_row(rel):
    loc = rel.split("/")[1]
    tree = load(rel)
    assert locate_one(tree, Text(GENAI[loc])) is None
    assert Text(DATA_PRIVACY[loc]).find(tree)  # title (and heading): the page is Data privacy
    assert read_toggle_state(tree, Text(TOGGLE[loc])) == (None, None)


def test_case_nbsp_and_apostrophe_insensitive_exact_match():
    lower = locate_one(load("android/en/data_privacy_lowercase.xml"), Text(GENAI["en"]))
    assert lower.text == "Data for generative AI improvement"
    nbsp = locate_one(load("android/en/data_privacy_nbsp.xml"), Text(GENAI["en"]))
    assert "\u00a0" in nbsp.text and "\u202f" in nbsp.text
    assert normalize_text("  Data\u00a0for\u202fAI\n ") == "data for ai"
    assert normalize_text("l\u2019IA") == normalize_text("L'ia")
    assert normalize_text("  L\u2019IA\u00a0 Data ", fold_case=False) == "L'IA Data"  # what a regex searches


def test_regex_searches_the_normalised_text() -> None:
    tree = load("android/fr/genai_on.xml")
    shown = [t for n in tree.nodes for t in (n.text, n.label) if "\u2019" in t]
    assert shown, "the fr fixture spells its apostrophes U+2019"
    word = shown[0].split("\u2019")[0].split()[-1]  # the word before the first typographic apostrophe
    found = Text(rf"{re.escape(word)}'", match="regex").find(tree)  # a straight apostrophe in the pattern
    assert found and all("\u2019" in n.text + n.label for n in found)


def test_contains_and_regex_only_when_asked():
    tree = load("android/en/genai_on.xml")
    assert Text("training content").find(tree) == ()
    assert [n.text for n in Text("training content", match="contains").find(tree)] == [TOGGLE["en"]]
    assert [n.text for n in Text(r"^Use my data\b", match="regex").find(tree)] == [TOGGLE["en"]]
    assert Text(r"^use my data", match="regex").find(tree) == ()  # regexes keep their own case rules
    assert Text("").find(tree) == ()
    with pytest.raises(ValueError):
        Text("x", match="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(re.error):
        Text("(", match="regex")


def test_rows_with_several_switches_pick_the_labelled_one():
    tree = load("android/en/multi_switch.xml")
    genai, genai_state = read_toggle_state(tree, Text(TOGGLE["en"]))
    research, research_state = read_toggle_state(tree, Text("Social, economic and workplace research"))
    assert (genai.id, genai_state, research.id, research_state) == ("ember71", "on", "ember72", "off")
    ios = load("ios/en/multi_switch.xml")
    (_, on), (_, off) = (read_toggle_state(ios, Text(TOGGLE["en"])),
                         read_toggle_state(ios, Text("Social, economic and workplace research")))
    assert (on, off) == ("on", "off")


def test_two_switches_in_the_labels_container_are_ambiguous():
    for rel in ("android/en/multi_switch_flat.xml", "android/en/ambiguous_row.xml"):
        with pytest.raises(AmbiguousMatch) as err:
            read_toggle_state(load(rel), Text(TOGGLE["en"]))
        assert [n.id for n in err.value.candidates] == ["ember71", "ember72"]
        assert "switch for text" in str(err.value)


def test_toggle_in_a_sibling_row_is_never_picked():
    tree = load("android/en/genai_on.xml")
    explanation = Text("Can LinkedIn and its affiliates", match="contains")
    assert len(explanation.find(tree)) == 1
    assert locate_one(tree, SwitchFor(explanation)) is None
    # The title is in the toolbar, the WebView's own text and the heading: none of them is the row.
    assert len(Text(GENAI["en"]).find(tree)) == 3
    assert locate_one(tree, SwitchFor(Text(GENAI["en"]))) is None
    flat = load("android/en/genai_flat_off.xml")
    node, state = read_toggle_state(flat, Text(TOGGLE["en"]))
    assert (node.id, state) == ("ember71", "off")
    assert read_toggle_state(flat, Text("Social, economic and workplace research")) == (None, None)
    assert read_toggle_state(flat, Text(GENAI["en"])) == (None, None)


def test_legacy_checkbox_and_selected_ignored():
    for state in ("on", "off"):
        node, got = read_toggle_state(load(f"android/en/genai_legacy_checkbox_{state}.xml"), Text(TOGGLE["en"]))
        assert (node.role, got) == ("android.widget.CheckBox", state)
    node, got = read_toggle_state(load("android/en/genai_off_selected.xml"), Text(TOGGLE["en"]))
    assert got == "off"


def test_hidden_duplicate_prefers_the_displayed_node():
    tree = load("android/en/side_panel_hidden_duplicate.xml")
    assert len(Text("Settings").find(tree)) == 2
    node = locate_one(tree, Text("Settings"))
    assert node.displayed and node.id == "com.linkedin.android:id/home_nav_premium_upsell_text_view"


def test_two_displayed_matches_are_ambiguous():
    tree = load("android/en/home.xml")
    with pytest.raises(AmbiguousMatch) as err:
        locate_one(tree, Text("A feed post", match="contains"))
    assert len(err.value.candidates) == 3


def test_id_with_and_without_prefix_and_bare_webview_ids():
    home = load("android/en/home.xml")
    full = "com.linkedin.android:id/tab_feed"
    assert locate_one(home, Id("tab_feed", APP)).id == full
    assert locate_one(home, Id(full, APP)).id == full
    assert locate_one(home, Id(full)).id == full
    assert locate_one(home, Id("tab_feed")) is None  # no app named: the id as written only
    assert locate_one(home, Id("tab_feed", "other.app")) is None  # another app's prefix is not this node's
    assert locate_one(home, Id("other.app:id/tab_feed", APP)) is None
    assert locate_one(home, Id("content", APP)) is None  # android:id/content belongs to another package
    assert locate_one(load("android/en/settings.xml"), Id("sign_out", APP)).text == "Sign Out"
    assert locate_one(load("ios/en/side_panel.xml"), Id("Settings")).role == "XCUIElementTypeButton"


def test_roles_and_aliases():
    tree = load("android/en/multi_switch.xml")
    assert [n.id for n in Role("switch").find(tree)] == ["ember71", "ember72"]
    assert len(Role("ToggleButton").find(tree)) == 2
    assert len(Role("android.webkit.WebView").find(tree)) == 1
    assert len(Role("switch").find(load("android/en/genai_legacy_checkbox_on.xml"))) == 1
    assert len(Role("switch").find(load("ios/en/multi_switch.xml"))) == 2
    assert Role("switch").find(load("android/en/signin.xml")) == ()


def test_image_button_is_the_android_image_button_class():
    """The flow's Android back target is {label: navigate_up, role: image_button}: the role must find the
    toolbar's android.widget.ImageButton (a short class name would be ImageButton)."""
    tree = parse_page_source(b'<hierarchy><android.widget.ImageButton index="0" class="android.widget.ImageButton"'
                             b' content-desc="Navigate up" bounds="[0,0][10,10]"/><android.widget.Button index="1"'
                             b' class="android.widget.Button" text="OK" bounds="[0,10][10,20]"/></hierarchy>')
    assert [n.label for n in Role("image_button").find(tree)] == ["Navigate up"]


def test_any_of_is_ordered():
    tree = load("android/en/side_panel.xml")
    first = AnyOf(Text("Groups"), Text("Settings"))
    assert locate_one(tree, first).text == "Groups"
    assert locate_one(tree, AnyOf(Id("missing"), Text("Settings"))).text == "Settings"
    assert first.describe() == "any of (text 'Groups' | text 'Settings')"
    assert SwitchFor(Text("x", match="contains")).describe() == "switch for text contains 'x'"
    with pytest.raises(ValueError):
        AnyOf()


def test_sign_in_screen_has_no_path_targets():
    tree = load("android/en/signin.xml")
    assert locate_one(tree, PROFILE) is None and locate_one(tree, SETTINGS_ANDROID) is None
    assert locate_one(tree, Id("growth_login_fragment_sign_in", APP)).text == "Sign in"
    ios = load("ios/en/signin.xml")
    assert locate_one(ios, Text(PROFILE_IOS["en"])) is None
    with pytest.raises(AmbiguousMatch):
        locate_one(ios, Role("button"))  # Sign in and Join now
    assert [n.label for n in Role("button").find(ios)] == ["Sign in", "Join now"]

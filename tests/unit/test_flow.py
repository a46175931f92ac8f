"""Flow loading: good and bad fixture files, exact `file:line` errors, the shipped LinkedIn flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.core.flow import find_flow, flows_dir, list_flows, load_flow, parse_flow
from mobile.core.flow_schema import LaunchStep, TapStep, ToggleStep
from mobile.core.tree import parse_page_source
from mobile.errors import ConfigError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"

BAD = sorted(p.name for p in FIXTURES.glob("0*.yaml"))


def expected_error(path: Path) -> tuple[int, str]:
    """A bad fixture's first line, `# expect: LINE: MESSAGE`: the exact text a maintainer must see."""
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# expect: "), f"{path.name} lacks its '# expect: LINE: MESSAGE' header"
    line, message = header[len("# expect: "):].split(": ", 1)
    return int(line), message


def test_there_are_bad_fixtures() -> None:
    assert len(BAD) >= 16


@pytest.mark.parametrize("name", BAD)
def test_bad_flow_names_file_and_line(name: str) -> None:
    line, message = expected_error(FIXTURES / name)
    path = str(FIXTURES / name)
    with pytest.raises(ConfigError) as info:
        load_flow(path)
    assert info.value.where == f"{path}:{line}"
    assert info.value.message == message
    assert str(info.value) == f"{path}:{line}: {message}"


def test_minimal_flow_is_typed() -> None:
    flow = load_flow(FIXTURES / "100_minimal.yaml")
    assert flow.name == "100_minimal"
    assert flow.platforms == ("android",)
    assert flow.apps["android"].activities == ("com.example.app.Main",)
    assert flow.locales == ("en",)
    assert [type(s) for s in flow.steps] == [LaunchStep, TapStep]
    assert [s.name for s in flow.steps] == ["launch", "tap settings"]
    tap = flow.steps[1]
    assert isinstance(tap, TapStep) and tap.target == "settings" and tap.scroll is False and tap.timeout is None
    assert flow.default_timeout == 20.0
    assert flow.interruptions == ()
    assert flow.transition_s == {} and flow.screens["home"].transition == "native"  # nothing expected: reads at once


def test_aliases_merge_keys_and_state_words_stay_strings() -> None:
    flow = load_flow(FIXTURES / "101_aliases_and_words.yaml")
    assert flow.labels["on"] == {"en": ("On",), "it": ("Sì",)}
    assert flow.labels["off"] == {"en": ("Off",), "it": ("No",)}
    assert flow.labels["toggle_label"]["en"] == ("Allow it", "Allow this")
    assert flow.targets["toggle"].candidates["ios"] == flow.targets["toggle"].candidates["android"]
    row_ios = flow.targets["row"].candidates["ios"][0]
    assert (row_ios.text, row_ios.match) == ("^Allow", "regex")
    assert flow.default_timeout == 5.0
    launch, toggle = flow.steps
    assert isinstance(launch, LaunchStep) and launch.expect == "page" and launch.timeout == 9.0
    assert isinstance(toggle, ToggleStep) and toggle.scroll is True and toggle.confirm_label == "toggle_label"
    anchor = flow.screens["page"].anchor("android", "it")
    assert anchor.describe() == "all of [role 'webview']; any of [text 'Consenti']"


@pytest.mark.parametrize("text, line, message", [
    ("", 1, "the file is empty"),
    ("- a\n- b\n", 1, "the flow must be a mapping, got list"),
    ("apps: {}\nlocales: [en]\nlabels: {}\nscreens: {}\ntargets: {}\nsteps: [launch]\n", 1,
     "'apps' must name at least one platform (android, ios)"),
    ("apps:\n  android: {package: p, activities: [a]}\nlocales: [en, EN]\nlabels: {}\nscreens: {}\n"
     "targets: {}\nsteps: [launch]\n", 3, "locale 'EN' must look like 'en' or 'pt-BR'"),
    ("1: x\n", 1, "keys must be strings, got number 1"),
])
def test_parse_flow_errors(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_flow(text, "inline.yaml")
    assert str(info.value) == f"inline.yaml:{line}: {message}"


def test_unreadable_flow_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_flow(missing)
    assert info.value.where == str(missing)


def test_find_flow_by_name_path_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "linkedin-genai" in list_flows()
    assert find_flow("linkedin-genai").source == str(flows_dir() / "linkedin-genai.yaml")
    assert find_flow(str(FIXTURES / "100_minimal.yaml")).name == "100_minimal"
    (tmp_path / "mine.yaml").write_text((FIXTURES / "100_minimal.yaml").read_text())
    monkeypatch.setenv("LINKEDIN_OPTOUT_FLOWS", str(tmp_path))
    assert list_flows() == ["mine"]
    assert find_flow("mine").name == "mine"
    with pytest.raises(ConfigError, match=r"unknown flow 'linkedin-genai' \(known: mine;"):
        find_flow("linkedin-genai")


# --- the shipped LinkedIn flow ---

LOCALES = ("en", "nl", "de", "fr", "es", "pt-BR", "it")


@pytest.fixture(scope="module")
def genai():  # type: ignore[no-untyped-def]
    return find_flow("linkedin-genai")


def test_linkedin_flow_apps_and_locales(genai) -> None:  # type: ignore[no-untyped-def]
    android = genai.apps["android"]
    assert android.app_id == "com.linkedin.android"
    assert set(android.activities) == {"com.linkedin.android.authenticator.LaunchActivity",
                                       "com.linkedin.android.authenticator.LaunchActivityDefault",
                                       "com.linkedin.android.splash.SplashActivity"}
    assert genai.apps["ios"].app_id == "com.linkedin.LinkedIn"
    assert genai.locales == LOCALES
    for key in ("settings", "data_privacy", "genai_setting", "genai_toggle", "on", "off"):
        assert set(genai.labels[key]) == set(LOCALES)
    assert genai.label("genai_toggle", "en") == ("Use my data for training content creation AI models",)
    assert genai.label("off", "it") == ("No",)


def test_linkedin_flow_targets_and_steps(genai) -> None:  # type: ignore[no-untyped-def]
    assert list(genai.targets) == ["profile_photo", "settings", "data_privacy", "genai_setting", "genai_toggle",
                                    "back"]
    for target in genai.targets.values():
        assert set(target.candidates) == {"android", "ios"}
    ids = [c.id for c in genai.targets["profile_photo"].candidates["android"]]
    assert ids[:2] == ["com.linkedin.android:id/me_launcher_container", "com.linkedin.android:id/me_launcher"]
    assert [(s.kind, getattr(s, "target", None)) for s in genai.steps] == [
        ("launch", None), ("tap", "profile_photo"), ("tap", "settings"), ("tap", "data_privacy"),
        ("tap", "genai_setting"), ("toggle", "genai_toggle")]
    assert [getattr(s, "expect", None) for s in genai.steps[:5]] == [
        "home", "side_panel", "settings", "data_privacy", "genai"]
    genai_tap = genai.steps[4]
    assert isinstance(genai_tap, TapStep) and genai_tap.if_absent == "not_offered"
    toggle = genai.steps[5]
    assert isinstance(toggle, ToggleStep) and toggle.confirm_label == "genai_toggle"
    assert genai.targets["settings"].locator("android", "nl").describe() == (
        "any of (id 'com.linkedin.android:id/interests_panel_view_settings' | "
        "id 'com.linkedin.android:id/home_nav_premium_upsell_text_view' and text 'Instellingen' | "
        "text 'Instellingen' and role 'button')")


def test_linkedin_flow_declares_how_its_screens_come_in(genai) -> None:  # type: ignore[no-untyped-def]
    assert dict(genai.transition_s) == {"launch": 1.8, "native": 0.35, "webview": 0.9, "back": 0.3}
    assert {n: s.transition for n, s in genai.screens.items() if s.transition != "native"} == {
        "settings": "webview", "data_privacy": "webview", "genai": "webview"}


def test_parse_flow_refuses_a_transition_length_that_is_not_a_number() -> None:
    text = (FIXTURES / "100_minimal.yaml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        parse_flow("defaults:\n  transition_ms: {launch: fast}\n" + text, "inline.yaml")
    assert str(info.value) == "inline.yaml:2: 'launch' in 'transition_ms' must be a number, got string"


@pytest.mark.parametrize("value, shown", [(".inf", "inf"), (".nan", "nan"), ("99999999999", "99999999999")])
def test_parse_flow_refuses_a_transition_length_no_device_takes(value: str, shown: str) -> None:
    text = (FIXTURES / "100_minimal.yaml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        parse_flow(f"defaults:\n  transition_ms: {{webview: {value}}}\n" + text, "inline.yaml")
    assert str(info.value) == f"inline.yaml:2: 'webview' in 'transition_ms' must be at most 30000 ms, got {shown}"


def test_interruptions_dismiss_only_with_non_granting_controls(genai) -> None:  # type: ignore[no-untyped-def]
    non_granting = {"dont_allow", "deny", "not_now", "maybe_later", "skip"}
    assert genai.interruptions
    for interruption in genai.interruptions:
        for spec in interruption.platforms.values():
            for cand in spec.dismiss:
                assert cand.label in non_granting or (cand.id is not None and "deny" in cand.id), cand


def test_a_bare_android_id_carries_the_prefix_of_the_flows_own_app_only() -> None:
    text = (FIXTURES / "101_aliases_and_words.yaml").read_text(encoding="utf-8").replace(
        '    android: &row [{text: "^Allow", match: regex}]', "    android: [{id: allow}]")
    flow = parse_flow(text, "bare.yaml")
    xml = ('<hierarchy><android.widget.FrameLayout class="android.widget.FrameLayout" bounds="[0,0][100,100]">'
           '<android.widget.Button class="android.widget.Button" resource-id="android:id/allow" '
           'bounds="[0,0][10,10]" displayed="true"/>'
           '<android.widget.Button class="android.widget.Button" resource-id="com.example.app:id/allow" '
           'bounds="[0,20][10,30]" displayed="true"/></android.widget.FrameLayout></hierarchy>')
    found = flow.targets["row"].locator("android", "en").find(parse_page_source(xml))
    assert [n.id for n in found] == ["com.example.app:id/allow"]  # the flow's apps.android, not android:id/
    assert [c.package for c in flow.targets["row"].candidates["android"]] == ["com.example.app"]

"""The offline commands through the real CLI: flows, flows show, validate, locate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobile.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FLOW_FIXTURES = ROOT / "tests" / "fixtures" / "flows"
PAGES = ROOT / "tests" / "fixtures"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_flows_lists_the_linkedin_flow_and_its_steps(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "flows")
    assert code == 0
    assert out.startswith("linkedin-genai  (")
    assert ("steps: launch -> tap profile_photo -> tap settings -> tap data_privacy -> tap genai_setting"
            " -> toggle genai_toggle") in out


def test_flows_show_prints_apps_targets_candidates_locales_interruptions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "flows", "show", "linkedin-genai")
    assert code == 0
    assert "  android  com.linkedin.android  activities: com.linkedin.android.authenticator.LaunchActivity, " \
           "com.linkedin.android.authenticator.LaunchActivityDefault, com.linkedin.android.splash.SplashActivity" in out
    assert "locales  en, nl, de, fr, es, pt-BR, it" in out
    assert ("  5. tap genai_setting  on data_privacy -> genai  absent means not_offered"
            "  unless a text says 'ai_word' (ui_drift)  scroll") in out
    assert "      1. id=com.linkedin.android:id/me_launcher_container\n      2. id=com.linkedin.android:id/me_launcher" in out
    assert "      1. switch_for(label=genai_toggle)" in out
    assert "  android_permission  - " in out


def test_flows_show_unknown_flow_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "flows", "show", "nope")
    assert code == 2
    assert "unknown flow 'nope' (known: linkedin-genai;" in err


def test_validate_good_files(capsys: pytest.CaptureFixture[str]) -> None:
    flow, devices = str(ROOT / "flows" / "linkedin-genai.yaml"), str(ROOT / "devices.yaml")
    code, out, _ = run_cli(capsys, "validate", flow, devices)
    assert code == 0
    assert out.splitlines() == [f"ok  {flow}", f"ok  {devices}"]


@pytest.mark.parametrize("name", sorted(p.name for p in FLOW_FIXTURES.glob("0*.yaml")))
def test_validate_bad_flow_exits_2_with_file_line(capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = str(FLOW_FIXTURES / name)
    code, out, _ = run_cli(capsys, "validate", path)
    header = (FLOW_FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
    line, message = header.removeprefix("# expect: ").split(": ", 1)
    assert code == 2
    assert out.splitlines() == [f"{path}:{line}: {message}"]


def test_validate_reports_every_file_and_bad_devices_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n  phone: {platform: android, serail: auto}\n")
    good = str(FLOW_FIXTURES / "100_minimal.yaml")
    code, out, _ = run_cli(capsys, "validate", str(devices), good, str(tmp_path / "missing.yaml"))
    lines = out.splitlines()
    assert code == 2
    assert lines[0].startswith(f"{devices}:2: ") and "serail" in lines[0]
    assert lines[1] == f"ok  {good}"
    assert lines[2] == f"{tmp_path / 'missing.yaml'}: cannot read file: No such file or directory"


def test_validate_words_a_repeated_key_as_the_file_kind_does(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n  a: {platform: android, serial: x}\n  a: {platform: android, serial: y}\n")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("state:\n  signed_in: true\n  signed_in: false\n")
    other = tmp_path / "other.yaml"
    other.write_text("name: x\nname: y\n")
    code, out, _ = run_cli(capsys, "validate", str(devices), str(scenario), str(other))
    assert code == 2
    assert out.splitlines() == [f"{devices}:3: duplicate key 'a' in devices (first at line 2)",  # as `check` says it
                                f"{scenario}:3: duplicate key 'signed_in' (first at line 2)",
                                f"{other}:2: duplicate key 'name'"]


def test_validate_unknown_kind_of_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("name: x\n")
    code, out, _ = run_cli(capsys, "validate", str(other))
    assert code == 2
    assert out == (f"{other}:1: neither a flow file (steps, targets, ...), a devices file (devices, groups, ...) "
                   "nor a scenario (state, vars, latency, ...)\n")


def test_locate_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "locate", "--page-source", str(PAGES / "android/nl/genai_off.xml"), "--json")
    assert code == 0
    doc = json.loads(out)
    assert {"platform", "locale", "matches", "toggle"} <= set(doc)
    assert (doc["platform"], doc["locale"], doc["screen"]) == ("android", "nl", "genai")
    toggle_match = next(m for m in doc["matches"] if m["target"] == "genai_toggle")
    assert set(toggle_match) >= {"target", "node", "xpath"}
    assert {"role", "text", "label", "id", "bounds", "checkable", "checked"} <= set(toggle_match["node"])
    assert toggle_match["node"]["checkable"] is True and toggle_match["node"]["checked"] is False
    assert toggle_match["xpath"].startswith("/hierarchy/")
    assert doc["toggle"]["state"] == "off"
    assert doc["toggle"]["label"] == ("Mijn gegevens gebruiken voor training van AI-modellen waarmee content "
                                      "wordt gemaakt")


def test_locate_json_given_platform_and_locale_on_a_page_without_switch(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "locate", "--page-source", str(PAGES / "ios/de/home.xml"),
                           "--platform", "ios", "--locale", "de", "--json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["platform"], doc["locale"], doc["locale_source"], doc["screen"]) == ("ios", "de", "given", "home")
    assert [m["target"] for m in doc["matches"]] == ["profile_photo"]
    assert doc["toggle"]["state"] is None


def test_locate_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "locate", "--page-source", str(PAGES / "android/en/multi_switch.xml"))
    assert code == 0
    assert "screen       genai\n" in out
    assert "  genai_toggle   ToggleButton id='ember71'" in out
    assert "switch       on  (Use my data for training content creation AI models)" in out


@pytest.mark.parametrize("content, message", [
    ("<hierarchy><node", "page source is not well-formed XML"),
    ("", "page source is not well-formed XML"),
])
def test_locate_malformed_xml_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 content: str, message: str) -> None:
    page = tmp_path / "page.xml"
    page.write_text(content)
    code, out, err = run_cli(capsys, "locate", "--page-source", str(page))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"linkedin-optout: error: {page}: {message}")


def test_locate_missing_file_and_wrong_platform(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "locate", "--page-source", str(tmp_path / "none.xml"))
    assert code == 2 and "cannot read page source" in err
    code, _, err = run_cli(capsys, "locate", "--page-source", str(PAGES / "ios/en/home.xml"), "--platform", "android")
    assert code == 2 and "platform 'android' was asked for" in err


def test_sim_serve_uiautomator2_on_ios_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "serve", "--platform", "ios", "--driver", "uiautomator2"]) == 2
    err = capsys.readouterr().err
    assert "--driver" in err and "--driver uiautomator2 needs --platform android" in err and len(err.strip().splitlines()) == 1

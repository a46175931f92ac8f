"""`check` and `apply` end to end: the real CLI, a real Appium 3 server, the LinkedInSim driver and the
simulated phone, for every SPEC scenario on Android and iOS. The phone's own interaction log (GET /sim/log,
fetched just before the CLI stops the phone) proves what was and was not tapped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mobile.cli.main import main

# scenario -> (check status, check state, apply status, apply before, apply after)
EXPECTED: dict[str, tuple[str, str | None, str, str | None, str | None]] = {
    "default": ("unchanged", "on", "changed", "on", "off"),
    "already-off": ("unchanged", "off", "unchanged", "off", "off"),
    "dutch": ("unchanged", "on", "changed", "on", "off"),
    "german": ("unchanged", "on", "changed", "on", "off"),
    "french": ("unchanged", "on", "changed", "on", "off"),
    "spanish": ("unchanged", "on", "changed", "on", "off"),
    "italian": ("unchanged", "on", "changed", "on", "off"),
    "portuguese": ("unchanged", "on", "changed", "on", "off"),
    "not-offered": ("not_offered", None, "not_offered", None, None),
    "signed-out": ("signed_out", None, "signed_out", None, None),
    "app-missing": ("app_missing", None, "app_missing", None, None),
    "popups": ("unchanged", "on", "changed", "on", "off"),
    "slow": ("unchanged", "on", "changed", "on", "off"),
    "long-list": ("unchanged", "on", "changed", "on", "off"),
    "no-persist": ("unchanged", "on", "verify_failed", "on", "on"),
    "crash-once": ("unchanged", "on", "changed", "on", "off"),
    "webview-legacy": ("unchanged", "on", "changed", "on", "off"),
    # phones as people have them (issue 13)
    "open-elsewhere": ("unchanged", "on", "changed", "on", "off"),
    "background": ("unchanged", "on", "changed", "on", "off"),
    "launcher-alias": ("unchanged", "on", "changed", "on", "off"),
    "signed-out-form": ("signed_out", None, "signed_out", None, None),
    "new-panel": ("unchanged", "on", "changed", "on", "off"),
    "pin-locked": ("device_error", None, "device_error", None, None),
    "swipe-locked": ("unchanged", "on", "changed", "on", "off"),
}
EXIT = {"changed": 0, "unchanged": 0, "not_offered": 0, "mismatch": 1, "verify_failed": 1, "app_missing": 3,
        "signed_out": 3, "device_error": 3, "ui_drift": 4}
NO_TAP = ("signed-out", "signed-out-form", "app-missing", "pin-locked")
# fast phones, except `slow`, which must stay slower than the runner's first look (late switch)
LATENCY = {"slow": "0.1"}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    """Run the CLI in-process; (exit code, the --json document, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out), err


SWITCH_ROLES = ("android.widget.ToggleButton", "android.widget.CheckBox", "android.widget.Switch",
                "XCUIElementTypeSwitch")


def switch_taps(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Taps that hit a switch, and switch changes, in the phone's log."""
    hits = [e for e in log if e.get("cmd") == "tap" and (e.get("node") or {}).get("role") in SWITCH_ROLES]
    return hits + [e for e in log if e.get("cmd") == "switch"]


@pytest.mark.parametrize("platform", ["android", "ios"])
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_check_and_apply_every_scenario(platform, scenario, appium_server, phone_logs, capsys, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", LATENCY.get(scenario, "0"))
    device = f"sim-{platform}"
    check_status, state, apply_status, before, after = EXPECTED[scenario]
    common = ("--device", device, "--scenario", scenario, "--appium-url", appium_server.url, "--json")

    code, doc, err = run_cli(capsys, "check", *common)
    result = doc["results"][0]
    assert (result["status"], result["before"], code) == (check_status, state, EXIT[check_status]), result
    assert result["mode"] == "check" and result["platform"] == platform and result["commands"] >= 1
    assert switch_taps(phone_logs[-1]) == [], "check must never tap the switch"
    assert doc["summary"] == {"total": 1, "by_status": {check_status: 1}}

    code, doc, err = run_cli(capsys, "apply", *common)
    result = doc["results"][0]
    assert (result["status"], result["before"], result["after"]) == (apply_status, before, after), result
    assert code == EXIT[apply_status]
    changes = [e for e in phone_logs[-1] if e.get("cmd") == "switch"]
    assert len(changes) == (1 if apply_status in ("changed", "verify_failed") else 0)
    assert len(switch_taps(phone_logs[-1])) == 2 * len(changes)  # each change came from one switch tap
    if apply_status == "changed":
        assert (result["verified"], result["persisted"]) == (True, True)
    if scenario == "default":
        assert result["commands"] <= 20, result["commands"]
        assert result["locale"] == "en" and result["app_version"]
    locales = {"dutch": "nl", "german": "de", "french": "fr", "spanish": "es", "italian": "it", "portuguese": "pt-BR"}
    if scenario in locales:
        assert result["locale"] == locales[scenario]
    if scenario in NO_TAP:
        assert [e for e in phone_logs[-1] if e.get("cmd") == "tap"] == []  # found before any path tap
    if scenario == "pin-locked":
        assert "unlock" in result["message"].lower(), result["message"]


def test_check_expect_mismatch_exits_1(appium_server, phone_logs, capsys, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    code, doc, _ = run_cli(capsys, "check", "--device", "sim-android", "--expect", "off",
                           "--appium-url", appium_server.url, "--json")
    assert (code, doc["results"][0]["status"], doc["results"][0]["expected"]) == (1, "mismatch", "off")
    assert switch_taps(phone_logs[-1]) == []


def test_two_devices_exit_with_the_highest_code(appium_server, phone_logs, capsys, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    code, doc, err = run_cli(capsys, "apply", "--group", "sims", "--scenario", "no-persist",
                             "--appium-url", appium_server.url, "--json")
    assert [r["device"] for r in doc["results"]] == ["sim-android", "sim-ios"]
    assert code == 1 and doc["summary"]["by_status"] == {"verify_failed": 2}
    assert err.count("verify persisted") == 2  # progress lines on stderr, one per device


def test_human_output_names_states_and_the_training_note(appium_server, phone_logs, capsys, monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    code = main(["apply", "--device", "sim-android", "--appium-url", appium_server.url])
    out, err = capsys.readouterr()
    assert code == 0
    assert "sim-android" in out and "changed        on -> off  (verified, persisted)" in out
    assert "data already used for training is not removed" in out
    assert "tap settings" in err and " ok " in err


@pytest.mark.parametrize("argv", [
    ["apply", "--device", "nope"],
    ["apply", "--device", "sim-android", "--scenario", "no-such-scenario"],
    ["apply", "--device", "sim-android", "--state", "maybe"],
    ["apply", "--device", "phone", "--scenario", "default"],
    ["check", "--device", "sim-android", "--locale", "xx"],
])
def test_bad_input_exits_2_before_any_session(argv, phone_logs, capsys):
    with pytest.raises(SystemExit) if "--state" in argv or "--locale" in argv else _nothing():
        code = main(argv + ["--appium-url", "http://127.0.0.1:9"])  # nothing listens: a session would fail 3
        assert code == 2
    assert phone_logs == []  # no phone was started


def test_malformed_devices_file_exits_2(tmp_path, phone_logs, capsys):
    bad = tmp_path / "devices.yaml"
    bad.write_text("devices:\n  sim-android: {platform: android, simulator: {scenario: default}, colour: red}\n")
    code = main(["check", "--devices-file", str(bad), "--appium-url", "http://127.0.0.1:9"])
    assert code == 2 and f"{bad}:2" in capsys.readouterr().err and phone_logs == []


class _nothing:
    """A context manager that expects nothing (the counterpart of pytest.raises)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> bool:
        return False

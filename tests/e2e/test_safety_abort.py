"""A safety guard that fires aborts the whole run on every path, end to end through a real Appium and the
simulated phones: the CLI's parallel runner (exit 5, the other device stopped, --json and --report still
written) and the pytest plugin (the test fails, the session stops). And every device of a multi-device
run gets its own verdict (`check --all` with the shipped devices.yaml and no phone)."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

import mobile.sim.launch as launch
from mobile.cli.main import main

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
TOGGLE_LINE = "  - toggle: {target: genai_toggle, on: genai, confirm_label: genai_toggle}\n"
SWITCH_ROLES = ("android.widget.ToggleButton", "android.widget.CheckBox", "android.widget.Switch",
                "XCUIElementTypeSwitch")


def id_tap_flow(folder: Path) -> Path:
    """The shipped flow with its toggle step replaced by a tap on a control found by id: `validate` cannot
    know that, on this phone, the switch carries that id; the guard right before the tap does."""
    text = (REPO / "flows" / "linkedin-genai.yaml").read_text(encoding="utf-8")
    assert TOGGLE_LINE in text
    text = text.replace("targets:\n", "targets:\n  by_id:\n    android: [{id: optout-switch}]\n"
                                      "    ios: [{id: optout-switch}]\n", 1)
    path = folder / "by-id.yaml"
    path.write_text(text.replace(TOGGLE_LINE, "  - tap: {target: by_id, on: genai}\n"), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    return path


def switch_with_id(folder: Path) -> Path:
    path = folder / "switch-id.yaml"
    path.write_text("description: the switch carries an HTML id\nvars: {switch_id: optout-switch}\n")
    return path


@pytest.fixture
def phones(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every phone the CLI starts, by platform (its interaction log stays readable after the run)."""
    started: dict[str, Any] = {}
    real_start = launch.start_phone

    def start(platform: str, *args: Any, **kwargs: Any) -> launch.SimHandle:
        handle = real_start(platform, *args, **kwargs)
        started[platform] = handle.phone
        return handle

    monkeypatch.setattr(launch, "start_phone", start)
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    return started


def switch_taps(phone: Any) -> list[dict[str, Any]]:
    events = phone.log.events
    return [e for e in events if e.get("cmd") == "tap" and (e.get("node") or {}).get("role") in SWITCH_ROLES] + \
        [e for e in events if e.get("cmd") == "switch"]


def test_a_safety_violation_aborts_the_parallel_run_exit_5_results_written(
        tmp_path: Path, phones: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    devices = tmp_path / "devices.yaml"
    devices.write_text(f"devices:\n  sim-a: {{platform: android, simulator: {{scenario: {switch_with_id(tmp_path)}}}}}\n"
                       "  sim-b: {platform: ios, simulator: {scenario: default}}\n")
    report = tmp_path / "report"
    flow = id_tap_flow(tmp_path)
    capsys.readouterr()
    code = main(["check", "--all", "--parallel", "2", "--devices-file", str(devices), "--flow", str(flow),
                 "--timeout", "60", "--json", "--report", str(report)])
    out, err = capsys.readouterr()
    assert code == 5, err
    doc = json.loads(out)
    results = {r["device"]: r for r in doc["results"]}
    assert results["sim-a"]["status"] == "safety_violation"
    assert "is a switch or checkable node" in results["sim-a"]["message"]
    assert results["sim-a"]["steps"][-1]["status"] == "safety_violation"
    # sim-b never finds the id: it waits on its page until sim-a's guard stops it
    assert results["sim-b"]["status"] == "interrupted"
    assert results["sim-b"]["message"].startswith("stopped: a safety guard fired on sim-a")
    assert switch_taps(phones["android"]) == [] and switch_taps(phones["ios"]) == []
    written = json.loads((report / "result.json").read_text())
    assert [r["status"] for r in written["results"]] == ["safety_violation", "interrupted"]
    failures = [case.find("failure") for case in ET.parse(report / "junit.xml").getroot().iter("testcase")]
    assert failures[0] is not None and failures[0].get("type") == "safety_violation"


def test_check_all_with_the_shipped_devices_and_no_phone_gives_each_device_its_verdict(
        tmp_path: Path, phones: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a private adb port: no phone, and no other adb server answers there
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(sock.getsockname()[1]))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--all", "--devices-file", str(REPO / "devices.yaml"), "--json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    shipped = list(yaml.safe_load((REPO / "devices.yaml").read_text())["devices"])
    verdicts = {r["device"]: r["status"] for r in doc["results"]}
    assert list(verdicts) == shipped, err  # every device of the file has its own verdict, in file order
    assert verdicts.pop("phone") == "no_device"
    assert set(verdicts.values()) == {"unchanged"}, err  # every simulated phone ran
    assert code == 3 and doc["summary"] == {"total": len(shipped),
                                            "by_status": {"unchanged": len(shipped) - 1, "no_device": 1}}
    phone = next(r for r in doc["results"] if r["device"] == "phone")
    assert "no Android device is ready" in phone["message"]


QA_TESTS = """\
import pytest

@pytest.mark.parametrize("name", ["sim-a", "sim-b"])
def test_check(optout, name):
    assert optout.check(name, flow={flow!r}).state == "on"
"""


def test_the_pytest_plugin_fails_the_test_and_stops_the_session(pytester: pytest.Pytester,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    folder = pytester.path
    scenario, flow = switch_with_id(folder), id_tap_flow(folder)
    pytester.makefile(".yaml", devices=f"devices:\n  sim-a: {{platform: android, simulator: {{scenario: {scenario}}}}}\n"
                                       f"  sim-b: {{platform: android, simulator: {{scenario: {scenario}}}}}\n")
    pytester.makepyfile(test_qa=QA_TESTS.format(flow=str(flow)))
    run = pytester.runpytest_subprocess("--optout-devices-file", "devices.yaml",
                                        "-p", "no:cacheprovider", timeout=240)
    run.assert_outcomes(failed=1)  # sim-b's test never runs: the session stopped after sim-a's
    run.stdout.fnmatch_lines(["*SafetyViolation*is a switch or checkable node*",
                              "*Interrupted: linkedin-optout: safety violation on sim-a*"])

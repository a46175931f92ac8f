"""The pytest plugin end to end: a QA engineer's test file run by pytest (also under xdist) on simulated phones."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DEVICES_YAML = """\
devices:
  sim-off: {platform: android, simulator: {scenario: already-off}}
  sim-region: {platform: ios, simulator: {scenario: not-offered}}
  sim-other: {platform: android, simulator: {scenario: default}}
groups:
  qa: [sim-off, sim-region]
"""

QA_TESTS = """\
def test_setting_is_off(optout, device):
    assert optout.check(device).state == "off"


def test_apply_keeps_it_off(optout, device):
    result = optout.apply(device)
    assert result.status in ("changed", "unchanged", "not_offered")
    assert result.state in ("off", None)
"""


@pytest.fixture
def qa_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A user's project: devices.yaml and one test file; phones answer without latency."""
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    pytester.makefile(".yaml", devices=DEVICES_YAML)
    pytester.makepyfile(test_linkedin=QA_TESTS)
    return pytester


def properties(junit: Path) -> dict[str, dict[str, str]]:
    """testcase name -> its <property> name/value pairs (the last one per name)."""
    root = ET.parse(junit).getroot()
    return {case.get("name", ""): {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
            for case in root.iter("testcase")}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_one_item_per_device_and_results_in_junit(qa_project: pytest.Pytester, workers: list[str]) -> None:
    junit = qa_project.path / "junit.xml"
    run = qa_project.runpytest_subprocess("--optout-group", "qa", "--optout-devices-file", "devices.yaml",
                                          f"--junitxml={junit}", "-o", "junit_family=xunit1", *workers,
                                          timeout=240)
    # sim-region has no such setting (state None): the QA assertion fails there, and only there.
    run.assert_outcomes(passed=3, failed=1)
    run.stdout.fnmatch_lines(["*FAILED*test_setting_is_off?sim-region?*"])
    run.stdout.fnmatch_lines(["*linkedin-optout*", "sim-off*unchanged*off*"])
    props = properties(junit)
    assert set(props) == {f"{test}[{device}]" for test in ("test_setting_is_off", "test_apply_keeps_it_off")
                          for device in ("sim-off", "sim-region")}
    assert props["test_setting_is_off[sim-off]"]["optout.status"] == "unchanged"
    assert props["test_setting_is_off[sim-off]"]["optout.after"] == "off"
    assert props["test_setting_is_off[sim-region]"]["optout.status"] == "not_offered"
    assert props["test_apply_keeps_it_off[sim-off]"]["optout.mode"] == "apply"


def test_single_device_option_and_apply_that_changes(qa_project: pytest.Pytester) -> None:
    qa_project.makepyfile(test_change="""
def test_apply_turns_it_off(optout, device):
    first = optout.apply(device)
    assert (first.status, first.before, first.state) == ("changed", "on", "off")
    assert optout.check(device).state == "off"   # the same phone keeps the switch off
""")
    run = qa_project.runpytest_subprocess("test_change.py", "--optout-device", "sim-other",
                                          "--optout-devices-file", "devices.yaml", "-v", timeout=240)
    run.assert_outcomes(passed=1)
    run.stdout.fnmatch_lines(["*test_apply_turns_it_off?sim-other? PASSED*"])


def test_unknown_device_is_a_usage_error(qa_project: pytest.Pytester) -> None:
    run = qa_project.runpytest_subprocess("--optout-device", "nope", "--optout-devices-file", "devices.yaml",
                                          timeout=120)
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines(["*linkedin-optout: --optout-device: unknown device 'nope'*"])


def test_a_simulated_phone_for_uiautomator2_through_the_plugin(pytester: pytest.Pytester,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`driver: uiautomator2` in the user's devices.yaml: the plugin keeps the phone on its private adb server."""
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    pytester.makefile(".yaml", devices="devices:\n  sim-u2: {platform: android, simulator: "
                                       "{scenario: already-off, driver: uiautomator2}}\n")
    pytester.makepyfile(test_linkedin="""
def test_read_twice_through_the_real_driver(optout, device):
    for _ in range(2):
        result = optout.check(device)
        assert result.state == "off" and result.device_info["simulated"] is True
        assert result.device_info["driver"] == "uiautomator2"
""")
    run = pytester.runpytest_subprocess("--optout-device", "sim-u2", "--optout-devices-file", "devices.yaml",
                                        timeout=300)
    run.assert_outcomes(passed=1)

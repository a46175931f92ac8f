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


def test_option_errors_name_the_plugins_own_options(qa_project: pytest.Pytester) -> None:
    run = qa_project.runpytest_subprocess("--optout-devices-file", "nope.yaml", timeout=120)
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines(["*linkedin-optout: --optout-devices-file: devices file not found: nope.yaml*"])
    bad = qa_project.makefile(".yaml", bad="devices:\n  a: {platform: android, simulator: {scenario: nosuch}}\n"
                                           "groups:\n  g: []\n")
    run = qa_project.runpytest_subprocess("--optout-devices-file", str(bad), timeout=120)
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines([f"*linkedin-optout: {bad}:2: device 'a': unknown scenario 'nosuch'*",
                              f"*linkedin-optout: {bad}:4: group 'g' is empty*"])
    for option, value, message in (("--optout-timeout", "nan", "must be a finite number of seconds"),
                                   ("--optout-appium-url", "notaurl", "--optout-appium-url: not an http(s) URL")):
        run = qa_project.runpytest_subprocess(option, value, timeout=120)
        assert run.ret == pytest.ExitCode.USAGE_ERROR
        run.stderr.fnmatch_lines([f"*{message}*"])
    assert "INTERNALERROR" not in run.stdout.str() + run.stderr.str()


def test_declared_phone_that_is_absent_reports_no_device(qa_project: pytest.Pytester, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`--optout-device phone` (serial: auto) with no phone: its tests get `no_device`, never an INTERNALERROR."""
    import socket
    import subprocess

    from mobile.reach.adb import adb_binary

    with socket.socket() as sock:  # a private adb server that sees no phone; killed at the end
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ADB_LOCAL_TRANSPORT_MAX_PORT", "5553")
    qa_project.makefile(".yaml", phone="devices:\n  phone: {platform: android, serial: auto}\n")
    qa_project.makepyfile(test_phone="""
def test_phone(optout, device):
    result = optout.check(device)
    assert (result.device, result.status) == ("phone", "no_device"), result


def test_phone_by_name(optout):
    assert optout.apply("phone").status == "no_device"
""")
    try:
        run = qa_project.runpytest_subprocess("test_phone.py", "--optout-device", "phone", "--optout-devices-file",
                                              "phone.yaml", timeout=120)
    finally:
        subprocess.run([adb_binary(), "-P", str(port), "kill-server"], capture_output=True, timeout=30)
    run.assert_outcomes(passed=2)
    assert "INTERNALERROR" not in run.stdout.str() + run.stderr.str()
    run.stdout.fnmatch_lines(["*phone*no_device*"])


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

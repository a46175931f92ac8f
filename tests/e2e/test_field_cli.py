"""Field cases through the real CLI, a real Appium 3 and the simulated phone, where devices.yaml pins what a
lab or a copied script would pin: the old launch activity, or no forced app restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobile.cli.main import main

pytestmark = pytest.mark.e2e


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, *argv: str) -> tuple[int, dict]:
    devices = tmp_path / "devices.yaml"
    devices.write_text(f"devices:\n  phone: {entry}\n")
    code = main(["check", "--devices-file", str(devices), "--device", "phone", "--json", *argv])
    return code, json.loads(capsys.readouterr().out)["results"][0]


def test_installed_app_that_cannot_start_is_device_error_with_the_drivers_reason(appium_server, tmp_path, capsys,
                                                                                 monkeypatch):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    entry = ('{platform: android, simulator: {scenario: launcher-alias}, '
             'capabilities: {"appium:appActivity": "com.linkedin.android.authenticator.LaunchActivity"}}')
    code, result = _run(tmp_path, capsys, entry, "--appium-url", appium_server.url)
    assert (code, result["status"]) == (3, "device_error"), result
    assert "not exported" in result["message"] and "not installed" not in result["message"]


@pytest.mark.parametrize("scenario", ["open-elsewhere", "background"])
def test_app_left_elsewhere_without_forced_restart_is_restarted_by_the_runner(appium_server, tmp_path, capsys,
                                                                              monkeypatch, scenario):
    monkeypatch.setenv("LINKEDIN_SIM_LATENCY_SCALE", "0")
    entry = ('{platform: android, simulator: {scenario: %s}, capabilities: {"appium:forceAppLaunch": false}}'
             % scenario)
    code, result = _run(tmp_path, capsys, entry, "--appium-url", appium_server.url, "--timeout", "2")
    assert (code, result["status"], result["before"]) == (0, "unchanged", "on"), result
    assert "restarted" in result["steps"][0]["detail"]

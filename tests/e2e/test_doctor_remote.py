"""doctor against a real Appium 3 reached by URL: its /status build is reported, nothing local is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobile.reach.appium_server import AppiumServer
from mobile.cli.main import main

LOCK = Path(__file__).resolve().parents[2] / "ci" / "appium" / "package-lock.json"


def test_doctor_asks_a_remote_appium_for_its_status(appium_server: AppiumServer, capsys: pytest.CaptureFixture[str]):
    pinned = json.loads(LOCK.read_text())["packages"]["node_modules/appium"]["version"]
    assert appium_server.url is not None
    assert main(["doctor", "--device", "sim-android", "--appium-url", appium_server.url, "--json"]) == 0
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert list(checks) == ["python packages", "appium", "appium drivers", "device sim-android"]
    assert checks["appium"]["ok"] is True and checks["appium"]["detail"] == f"{appium_server.url} answers /status: Appium build {pinned}"
    assert checks["appium drivers"]["ok"] is None and checks["device sim-android"]["ok"] is None

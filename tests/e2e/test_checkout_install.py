"""What `make install` put in the checkout: the pinned npm packages (Appium, its drivers, the Grid jar).

These read ci/appium/node_modules, so they live here and not in tests/unit (which runs without Node)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mobile.cli.doctor import gather
from mobile.reach.appium_install import project_drivers
from mobile.reach.grid import GRID_DIR, grid_jar

REPO = Path(__file__).resolve().parents[2]


def test_pinned_grid_jar_is_installed() -> None:
    jar = grid_jar()
    assert jar.name.startswith("selenium-server-4.48") and jar.stat().st_size > 10_000_000
    assert GRID_DIR.is_dir()


def test_the_checkout_lockfile_pins_every_driver_setup_installs() -> None:
    names = [d.name for d in project_drivers(REPO / "ci" / "appium")]
    assert names[0] == "linkedinsim" and "uiautomator2" in names and "xcuitest" in names


def test_on_macos_a_real_iphone_gets_the_xcode_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("PATH", str(tmp_path))  # no xcodebuild here
    devices = tmp_path / "devices.yaml"
    devices.write_text("devices:\n  iphone: {platform: ios, udid: 00008110-AAAA}\n")
    _, checks = gather("iphone", str(devices))
    by_name = {c.name: c for c in checks}
    assert "macOS" not in by_name and by_name["Xcode"].ok is False and "xcode-select" in (by_name["Xcode"].fix or "")
    assert by_name["appium driver xcuitest"].needed is True

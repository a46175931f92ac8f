"""Installed-tool plumbing: shipped files, the Appium lookup order, the per-user folder, the drivers of an npm
project, and check/apply refusing to start without Appium (the whole path is tests/e2e/test_installed_tool.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mobile.reach.appium_server as appium_server
import mobile.cli.run_options as run_options
from mobile.reach.appium_install import InstallError, project_drivers
from mobile.reach.appium_server import locate_appium, user_dir
from mobile.reach.devices import BUILTIN_FILE, Device, load_devices
from mobile.errors import DeviceError
from mobile.resources import SHIPPED, checkout_root, shipped

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Appium variables; the per-user folder under tmp_path/user."""
    for name in ("APPIUM_HOME", "LINKEDIN_OPTOUT_APPIUM", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LINKEDIN_OPTOUT_HOME", str(tmp_path / "user"))
    return tmp_path / "user"


def _fake_appium(prefix: Path) -> Path:
    binary = prefix / "node_modules" / ".bin" / "appium"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    return binary


def test_in_a_checkout_every_shipped_path_is_the_repositorys_own():
    assert checkout_root() == REPO
    for relative in SHIPPED:
        assert shipped(relative) == REPO / relative and shipped(relative).exists()
    assert BUILTIN_FILE == REPO / "devices.yaml"


def test_built_in_devices_are_the_repositorys_devices_yaml():
    config = load_devices(BUILTIN_FILE)
    assert {"sim-android", "sim-ios", "sim-android-u2", "sim-ios-xcuitest", "phone"} <= set(config.devices)


def test_per_user_folder_follows_linkedin_optout_home_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("LINKEDIN_OPTOUT_HOME", str(tmp_path / "mine"))
    assert user_dir() == tmp_path / "mine"
    monkeypatch.delenv("LINKEDIN_OPTOUT_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_dir() == tmp_path / "xdg" / "linkedin-optout"


def test_outside_a_checkout_the_per_user_install_is_used(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(appium_server, "checkout_root", lambda: None)
    found = locate_appium()
    assert (found.origin, found.prefix, found.home, found.installed) == (
        "per-user folder", clean_env / "appium", clean_env / "appium-home", False)
    assert appium_server.install_hint() == appium_server.SETUP_HINT


def test_lookup_order_environment_then_checkout_then_per_user(clean_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path):
    monkeypatch.setattr(appium_server, "APPIUM_DIR", tmp_path / "checkout" / "ci" / "appium")
    monkeypatch.setattr(appium_server, "DEFAULT_APPIUM_HOME", tmp_path / "checkout" / ".appium-home")
    assert locate_appium().origin == "checkout"  # nothing installed anywhere: the checkout's to install
    _fake_appium(clean_env / "appium")
    assert locate_appium().origin == "per-user folder"  # the checkout has none: the per-user one
    _fake_appium(tmp_path / "checkout" / "ci" / "appium")
    found = locate_appium()
    assert (found.origin, found.home) == ("checkout", tmp_path / "checkout" / ".appium-home")
    monkeypatch.setenv("APPIUM_HOME", str(tmp_path / "mine"))
    monkeypatch.setenv("LINKEDIN_OPTOUT_APPIUM", str(tmp_path / "bin" / "appium"))
    found = locate_appium()
    assert (found.origin, found.home, found.binary) == ("environment", tmp_path / "mine", tmp_path / "bin" / "appium")


def test_project_drivers_are_linkedinsim_and_every_appium_driver_dependency(tmp_path: Path):
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"appium": "3.8.0", "appium-x-driver": "1.0.0"}}))
    for name, manifest in (("appium", {"name": "appium"}),
                           ("appium-x-driver", {"name": "appium-x-driver",
                                                "appium": {"driverName": "x", "mainClass": "XDriver"}})):
        (tmp_path / "node_modules" / name).mkdir(parents=True)
        (tmp_path / "node_modules" / name / "package.json").write_text(json.dumps(manifest))
    drivers = project_drivers(tmp_path)
    assert [(d.name, d.path) for d in drivers] == [("linkedinsim", tmp_path / "linkedinsim-driver"),
                                                   ("x", tmp_path / "node_modules" / "appium-x-driver")]
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"appium-y-driver": "1.0.0"}}))
    with pytest.raises(InstallError, match="appium-y-driver is pinned .* but not installed"):
        project_drivers(tmp_path)



def _plan(appium: str = "local") -> run_options.RunPlan:
    device = Device(name="sim-android", platform="android", simulator={"scenario": "default"}, appium=appium)
    return run_options.RunPlan(mode="check", devices=[device], flow=None)


def test_check_without_appium_says_exactly_what_to_run(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(appium_server, "checkout_root", lambda: None)
    monkeypatch.setattr(run_options, "checkout_root", lambda: None)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked without a terminal"))
    with pytest.raises(DeviceError) as caught:
        run_options.ensure_local_appium(_plan(), interactive=False)
    assert "Run `linkedin-optout setup` once" in str(caught.value) and caught.value.exit_code == 3
    run_options.ensure_local_appium(_plan(appium="http://127.0.0.1:4723"), interactive=False)  # remote: fine


def test_on_a_terminal_it_offers_setup_and_goes_on_when_it_worked(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(appium_server, "checkout_root", lambda: None)
    monkeypatch.setattr(run_options, "checkout_root", lambda: None)
    asked: list[str] = []

    def answer_no(prompt: str) -> str:
        asked.append(prompt)
        return "n"

    monkeypatch.setattr("builtins.input", answer_no)
    with pytest.raises(DeviceError):
        run_options.ensure_local_appium(_plan(), interactive=True)
    assert asked and asked[0].endswith("Run `linkedin-optout setup` now? [y/N] ")
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    monkeypatch.setattr(run_options, "setup_now", lambda: _fake_appium(clean_env / "appium"))
    run_options.ensure_local_appium(_plan(), interactive=True)
    assert locate_appium().installed

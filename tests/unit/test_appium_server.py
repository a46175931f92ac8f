"""AppiumServer and appium_install: clear errors without an install, external servers checked by /status."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.reach.appium_install import InstallError, ensure_drivers
from mobile.reach.appium_server import AppiumServer, free_port
from mobile.errors import DeviceError
from mobile.sim.launch import start_phone


def test_missing_binary_says_run_make_install(tmp_path: Path):
    server = AppiumServer(binary=tmp_path / "no-appium", home=tmp_path / "home")
    with pytest.raises(DeviceError, match="run `make install`"):
        server.start()
    assert not server.running


def test_install_without_appium_says_run_make_install(tmp_path: Path):
    with pytest.raises(InstallError, match="run `make install`"):
        ensure_drivers(tmp_path / "no-appium", tmp_path / "home")


def test_binary_that_exits_at_once_is_reported_with_its_output(tmp_path: Path):
    fake = tmp_path / "appium"
    fake.write_text("#!/bin/sh\necho 'boom: cannot start' >&2\nexit 3\n")
    fake.chmod(0o755)
    server = AppiumServer(binary=fake, log_path=tmp_path / "appium.log", start_timeout=30)
    with pytest.raises(DeviceError, match="exited with code 3.*boom: cannot start"):
        server.start()


def test_command_line_binds_localhost_and_keeps_the_log(tmp_path: Path):
    server = AppiumServer(port=4999, log_path=tmp_path / "a.log")
    line = server.command_line()
    assert line[1:7] == ["server", "--address", "127.0.0.1", "--port", "4999", "--log"]
    assert line[7] == str(tmp_path / "a.log")


def test_external_url_is_checked_by_status():
    with start_phone("android", "default", latency_scale=0) as phone:  # any W3C /status will do
        server = AppiumServer.external(phone.url + "/")
        assert server.url == phone.url and server.running and server.start_seconds is not None
        server.stop()  # never stops what the user runs
    with pytest.raises(DeviceError, match="no Appium server answers"):
        AppiumServer.external(f"http://127.0.0.1:{free_port()}", timeout=2)

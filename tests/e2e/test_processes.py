"""Tests that start processes, send signals or measure the wall clock: kept out of tests/unit, which stays
in-process and clock-free. The simulated phone's CLI and child process, the installed script, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.engine.abort import Abort, signals_trip
from mobile.reach.capabilities import capabilities_for
from mobile.reach.devices import Device
from mobile.sim.launch import spawn_phone, start_phone
from support import Client

REPO = Path(__file__).resolve().parents[2]
FLOW_FIXTURES = REPO / "tests" / "fixtures" / "flows"
SCRIPT = Path(sys.executable).parent / "linkedin-optout"
WAIT_S = 20.0
pytestmark = pytest.mark.e2e


def test_latency_is_slept_by_the_server(tmp_path):
    with start_phone("android", "default", latency_scale=0.05) as handle:
        client = Client(handle.url)
        client.start()
        expected = handle.phone.command_latency("source")
        assert expected >= 0.02
        began = time.monotonic()
        client.ok("GET", "/session/:sid/source")
        assert time.monotonic() - began >= expected


def test_subprocess_phone_writes_its_url_and_dies_on_kill(tmp_path):
    child = spawn_phone("ios", "already-off", latency_scale=0, ready_file=tmp_path / "ready")
    try:
        assert Client(child.url).ok("GET", "/sim/state")["genai"] == "off"
    finally:
        child.kill()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{child.url}/status", timeout=5)


def test_cli_sim_serve_prints_url_and_capabilities_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "mobile.cli.main", "sim", "serve", "--platform", "android",
                                "--scenario", "dutch", "--latency-scale", "0"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("simulated android phone (scenario dutch) at http://127.0.0.1:")
        url = first.rsplit(" at ", 1)[1].strip()
        lines = [process.stdout.readline()]
        while not lines[-1].startswith("interaction log"):
            assert lines[-1], "sim serve stopped printing before the interaction-log line"
            lines.append(process.stdout.readline())
        caps = json.loads("".join(lines[1:-1]))
        # the same capabilities the tool itself sends to a simulated phone
        assert caps == capabilities_for(Device("sim-android", "android", simulator={}),
                                        find_flow(DEFAULT_FLOW).apps["android"], sim_url=url).to_capabilities()
        assert caps["appium:automationName"] == "LinkedInSim" and caps["appium:simServer"] == url
        assert caps["appium:appPackage"] == "com.linkedin.android" and caps["appium:noReset"] is True
        assert Client(url).ok("GET", "/sim/state")["locale"] == "nl"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait(timeout=10)


def test_cli_sim_serve_unknown_scenario_is_config_error():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "mobile.cli.main", "sim", "serve", "--scenario", "nope"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown scenario" in done.stderr



def test_validate_through_the_installed_script() -> None:
    bad = str(FLOW_FIXTURES / "004_unknown_target.yaml")
    good = str(FLOW_FIXTURES / "100_minimal.yaml")
    proc = subprocess.run([str(SCRIPT), "validate", good, bad], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout.splitlines() == [
        f"ok  {good}", f"{bad}:15: unknown target 'settngs' in step 2 (tap) (known: settings)"]


def test_signals_trip_the_abort_and_handlers_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    abort = Abort()
    with signals_trip(abort, err=open(os.devnull, "w")):
        os.kill(os.getpid(), signal.SIGTERM)
        assert abort.wait(WAIT_S)
        with pytest.raises(KeyboardInterrupt):  # a second signal stops waiting at once
            os.kill(os.getpid(), signal.SIGINT)
            abort.wait(WAIT_S)  # the handler raises here, in the main thread
    assert abort.cause is not None and abort.cause.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is before

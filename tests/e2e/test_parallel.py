"""`check`/`apply` on several devices at once from the command line: streaming, summary, reports, exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mobile.run.farm import local_farm

REPO = Path(__file__).resolve().parents[2]


def devices_yaml(path: Path, scenarios: list[str], grid: str | None = None) -> Path:
    """A devices.yaml with one simulated phone per scenario, all in group `farm`."""
    names = [f"sim-{i + 1}" for i in range(len(scenarios))]
    lines = ["devices:"] + [f"  {n}: {{platform: android, simulator: {{scenario: {s}}}}}" for n, s in zip(names, scenarios)]
    lines += ["groups:", f"  farm: [{', '.join(names)}]", f"grid: {grid or 'null'}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def cli(*args: str, latency: str = "0") -> subprocess.CompletedProcess[str]:
    """Run `linkedin-optout ARGS` as a user would (phones at the given latency scale)."""
    env = {**os.environ, "LINKEDIN_SIM_LATENCY_SCALE": latency}
    return subprocess.run([sys.executable, "-m", "mobile", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


def test_apply_on_four_phones_at_once(tmp_path: Path) -> None:
    devices = devices_yaml(tmp_path / "devices.yaml", ["default"] * 4)
    began = time.monotonic()
    run = cli("apply", "--devices-file", str(devices), "--group", "farm", "--parallel", "4", "--json",
              "--report", str(tmp_path / "report"), latency="0.3")
    wall = time.monotonic() - began
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads(run.stdout)
    assert [(r["device"], r["status"]) for r in document["results"]] == [(f"sim-{i}", "changed") for i in range(1, 5)]
    assert document["summary"] == {"total": 4, "by_status": {"changed": 4}}
    # The four runs overlapped: together they took far longer than the whole command did.
    assert sum(r["duration_s"] for r in document["results"]) > 1.5 * wall
    assert len(list(ET.parse(tmp_path / "report" / "junit.xml").getroot().iter("testcase"))) == 4


def test_verdicts_stream_then_a_summary_and_the_highest_exit_code(tmp_path: Path) -> None:
    devices = devices_yaml(tmp_path / "devices.yaml", ["default", "signed-out", "already-off"])
    run = cli("check", "--devices-file", str(devices), "--all", "--parallel", "3", "--report", str(tmp_path / "r"))
    assert run.returncode == 3, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    verdicts = [line for line in lines[:3]]
    assert sorted(v.split()[0] for v in verdicts) == ["sim-1", "sim-2", "sim-3"]
    assert any("signed_out" in v for v in verdicts)
    table = lines[lines.index("") + 1:]
    assert table[0].split() == ["device", "platform", "status", "before", "after", "time"]
    assert [row.split()[0] for row in table[2:5]] == ["sim-1", "sim-2", "sim-3"]  # in devices.yaml order
    assert "3 devices: 1 signed_out, 2 unchanged; exit code 3" in table
    result = json.loads((tmp_path / "r" / "result.json").read_text())
    assert {r["device"]: r["status"] for r in result["results"]} == {
        "sim-1": "unchanged", "sim-2": "signed_out", "sim-3": "unchanged"}


@pytest.mark.grid
def test_group_check_through_a_grid_from_devices_yaml(tmp_path: Path) -> None:
    with local_farm(0, spare_slots=4, session_request_timeout=60, log_dir=tmp_path / "farm") as farm:
        devices = devices_yaml(tmp_path / "devices.yaml", ["default", "already-off", "default", "already-off"],
                               grid=farm.url)
        run = cli("check", "--devices-file", str(devices), "--group", "farm", "--parallel", "4", "--json")
        assert run.returncode == 0, run.stderr[-3000:]
        states = [(r["status"], r["after"]) for r in json.loads(run.stdout)["results"]]
        assert states == [("unchanged", "on"), ("unchanged", "off")] * 2
        assert farm.grid is not None
        created = sum(log.read_text().count("Session created by the Node") for log in farm.grid.log_dir.glob("node-*.log"))
        assert created == 4


def test_appium_servers_spread_parallel_sessions(tmp_path: Path) -> None:
    """--appium-servers 2: two local Appium servers, the two concurrent sessions one on each."""
    devices = devices_yaml(tmp_path / "devices.yaml", ["default"] * 2)
    run = cli("check", "--devices-file", str(devices), "--group", "farm", "--parallel", "2", "--appium-servers", "2",
              "--json", "-v")
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads(run.stdout)
    assert [r["status"] for r in document["results"]] == ["unchanged", "unchanged"]
    started = [line for line in run.stderr.splitlines() if line.startswith("appium ")]
    assert len(started) == 2 and {line.split()[1] for line in started} == {"0:", "1:"}
    assert len({line.split()[2] for line in started}) == 2  # two different server URLs

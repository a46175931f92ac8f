"""Through a real Selenium Grid 4 (hub + relay node) in front of Appium 3 and several simulated phones."""

from __future__ import annotations

import json
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

from mobile.engine.abort import Abort
from mobile.run.plan import RunPlan
from mobile.core.flow import find_flow, load_flow
from mobile.reach.devices import Device
from mobile.run.farm import Farm, local_farm
from mobile.run.parallel import run_plan
from mobile.output.report import write_report
from mobile.output.result import exit_code

pytestmark = pytest.mark.grid
PHONES = 4


def sim_state(url: str) -> dict[str, Any]:
    """GET /sim/state of a phone."""
    with urllib.request.urlopen(f"{url}/sim/state", timeout=10) as response:
        return json.loads(response.read())["value"]


def sessions_created(farm: Farm) -> int:
    """How many sessions the Grid's relay nodes handed to Appium (from the node logs)."""
    assert farm.grid is not None
    return sum(log.read_text().count("Session created by the Node") for log in farm.grid.log_dir.glob("node-*.log"))


def plan_for(farm: Farm, mode: str, report_dir: Path, devices: list[Device] | None = None) -> RunPlan:
    """apply/check on the farm's phones, every session sent to the Grid."""
    return RunPlan(mode=mode, devices=devices or farm.devices(), flow=find_flow("linkedin-genai"),
                   wanted="off" if mode == "apply" else None, grid=farm.url, report_dir=report_dir)


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    """Four in-process phones (zero latency), one Appium, a hub and a relay node with a slot per phone."""
    with local_farm(PHONES, latency_scale=0, session_request_timeout=60,
                    log_dir=tmp_path_factory.mktemp("farm")) as running:
        yield running


def test_grid_offers_one_slot_per_phone(farm: Farm) -> None:
    assert farm.grid is not None
    with urllib.request.urlopen(f"{farm.url}/status", timeout=10) as response:
        status = json.loads(response.read())["value"]
    assert status["ready"] is True
    servers = sorted(slot["stereotype"]["appium:simServer"] for node in status["nodes"] for slot in node["slots"])
    assert servers == sorted(phone.url for phone in farm.phones)


def test_apply_on_every_phone_through_the_grid(farm: Farm, tmp_path: Path) -> None:
    assert all(sim_state(phone.url)["genai"] == "on" for phone in farm.phones)
    before = sessions_created(farm)
    results = run_plan(plan_for(farm, "apply", tmp_path / "report"), parallel=PHONES)
    assert [r.status for r in results] == ["changed"] * PHONES, [r.message for r in results]
    assert all(r.verified and r.persisted and (r.before, r.after) == ("on", "off") for r in results)
    # Each phone's own switch moved: the Grid routed every session to its own phone.
    assert [sim_state(phone.url)["genai"] for phone in farm.phones] == ["off"] * PHONES
    assert sessions_created(farm) - before == PHONES
    again = run_plan(plan_for(farm, "check", tmp_path / "check"), parallel=PHONES)
    assert [(r.status, r.after) for r in again] == [("unchanged", "off")] * PHONES


def test_a_safety_violation_through_the_grid_aborts_every_phone(farm: Farm, tmp_path: Path) -> None:
    # A flow that `validate` accepts: "On"/"Off" is no label of the switch; on these phones it is the switch's
    # text (earlier tests of this module may have turned it off).
    text = (Path(__file__).resolve().parents[2] / "flows" / "linkedin-genai.yaml").read_text(encoding="utf-8")
    toggle = "  - toggle: {target: genai_toggle, on: genai, confirm_label: genai_toggle}\n"
    text = text.replace("targets:\n", "targets:\n  word_on:\n    android: [{text: 'On'}, {text: 'Off'}]\n"
                                      "    ios: [{text: 'On'}, {text: 'Off'}]\n", 1).replace(toggle, "  - tap: {target: word_on, on: genai}\n")
    (tmp_path / "word-on.yaml").write_text(text, encoding="utf-8")
    states = [sim_state(phone.url)["genai"] for phone in farm.phones]
    abort = Abort()
    plan = replace(plan_for(farm, "check", tmp_path / "report"), flow=load_flow(tmp_path / "word-on.yaml"))
    results = run_plan(plan, parallel=PHONES, abort=abort)
    statuses = [r.status for r in results]
    assert "safety_violation" in statuses and set(statuses) <= {"safety_violation", "interrupted"}, statuses
    assert exit_code(results, abort) == 5
    assert [sim_state(phone.url)["genai"] for phone in farm.phones] == states  # no switch moved


def test_a_phone_killed_mid_run_fails_alone(tmp_path: Path) -> None:
    with local_farm(PHONES, latency_scale=0.2, subprocess_phones=True, session_request_timeout=60,
                    log_dir=tmp_path / "farm") as farm:
        victim = farm.devices()[2]
        killed: list[str] = []

        class KillAfterFirstStep:
            """Progress listener: the victim's phone dies once its run is under way."""

            def __init__(self, device: Device):
                self.device = device

            def on_step_end(self, name: str, status: str, ms: int, detail: str | None = None) -> None:
                if self.device.name == victim.name and not killed:
                    killed.append(name)
                    farm.phones[2].kill()

        report_dir = tmp_path / "report"
        results = run_plan(plan_for(farm, "apply", report_dir), parallel=PHONES, progress=KillAfterFirstStep)
        others = [r for r in results if r.device != victim.name]
        dead = next(r for r in results if r.device == victim.name)
        assert killed, "the victim's run never got under way"
        assert [r.status for r in others] == ["changed"] * (PHONES - 1), [r.message for r in others]
        assert dead.status == "device_error" and dead.message
        print(f"killed after step {killed[0]!r}: {dead.message}")
        assert exit_code(results) == 3
        write_report(report_dir, results)
    document = json.loads((report_dir / "result.json").read_text())
    assert sorted(r["device"] for r in document["results"]) == sorted(d.name for d in farm.devices())
    cases = ET.parse(report_dir / "junit.xml").getroot().iter("testcase")
    assert len(list(cases)) == PHONES


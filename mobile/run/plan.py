"""The input of every run: RunPlan, what runs where, validated up front (by mobile.run.inputs for the CLI,
by the pytest plugin for tests). The CLI builds it from its options; the run side only reads it. The engine
never sees it: it gets the flow, a driver and the options of one run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mobile.core.flow_schema import Flow
from mobile.core.terms import Mode
from mobile.reach.devices import Device

if TYPE_CHECKING:  # the type only: building a plan (the pytest plugin, in every session) never loads the simulator
    from mobile.sim.scenario import Scenario


@dataclass
class RunPlan:
    """Everything validated up front: what to run where."""

    mode: Mode
    devices: list[Device]
    flow: Flow
    wanted: str | None = None
    expected: str | None = None
    locale: str | None = None
    scenario: Scenario | None = None  # simulated phones only: overrides each device's simulator.scenario
    appium_url: str | None = None
    timeout: float | None = None
    report_dir: Path | None = None
    raw_evidence: bool = False
    verbose: int = 0
    grid: str | None = None
    appium_servers: int = 1  # local Appium servers to spread parallel sessions over (slot k -> server k mod N)

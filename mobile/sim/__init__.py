"""The simulated phone: LinkedIn screens and scenarios as data, exact page sources, account state, latency.

The names below are imported on first use (PEP 562), so that importing one submodule (for example
`mobile.sim.scenario` to validate a scenario, or `mobile.sim.__main__` for the CLI's options) does not
load the whole phone."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"InteractionLog": "mobile.sim.log", "SimError": "mobile.sim.log", "TapResult": "mobile.sim.log",
          "Phone": "mobile.sim.phone", "Scenario": "mobile.sim.scenario", "known_scenarios": "mobile.sim.scenario",
          "load_scenario": "mobile.sim.scenario"}
__all__ = ["InteractionLog", "Phone", "Scenario", "SimError", "TapResult", "known_scenarios", "load_scenario"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'mobile.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value

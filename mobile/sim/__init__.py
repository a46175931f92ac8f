"""The simulated phone: LinkedIn screens and scenarios as data, exact page sources, account state, latency."""

from mobile.sim.log import InteractionLog, SimError, TapResult
from mobile.sim.phone import Phone
from mobile.sim.scenario import Scenario, known_scenarios, load_scenario

__all__ = ["InteractionLog", "Phone", "Scenario", "SimError", "TapResult", "known_scenarios", "load_scenario"]

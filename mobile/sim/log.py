"""What the simulated phone tells its callers: refusals (SimError), tap results and the interaction log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable


class SimError(Exception):
    """A command the phone refuses; `error` is the W3C error code the server should answer with."""

    def __init__(self, error: str, message: str):
        super().__init__(f"{error}: {message}")
        self.error, self.message = error, message


@dataclass(frozen=True)
class TapResult:
    """What a tap hit and what it did: effect is none|navigate|toggle|dismiss|back|launch|crash."""

    screen: str
    node: dict | None
    effect: str


class InteractionLog:
    """Every command the phone received, in order, with the clock time since the phone was made."""

    def __init__(self, clock: Callable[[], float]):
        self._clock, self._t0 = clock, clock()
        self.events: list[dict[str, Any]] = []

    def record(self, cmd: str, **fields: Any) -> dict:
        """Append one event and return it."""
        event = {"t": round(self._clock() - self._t0, 3), "cmd": cmd, **fields}
        self.events.append(event)
        return event

    def taps(self) -> list[dict]:
        """The tap events."""
        return [e for e in self.events if e["cmd"] == "tap"]

    def switch_changes(self) -> list[dict]:
        """The switch events (before/after, persisted)."""
        return [e for e in self.events if e["cmd"] == "switch"]

    def to_json(self) -> str:
        """The whole log as a JSON array."""
        return json.dumps(self.events, ensure_ascii=False)

"""The narrow Driver seam between the engine and a phone: what the runner needs, nothing more.

Every Driver counts the commands it sends (`commands`), the page-source reads (`source_reads`) and the
screenshots (`screenshots`, taken only for report evidence). mobile/drivers/ holds the implementations:
AppiumDriver (real) and ReplayDriver (recorded page sources, for runner tests).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from mobile.core.tree import Bounds, Node
from mobile.engine.scrolling import ScrollArea

Point = tuple[float, float]
TapTarget = Node | Bounds | Point  # a node (tapped at its bounds' center), bounds, or a point


@runtime_checkable
class Driver(Protocol):
    """What the runner needs from a phone; nothing more."""

    @property
    def platform(self) -> str:
        """"android" or "ios"."""

    @property
    def commands(self) -> int:
        """Commands sent so far (session creation and deletion included)."""

    @property
    def source_reads(self) -> int:
        """Page-source reads so far."""

    @property
    def screenshots(self) -> int:
        """Screenshots taken so far (report evidence)."""

    def source(self) -> str:
        """The current page source XML."""

    def tap(self, target: TapTarget) -> None:
        """Tap a Node (at its bounds' center) or an (x, y) point."""

    def scroll(self, area: ScrollArea, direction: str = "down") -> bool:
        """Scroll inside `area` (a ScrollArea, never None); False when the driver says it cannot."""

    def back(self) -> None:
        """Press back (Android) / navigate back (iOS)."""

    def launch(self) -> None:
        """Bring the app to the foreground (start it when it is not running)."""

    def terminate(self) -> None:
        """Stop the app."""

    def app_state(self) -> int:
        """0 not installed, 1 not running, 3 background, 4 foreground."""

    def screenshot(self) -> bytes:
        """A PNG of the screen."""

    def close(self) -> None:
        """End the session."""


def tap_point(target: TapTarget) -> tuple[int, int]:
    """The point to tap for a Node (its bounds' center), bounds or an (x, y) pair."""
    if isinstance(target, tuple):
        return int(target[0]), int(target[1])
    bounds = target.bounds if isinstance(target, Node) else target
    center = bounds.center
    return int(center[0]), int(center[1])

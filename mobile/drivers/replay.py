"""ReplayDriver: a scripted fake phone over recorded page sources, for runner tests (Maestro style).

A script is a set of named screens. Each screen has its XML (or a list: successive reads, the last one
repeating, to model a screen still loading) and `on`: what an action leads to. Action keys are the
tapped node's id, label or text (first one declared wins), `back`, `launch`, `scroll:down`/`scroll:up`.
A value is the next screen's name or a callable(driver) -> name (to keep state such as the switch).
Every call is recorded in `events` as `source()`, `tap(<key>)`, `back()`, ... so tests can assert the
exact sequence; a tap on anything the screen does not declare is `tap(?<what>)` and kept in `undeclared`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Callable

from mobile.core.tree import Bounds, Node, parse_page_source
from mobile.errors import DeviceError
from mobile.engine.scrolling import ScrollArea

Target = Node | Bounds | tuple[float, float]  # what Driver.tap takes (mobile.drivers.appium.TapTarget)

Next = str | Callable[["ReplayDriver"], str]

# a 1x1 white PNG: screenshots are not what replay tests look at
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")


@dataclass
class ReplayScreen:
    """One recorded screen and where actions on it lead."""

    name: str
    xml: str | list[str]
    on: dict[str, Next] = field(default_factory=dict)


class ReplayDriver:
    """A Driver that replays recorded screens and records what the runner did."""

    def __init__(self, screens: list[ReplayScreen], start: str, platform: str = "android",
                 app_state: int = 4, launch_to: str | None = None) -> None:
        self.platform = platform
        self.screens = {s.name: s for s in screens}
        self.screen = start
        self.state = app_state
        self.launch_to = launch_to or start
        self.events: list[str] = []
        self.undeclared: list[str] = []
        self.vars: dict[str, Any] = {}
        self.commands = 1  # the session creation, as AppiumDriver counts it
        self.source_reads = 0
        self.screenshots = 0
        self.on_command: Callable[[], None] | None = None  # e.g. advances a test's fake clock per command
        self._reads: dict[str, int] = {}
        self._closed = False

    def source(self) -> str:
        """The current screen's XML (the next of its successive reads)."""
        self._record("source()")
        self.source_reads += 1
        xml = self.screens[self.screen].xml
        if isinstance(xml, str):
            return xml
        n = self._reads.get(self.screen, 0)
        self._reads[self.screen] = n + 1
        return xml[min(n, len(xml) - 1)]

    def tap(self, target: Target) -> None:
        """Tap a node (or point); follow the screen's declared transition for it."""
        key = self._key_for(target)
        if key is None:
            what = self._describe(target)
            self._record(f"tap(?{what})")
            self.undeclared.append(f"{self.screen}:{what}")
            return
        self._record(f"tap({key})")
        self._go(self.screens[self.screen].on[key])

    def scroll(self, area: ScrollArea, direction: str = "down") -> bool:
        """Scroll: moves on when the screen declares `scroll:<direction>`."""
        self._record(f"scroll({direction})")
        nxt = self.screens[self.screen].on.get(f"scroll:{direction}")
        if nxt is None:
            return False
        self._go(nxt)
        return True

    def back(self) -> None:
        """Back: follows the screen's `back` transition (stays when none)."""
        self._record("back()")
        nxt = self.screens[self.screen].on.get("back")
        if nxt is not None:
            self._go(nxt)

    def launch(self) -> None:
        """activateApp: the screen's `launch` transition, else the launch screen."""
        self._record("launch()")
        if self.state == 0:
            raise DeviceError("app not installed")
        self.state = 4
        self._go(self.screens[self.screen].on.get("launch", self.launch_to))

    def terminate(self) -> None:
        """terminateApp."""
        self._record("terminate()")
        self.state = 1 if self.state else 0

    def app_state(self) -> int:
        """queryAppState."""
        self._record("app_state()")
        return self.state

    def screenshot(self) -> bytes:
        """A tiny PNG."""
        self._record("screenshot()")
        self.screenshots += 1
        return _PNG

    def close(self) -> None:
        """Session deletion (counted once)."""
        if not self._closed:
            self._closed = True
            self.commands += 1

    def _record(self, event: str) -> None:
        if self._closed:
            raise DeviceError(f"{event} after the session was closed")
        if self.on_command is not None:
            self.on_command()
        self.events.append(event)
        self.commands += 1

    def _go(self, nxt: Next) -> None:
        name = nxt(self) if callable(nxt) else nxt
        if name not in self.screens:
            raise KeyError(f"replay script has no screen {name!r}")
        self.screen = name
        self._reads.pop(name, None)  # re-entering a screen replays its loading reads

    def _key_for(self, target: Target) -> str | None:
        node = target if not isinstance(target, tuple) else self._node_at(target)
        if node is None:
            return None
        declared = self.screens[self.screen].on
        for key in (getattr(node, "id", None), getattr(node, "label", None), getattr(node, "text", None)):
            if isinstance(key, str) and key in declared:
                return key
        return None

    def _node_at(self, point: tuple[float, float]) -> Node | None:
        """The deepest node of the current screen whose bounds hold the point."""
        xml = self.screens[self.screen].xml
        tree = parse_page_source(xml if isinstance(xml, str) else xml[-1], self.platform)
        hit = None
        for node in tree.nodes:
            b = node.bounds
            if b.left <= point[0] < b.right and b.top <= point[1] < b.bottom:
                hit = node
        return hit

    @staticmethod
    def _describe(target: Target) -> str:
        if isinstance(target, tuple):
            return f"{target[0]},{target[1]}"
        return next((v for v in (getattr(target, "id", None), getattr(target, "label", None),
                                 getattr(target, "text", None)) if v), getattr(target, "role", "node"))

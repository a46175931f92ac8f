"""A Driver straight over the simulated Phone (no Appium, no HTTP), sharing a fake clock with the runner:
every command costs the phone's modelled latency in fake seconds, so runs are fast and their timings and
command counts are those the phone models."""

from __future__ import annotations

from typing import Any

from mobile.engine.driver import tap_point
from mobile.sim.phone import APP_IDS, Phone
from support import FakeClock

COMMAND_KIND = {"source": "source", "tap": "click", "scroll": "scroll", "back": "back", "launch": "activate_app",
                "app_state": "query_app_state", "screenshot": "screenshot", "terminate": "terminate_app"}


class PhoneDriver:
    """The Driver protocol over a Phone; counts commands like AppiumDriver, records scroll areas."""

    def __init__(self, platform: str, scenario: Any = "default", clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.phone = Phone(platform, scenario, clock=self.clock, latency_scale=1.0)
        self.platform = platform
        self.commands = self.source_reads = self.screenshots = 0
        self.scrolls: list[Any] = []
        self.phone.start_session({"platformName": platform, ("appium:appPackage" if platform == "android"
                                  else "appium:bundleId"): APP_IDS[platform]})
        self.clock.sleep(2.0)  # the cold start is over before the run begins

    def _cost(self, what: str) -> None:
        self.commands += 1
        self.clock.sleep(self.phone.command_latency(COMMAND_KIND[what]))

    def source(self) -> str:
        self._cost("source")
        self.source_reads += 1
        return self.phone.source()

    def tap(self, target: Any) -> None:
        self._cost("tap")
        self.phone.tap(*tap_point(target))

    def scroll(self, area: Any, direction: str = "down") -> bool:
        if area is None:
            raise AssertionError("a scroll without an area")
        self._cost("scroll")
        self.scrolls.append(area)
        b = area.bounds
        return self.phone.scroll(direction, (b.left, b.top, b.width, b.height), 0.75)

    def back(self) -> None:
        self._cost("back")
        self.phone.back()

    def launch(self) -> None:
        self._cost("launch")
        self.phone.activate_app(APP_IDS[self.platform])

    def app_state(self) -> int:
        self._cost("app_state")
        return self.phone.query_app_state(APP_IDS[self.platform])

    def screenshot(self) -> bytes:
        self._cost("screenshot")
        self.screenshots += 1
        return self.phone.screenshot()

    def terminate(self) -> None:
        self._cost("terminate")
        self.phone.terminate_app(APP_IDS[self.platform])

    def close(self) -> None:
        """Nothing to end."""

"""What the devices of one run (or one pytest worker) share: the run's Abort, one local Appium server and
the simulated-iPhone stack, the private adb server, each started on first use and stopped by whoever made the Shared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mobile.engine.abort import Abort
from mobile.reach.appium_server import AppiumServer

if TYPE_CHECKING:  # the types only: mobile.run.xcuitest_sim imports this module; PrivateAdb starts on demand
    from mobile.reach.private_adb import PrivateAdb
    from mobile.run.xcuitest_sim import XcuitestSimStack


@dataclass
class Shared:
    """The run's shared servers; None until first started."""

    abort: Abort | None = None
    appium: AppiumServer | None = None
    xcuitest: XcuitestSimStack | None = None
    adb: PrivateAdb | None = None  # the private adb server of simulated phones for UiAutomator2
    extra_appium: dict[int, AppiumServer] = field(default_factory=dict)  # --appium-servers N: servers 1..N-1

    def stop_appium(self) -> None:
        """Stop the local Appium servers that were started."""
        servers = [self.appium, *self.extra_appium.values()]
        self.appium, self.extra_appium = None, {}
        for server in servers:
            if server is not None:
                server.stop()

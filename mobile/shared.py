"""What the devices of one run (or one pytest worker) share: the run's Abort, one local Appium server and
the simulated-iPhone stack, the private adb server, each started on first use and stopped by whoever made the Shared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mobile.abort import Abort
from mobile.appium_server import AppiumServer

if TYPE_CHECKING:  # the types only: mobile.xcuitest_sim imports this module; PrivateAdb starts on demand
    from mobile.private_adb import PrivateAdb
    from mobile.xcuitest_sim import XcuitestSimStack


@dataclass
class Shared:
    """The run's shared servers; None until first started."""

    abort: Abort | None = None
    appium: AppiumServer | None = None
    xcuitest: XcuitestSimStack | None = None
    adb: PrivateAdb | None = None  # the private adb server of simulated phones for UiAutomator2

    def stop_appium(self) -> None:
        """Stop the local Appium server if one was started."""
        server, self.appium = self.appium, None
        if server is not None:
            server.stop()

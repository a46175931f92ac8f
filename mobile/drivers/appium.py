"""AppiumDriver: the engine's Driver (mobile/engine/driver.py) over a real Appium 3 server.

It counts the commands it sends (`commands`), the page-source reads (`source_reads`) and the screenshots
(`screenshots`, taken only for report evidence). ReplayDriver, the fake for runner tests, is in replay.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, TypeVar

from appium import webdriver
from appium.options.common.base import AppiumOptions
from appium.webdriver.appium_connection import AppiumConnection
from appium.webdriver.client_config import AppiumClientConfig

from mobile.core.tree import Node
from mobile.engine.driver import TapTarget, tap_point
from mobile.engine.scrolling import ScrollArea
from mobile.errors import AppMissing, DeviceError

T = TypeVar("T")

# phrases Appium drivers use when the app under test is not on the device
_MISSING_APP_HINTS = ("not installed", "could not find app", "app is missing", "no such app",
                      "does not exist or is not accessible")
# UiAutomator2 with noReset never checks the package: a missing app fails its `am start` with this
# (appium-adb startApp). The same words come when the package is there but the activity is not launchable.
_CANNOT_LAUNCH_HINT = "used to start the app doesn't exist or cannot be launched"
# Without appActivity (the tool lets the driver find the launcher) UiAutomator2 asks `cmd package
# resolve-activity` first; for a package that is not there that fails with these words (appium-adb).
_CANNOT_RESOLVE_HINT = "unable to resolve the launchable activity"


def is_app_missing_message(message: str) -> bool:
    """True when an Appium error message says the app is not installed."""
    text = (message or "").lower()
    # XCUITest: "App with bundle identifier 'com.linkedin.LinkedIn' unknown"
    ios_unknown = "bundle identifier" in text and "unknown" in text
    return ios_unknown or any(hint in text for hint in (*_MISSING_APP_HINTS, _CANNOT_LAUNCH_HINT, _CANNOT_RESOLVE_HINT))


class CountingConnection(AppiumConnection):
    """Counts commands per name; session creation and deletion included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts: Counter[str] = Counter()

    def execute(self, command: str, params: dict[str, Any]) -> Any:
        self.counts[command] += 1
        return super().execute(command, params)  # type: ignore[no-untyped-call]  # selenium: untyped


class AppiumDriver:
    """The real Driver: one Appium session, every command counted."""

    def __init__(self, url: str, platform: str, app_id: str, timeout_s: float = 120.0) -> None:
        """No session yet: `start` creates it. The driver exists first so that its command count (the
        POST /session included) is there to read when starting fails."""
        self.url = url
        self.platform = platform.lower()
        self.app_id = app_id
        config = AppiumClientConfig(remote_server_addr=url, timeout=timeout_s)
        self._conn = CountingConnection(client_config=config)
        self._remote: Any = None
        self._closed = False

    def start(self, options: AppiumOptions) -> None:
        """Create the Appium session (AppMissing or DeviceError when it cannot be created)."""
        try:
            self._remote = webdriver.Remote(command_executor=self._conn, options=options)
        except Exception as exc:  # noqa: BLE001 - every session failure is reported as an outcome
            raise translate_error(exc, f"could not start an Appium session at {self.url}") from exc

    @property
    def commands(self) -> int:
        """HTTP commands sent so far, session create/delete included."""
        return sum(self._conn.counts.values())

    @property
    def source_reads(self) -> int:
        """Page-source reads so far."""
        return self._conn.counts.get("getPageSource", 0)

    @property
    def screenshots(self) -> int:
        """Screenshots taken so far (report evidence)."""
        return self._conn.counts.get("screenshot", 0)

    @property
    def capabilities(self) -> dict[str, Any]:
        """The capabilities the server returned for the session."""
        return dict(getattr(self._remote, "caps", None) or {})

    def source(self) -> str:
        """The current page source XML."""
        return str(self._call(lambda: self._remote.page_source))

    def tap(self, target: TapTarget) -> None:
        """One tap at the node's center, with no find_element: the node came from the page source just read.

        The drivers' own single-command point taps (UiAutomator2 `mobile: clickGesture`, XCUITest
        `mobile: tap`) instead of W3C pointer actions, which both drivers replay as a slower gesture."""
        x, y = tap_point(target)
        self._execute("mobile: clickGesture" if self.platform == "android" else "mobile: tap", {"x": x, "y": y})

    def scroll(self, area: ScrollArea, direction: str = "down") -> bool:
        """Scroll inside `area` (a ScrollArea: the node's bounds and XPath; never the whole screen unnamed).
        Android: `mobile: scrollGesture` over the bounds. iOS: `mobile: scroll` on the element the XPath
        selects (XCUITest scrolls an element, not a rectangle)."""
        if area is None:
            raise ValueError("scroll needs an area: the scrollable node or the screen's content area")
        bounds = area.bounds
        if self.platform == "android":
            args: dict[str, Any] = {"direction": direction, "percent": 0.75, "left": bounds.left,
                                    "top": bounds.top, "width": max(1, bounds.width), "height": max(1, bounds.height)}
            return bool(self._execute("mobile: scrollGesture", args))
        element = self._call(lambda: self._remote.find_element("xpath", area.xpath))
        self._execute("mobile: scroll", {"direction": direction, "elementId": element.id})
        return True

    def back(self) -> None:
        """Press back."""
        self._call(lambda: self._remote.back())

    def launch(self) -> None:
        """`mobile: activateApp`."""
        self._execute("mobile: activateApp", self._app_arg())

    def terminate(self) -> None:
        """`mobile: terminateApp`."""
        self._execute("mobile: terminateApp", self._app_arg())

    def app_state(self) -> int:
        """`mobile: queryAppState`."""
        return int(self._execute("mobile: queryAppState", self._app_arg()) or 0)

    def screenshot(self) -> bytes:
        """A PNG of the screen."""
        return bytes(self._call(lambda: self._remote.get_screenshot_as_png()))

    def close(self) -> None:
        """Delete the session (once)."""
        if self._closed or self._remote is None:
            return
        self._closed = True
        try:
            self._remote.quit()
        except Exception:  # noqa: BLE001 - a dead session cannot be deleted; nothing left to do
            pass

    def _app_arg(self) -> dict[str, str]:
        key = "appId" if self.platform == "android" else "bundleId"
        return {key: self.app_id}

    def _execute(self, script: str, args: dict[str, Any]) -> Any:
        return self._call(lambda: self._remote.execute_script(script, args))

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - translated into the error tree
            raise translate_error(exc, "Appium command failed") from exc


def translate_error(exc: Exception, context: str) -> Exception:
    """Map a client/Appium exception onto AppMissing or DeviceError with a short message."""
    message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    message = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    if is_app_missing_message(message):
        # the driver's own words name the package/bundle it could not start; keep them, minus the boilerplate
        detail = message.rsplit("Original error:", 1)[-1].split("Details:")[-1].split("; For documentation", 1)[0].strip()
        if _CANNOT_RESOLVE_HINT in message.lower():
            return AppMissing(f"LinkedIn is not installed on the device (the driver found no launchable activity "
                              f"for it: {detail}): install it and sign in, then run again")
        if _CANNOT_LAUNCH_HINT in message.lower():
            return AppMissing(f"LinkedIn cannot be started on the device (not installed, or its launch activity "
                              f"is not exported): install it and sign in, then run again ({detail})")
        return AppMissing(f"LinkedIn is not installed on the device: install it and sign in, then run again "
                          f"({detail})")
    return DeviceError(f"{context}: {message}")


__all__ = ["AppiumDriver", "CountingConnection", "is_app_missing_message", "translate_error"]

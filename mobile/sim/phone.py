"""The simulated phone: the LinkedIn app's screens, account state, timing and an interaction log.

The phone never sleeps. Transitions and late elements are modelled against the injected clock, and
`command_latency()` tells the W3C server how long to sleep per command. All public methods take a lock,
so the threaded HTTP server may call them concurrently.
"""

from __future__ import annotations

import math
import os
import threading
import time
from typing import Any, Callable

from mobile.errors import ConfigError
from mobile.sim import render, screenshot
from mobile.sim.app import DESIGN_HEIGHT, DESIGN_WIDTH, ResolveContext, View, resolve
from mobile.sim.activities import APP_IDS, LAUNCH_ACTIVITY, check_activity
from mobile.sim.log import InteractionLog, SimError, TapResult
from mobile.sim.profiles import DEFAULT_WAIT_FOR_IDLE_MS, NO_IDLE_WAIT, Profile, get_profile
from mobile.sim.scenario import Scenario, load_scenario

SIZES = {"android": (1080, 2400), "ios": (390, 844)}
DEVICE_DEFAULTS = {
    "android": {"serial": "LINKEDINSIM01", "model": "Pixel 7", "os_version": "14"},
    "ios": {"serial": "00008110-0000000000051A01", "model": "iPhone 14", "os_version": "17.5"},
}
KEY_WAKE, KEY_POWER, KEY_MENU, KEY_BACK, KEY_HOME = 224, 26, 82, 4, 3
LATENCY_ENV = "LINKEDIN_SIM_LATENCY_SCALE"


def check_latency_scale(value: float, where: str) -> float:
    """A latency multiplier: a finite number >= 0, else ConfigError naming `where`."""
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"must be a finite number >= 0 (0 = instant), got {value!r}", where=where)
    return value


def env_latency_scale() -> float:
    """$LINKEDIN_SIM_LATENCY_SCALE (unset or empty: 1), checked like --latency-scale."""
    text = os.environ.get(LATENCY_ENV, "").strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"not a number: {text!r} (e.g. 0 for instant, 1 for the scenario's latency)",
                          where=f"${LATENCY_ENV}") from None
    return check_latency_scale(value, f"${LATENCY_ENV}")


def _node_info(view: View, platform: str) -> dict:
    if platform == "ios":
        label = view.ios_label if view.ios_label is not None else (view.desc or view.text or None)
        return {"id": view.ios_name, "text": view.text, "label": label, "role": view.ios_type, "key": view.key}
    return {"id": view.id, "text": view.text, "label": view.desc, "role": view.cls, "key": view.key}


class Phone:
    """One simulated Android or iOS phone running (or not) the LinkedIn app, for as long as it lives."""

    def __init__(self, platform: str = "android", scenario: Scenario | str = "default", *,
                 clock: Callable[[], float] = time.monotonic, latency_scale: float | None = None,
                 latency_profile: str | None = None):
        if platform not in SIZES:
            raise ValueError(f"platform must be android or ios, not {platform!r}")
        self.platform = platform
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.clock = clock
        self.log = InteractionLog(clock)
        if latency_scale is None:
            latency_scale = env_latency_scale()
        self.latency_scale = latency_scale * self.scenario.latency.scale
        self.profile: Profile = get_profile(latency_profile or self.scenario.latency.profile)
        self._lock = threading.RLock()
        facts = {**DEVICE_DEFAULTS[platform], **self.scenario.device.get(platform, {})}
        self.serial, self.model, self.os_version = facts["serial"], facts["model"], str(facts["os_version"])
        self.width, self.height = SIZES[platform]
        state = self.scenario.state
        self.app_installed: bool = state["app_installed"]
        self.app_version: str = str(state.get("app_version", ""))
        self.screen_on: bool = state["screen_on"]
        self.locked: bool = state["locked"]
        self.lock: str = str(state.get("lock", "swipe"))  # none | swipe | pin (any secure lock)
        self.bouncer = False  # a secure lock asked for its PIN (wm dismiss-keyguard cannot open it)
        self.packages: list[str] = list(state.get("packages") or [])  # other installed apps (Appium's helpers)
        app = self.scenario.app
        self.launcher_activity: str = app.get("launcher", LAUNCH_ACTIVITY)
        self.exported_activities: tuple[str, ...] = tuple(app.get("exported", (self.launcher_activity,)))
        self.signed_in: bool = state["signed_in"]
        self.offered: bool = state["offered"]
        self._genai: bool = state["genai_enabled"]
        self.locale = self.scenario.locale
        self.session: dict | None = None
        self._running = bool(app.get("running")) and self.app_installed
        self._foreground = self._running and bool(app.get("foreground"))
        self._stack: list[str] = list(app.get("screens") or []) if self._running else []
        self._popup: str | None = None
        self._pending: tuple[str, str | None, float] | None = None  # (op, screen, ready time)
        self._shown_at = clock()
        self._offsets: dict[str, int] = {}
        self._page_genai = self._genai
        self._fired: set[int] = set()
        self._crashed = False

    # ---- account and app state -------------------------------------------------------------
    @property
    def genai_enabled(self) -> bool:
        """The persisted account setting (what re-opening the page will show)."""
        return self._genai

    @property
    def current_screen(self) -> str:
        """Name of the screen whose page source is served now."""
        with self._lock:
            self._tick()
            if not self.screen_on or self.locked:
                return "keyguard"
            if not self._foreground:
                return "launcher"
            if self._popup:
                return self._popup
            return self._stack[-1] if self._stack else "splash"

    def _tick(self) -> None:
        """Commit a pending transition once its time has come on the clock."""
        if not self._pending or self.clock() < self._pending[2]:
            return
        op, screen, ready = self._pending
        self._pending = None
        if screen is None:  # "pop": back to the screen below
            self._stack.pop()
        elif op == "reset":
            self._stack = [screen]
        else:
            self._stack.append(screen)
        self._enter(self._stack[-1], ready)

    def _enter(self, screen: str, at: float) -> None:
        self._shown_at = at
        self._offsets = {k: v for k, v in self._offsets.items() if not k.startswith(f"{screen}:")}
        if screen == "genai":
            self._page_genai = self._genai  # the web page loads the account's stored value
        for i, intr in enumerate(self.scenario.interruptions):
            if intr.screen == screen and not (intr.once and i in self._fired):
                self._fired.add(i)
                self._popup = intr.popup
                self.log.record("popup", screen=screen, popup=intr.popup)
                break

    def _transition_s(self, kind: str) -> float:
        return self.transition_ms(kind) / 1000 * self.latency_scale

    def transition_ms(self, kind: str) -> float:
        """The modelled transition time of a kind (native, webview, system, launch, back), unscaled."""
        defaults = {"native": 350, "webview": 900, "system": 300, "launch": 1800, "back": 300}
        if kind in self.profile.transitions:
            return self.profile.transitions[kind]
        return self.scenario.latency.transitions.get(kind, defaults[kind])

    def _go(self, op: str, screen: str | None, kind: str) -> None:
        self._tick()
        self._pending = (op, screen, self.clock() + self._transition_s(kind))
        self._tick()  # zero latency: the new screen is there at once

    def _launch(self) -> None:
        self._running = self._foreground = True
        self._popup = None
        self._stack = []
        signed_out = str(self.scenario.vars.get("signed_out_screen", "sign_in"))
        self._go("reset", "home" if self.signed_in else signed_out, "launch")

    def _app_state(self) -> int:
        if not self.app_installed:
            return 0
        return 1 if not self._running else (4 if self._foreground else 3)

    # ---- device ----------------------------------------------------------------------------
    def wake(self) -> None:
        """Turn the screen on (keyevent 224)."""
        with self._lock:
            self.log.record("wake")
            self.screen_on = True

    def dismiss_keyguard(self) -> None:
        """Unlock (wm dismiss-keyguard); only works with the screen on, and never past a PIN (it asks for it)."""
        with self._lock:
            self.log.record("dismiss_keyguard")
            self._unlock()

    def _unlock(self) -> None:
        if not self.screen_on or not self.locked:
            return
        if self.lock == "pin":
            self.bouncer = True  # the PIN pad shows; only the person can go on
        else:
            self.locked = False

    @property
    def secure(self) -> bool:
        """The lock needs a credential (PIN, pattern, password): no command opens it."""
        return self.lock == "pin"

    def keyevent(self, code: int) -> None:
        """Android key codes: 224 wake, 26 power, 82 menu (unlocks), 4 back, 3 home; others are ignored."""
        with self._lock:
            self.log.record("keyevent", code=code)
            if code == KEY_WAKE:
                self.screen_on = True
            elif code == KEY_POWER:
                self.screen_on = not self.screen_on
                self.locked = self.locked or (not self.screen_on and self.lock != "none")
                self.bouncer = False
            elif code == KEY_MENU:
                self._unlock()
            elif code == KEY_BACK:
                self._back()
            elif code == KEY_HOME:
                self._foreground = False

    # ---- session ---------------------------------------------------------------------------
    def start_session(self, caps: dict, unlock: bool = True) -> None:
        """Validate capabilities like UiAutomator2/XCUITest, unlock, and (re)start LinkedIn unless autoLaunch is false.
        `unlock=False`: the uiautomator2 server's own session, which leaves waking and launching to adb."""
        with self._lock:
            self.log.record("start_session", caps={k: v for k, v in caps.items() if "password" not in k.lower()})
            get = lambda name: caps.get(f"appium:{name}", caps.get(name))  # noqa: E731
            platform = str(caps.get("platformName", self.platform)).lower()
            if platform != self.platform:
                raise SimError("session not created", f"this simulated phone is {self.platform}, not {platform}")
            app_id = get("appPackage" if self.platform == "android" else "bundleId")
            if app_id is not None and app_id != APP_IDS[self.platform]:
                raise SimError("session not created", self._not_installed_message(str(app_id)))
            activity = get("appActivity")
            if self.platform == "android" and activity and self.app_installed:
                check_activity(str(activity), self.launcher_activity, self.exported_activities)
            # UiAutomator2 and XCUITest wake the device and dismiss a swipe keyguard; a PIN stays
            if unlock:
                self.screen_on = True
                self._unlock()
            if get("autoLaunch") is not False and app_id is not None:
                if not self.app_installed:
                    raise SimError("session not created", self._not_installed_message(app_id))
                force = bool(get("forceAppLaunch"))
                if self._running and get("noReset") and not force:
                    # UiAutomator2 (ensureAppStarts) leaves a running app alone: still in the background
                    # if it was; XCUITest (WDA) activates it, on the screen it was on
                    self._foreground = self._foreground or self.platform == "ios"
                elif self._running and get("dontStopAppOnReset") and not force:
                    self._foreground = True  # `am start` without -S brings its task to the front
                else:
                    self._launch()
            self.session = dict(caps)

    def _not_installed_message(self, app_id: str) -> str:
        if self.platform == "ios":
            return f"App with bundle identifier '{app_id}' unknown"
        return (f"Cannot start the '{app_id}' application. Original error: Activity name "
                f"'{app_id}/.authenticator.LaunchActivity' cannot be found: the package is not installed")

    def end_session(self) -> None:
        """Forget the session; the app and the account state stay as they are."""
        with self._lock:
            self.log.record("end_session")
            self.session = None

    # ---- reading the screen ----------------------------------------------------------------
    def _views(self, name: str | None = None) -> tuple[str, list[View]]:
        name = name or self.current_screen
        screen = self.scenario.screens[name]
        page_on = self._page_genai
        labels = self.scenario.label_table()

        def variables_for(table: dict[str, Any]) -> dict[str, Any]:
            state_text = table["on"] if page_on else table["off"]
            return {**self.scenario.vars, "locale": self.locale, "offered": self.offered,
                    "signed_in": self.signed_in, "app_installed": self.app_installed, "genai": page_on,
                    "lock": self.lock, "genai_state": state_text, "app_version": self.app_version,
                    "switch_text_value": state_text if self.scenario.vars.get("switch_text") == "on_off" else ""}

        web = None
        if self.scenario.web_locale and self.scenario.web_locale != self.locale:
            web_labels = self.scenario.label_table(self.scenario.web_locale)
            web = {**web_labels, **variables_for(web_labels)}
        ctx = ResolveContext(self.platform, labels, variables_for(labels),
                             {k.split(":", 1)[1]: v for k, v in self._offsets.items() if k.startswith(f"{name}:")},
                             (self.clock() - self._shown_at) * 1000,
                             {k: v * self.latency_scale for k, v in self.scenario.latency.late.items()}, web)
        return name, resolve(screen, ctx)

    def source(self) -> str:
        """The exact UiAutomator2 / XCUITest page source of what is on screen now."""
        with self._lock:
            name = self.current_screen
            self.log.record("source", screen=name)
            return self.source_of(name)

    def source_of(self, screen: str) -> str:
        """The page source a named screen would have now, without navigating (fixtures, format tests)."""
        with self._lock:
            _, views = self._views(screen)
            if self.platform == "ios":
                return render.ios_xml(views, self.scenario.screens[screen].ios_app, self.width, self.height)
            return render.android_xml(views, self.width, self.height)

    def screenshot(self) -> bytes:
        """A PNG wireframe of the current screen."""
        with self._lock:
            name, views = self._views()
            self.log.record("screenshot", screen=name)
            return screenshot.png(views, self.platform, self.width, self.height)

    def window_size(self) -> tuple[int, int]:
        """Screen size in the platform's units (pixels on Android, points on iOS)."""
        with self._lock:
            self.log.record("window_size")
            return self.width, self.height

    def _to_design(self, x: float, y: float) -> tuple[float, float]:
        return x * DESIGN_WIDTH / self.width, y * DESIGN_HEIGHT / self.height

    # ---- acting ----------------------------------------------------------------------------
    def tap(self, x: int, y: int) -> TapResult:
        """Tap the topmost clickable node at (x, y) and do what it does; logs the node hit."""
        with self._lock:
            name, views = self._views()
            dx, dy = self._to_design(x, y)
            hit = None
            for view in (v for root in views for v in root.walk()):
                l, t, r, b = view.bounds
                if view.clickable and l <= dx < r and t <= dy < b:
                    hit = view  # later in document order is drawn on top
            info = _node_info(hit, self.platform) if hit else None
            self.log.record("tap", screen=name, node=info, x=x, y=y)
            effect = self._do(hit.on_tap, name) if hit is not None and hit.on_tap not in (None, "none") else "none"
            return TapResult(name, info, effect)

    def _do(self, action: Any, screen: str) -> str:
        if action == "toggle":
            before = self._page_genai
            self._page_genai = not before
            persisted = not self.scenario.no_persist
            if persisted:
                self._genai = self._page_genai
            self.log.record("switch", screen=screen, before="on" if before else "off",
                            after="on" if self._page_genai else "off", persisted=persisted)
            return "toggle"
        if action == "dismiss":
            self._popup = None
            return "dismiss"
        if action == "back":
            self._back()
            return "back"
        if action == "launch":
            self._activate()
            return "launch"
        target = action["goto"]
        if target == self.scenario.crash_once_at and not self._crashed:
            self._crashed = True
            self._running = self._foreground = False
            self._pending, self._popup, self._stack = None, None, []
            self.log.record("crash", screen=screen, target=target)
            return "crash"
        kind = self.scenario.screens[target].kind
        self._go("push", target, kind)
        return "navigate"

    def _back(self) -> None:
        self._tick()
        if not (self.screen_on and not self.locked and self._foreground):
            return
        if self._popup:
            self._popup = None
        elif len(self._stack) > 1:
            self._go("pop", None, "back")
        else:
            self._foreground = False  # back on Home leaves the app in the background

    def back(self) -> None:
        """Android: the Back key (closes a popup, goes back, leaves the app from Home). iOS: the XCUITest
        driver's `back` (the nav bar's "Back" button, else its first; nothing without a bar)."""
        with self._lock:
            self.log.record("back", screen=self.current_screen)
            if self.platform == "ios":
                self._nav_bar_back()
            else:
                self._back()

    def _nav_bar_back(self) -> None:
        name, views = self._views()
        bars = [v for root in views for v in root.walk() if v.ios_type == "XCUIElementTypeNavigationBar"]
        buttons = [v for v in bars[0].walk() if v.ios_type == "XCUIElementTypeButton"] if bars else []
        chosen = next((b for b in buttons if b.ios_label == "Back"), buttons[0] if buttons else None)
        if chosen is not None and chosen.on_tap not in (None, "none"):
            self._do(chosen.on_tap, name)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> bool:
        """Drag from (x1,y1) to (x2,y2): scrolls the scrollable under the start point; True if content moved."""
        with self._lock:
            name, views = self._views()
            self.log.record("swipe", screen=name, x1=x1, y1=y1, x2=x2, y2=y2, duration_ms=duration_ms)
            sx, sy = self._to_design(x1, y1)
            target = self._scrollable_at(views, sx, sy)
            if target is None:
                return False
            return self._scroll_by(name, target, round(sy - self._to_design(x2, y2)[1]))

    def scroll(self, direction: str, area: tuple | None = None, percent: float = 1.0) -> bool:
        """`mobile: scrollGesture`: scroll by percent of the area's height; True if more scrolling is possible."""
        with self._lock:
            name, views = self._views()
            self.log.record("scroll", screen=name, direction=direction, area=list(area) if area else None,
                            percent=percent)
            if area:
                cx, cy = self._to_design(area[0] + area[2] / 2, area[1] + area[3] / 2)
                target = self._scrollable_at(views, cx, cy)
                height = area[3] * DESIGN_HEIGHT / self.height
            else:
                scrollables = [v for root in views for v in root.walk() if v.scrollable]
                target = max(scrollables, key=lambda v: (v.bounds[3] - v.bounds[1]), default=None)
                height = (target.bounds[3] - target.bounds[1]) if target else 0
            if target is None or direction not in ("up", "down"):
                return False
            distance = round(height * percent) * (1 if direction == "down" else -1)
            self._scroll_by(name, target, distance)
            offset = self._offsets.get(f"{name}:{target.scroll_key}", 0)
            return offset < target.max_offset if direction == "down" else offset > 0

    @staticmethod
    def _scrollable_at(views: list[View], x: float, y: float) -> View | None:
        found = None
        for view in (v for root in views for v in root.walk()):
            l, t, r, b = view.bounds
            if view.scrollable and l <= x < r and t <= y < b:
                found = view
        return found

    def _scroll_by(self, screen: str, view: View, distance: int) -> bool:
        key = f"{screen}:{view.scroll_key}"
        old = self._offsets.get(key, 0)
        new = max(0, min(view.max_offset, old + distance))
        self._offsets[key] = new
        return new != old

    # ---- app control -----------------------------------------------------------------------
    def _check_app(self, app_id: str) -> None:
        if app_id != APP_IDS[self.platform] or not self.app_installed:
            raise SimError("unknown error", self._not_installed_message(app_id))

    def _activate(self) -> None:
        if not self._running:
            self._launch()
        else:
            self._foreground = True

    def activate_app(self, app_id: str) -> None:
        """Bring the app to the foreground, cold-starting it if it is not running."""
        with self._lock:
            self.log.record("activate_app", app_id=app_id)
            self._check_app(app_id)
            self._activate()

    def terminate_app(self, app_id: str) -> bool:
        """Stop the app; False if it was not running."""
        with self._lock:
            self.log.record("terminate_app", app_id=app_id)
            self._check_app(app_id)
            was_running = self._running
            self._running = self._foreground = False
            self._stack, self._popup, self._pending = [], None, None
            return was_running

    def query_app_state(self, app_id: str) -> int:
        """0 not installed, 1 not running, 3 running in the background, 4 in the foreground."""
        with self._lock:
            self._tick()
            state = self._app_state() if app_id == APP_IDS[self.platform] else 0
            self.log.record("query_app_state", app_id=app_id, state=state)
            return state

    def query_state_quietly(self) -> int:
        """queryAppState without a log entry: what adb's process and window views are derived from."""
        with self._lock:
            self._tick()
            return self._app_state()

    def command_latency(self, command: str) -> float:
        """Seconds the server should sleep before answering this W3C command."""
        commands = {**self.scenario.latency.commands, **self.profile.commands}
        return commands.get(command, commands.get("default", 50.0)) / 1000 * self.latency_scale

    def round_trip(self) -> float:
        """Seconds of network round trip every command pays on this profile (half each way)."""
        return self.profile.rtt_ms / 1000 * self.latency_scale

    def idle_wait(self, command: str, settings: dict) -> float:
        """Seconds the device waits for the app to go idle before this command: on a never-idle screen of
        the profile, the session's waitForIdleTimeout (ms; default 10 s); otherwise nothing."""
        if command in NO_IDLE_WAIT or not self.profile.busy_screens:
            return 0.0
        with self._lock:
            if self.current_screen not in self.profile.busy_screens:
                return 0.0
        try:
            timeout_ms = float(settings.get("waitForIdleTimeout", DEFAULT_WAIT_FOR_IDLE_MS))
        except (TypeError, ValueError):
            timeout_ms = DEFAULT_WAIT_FOR_IDLE_MS
        return max(0.0, timeout_ms) / 1000 * self.latency_scale

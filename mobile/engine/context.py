"""RunContext: what every step handler shares — reading the screen, waiting, seeking a target (scrolling,
clearing interruptions), recovery and the guarded taps. No sleep of its own: clock and sleeper are injected.

Waiting rules: nothing is paused for blindly. After a navigating action the first read goes out as soon as
a read can show the new screen (mobile/engine/pacing.py: at once, unless this session measured, or on a
device seen slow the flow declares, how long that kind of transition takes: then at the expected length
minus a read's round trip), and while the screen is still in its transition (the screen left, or an
unknown one such as a splash) it reads again at once: the read's own latency paces it. Only after
FAST_READ_S without the expected screen do polls back off (POLL_S doubling up to MAX_POLL_S, or a tenth
of the wait when that is longer) so a screen that never comes does not flood the device with reads: a
whole wait costs about a dozen reads, whatever its length. A target that was not on the first read must
read the same twice (settled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable

from mobile.engine.abort import Abort
from mobile.core import match
from mobile.core.flow_schema import Candidate, Flow, Step, ToggleStep
from mobile.core.guards import describe, tap_refusal
from mobile.core.locate import SwitchFor, locate_one, value_text
from mobile.core.tree import Node, Tree, parse_page_source
from mobile.core.terms import Mode, Status
from mobile.engine.driver import Driver
from mobile.engine.pacing import Pacing, Transit
from mobile.errors import AmbiguousMatch, AppMissing, DeviceError, PageSourceError, SafetyViolation
from mobile.engine.scrolling import ScrollArea, scroll_area  # noqa: F401  (ScrollArea re-exported)
from mobile.output.result import RunResult

POLL_S = 0.05
MAX_POLL_S = 0.8
FAST_READ_S = 3.0     # after an action: back-to-back reads this long (a cold start takes ~1.8 s, a page ~0.9 s)
FAST_READS = 6        # and at most this many (a cold start is ~4 reads of ~450 ms, ~5 on a USB phone)
# How long a finished, settled list must stay without a row before it counts as absent: a WebView section
# may fill in seconds after its page shows (the simulated `slow` phone's switch comes 7.5 s late), and a
# false not_offered leaves the setting on, so the absence verdict waits this long (the step's wait caps it).
ABSENT_GRACE_S = 10.0
MAX_INTERRUPTIONS = 5  # a dialog that keeps coming back is drift, not a popup
MAX_RECOVERIES = 3
MAX_SCROLLS = 30
BACK_TARGET = "back"  # the flow's control that leaves a page (used on iOS)


def poll_cap(timeout: float) -> float:
    """The longest pause between two reads of a wait of `timeout` s."""
    return max(MAX_POLL_S, timeout / 6)


class Outcome(Exception):
    """Ends the run with a SPEC status read from the screen (raised by steps, caught by the run loop).
    The environment stopping the run is not an Outcome: that is an EnvironmentProblem."""

    def __init__(self, status: Status, message: str = ""):
        self.status, self.message = status, message
        super().__init__(f"{status}: {message}")


class Rewind(Exception):
    """Continue from the step that starts on `screen`: after a recovery (the step line says "retry"), or
    because the app opened on a deeper screen of the path (`reached`: nothing failed, the line says "ok")."""

    def __init__(self, screen: str, reached: bool = False):
        self.screen, self.reached = screen, reached
        super().__init__(screen)


@dataclass(frozen=True)
class Look:
    """One page-source read: the XML, its tree, the screen it shows (None when unknown) and the
    languages it is read in (the requested locale first, then those the page shows; see page_locales)."""

    xml: str
    tree: Tree
    screen: str | None
    locales: tuple[str, ...] = ()


class RunContext:
    """The driver, the flow in the active locale, waiting, seeking, recovery and guarded taps."""

    def __init__(self, flow: Flow, driver: Driver, result: RunResult, mode: Mode, locale: str | None,
                 clock: Callable[[], float], sleeper: Callable[[float], None], timeout: float | None,
                 poll: float = POLL_S, abort: Abort | None = None):
        self.flow, self.driver, self.result, self.mode = flow, driver, result, mode
        self.abort = abort or Abort()  # tripped by a signal or another device's safety guard
        self.step: Step | None = None  # the step running now (set by the runner)
        self.platform: str = driver.platform
        self.prefer = locale if locale and locale != "auto" else None  # asked for: read first, never only
        self.locale: str | None = None  # the language the switch's row was confirmed in
        self.clock, self.sleeper, self.poll = clock, sleeper, poll
        self.timeout_override = timeout
        self.look: Look | None = None
        self.last_known_screen: str | None = None
        self.last_read_at = 0.0
        self.last_answer_at = 0.0
        self.pacing = Pacing(prior=flow.transition_s)
        self.interruptions = self.recoveries = 0
        self.app_state_seen: int | None = None  # the last queryAppState answer a wait asked for
        self.retried: set[str] = set()  # steps that missed their screen once and were retried
        self.failed_on: dict[str, str] = {}  # step -> the page source it missed its screen on
        self.reads_since_switch_tap = 1
        self.step_detail: list[str] = []

    # --- reading -------------------------------------------------------------------------------------
    def read(self) -> Look:
        """One page-source read, identified against the flow's anchors."""
        self.abort.check()
        self.last_read_at = self.clock()
        xml = self.driver.source()
        self.last_answer_at = self.clock()
        self.pacing.record_read(self.last_answer_at - self.last_read_at)
        try:
            tree = parse_page_source(xml, self.platform)
        except PageSourceError as exc:
            raise DeviceError(f"unreadable page source: {exc}") from exc
        self.reads_since_switch_tap += 1
        locales = match.page_locales(self.flow, tree, self.prefer)
        if self.look is not None and self.look.screen is not None:
            self.last_known_screen = self.look.screen  # the screen before this read (evidence after drift)
        self.look = Look(xml, tree, match.identify_screen(self.flow, tree, locales), locales)
        if self.locale is None and self.look.screen is not None:
            # until the switch's row says which language it is: the first language the screen shows
            shown = match.shown_locales(self.flow, tree)
            self.result.locale = next((loc for loc in locales if loc in shown), self.result.locale)
        return self.look

    @property
    def active_locale(self) -> tuple[str, ...]:
        """The languages of the last read (all the flow's before the first read)."""
        return self.look.locales if self.look is not None and self.look.locales else self.flow.locales

    def timeout(self, step: Step) -> float:
        """The step's wait limit: --timeout, else the step's own, else the flow default."""
        full = self.timeout_override if self.timeout_override is not None else (
            step.timeout if step.timeout is not None else self.flow.default_timeout)
        return full / 2 if step.name in self.retried else full  # a retry: the budget is twice the wait in all

    def current(self) -> Look:
        """The last read, or a fresh one."""
        return self.look if self.look is not None else self.read()

    # --- waiting -------------------------------------------------------------------------------------
    def wait_for(self, ok: Callable[[Look], bool], timeout: float, key: Callable[[Look], Hashable] | None = None,
                 look: Look | None = None, settle: bool = False, watch_app: bool = False,
                 fast_until: float = 0.0, same_as: str | None = None,
                 leaving: str | None = None, launching: bool = False,
                 pace: Callable[[], None] | None = None) -> tuple[Look, bool]:
        """Re-read until `ok` holds (with `settle`: on two reads in a row that agree by `key`; the second
        read follows at once). Until `fast_until` (a transition in progress; at most FAST_READS reads) a
        miss that still shows `leaving` (the screen the action left) or an unknown screen that is still
        changing (while `launching`, also an unchanged one: a splash) is re-read at once too; after it,
        or on another known screen, polls back off. With `watch_app`, an unknown screen that
        stops changing asks queryAppState once (unless the page source shows the app's own package: a
        splash), and a crashed or backgrounded app ends the wait early (recovery takes over). `same_as`:
        the page source a retried step failed on; showing it again, settled, ends the wait at once. `pace`
        runs before each re-read in the transition (it may hold the read until it can show the change)."""
        deadline = self.clock() + timeout
        key = key or (lambda lk: lk.xml)
        interval, prev, last, fast_reads = self.poll, None, None, 0
        look = look or self.read()
        while True:
            look = self.clear_interruptions(look)
            passed = ok(look)
            if passed and (not settle or (prev is not None and key(prev) == key(look))):
                return look, True
            if self.clock() >= deadline:
                return look, passed and not settle  # with settle, a reading that never repeated is no pass
            moving = look.screen is None and (launching or last is None or last.xml != look.xml)
            in_transition = self.clock() < fast_until and fast_reads < FAST_READS \
                and (moving or (leaving is not None and look.screen == leaving))
            if same_as is not None and last is not None and last.xml == look.xml == same_as:
                return look, False
            if watch_app and look.screen is None and last is not None and last.xml == look.xml \
                    and not self.app_shown(look):
                watch_app = False
                self.app_state_seen = self.driver.app_state()
                if self.app_state_seen != 4:
                    return look, False
            prev, last = (look if passed else None), look
            if not passed and not in_transition:
                self.sleeper(interval)
                interval = min(interval * 2, poll_cap(timeout))
            fast_reads += in_transition
            if in_transition and pace is not None:
                pace()
            look = self.read()

    def app_shown(self, look: Look) -> bool:
        """True when the page source is an app's own (a splash, a loading or unknown page: the app is in
        front, no queryAppState needed). Android: its windows carry the app's package; iOS (whose source
        names no bundle id): the active application is not SpringBoard (home or lock screen)."""
        if self.platform == "ios":
            return "<XCUIElementTypeApplication" in look.xml and 'name="SpringBoard"' not in look.xml
        app = self.flow.apps.get(self.platform)
        return app is not None and f'package="{app.app_id}"' in look.xml

    def after_action(self, ok: Callable[[Look], bool], timeout: float, kind: str, same_as: str | None = None,
                     launch: bool = False) -> tuple[Look, bool]:
        """Read as soon as a read can show the screen the action opens (a transition of `kind`: launch,
        native, webview, back) and re-read at once through the transition until `ok` holds (`launch`:
        the app is starting, so an unchanging unknown screen is its splash)."""
        acted = self.clock()
        transit = self.pacing.start(kind, acted)
        fast_until = acted + FAST_READ_S
        self.app_state_seen = None
        leaving = self.look.screen if self.look is not None else None

        def shows(look: Look) -> bool:
            shown = ok(look)
            transit.saw(self.last_answer_at, shown, look.screen is None or look.screen == leaving)
            return shown

        latest = acted + timeout  # no hold goes past the step's wait

        def pace() -> None:  # a read came too early: the next one as soon as it can show the change
            self.hold_until(min(latest, self.pacing.read_at(transit, self.clock(), self.pacing.after_miss(transit))))

        self.hold_until(min(latest, self.pacing.read_at(transit, acted)))
        try:
            return self.wait_for(shows, timeout, look=self.read(), watch_app=True, fast_until=fast_until,
                                 same_as=same_as, leaving=leaving, launching=launch, pace=pace)
        finally:
            self.pacing.finish(transit)

    def hold_until(self, moment: float) -> None:
        """Hold the next read until `moment` (the earliest it can show what the action changed)."""
        wait = moment - self.clock()
        if wait > 0:
            self.sleeper(wait)

    # --- targets -------------------------------------------------------------------------------------
    def find(self, target: str, look: Look) -> Node | None:
        """The target's node when it is on screen and tappable; two candidates -> ui_drift."""
        found = match.match_target(self.flow, look.tree, self.platform, look.locales, target)
        if found is None:
            return None
        if isinstance(found, match.AmbiguousTarget):
            raise Outcome(Status.UI_DRIFT, f"{target}: {len(found.nodes)} nodes match {found.candidate.spec()} "
                          f"on {look.screen or 'an unknown screen'}; never guessing")
        return found.node if on_screen(found.node, look.tree) else None

    def describe_target(self, target: str) -> str:
        """The target's locator, readable."""
        return self.flow.targets[target].locator(self.platform, self.active_locale).describe()

    def seek(self, target: str, look: Look, timeout: float, scroll: bool,
             grace: float | None = None, seen: list[Look] | None = None) -> tuple[Node | None, Look]:
        """Find a target: on this look at once; else re-read (backing off) and, once the screen settles,
        scroll its scrollable area to the list's end. Gives up at the timeout, `grace` s after the list
        ended without it, or at once when the settled screen has nothing that scrolls. Every look read is
        appended to `seen` (when given)."""
        deadline, ended = self.clock() + timeout, None
        look = self.clear_interruptions(look)
        seen = seen if seen is not None else []
        seen.append(look)
        node = self.find(target, look)
        if node is not None:
            return node, look
        interval, prev, scrolls = self.poll, None, 0
        while True:
            now = self.clock()
            if now >= deadline or (grace is not None and ended is not None and now - ended >= grace):
                tried = f"looked {now - (deadline - timeout):.0f} s"
                self.step_detail.append(tried + (f", scrolled {scrolls}x" + (" to the end" if ended else "")
                                                 if scrolls else ""))
                return None, look
            settled = prev is not None and prev.xml == look.xml
            area = scroll_area(look.tree) if settled and scroll and ended is None else None
            if settled and scroll and ended is None and area is None:
                self.step_detail.append("nothing on this screen scrolls")
                return None, look  # the screen settled without the target and cannot show more: over at once
            if area is not None and scrolls < MAX_SCROLLS:
                scrolls += 1
                self.driver.scroll(area, "down")
                prev, look = look, self.clear_interruptions(self.read())
                seen.append(look)
                if look.xml == prev.xml:
                    ended = self.clock()  # scrolling changed nothing: the list ended
            else:
                if settled and ended is None:
                    ended = now
                self.sleeper(interval)
                interval = min(interval * 2, poll_cap(timeout))
                prev, look = look, self.clear_interruptions(self.read())
                seen.append(look)
            if self.find(target, look) is not None:
                return self.confirm(target, look)

    def confirm(self, target: str, look: Look) -> tuple[Node | None, Look]:
        """A target that appeared late must read the same twice before it is tapped (settled)."""
        node = self.find(target, look)
        for _ in range(3):
            again = self.clear_interruptions(self.read())
            node_again = self.find(target, again)
            if node is not None and node_again is not None and node_again.bounds == node.bounds:
                return node_again, again
            node, look = node_again, again
        return node, look

    # --- interruptions and recovery --------------------------------------------------------------------
    def clear_interruptions(self, look: Look) -> Look:
        """Dismiss declared interruptions (bounded) with their declared control; returns the new look."""
        while True:
            found = match.find_interruption(self.flow, look.tree, look.locales)
            if found is None:
                return look
            interruption, dismiss = found
            if dismiss is None or self.interruptions >= MAX_INTERRUPTIONS:
                why = "no single dismiss control" if dismiss is None else "it keeps coming back"
                raise Outcome(Status.UI_DRIFT, f"interruption '{interruption.name}' cannot be dismissed ({why})")
            self.interruptions += 1
            self.step_detail.append(f"dismissed {interruption.name}")
            self.tap_path(dismiss, look)
            look = self.read()

    def recover(self, step: Step, look: Look, wanted: str) -> None:
        """`wanted` did not show within the step's wait. Once per step: relaunch (app not in front) or go
        back (unknown screen), then Rewind to the path screen that shows; the step lines say what was
        tried. A step that misses its screen again after that, or a recovery that finds no known
        screen, is drift at once: drift is reported within about twice the step's wait."""
        tried = f"waited {self.timeout(step):g} s for {wanted}, saw {look.screen or 'an unknown screen'}"
        if step.name in self.retried or self.recoveries >= MAX_RECOVERIES:
            again = "the same page again" if self.failed_on.get(step.name) == look.xml else "again"
            raise self.drift(step, f"screen {wanted}", look, f"retried: {tried}, {again}; gave up")
        self.recoveries += 1
        self.retried.add(step.name)
        self.failed_on[step.name] = look.xml
        self.step_detail.append(tried)
        if look.screen is None:
            state = self.driver.app_state()
            if state == 0:
                raise AppMissing("LinkedIn is not installed (queryAppState 0)")
            launch = state != 4
            if launch:
                self.step_detail.append("app not in front: relaunched")
                self.driver.launch()
            elif self.go_back(step, look):
                self.step_detail.append("pressed back")
            else:
                raise self.drift(step, f"screen {wanted}", look, f"{'; '.join(self.step_detail)}; "
                                 "no Back control to leave it")
            look, _ = self.after_action(lambda lk: lk.screen is not None, self.timeout(step),
                                        "launch" if launch else "back", launch=launch)
        if look.screen is None:
            raise self.drift(step, f"screen {wanted}", look, f"{'; '.join(self.step_detail)}; "
                             "still on no known screen")
        raise Rewind(look.screen)

    def go_back(self, step: Step, look: Look) -> bool:
        """Leave the page; False when there is nothing to leave it with. Android: the Back key. iOS has
        none, and the XCUITest driver's `back` taps the first navigation-bar button it finds (or nothing):
        the flow's declared `back` control is tapped."""
        if self.platform != "ios":
            self.driver.back()
            return True
        if BACK_TARGET not in self.flow.targets:
            raise Outcome(Status.UI_DRIFT, f"step '{step.name}': the flow declares no '{BACK_TARGET}' target, "
                          "and on iOS a page is left only through its declared Back control")
        node, look = self.seek(BACK_TARGET, look, self.timeout(step), scroll=False)
        if node is None:
            return False
        self.tap_path(node)
        return True

    def drift(self, step: Step, wanted: str, look: Look, note: str = "") -> Outcome:
        """A ui_drift outcome naming the step, what was looked for and what the screen had."""
        had = f"screen {look.screen or 'unknown'} showing {visible_labels(look.tree)}"
        return Outcome(Status.UI_DRIFT, f"step '{step.name}': looked for {wanted}; {had}" + (f" ({note})" if note else ""))

    # --- guarded taps ----------------------------------------------------------------------------------
    # Every tap goes through one of these two doors; each checks the run's abort first.
    def tap_path(self, node: Node, look: Look | None = None) -> None:
        """Tap a node the current step declares, or an interruption's dismiss control. Never a switch, a
        checkable node, a node holding one or the switch's label, whatever the flow says."""
        self.abort.check()
        look = look or self.look
        if look is None:
            raise SafetyViolation(f"refused to tap {describe(node)}: no page source was read before the tap")
        why = tap_refusal(self.flow, look.tree, node, self.flow.locales)
        if why is not None:
            step = self.step.name if self.step is not None else "no step"
            raise SafetyViolation(f"refused to tap in step '{step}': {why}; only the toggle step touches the switch")
        self.driver.tap(node)

    def tap_switch(self, node: Node) -> None:
        """Tap the switch: only from the toggle step, only in apply mode, only the flow's switch on the
        screen just read, never twice without a read between."""
        self.abort.check()
        if self.mode != "apply":
            raise SafetyViolation("check mode must never tap the switch")
        if not isinstance(self.step, ToggleStep):
            step = self.step.name if self.step is not None else "no step"
            raise SafetyViolation(f"the switch may only be tapped by the toggle step, not by '{step}'")
        if self.reads_since_switch_tap == 0:
            raise SafetyViolation("the switch was tapped twice without reading the tree between")
        # the label is confirmed in the row's language (set when the toggle step read the switch)
        locales = (self.locale,) if self.locale else self.active_locale
        try:
            switch, _ = match.read_genai_toggle(self.flow, self.look.tree, locales) if self.look \
                else (None, None)
            label = Candidate(label=self.step.confirm_label).locator(self.flow.labels, locales)
            confirmed = locate_one(self.look.tree, SwitchFor(label)) if self.look else None
        except AmbiguousMatch:
            switch = confirmed = None
        if switch is None or switch.index != node.index:
            raise SafetyViolation(f"refused to tap {describe(node)}: it is not the flow's switch on the screen "
                                  "just read")
        if confirmed is None or confirmed.index != node.index:
            raise SafetyViolation(f"refused to tap {describe(node)}: its label does not read "
                                  f"{label.describe()}")
        self.reads_since_switch_tap = 0
        self.driver.tap(node)


def on_screen(node: Node, tree: Tree) -> bool:
    """True when the node is displayed, has a size, and its center lies inside the screen."""
    x, y = node.bounds.center
    inside = (0 <= x < tree.width and 0 <= y < tree.height) if tree.width and tree.height else True
    return node.displayed and node.bounds.width > 0 and node.bounds.height > 0 and inside


def visible_labels(tree: Tree, limit: int = 8) -> str:
    """A short, privacy-minded summary: labels of tappable controls only, clipped."""
    seen: list[str] = []
    for node in tree.nodes:
        text = (node.label or node.text or value_text(node)).strip()[:40]
        if text and node.clickable and text not in seen:
            seen.append(text)
    more = f" +{len(seen) - limit} more" if len(seen) > limit else ""
    return ("[" + ", ".join(repr(s) for s in seen[:limit]) + more + "]") if seen else "[no labelled controls]"

"""The runner: interprets a flow's typed steps over a Driver and decides the outcome from what the screen shows.

Per screen state it reads the page source once and matches in Python (mobile.core). Waiting re-reads until
the wanted screen/target shows; a read that shows it at once is enough, otherwise two equal reads in a row
(the screen settled). The step handlers live in mobile/steps.py; this module holds the run loop and the
RunContext they share (reading, waiting, scrolling, interruptions, recovery, guarded taps).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from mobile.core import match
from mobile.core.flow_schema import Flow, LaunchStep, Step
from mobile.core.tree import Node, Tree, parse_page_source
from mobile.errors import AmbiguousMatch, EnvironmentProblem, PageSourceError
from mobile.report import ScreenEvent
from mobile.result import RunResult, StepResult

POLL_S = 0.05
MAX_INTERRUPTIONS = 5  # dismissals per run: a dialog that keeps coming back is drift, not a popup
MAX_RECOVERIES = 3
MAX_SCROLLS = 30


class Outcome(Exception):
    """Ends the run with a SPEC status (raised by steps, caught by the run loop)."""

    def __init__(self, status: str, message: str = ""):
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")


class Rewind(Exception):
    """Recovery landed on a known screen of the path: continue from the step that starts there."""

    def __init__(self, screen: str):
        self.screen = screen
        super().__init__(screen)


class SafetyViolation(AssertionError):
    """A tap the safety rules forbid was about to happen (a bug, never an outcome)."""


@dataclass(frozen=True)
class Look:
    """One page-source read: the XML, its tree, the screen it shows (None when unknown)."""

    xml: str
    tree: Tree
    screen: str | None


@dataclass
class Callbacks:
    """Subscribers to run events (CLI progress, reports, pytest plugin)."""

    on_step_start: list[Callable[[str], None]] = field(default_factory=list)
    on_step_end: list[Callable[[str, str, int, str | None], None]] = field(default_factory=list)
    on_screen: list[Callable[[ScreenEvent], None]] = field(default_factory=list)


class RunContext:
    """What every step handler uses: the driver, the flow in the active locale, waiting and recovery."""

    def __init__(self, flow: Flow, driver: Any, result: RunResult, mode: str, locale: str | None,
                 clock: Callable[[], float], sleeper: Callable[[float], None], timeout: float | None,
                 poll: float = POLL_S):
        self.flow, self.driver, self.result, self.mode = flow, driver, result, mode
        self.platform = driver.platform
        self.locale = locale if locale and locale != "auto" else None
        self.clock, self.sleeper, self.poll = clock, sleeper, poll
        self.timeout_override = timeout
        self.look: Look | None = None
        self.interruptions = 0
        self.recoveries = 0
        self.reads_since_switch_tap = 1
        self.step_detail: list[str] = []

    # --- reading -------------------------------------------------------------------------------------
    def read(self) -> Look:
        """One page-source read, identified against the flow's anchors."""
        xml = self.driver.source()
        try:
            tree = parse_page_source(xml, self.platform)
        except PageSourceError as exc:
            raise Outcome("device_error", f"unreadable page source: {exc}") from exc
        self.reads_since_switch_tap += 1
        self.look = Look(xml, tree, self._identify(tree))
        return self.look

    def _identify(self, tree: Tree) -> str | None:
        """The screen shown; while the locale is unknown, detect it (or try each locale in turn)."""
        if self.locale is None:
            found = match.detect_locale(self.flow, tree)
            if found is not None:
                self.locale = found
                self.result.locale = found
        if self.locale is not None:
            return match.identify_screen(self.flow, tree, self.locale)
        for locale in self.flow.locales:
            screen = match.identify_screen(self.flow, tree, locale)
            if screen is not None:
                return screen
        return None

    @property
    def active_locale(self) -> str:
        """The detected/requested locale, or the flow's first one while undetected (ids match anyway)."""
        return self.locale or self.flow.locales[0]

    def timeout(self, step: Step) -> float:
        """The step's wait limit: --timeout, else the step's own, else the flow default."""
        if self.timeout_override is not None:
            return self.timeout_override
        return step.timeout if step.timeout is not None else self.flow.default_timeout

    def current(self) -> Look:
        """The last read, or a fresh one."""
        return self.look if self.look is not None else self.read()

    def wait_for(self, ok: Callable[[Look], bool], timeout: float, key: Callable[[Look], Any] | None = None,
                 look: Look | None = None, settle: bool = False) -> tuple[Look, bool]:
        """Re-read until `ok`: at once when the first look passes (unless `settle`), else once two
        passing reads agree by `key` (the screen settled). Returns (last look, passed)."""
        deadline = self.clock() + timeout
        key = key or (lambda lk: lk.xml)
        first, prev = not settle, None
        look = look or self.read()
        while True:
            look = self.clear_interruptions(look)
            passed = ok(look)
            if passed and (first or (prev is not None and key(prev) == key(look))):
                return look, True
            if self.clock() >= deadline:
                return look, passed
            first, prev = False, look if passed else None
            self.sleeper(self.poll)
            look = self.read()

    # --- targets -------------------------------------------------------------------------------------
    def find(self, target: str, look: Look) -> Node | None:
        """The target's node when it is on screen and tappable; AmbiguousMatch -> ui_drift."""
        found = match.match_target(self.flow, look.tree, self.platform, self.active_locale, target)
        if found is None:
            return None
        if isinstance(found, match.AmbiguousTarget):
            raise Outcome("ui_drift", f"{target}: {len(found.nodes)} nodes match "
                          f"{found.candidate.spec()} on {look.screen or 'an unknown screen'}; never guessing")
        return found.node if self.on_screen(found.node, look.tree) else None

    @staticmethod
    def on_screen(node: Node, tree: Tree) -> bool:
        """True when the node is displayed and its center lies inside the screen."""
        x, y = node.bounds.center
        inside = (0 <= x < tree.width and 0 <= y < tree.height) if tree.width and tree.height else True
        return node.displayed and node.bounds.width > 0 and node.bounds.height > 0 and inside

    def describe_target(self, target: str) -> str:
        """The target's locator, readable."""
        return self.flow.targets[target].locator(self.platform, self.active_locale).describe()

    def seek(self, target: str, look: Look, timeout: float, scroll: bool) -> tuple[Node | None, Look]:
        """Find a target: this look, then re-reads until it shows or the screen settles without it,
        then (if allowed) scrolling to the list's end."""
        deadline = self.clock() + timeout
        look = self.clear_interruptions(look)
        while True:
            node = self.find(target, look)
            if node is not None:
                return node, look
            if self.clock() >= deadline:
                return None, look
            self.sleeper(self.poll)
            prev, look = look, self.clear_interruptions(self.read())
            if look.xml == prev.xml:
                break  # settled without the target: scroll for it, or give up
        node = self.find(target, look)
        if node is not None or not scroll:
            return node, look
        return self.scroll_search(target, look)

    def scroll_search(self, target: str, look: Look) -> tuple[Node | None, Look]:
        """Scroll down inside the scrollable container until the target shows or the source stops changing."""
        for _ in range(MAX_SCROLLS):
            self.driver.scroll(scroll_area(look.tree), "down")
            after = self.clear_interruptions(self.read())
            node = self.find(target, after)
            if node is not None:
                return node, after
            if after.xml == look.xml:
                return None, after  # the list ended: scrolling changed nothing
            look = after
        return None, look

    # --- interruptions and recovery --------------------------------------------------------------------
    def clear_interruptions(self, look: Look) -> Look:
        """Dismiss declared interruptions (bounded) with their declared control; returns the new look."""
        while True:
            found = match.find_interruption(self.flow, look.tree, self.active_locale)
            if found is None:
                return look
            interruption, dismiss = found
            if dismiss is None or self.interruptions >= MAX_INTERRUPTIONS:
                raise Outcome("ui_drift", f"interruption '{interruption.name}' cannot be dismissed "
                              f"({'no single dismiss control' if dismiss is None else 'it keeps coming back'})")
            self.interruptions += 1
            self.step_detail.append(f"dismissed {interruption.name}")
            self.driver.tap(dismiss)
            look = self.read()

    def recover(self, step: Step, look: Look) -> Look:
        """Off the path (crash, stray tap): relaunch or go back; Rewind when a path screen shows."""
        if self.recoveries >= MAX_RECOVERIES:
            raise self.drift(step, "the expected screen", look, "recovery attempts exhausted")
        self.recoveries += 1
        if look.screen is None:
            state = self.driver.app_state()
            if state == 0:
                raise Outcome("app_missing", "LinkedIn is not installed (queryAppState 0)")
            if state != 4:
                self.step_detail.append("app was not in front: relaunched")
                self.driver.launch()
            else:
                self.step_detail.append("unknown screen: back")
                self.driver.back()
            look, _ = self.wait_for(lambda lk: lk.screen is not None, self.timeout(step))
        if look.screen is None:
            raise self.drift(step, "a known screen", look, "after recovery")
        raise Rewind(look.screen)

    def drift(self, step: Step, wanted: str, look: Look, note: str = "") -> Outcome:
        """A ui_drift outcome naming the step, what was looked for and what the screen had."""
        had = f"screen {look.screen or 'unknown'} showing {visible_labels(look.tree)}"
        extra = f" ({note})" if note else ""
        return Outcome("ui_drift", f"step '{step.name}': looked for {wanted}; {had}{extra}")

    # --- guarded taps ----------------------------------------------------------------------------------
    def tap_path(self, node: Node) -> None:
        """Tap a node the current step declares (never the switch through this door)."""
        self.driver.tap(node)

    def tap_switch(self, node: Node) -> None:
        """Tap the switch: never in check mode, never twice without a read between."""
        if self.mode != "apply":
            raise SafetyViolation("check mode must never tap the switch")
        if self.reads_since_switch_tap == 0:
            raise SafetyViolation("the switch was tapped twice without reading the tree between")
        self.reads_since_switch_tap = 0
        self.driver.tap(node)


def scroll_area(tree: Tree) -> Any:
    """Bounds of the largest scrollable container (WebView when none says scrollable), or None."""
    candidates = [n for n in tree.nodes if n.scrollable and n.displayed] or \
                 [n for n in tree.nodes if n.role in ("android.webkit.WebView", "XCUIElementTypeWebView")]
    if not candidates:
        return None
    return max(candidates, key=lambda n: n.bounds.width * n.bounds.height).bounds


def visible_labels(tree: Tree, limit: int = 8) -> str:
    """A short, privacy-minded summary: labels of tappable controls only, clipped."""
    seen: list[str] = []
    for node in tree.nodes:
        text = (node.label or node.text).strip()
        if text and node.clickable and text not in seen:
            seen.append(text[:40])
    more = f" +{len(seen) - limit} more" if len(seen) > limit else ""
    return ("[" + ", ".join(repr(s) for s in seen[:limit]) + more + "]") if seen else "[no labelled controls]"


class Runner:
    """Runs one flow on one driver in `check` or `apply` mode and returns the RunResult."""

    def __init__(self, flow: Flow, driver: Any, mode: str, *, wanted: str | None = None,
                 expected: str | None = None, locale: str | None = None, timeout: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleeper: Callable[[float], None] = time.sleep,
                 callbacks: Callbacks | None = None, evidence: bool = False, poll: float = POLL_S):
        if mode not in ("check", "apply"):
            raise ValueError(f"mode must be check or apply, not {mode!r}")
        self.flow, self.driver, self.mode = flow, driver, mode
        self.wanted = (wanted or "off") if mode == "apply" else None
        self.expected = expected if mode == "check" else None
        self.locale, self.timeout, self.poll = locale, timeout, poll
        self.clock, self.sleeper = clock, sleeper
        self.callbacks = callbacks or Callbacks()
        self.evidence = evidence

    def run(self, result: RunResult | None = None) -> RunResult:
        """Interpret every step; the outcome comes from what the screens showed."""
        from mobile.steps import HANDLERS

        result = result or RunResult(device="device", platform=self.driver.platform, mode=self.mode)
        result.mode, result.flow = self.mode, self.flow.name
        result.wanted, result.expected = self.wanted, self.expected
        result.locale = self.locale if self.locale and self.locale != "auto" else None
        ctx = RunContext(self.flow, self.driver, result, self.mode, self.locale, self.clock, self.sleeper,
                         self.timeout, self.poll)
        started = self.clock()
        index = 0
        try:
            while index < len(self.flow.steps):
                step = self.flow.steps[index]
                index = self._run_step(ctx, step, index, HANDLERS[step.kind])
            result.status, result.message = "ui_drift", "the flow ended without reading the switch"
        except Outcome as outcome:
            result.status, result.message = outcome.status, outcome.message
        except EnvironmentProblem as problem:
            result.status, result.message = problem.status, str(problem)
        result.locale = ctx.locale or result.locale
        result.duration_s = self.clock() - started
        result.commands = getattr(self.driver, "commands", 0)
        result.source_reads = getattr(self.driver, "source_reads", 0)
        return result

    def _run_step(self, ctx: RunContext, step: Step, index: int, handler: Callable) -> int:
        """Run one step with its events; returns the index of the next step."""
        for cb in self.callbacks.on_step_start:
            cb(step.name)
        began = self.clock()
        ctx.step_detail = []
        status, nxt, failure, follow = "ok", index + 1, None, None
        try:
            follow = handler(ctx, step, self)
        except Rewind as rewind:
            status, nxt = "recovered", self._step_starting_at(rewind.screen)
            ctx.step_detail.append(f"continuing on {rewind.screen}")
        except Outcome as exc:
            status = "ok" if exc.status in ("changed", "unchanged", "mismatch") else (
                exc.status if exc.status == "not_offered" else "failed")
            failure = exc
        except EnvironmentProblem as exc:
            status, failure = "failed", exc
        except AmbiguousMatch as exc:
            status, failure = "failed", Outcome("ui_drift", f"step '{step.name}': {exc}")
        self._end_step(ctx, step.name, status, began, failure)
        if failure is not None:
            raise failure
        if follow is not None:
            follow_step, follow_handler = follow
            self._run_step(ctx, follow_step, index, follow_handler)
        return nxt

    def _end_step(self, ctx: RunContext, name: str, status: str, began: float, failure: Exception | None) -> None:
        """Record the step, emit the screen evidence and the end event."""
        ms = int(round((self.clock() - began) * 1000))
        detail = "; ".join(ctx.step_detail) or (failure.message if isinstance(failure, Outcome) and
                                                status == "failed" else None)
        step_result = StepResult(name, status, ms, detail, ctx.look.screen if ctx.look else None)
        ctx.result.steps.append(step_result)
        if self.evidence and ctx.look is not None and self.callbacks.on_screen:
            self.emit_screen(ctx, name)
        for cb in self.callbacks.on_step_end:
            cb(name, status, ms, detail)

    def emit_screen(self, ctx: RunContext, name: str) -> None:
        """Screenshot + the last page source to the on_screen subscribers (evidence only)."""
        look = ctx.look
        try:
            png = self.driver.screenshot()
        except EnvironmentProblem:
            png = None
        keep = kept_nodes(ctx, look)
        event = ScreenEvent(name, look.screen, look.xml, png, keep)
        for cb in self.callbacks.on_screen:
            cb(event)

    def _step_starting_at(self, screen: str) -> int:
        """Index of the step that starts on `screen` (the launch step's screen: the step after it)."""
        for i, step in enumerate(self.flow.steps):
            if getattr(step, "on", None) == screen:
                return i
            if isinstance(step, LaunchStep) and step.expect == screen:
                return i + 1
        return 0


def kept_nodes(ctx: RunContext, look: Look) -> frozenset[int]:
    """Nodes redaction must keep: matched targets, the screen's anchor proof, the switch."""
    keep = {m.node.index for m in match.match_targets(ctx.flow, look.tree, ctx.platform, ctx.active_locale)}
    if look.screen is not None and ctx.platform in ctx.flow.screens[look.screen].anchors:
        try:
            proof = ctx.flow.screens[look.screen].anchor(ctx.platform, ctx.active_locale).find(look.tree)
            keep |= {n.index for n in proof}
        except AmbiguousMatch:
            pass
    try:
        node, _ = match.read_genai_toggle(ctx.flow, look.tree, ctx.active_locale)
        if node is not None:
            keep.add(node.index)
    except AmbiguousMatch:
        pass
    return frozenset(keep)

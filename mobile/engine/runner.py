"""The runner: interprets a flow's typed steps over a Driver and decides the outcome from what the screen shows.

Per screen state it reads the page source once and matches in Python (mobile.core). The step handlers
live in mobile/engine/steps.py, the RunContext they share (reading, waiting, seeking, interruptions, recovery,
guarded taps) in mobile/engine/context.py; this module holds the run loop, its events and the evidence hook.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from mobile.engine.abort import Abort, Aborted
from mobile.engine.context import POLL_S, Look, Outcome, Rewind, RunContext
from mobile.core import match
from mobile.core.flow_schema import Flow, LaunchStep, Step, ToggleStep
from mobile.core.terms import MODES, Mode, Status, StepStatus
from mobile.core.tree import WEBVIEW_ROLES
from mobile.engine.driver import Driver
from mobile.errors import AmbiguousMatch, EnvironmentProblem, SafetyViolation
from mobile.output.report import ScreenEvent
from mobile.output.result import RunResult, StepResult
from mobile.engine.steps import persisted_step, run_persisted, run_step



@dataclass
class Callbacks:
    """Subscribers to run events (CLI progress, reports, pytest plugin)."""

    on_step_start: list[Callable[[str], None]] = field(default_factory=list)
    on_step_end: list[Callable[[str, StepStatus, int, str | None], None]] = field(default_factory=list)
    on_screen: list[Callable[[ScreenEvent], None]] = field(default_factory=list)


class Runner:
    """Runs one flow on one driver in `check` or `apply` mode and returns the RunResult."""

    def __init__(self, flow: Flow, driver: Driver, mode: Mode, *, wanted: str | None = None,
                 expected: str | None = None, locale: str | None = None, timeout: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleeper: Callable[[float], None] | None = None,
                 callbacks: Callbacks | None = None, evidence: bool = False, poll: float = POLL_S,
                 abort: Abort | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be check or apply, not {mode!r}")
        self.flow, self.driver, self.mode = flow, driver, mode
        self.wanted = (wanted or "off") if mode == "apply" else None
        self.expected = expected if mode == "check" else None
        self.locale, self.timeout, self.poll = locale, timeout, poll
        self.callbacks = callbacks or Callbacks()
        self.evidence = evidence
        self.abort = abort or Abort()
        # a hold before a read or a poll's back-off ends early when the run is aborted (the read then stops it)
        self.clock, self.sleeper = clock, sleeper if sleeper is not None else self._abortable_sleep

    def _abortable_sleep(self, seconds: float) -> None:
        self.abort.wait(seconds)

    def run(self, result: RunResult | None = None) -> RunResult:
        """Interpret every step; the outcome comes from what the screens showed.

        A SafetyViolation is recorded (status `safety_violation`) and raised again: it is never an outcome.
        An aborted run (signal, or another device's safety guard) ends `interrupted` before its next tap."""
        result = result or RunResult(device="device", platform=self.driver.platform, mode=self.mode)
        result.mode, result.flow = self.mode, self.flow.name
        result.wanted, result.expected = self.wanted, self.expected
        result.locale = self.locale if self.locale and self.locale != "auto" else None
        ctx = RunContext(self.flow, self.driver, result, self.mode, self.locale, self.clock, self.sleeper,
                         self.timeout, self.poll, abort=self.abort)
        started = self.clock()
        index = 0
        try:
            while index < len(self.flow.steps):
                index = self._run_flow_step(ctx, self.flow.steps[index], index)
            result.status, result.message = Status.UI_DRIFT, "the flow ended without reading the switch"
        except Outcome as outcome:
            result.status, result.message = outcome.status, outcome.message
        except EnvironmentProblem as problem:
            result.status, result.message = problem.status, str(problem)
            if self.abort.cause is not None:  # the server or phone went away because the run was stopped
                result.status, result.message = Aborted.status, self.abort.cause.message
        except Aborted as aborted:
            result.status, result.message = aborted.status, str(aborted)
        except SafetyViolation as violation:
            result.status, result.message = violation.status, f"safety guard: {violation}"
            self._finish(ctx, result, started)
            violation.result = result
            raise
        return self._finish(ctx, result, started)

    def _finish(self, ctx: RunContext, result: RunResult, started: float) -> RunResult:
        result.locale = ctx.locale or result.locale
        asked = self.locale if self.locale and self.locale != "auto" else None
        if asked and ctx.locale and ctx.locale != asked:  # --locale is read first, never the only language
            result.message = f"{result.message} (the switch's row reads {ctx.locale}, not the asked {asked})"
        result.duration_s = self.clock() - started
        result.commands = self.driver.commands
        result.source_reads = self.driver.source_reads
        result.screenshots = self.driver.screenshots
        return result

    def _run_flow_step(self, ctx: RunContext, step: Step, index: int) -> int:
        """Run one flow step (the toggle step in its two parts); returns the index of the next step."""
        rewind = self._run_step(ctx, step, lambda: run_step(ctx, step, self))
        if rewind is None and isinstance(step, ToggleStep):  # tapped and read back: now the persistence check
            check = persisted_step(step)
            self._run_step(ctx, check, lambda: run_persisted(ctx, check, step, self))
        return index + 1 if rewind is None else rewind

    def _run_step(self, ctx: RunContext, step: Step, action: Callable[[], None]) -> int | None:
        """Run one step entry with its events; the index to continue at after a Rewind, else None."""
        for cb in self.callbacks.on_step_start:
            cb(step.name)
        began = self.clock()
        ctx.step_detail, ctx.step = [], step
        status: StepStatus = StepStatus.OK
        nxt: int | None = None
        failure: Exception | None = None
        try:
            action()
        except Rewind as rewind:
            status = StepStatus.OK if rewind.reached else StepStatus.RETRY
            nxt = self._step_starting_at(rewind.screen)
            ctx.step_detail.append(f"continuing on {rewind.screen}")
        except Outcome as exc:
            status = StepStatus.OK if exc.status in (Status.CHANGED, Status.UNCHANGED, Status.MISMATCH) else (
                StepStatus.NOT_OFFERED if exc.status == Status.NOT_OFFERED else StepStatus.FAILED)
            failure = exc
        except EnvironmentProblem as exc:
            status, failure = StepStatus.FAILED, exc
        except AmbiguousMatch as exc:
            status, failure = StepStatus.FAILED, Outcome(Status.UI_DRIFT, f"step '{step.name}': {exc}")
        except (Aborted, SafetyViolation) as exc:
            status, failure = StepStatus(exc.status), exc  # interrupted / safety_violation
        if status == StepStatus.OK and step.name in ctx.retried and failure is None:
            status = StepStatus.RECOVERED  # a step that missed its screen once reached it on the retry
        self._end_step(ctx, step.name, status, began, failure)
        if failure is not None:
            raise failure
        return nxt

    def _end_step(self, ctx: RunContext, name: str, status: StepStatus, began: float,
                  failure: Exception | None) -> None:
        """Record the step, emit the screen evidence and the end event."""
        ms = int(round((self.clock() - began) * 1000))
        detail = "; ".join(ctx.step_detail) or (_failure_text(failure) if status == StepStatus.FAILED else None)
        if isinstance(failure, (Aborted, SafetyViolation)):
            detail = "; ".join(filter(None, [detail, str(failure)]))
        step_result = StepResult(name, status, ms, detail, ctx.look.screen if ctx.look else None)
        ctx.result.steps.append(step_result)
        if self.evidence and ctx.look is not None and self.callbacks.on_screen:
            self.emit_screen(ctx, name)
        for cb in self.callbacks.on_step_end:
            cb(name, status, ms, detail)

    def emit_screen(self, ctx: RunContext, name: str) -> None:
        """Screenshot + the last page source to the on_screen subscribers (evidence only)."""
        look = ctx.look
        if look is None:
            return
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


def _failure_text(failure: Exception | None) -> str | None:
    """What a failed step's line says: the outcome's message, or the environment problem's."""
    if isinstance(failure, Outcome):
        return failure.message
    return str(failure) if isinstance(failure, EnvironmentProblem) else None


def kept_nodes(ctx: RunContext, look: Look) -> frozenset[int]:
    """Nodes redaction keeps whole. Screens the flow marks `keep_texts` (Settings, Data privacy, the
    generative-AI page: no personal data) keep every text, so a renamed label is there to see after drift;
    so does the web content of an unknown page reached from one of them. Elsewhere (home feed, side
    panel, messages) only the matched targets and the switch; anchors found by label keep their flow label."""
    screens, tree = ctx.flow.screens, look.tree
    if look.screen is not None and screens[look.screen].keep_texts:
        return frozenset(range(len(tree.nodes)))
    locales = look.locales or ctx.active_locale
    keep = {m.node.index for m in match.match_targets(ctx.flow, tree, ctx.platform, locales)}
    came_from = ctx.last_known_screen
    if look.screen is None and came_from is not None and screens[came_from].keep_texts:
        keep.update(n.index for n in tree.nodes if n.role in WEBVIEW_ROLES or tree.in_webview(n))
    try:
        node, _ = match.read_genai_toggle(ctx.flow, tree, locales)
        if node is not None:
            keep.add(node.index)
    except AmbiguousMatch:
        pass
    return frozenset(keep)

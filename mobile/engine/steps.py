"""Step handlers: each flow step type owns its `run` (launch, tap, toggle); the toggle step's second part,
the persistence check, is `run_persisted` (the runner records it as its own `verify persisted` entry).

A handler gets the RunContext, its typed step and the Runner (mode, wanted/expected). It ends the run
by raising Outcome (or an EnvironmentProblem), and moves elsewhere on the path by raising Rewind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable

from mobile.core import match
from mobile.core.flow_schema import Candidate, LaunchStep, Step, TapStep, ToggleStep
from mobile.core.terms import Status
from mobile.core.tree import Node
from mobile.errors import AmbiguousMatch, AppMissing, SignedOut
from mobile.engine.context import ABSENT_GRACE_S, BACK_TARGET, Look, Outcome, Rewind, RunContext

if TYPE_CHECKING:  # the runner imports this module: the type only, no import cycle at run time
    from mobile.engine.runner import Runner

PERSISTED = "verify persisted"  # the name of the toggle step's second part in the results
RESTART_AFTER_S = 10.0  # an app in front on a screen the flow does not know gets this long, then a restart


def run_launch(ctx: RunContext, step: LaunchStep, runner: Runner) -> None:
    """Reach the first screen; signed-out and app-missing are found here, before any path tap."""
    # the session has just started the app: read at once, and re-read through its cold start (a splash is
    # an unknown screen); only a screen that stays unknown afterwards asks whether the app is in front
    known = lambda lk: lk.screen is not None  # noqa: E731
    look, _ = ctx.after_action(known, ctx.timeout(step), "launch", launch=True)
    if look.screen is None:
        state = ctx.app_state_seen if ctx.app_state_seen is not None else ctx.driver.app_state()
        if state == 0:
            raise AppMissing("LinkedIn is not installed on the device")
        first_wait = min(ctx.timeout(step), RESTART_AFTER_S)
        if state != 4:
            ctx.driver.launch()
            look, ok = ctx.after_action(known, first_wait, "launch", launch=True)
        else:
            ok = False  # the read above already waited: LinkedIn is in front on a screen the flow does not know
        if not ok and ctx.driver.app_state() == 4:
            # LinkedIn is in front on a screen of its own the flow does not know (Messaging, a post): the
            # session did not restart it (no forceAppLaunch) and activateApp returns there. Restart it once
            # rather than press around.
            ctx.step_detail.append("app open on an unknown screen: restarted it")
            ctx.driver.terminate()
            ctx.driver.launch()
            look, _ = ctx.after_action(known, ctx.timeout(step), "launch", launch=True)
    if step.locked and look.screen == step.locked:
        raise Outcome(Status.DEVICE_ERROR, "the phone is locked with a PIN, pattern or password: unlock it "
                      "(the tool never enters one), keep the screen on, then run again")
    if step.signed_out and look.screen == step.signed_out:
        raise SignedOut("LinkedIn shows its sign-in screen: sign in on the phone, then run again")
    if look.screen == step.expect:
        return None
    if look.screen is not None:
        ctx.step_detail.append(f"app opened on {look.screen}")
        raise Rewind(look.screen, reached=True)  # the app kept its place (noReset): continue from there
    raise ctx.drift(step, f"screen {step.expect}", look)


def arrive(ctx: RunContext, step: Step, screen: str | None) -> Look:
    """The current look, once it shows `screen` (waits, then recovers)."""
    look = ctx.current()
    if screen is None or look.screen == screen:
        return look
    look, ok = ctx.wait_for(lambda lk: lk.screen == screen, ctx.timeout(step), look=look,
                            same_as=ctx.failed_on.get(step.name))
    if not ok:
        ctx.recover(step, look, screen)
    return look


def run_tap(ctx: RunContext, step: TapStep, runner: Runner) -> None:
    """Find the target (re-reading, scrolling, clearing interruptions), tap it once, wait for the next screen."""
    timeout = ctx.timeout(step)
    look = arrive(ctx, step, step.on)
    grace = min(timeout, ABSENT_GRACE_S) if step.if_absent else None
    seen: list[Look] = []
    node, look = ctx.seek(step.target, look, timeout, step.scroll, grace, seen)
    if node is None:
        if step.if_absent and look.screen == step.on:
            unsure = renamed_row(ctx, step, seen)
            if unsure is not None:
                raise ctx.drift(step, ctx.describe_target(step.target), look,
                                f"'{unsure}' may be the row renamed; not {step.if_absent}")
            raise Outcome(Status(step.if_absent), f"{look.screen} has no '{step.target}' row (not offered in this region)")
        raise ctx.drift(step, ctx.describe_target(step.target), look)
    ctx.tap_path(node)
    if step.expect is None:
        return None
    look, ok = ctx.after_action(lambda lk: lk.screen == step.expect, timeout, transition(ctx, step.expect),
                                same_as=ctx.failed_on.get(step.name))
    if not ok:
        ctx.recover(step, look, step.expect)
    return None


def transition(ctx: RunContext, screen: str) -> str:
    """How `screen` comes in (the flow's `transition:`; native unless it says webview)."""
    return ctx.flow.screens[screen].transition


def renamed_row(ctx: RunContext, step: TapStep, seen: list[Look]) -> str | None:
    """A text on the `on` screen that names the step's `unsure_if_word` (e.g. "AI"): the row may be there
    under a new name, so its absence proves nothing."""
    if step.unsure_if_word is None:
        return None
    for look in seen:
        if look.screen == step.on:
            found = match.word_mention(ctx.flow, look.tree, step.unsure_if_word, look.locales or ctx.flow.locales)
            if found is not None:
                return found
    return None


def confirmed_switch(ctx: RunContext, step: ToggleStep, look: Look) -> tuple[Node | None, str | None]:
    """The switch and its state, only when its own label or its row reads the confirm label in one of the
    page's languages; that language becomes the run's locale."""
    try:
        reading = match.confirm_switch(ctx.flow, look.tree, step, look.locales)
    except AmbiguousMatch as exc:
        raise Outcome(Status.UI_DRIFT, f"step '{step.name}': {exc}; no tap") from exc
    if reading.node is None:
        return None, None
    if reading.locale is None:
        label = Candidate(label=step.confirm_label).locator(ctx.flow.labels, look.locales)
        raise ctx.drift(step, f"a switch labelled {label.describe()}", look, "label not confirmed; no tap")
    ctx.locale = ctx.result.locale = reading.locale
    return reading.node, reading.state


def read_switch(ctx: RunContext, step: ToggleStep, look: Look, settle: bool = True) -> tuple[Node, str, Look]:
    """Find the confirmed switch (scrolling if allowed) and read its state (from two equal reads
    when `settle`: the first reading decides whether to tap)."""
    timeout = ctx.timeout(step)
    node, look = ctx.seek(step.target, look, timeout, step.scroll)
    if node is None:
        raise ctx.drift(step, ctx.describe_target(step.target), look)

    def key(lk: Look) -> Hashable:
        found, state = confirmed_switch(ctx, step, lk)
        return (state, found.bounds if found else None)

    look, ok = ctx.wait_for(lambda lk: confirmed_switch(ctx, step, lk)[1] is not None, timeout, key=key,
                            look=look, settle=settle)
    node, state = confirmed_switch(ctx, step, look)
    if node is None or state is None:
        raise ctx.drift(step, "a switch with a readable state", look)
    if not ok:
        # a switch whose reading keeps changing is not a state to act on or to report
        raise ctx.drift(step, "a switch whose state reads the same twice", look,
                        f"its state did not settle within {timeout:g} s; no tap")
    return node, state, look


def run_toggle(ctx: RunContext, step: ToggleStep, runner: Runner) -> None:
    """Playwright's set_checked: read; in apply tap only if it differs, then wait until it reads back.
    Returns only after a tap that read back as wanted: then the runner runs `run_persisted`."""
    look = arrive(ctx, step, step.on)
    node, state, look = read_switch(ctx, step, look)
    ctx.result.before = ctx.result.after = state
    if runner.mode == "check":
        ctx.step_detail.append(f"reads {state}")
        if runner.expected and state != runner.expected:
            raise Outcome(Status.MISMATCH, f"the switch reads {state}, expected {runner.expected}")
        raise Outcome(Status.UNCHANGED, f"the switch reads {state}")
    if state == runner.wanted:
        ctx.step_detail.append(f"already {state}")
        raise Outcome(Status.UNCHANGED, f"already {state}: nothing tapped")
    ctx.tap_switch(node)
    # a web switch flips at once: read back without a pause, never tap again
    look, _ = ctx.wait_for(lambda lk: confirmed_switch(ctx, step, lk)[1] == runner.wanted, ctx.timeout(step))
    ctx.result.after = confirmed_switch(ctx, step, look)[1]
    ctx.result.verified = ctx.result.after == runner.wanted
    ctx.step_detail.append(f"{state} -> {ctx.result.after}")
    if not ctx.result.verified:
        raise Outcome(Status.VERIFY_FAILED, f"after the tap the switch still reads {ctx.result.after} "
                      f"(wanted {runner.wanted}); not tapped again")


def persisted_step(toggle: ToggleStep) -> Step:
    """The toggle step's second part, as the results show it (same wait and flow line as the toggle)."""
    return Step(name=PERSISTED, timeout=toggle.timeout, line=toggle.line)


def opener_of(ctx: RunContext, screen: str) -> TapStep:
    """The tap step that opens `screen` (used to re-open the switch's page)."""
    for step in ctx.flow.steps:
        if isinstance(step, TapStep) and step.expect == screen:
            return step
    raise Outcome(Status.UI_DRIFT, f"the flow has no step that opens screen {screen}")


def run_persisted(ctx: RunContext, step: Step, toggle: ToggleStep, runner: Runner) -> None:
    """The toggle step's second part: leave the page (back), open it again and read the switch once more."""
    if toggle.on is None:
        raise Outcome(Status.UI_DRIFT, f"step '{toggle.name}' names no screen (on:) to re-open")
    opener = opener_of(ctx, toggle.on)
    timeout = ctx.timeout(step)
    if not ctx.go_back(step, ctx.current()):
        raise ctx.drift(step, ctx.describe_target(BACK_TARGET), ctx.current(), "no Back control to leave the page")
    look, ok = ctx.after_action(lambda lk: lk.screen == opener.on, timeout, "back")
    if not ok:
        raise ctx.drift(step, f"screen {opener.on} after going back", look)
    node, look = ctx.seek(opener.target, look, timeout, opener.scroll)
    if node is None:
        raise ctx.drift(step, ctx.describe_target(opener.target), look)
    ctx.tap_path(node)
    look, ok = ctx.after_action(lambda lk: lk.screen == toggle.on, timeout, transition(ctx, toggle.on))
    if not ok:
        raise ctx.drift(step, f"screen {toggle.on} after re-opening it", look)
    _, state, _ = read_switch(ctx, toggle, look, settle=False)
    ctx.result.after = state
    ctx.result.persisted = state == runner.wanted
    ctx.step_detail.append(f"reads {state} after re-opening")
    if not ctx.result.persisted:
        raise Outcome(Status.VERIFY_FAILED, f"after re-opening the page the switch reads {state} "
                      f"(wanted {runner.wanted}): the change did not persist")
    raise Outcome(Status.CHANGED, f"{ctx.result.before} -> {state}, verified and persisted")


def run_step(ctx: RunContext, step: Step, runner: Runner) -> None:
    """Run one flow step by its type."""
    if isinstance(step, LaunchStep):
        run_launch(ctx, step, runner)
    elif isinstance(step, TapStep):
        run_tap(ctx, step, runner)
    elif isinstance(step, ToggleStep):
        run_toggle(ctx, step, runner)
    else:
        raise Outcome(Status.UI_DRIFT, f"step '{step.name}': no handler for a '{step.kind}' step")

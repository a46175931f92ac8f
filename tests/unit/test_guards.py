"""Every safety guard, tested directly: each test hands the guard the one case that only it catches, and
asserts that no tap reached the driver. Removing any one guard makes its test fail (issue 9, point 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mobile.engine.abort import Abort, Aborted
from mobile.cli.main import main
from mobile.engine.context import RunContext
from mobile.core.flow import find_flow, parse_flow
from mobile.core.flow_schema import Step, TapStep, ToggleStep
from mobile.core.guards import flow_problems
from mobile.core.locate import locate_one, Text
from mobile.errors import ConfigError, SafetyViolation
from mobile.output.result import RunResult
from mobile.engine.runner import Runner

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHIPPED = Path(__file__).resolve().parents[2] / "flows" / "linkedin-genai.yaml"
FLOW = find_flow("linkedin-genai")
TOGGLE_LINE = "  - toggle: {target: genai_toggle, on: genai, confirm_label: genai_toggle}\n"
LABEL = "Use my data for training content creation AI models"


def shipped_text() -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert TOGGLE_LINE in text
    return text


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_flow(text, "f.yaml")
    return info.value


# --- validate: a flow that would touch the switch outside its toggle step is refused, with file:line ------
def test_the_shipped_flow_has_no_safety_problem() -> None:
    assert flow_problems(FLOW) == []


def test_reproduction_last_step_taps_the_switch_is_refused_at_its_line(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    text = shipped_text().replace(TOGGLE_LINE, "  - tap: {target: genai_toggle}\n")
    flow_file = tmp_path / "f.yaml"
    flow_file.write_text(text, encoding="utf-8")
    assert main(["validate", str(flow_file)]) == 2
    line = line_of(text, "- tap: {target: genai_toggle}")
    out = capsys.readouterr().out
    assert out.startswith(f"{flow_file}:{line}: step 6 (tap) target 'genai_toggle'") and "switch_for" in out


def test_a_tap_on_the_toggle_steps_own_target_is_refused() -> None:
    text = shipped_text().replace(TOGGLE_LINE, "  - tap: {target: genai_toggle, on: genai}\n" + TOGGLE_LINE)
    error = refused(text)
    assert error.where == f"f.yaml:{line_of(text, '- tap: {target: genai_toggle, on: genai}')}"
    assert "is the toggle step's switch" in error.message


@pytest.mark.parametrize("candidate, reason", [
    ("{role: switch}", "has the switch role 'switch'"),
    ("{id: x, role: android.widget.CheckBox}", "has the switch role 'android.widget.CheckBox'"),
    ("{label: genai_toggle}", "reads the switch's label 'genai_toggle'"),
    (f"{{text: '{LABEL}'}}", f"reads the switch's label '{LABEL}'"),
])
def test_a_tap_target_that_finds_the_switch_or_its_label_is_refused(candidate: str, reason: str) -> None:
    text = shipped_text().replace("targets:\n", f"targets:\n  sneaky:\n    android: [{candidate}]\n"
                                               f"    ios: [{candidate}]\n", 1)
    text = text.replace(TOGGLE_LINE, "  - tap: {target: sneaky, on: genai}\n" + TOGGLE_LINE)
    error = refused(text)
    assert error.where == f"f.yaml:{line_of(text, '- tap: {target: sneaky')}"
    assert reason in error.message


def test_a_second_toggle_step_is_refused() -> None:
    text = shipped_text().replace(TOGGLE_LINE, TOGGLE_LINE + TOGGLE_LINE)
    error = refused(text)
    assert error.where == f"f.yaml:{len(text[:text.rindex(TOGGLE_LINE)].splitlines()) + 1}"
    assert "a second toggle step" in error.message


def test_a_step_after_the_toggle_step_is_refused() -> None:
    text = shipped_text().replace(TOGGLE_LINE, TOGGLE_LINE + "  - tap: {target: settings}\n")
    error = refused(text)
    assert error.where == f"f.yaml:{line_of(text, '- tap: {target: settings}')}"
    assert "after the toggle step never run" in error.message


def test_an_interruption_dismissed_by_the_switch_is_refused() -> None:
    text = shipped_text().replace("interruptions:\n", "interruptions:\n  - name: trap\n    android:\n"
                                  "      detect: [{id: trap}]\n      dismiss: [{switch_for: {label: genai_toggle}}]\n", 1)
    error = refused(text)
    assert error.where == f"f.yaml:{line_of(text, 'dismiss: [{switch_for')}"
    assert "interruption 'trap' on android: a dismiss control is a switch" in error.message


# --- the tap doors, right before every tap -------------------------------------------------------------
class Driver:
    """Serves one page source and records taps (and counts nothing: the run's counts stay 0)."""

    commands = source_reads = screenshots = 0

    def __init__(self, xml: str, platform: str = "android") -> None:
        self.xml, self.platform, self.taps = xml, platform, []  # type: ignore[var-annotated]

    def source(self) -> str:
        return self.xml

    def tap(self, node: Any) -> None:
        self.taps.append(node)


def context(xml: str, mode: str, platform: str = "android", flow: Any = FLOW,
            step: Step | None = None) -> tuple[RunContext, Driver]:
    driver = Driver(xml, platform)
    ctx = RunContext(flow, driver, RunResult("d", platform, mode), mode, "en", lambda: 0.0, lambda s: None, 5.0)
    ctx.step = step if step is not None else ToggleStep(name="toggle genai_toggle", target="genai_toggle",
                                                        on="genai", confirm_label="genai_toggle")
    ctx.read()
    return ctx, driver


def fixture(name: str, platform: str = "android") -> str:
    return (FIXTURES / platform / "en" / f"{name}.xml").read_text(encoding="utf-8")


def node_by_text(ctx: RunContext, text: str) -> Any:
    assert ctx.look is not None
    return locate_one(ctx.look.tree, Text(text))


def switch(ctx: RunContext) -> Any:
    assert ctx.look is not None
    return next(n for n in ctx.look.tree.nodes if n.checkable)


TAP = TapStep(name="tap genai_setting", target="genai_setting", on="data_privacy")


@pytest.mark.parametrize("mode", ["check", "apply"])
@pytest.mark.parametrize("platform", ["android", "ios"])
def test_a_path_tap_never_taps_the_switchs_label(mode: str, platform: str) -> None:
    ctx, driver = context(fixture("genai_on", platform), mode, platform, step=TAP)
    label = [n for n in ctx.look.tree.nodes if (n.text or n.label) == LABEL and not n.checkable]  # type: ignore[union-attr]
    assert label, "the fixture shows the switch's label as its own node"
    with pytest.raises(SafetyViolation, match="the label of the switch 'genai_toggle'"):
        ctx.tap_path(label[0])
    assert driver.taps == []


# A page with a checkbox the flow knows nothing about, a button lying over it, and a row holding it.
OTHER_SWITCHES = """<?xml version='1.0' encoding='UTF-8'?><hierarchy rotation="0" width="1080" height="2400">
<android.widget.FrameLayout class="android.widget.FrameLayout" text="" bounds="[0,0][1080,2400]" displayed="true">
 <android.widget.LinearLayout class="android.widget.LinearLayout" text="" resource-id="row" clickable="true"
   bounds="[0,100][1080,300]" displayed="true">
  <android.widget.TextView class="android.widget.TextView" text="Remember me" bounds="[0,100][300,300]" displayed="true"/>
  <android.widget.CheckBox class="android.widget.CheckBox" text="" resource-id="remember" checkable="true"
    checked="false" clickable="true" bounds="[900,100][1080,300]" displayed="true"/>
 </android.widget.LinearLayout>
 <android.widget.Button class="android.widget.Button" text="Over" resource-id="over" clickable="true"
   bounds="[940,150][1040,250]" displayed="true"/>
 <android.widget.Button class="android.widget.Button" text="Fine" resource-id="fine" clickable="true"
   bounds="[0,500][1080,700]" displayed="true"/>
</android.widget.FrameLayout></hierarchy>"""


def by_id(ctx: RunContext, ident: str) -> Any:
    return next(n for n in ctx.look.tree.nodes if n.id == ident)  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["check", "apply"])
def test_a_path_tap_never_taps_a_checkable_node(mode: str) -> None:
    ctx, driver = context(OTHER_SWITCHES, mode, step=TAP)
    with pytest.raises(SafetyViolation, match="CheckBox 'remember' at .* is a switch or checkable node"):
        ctx.tap_path(by_id(ctx, "remember"))
    assert driver.taps == []


def test_a_path_tap_whose_point_lies_on_a_checkable_node_is_refused() -> None:
    ctx, driver = context(OTHER_SWITCHES, "check", step=TAP)
    with pytest.raises(SafetyViolation, match="tap point of Button 'Over' .* lies on CheckBox"):
        ctx.tap_path(by_id(ctx, "over"))
    assert driver.taps == []


def test_a_path_tap_on_a_row_holding_a_checkable_node_is_refused() -> None:
    ctx, driver = context(OTHER_SWITCHES, "check", step=TAP)
    with pytest.raises(SafetyViolation, match="LinearLayout .* holds CheckBox"):
        ctx.tap_path(by_id(ctx, "row"))
    assert driver.taps == []


def test_a_path_tap_elsewhere_goes_through() -> None:
    ctx, driver = context(OTHER_SWITCHES, "check", step=TAP)
    ctx.tap_path(by_id(ctx, "fine"))
    assert [n.id for n in driver.taps] == ["fine"]


def test_a_dismiss_control_that_is_checkable_is_refused() -> None:
    text = shipped_text().replace("interruptions:\n", "interruptions:\n  - name: trap\n    android:\n"
                                  "      detect: [{id: row}]\n      dismiss: [{id: remember}]\n", 1)
    flow = parse_flow(text, "f.yaml")  # ids cannot be judged from the flow file: the screen decides
    ctx, driver = context(OTHER_SWITCHES, "check", flow=flow, step=TAP)
    with pytest.raises(SafetyViolation, match="CheckBox"):
        ctx.clear_interruptions(ctx.look)  # type: ignore[arg-type]
    assert driver.taps == []


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_the_switch_door_taps_the_confirmed_switch_in_apply(platform: str) -> None:
    ctx, driver = context(fixture("genai_on", platform), "apply", platform)
    ctx.tap_switch(switch(ctx))
    assert len(driver.taps) == 1


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_check_never_taps_the_switch(platform: str) -> None:
    ctx, driver = context(fixture("genai_on", platform), "check", platform)
    with pytest.raises(SafetyViolation, match="check mode must never tap the switch"):
        ctx.tap_switch(switch(ctx))
    assert driver.taps == []


def test_only_the_toggle_step_taps_the_switch() -> None:
    ctx, driver = context(fixture("genai_on"), "apply", step=TAP)
    with pytest.raises(SafetyViolation, match="only be tapped by the toggle step, not by 'tap genai_setting'"):
        ctx.tap_switch(switch(ctx))
    assert driver.taps == []


def test_the_switch_is_never_tapped_twice_without_a_read_between() -> None:
    ctx, driver = context(fixture("genai_on"), "apply")
    ctx.tap_switch(switch(ctx))
    with pytest.raises(SafetyViolation, match="tapped twice without reading"):
        ctx.tap_switch(switch(ctx))
    assert len(driver.taps) == 1
    ctx.read()
    ctx.tap_switch(switch(ctx))
    assert len(driver.taps) == 2


def test_the_switch_door_taps_only_the_flows_switch() -> None:
    ctx, driver = context(OTHER_SWITCHES, "apply")
    with pytest.raises(SafetyViolation, match="not the flow's switch"):
        ctx.tap_switch(by_id(ctx, "remember"))
    assert driver.taps == []


# --- the abort: checked before every tap and read ------------------------------------------------------
def test_an_aborted_run_taps_nothing_and_reads_nothing_more() -> None:
    ctx, driver = context(fixture("genai_on"), "apply")
    ctx.abort.interrupt(15)
    learn_more = node_by_text(ctx, "Learn more")
    for action in (lambda: ctx.tap_switch(switch(ctx)), lambda: ctx.tap_path(learn_more), ctx.read):
        with pytest.raises(Aborted, match="SIGTERM received"):
            action()
    assert driver.taps == []


# --- the runner: a violation is recorded, then raised; never an outcome ------------------------------
def test_the_runner_records_a_violation_and_raises_it() -> None:
    text = shipped_text().replace("targets:\n", "targets:\n  by_id:\n    android: [{id: ember71}]\n"
                                  "    ios: [{id: ember71}]\n", 1)
    text = text.replace(TOGGLE_LINE, "  - tap: {target: by_id, on: genai}\n")
    flow = parse_flow(text, "f.yaml")  # an id: only the screen shows that it is the switch
    driver = Driver(fixture("genai_on"))
    driver.app_state = lambda: 4  # type: ignore[attr-defined]
    steps = (flow.steps[0].__class__(name="launch", expect="genai"), flow.steps[-1])
    flow = flow.__class__(**{**flow.__dict__, "steps": steps})
    result = RunResult("d", "android", "check")
    with pytest.raises(SafetyViolation) as info:
        Runner(flow, driver, "check", sleeper=lambda s: None).run(result)
    assert info.value.result is result and result.status == "safety_violation"
    assert result.message.startswith("safety guard: refused to tap in step 'tap by_id'")
    assert [(s.name, s.status) for s in result.steps] == [("launch", "ok"), ("tap by_id", "safety_violation")]
    assert driver.taps == []


def test_a_tripped_abort_ends_the_runner_interrupted_before_any_tap() -> None:
    driver = Driver(fixture("home"))
    driver.app_state = lambda: 4  # type: ignore[attr-defined]
    abort = Abort()
    abort.interrupt(2)
    result = Runner(FLOW, driver, "apply", sleeper=lambda s: None, abort=abort).run()
    assert (result.status, driver.taps) == ("interrupted", [])
    assert result.message == "SIGINT received: stopped before the next tap"


OVER_THE_LABEL = f"""<?xml version='1.0' encoding='UTF-8'?><hierarchy rotation="0" width="1080" height="2400">
<android.widget.FrameLayout class="android.widget.FrameLayout" text="" bounds="[0,0][1080,2400]" displayed="true">
 <android.view.View class="android.view.View" text="" bounds="[0,100][1080,300]" displayed="true">
  <android.widget.TextView class="android.widget.TextView" text="{LABEL}" bounds="[0,100][800,300]" displayed="true"/>
  <android.widget.ToggleButton class="android.widget.ToggleButton" text="" checkable="true" checked="true"
    clickable="true" bounds="[900,100][1080,300]" displayed="true"/>
 </android.view.View>
 <android.widget.Button class="android.widget.Button" text="Hint" resource-id="hint" clickable="true"
   bounds="[300,150][500,250]" displayed="true"/>
</android.widget.FrameLayout></hierarchy>"""


def test_a_path_tap_whose_point_lies_on_the_switchs_label_is_refused() -> None:
    ctx, driver = context(OVER_THE_LABEL, "apply", step=TAP)
    with pytest.raises(SafetyViolation, match="tap point of Button 'Hint' .* lies on the label of the switch"):
        ctx.tap_path(by_id(ctx, "hint"))
    assert driver.taps == []


def test_every_tap_of_the_tool_goes_through_one_of_the_two_guarded_doors() -> None:
    package = Path(__file__).resolve().parents[2] / "mobile"
    taps = [(str(path.relative_to(package)), n) for path in package.rglob("*.py") if "sim" not in path.parts
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if ".tap(" in line and "def tap" not in line]
    assert [where for where, _ in taps] == ["engine/context.py", "engine/context.py"], taps


def test_the_switch_door_taps_only_a_switch_whose_label_reads_the_confirm_label() -> None:
    # a flow that finds its switch by id: on this page that id sits in another setting's row
    text = shipped_text().replace("    android: &genai_switch [{switch_for: {label: genai_toggle}}]\n"
                                  "    ios: *genai_switch\n", "    android: [{id: ember71}]\n    ios: [{id: ember71}]\n")
    flow = parse_flow(text, "f.yaml")
    other_row = fixture("genai_on").replace(LABEL, "Share my profile with partners")
    ctx, driver = context(other_row, "apply", flow=flow)
    with pytest.raises(SafetyViolation, match="its label does not read text 'Use my data"):
        ctx.tap_switch(switch(ctx))
    assert driver.taps == []

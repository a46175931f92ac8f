"""`linkedin-optout flows` lists the flows and their steps; `flows show NAME` prints one in full."""

from __future__ import annotations

import argparse
from typing import Any

from mobile.core.flow import find_flow, flows_dir, list_flows
from mobile.core.flow_schema import Candidate, Flow, LaunchStep, Step, TapStep, ToggleStep
from mobile.errors import ConfigError


def add_parser(subparsers: Any) -> None:
    """Register `flows` and `flows show NAME`."""
    parser = subparsers.add_parser("flows", help="list the flows and their steps; `flows show NAME` prints one",
                                   description=__doc__)
    parser.set_defaults(run=run, flows_action="list", name=None)
    actions = parser.add_subparsers(dest="flows_action", metavar="ACTION")
    show = actions.add_parser("show", help="print one flow: apps, locales, screens, targets, steps, interruptions",
                              description="Print one flow in full: its apps, locales, screens, targets, steps and "
                                          "interruptions, as the runner will use them.")
    show.add_argument("name", metavar="NAME", help="flow name (e.g. linkedin-genai) or path to a flow file")


def run(args: argparse.Namespace) -> int:
    """List the flows, or show one."""
    if args.flows_action == "show":
        print(render_flow(find_flow(args.name)), end="")
        return 0
    return _list()


def _list() -> int:
    """One block per flow: name, file, description, steps; a broken flow is reported and exits 2."""
    names = list_flows()
    if not names:
        print(f"no flows in {flows_dir()}")
        return 2
    code = 0
    for name in names:
        try:
            flow = find_flow(name)
        except ConfigError as exc:
            print(f"{name}  INVALID  {exc}")
            code = 2
            continue
        print(f"{flow.name}  ({flow.source})")
        if flow.description:
            print(f"  {flow.description}")
        print(f"  platforms: {', '.join(flow.platforms)}   locales: {', '.join(flow.locales)}")
        print("  steps: " + " -> ".join(step.name for step in flow.steps))
    return code


def step_line(step: Step) -> str:
    """One step with its options, e.g. `tap settings  on side_panel -> settings  scroll`."""
    bits = [step.name]
    if isinstance(step, LaunchStep):
        if step.expect:
            bits.append(f"-> {step.expect}")
        if step.signed_out:
            bits.append(f"signed out if {step.signed_out}")
    elif isinstance(step, TapStep):
        if step.on or step.expect:
            bits.append(f"on {step.on or '?'} -> {step.expect or '?'}")
        if step.if_absent:
            bits.append(f"absent means {step.if_absent}")
        if step.unsure_if_word:
            bits.append(f"unless a text says '{step.unsure_if_word}' (ui_drift)")
    elif isinstance(step, ToggleStep):
        if step.on:
            bits.append(f"on {step.on}")
        bits.append(f"confirm label {step.confirm_label}")
    if getattr(step, "scroll", False):
        bits.append("scroll")
    if step.timeout is not None:
        bits.append(f"timeout {step.timeout:g} s")
    return "  ".join(bits)


def _candidates(cands: tuple[Candidate, ...]) -> list[str]:
    return [f"{i}. {c.spec()}" for i, c in enumerate(cands, 1)]


def render_flow(flow: Flow) -> str:
    """The whole flow as readable text."""
    out = [f"flow {flow.name}  ({flow.source})"]
    if flow.description:
        out.append(f"  {flow.description}")
    out.append("apps")
    for app in flow.apps.values():
        extra = f"  activities: {', '.join(app.activities)}" if app.activities else ""
        out.append(f"  {app.platform:<8} {app.app_id}{extra}")
    out.append(f"locales  {', '.join(flow.locales)}")
    out.append(f"default timeout  {flow.default_timeout:g} s")
    out.append("steps")
    out += [f"  {i}. {step_line(s)}" for i, s in enumerate(flow.steps, 1)]
    out.append("screens (when several match, the last listed wins)")
    for screen in flow.screens.values():
        out.append(f"  {screen.name}" + (f"  - {screen.description}" if screen.description else ""))
        for platform, spec in screen.anchors.items():
            for part in ("all", "any", "none"):
                cands: tuple[Candidate, ...] = getattr(spec, part)
                if cands:
                    out.append(f"    {platform:<8} {part} of: " + "; ".join(c.spec() for c in cands))
    out.append("targets (candidates in order; the first that finds a node wins)")
    for target in flow.targets.values():
        out.append(f"  {target.name}" + (f"  - {target.description}" if target.description else ""))
        for platform, cands in target.candidates.items():
            out.append(f"    {platform}")
            out += [f"      {line}" for line in _candidates(cands)]
    out.append("interruptions (checked in order)")
    for intr in flow.interruptions:
        out.append(f"  {intr.name}" + (f"  - {intr.description}" if intr.description else ""))
        for platform, when in intr.platforms.items():
            out.append(f"    {platform:<8} detect: " + "; ".join(c.spec() for c in when.detect))
            out.append(f"    {'':<8} dismiss: " + "; ".join(c.spec() for c in when.dismiss))
    out.append("labels")
    for key, per_locale in flow.labels.items():
        shown = "  ".join(f"{loc}={' | '.join(texts)}" for loc, texts in per_locale.items())
        out.append(f"  {key}: {shown}")
    return "\n".join(out) + "\n"


"""`linkedin-optout locate --page-source FILE`: offline, which flow targets match on a saved page source."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mobile.core.flow import DEFAULT_FLOW, find_flow
from mobile.core.flow_schema import Flow
from mobile.core.match import (
    AmbiguousTarget,
    TargetMatch,
    confirm_switch,
    find_interruption,
    identify_screen,
    match_all,
    matching_screens,
    read_genai_toggle,
    page_locales,
    shown_locales,
    toggle_step,
)
from mobile.core.terms import LOCALES
from mobile.core.tree import Node, Tree, parse_page_source
from mobile.errors import AmbiguousMatch, ConfigError, PageSourceError


def add_parser(subparsers: Any) -> None:
    """Register `locate`."""
    parser = subparsers.add_parser("locate", help="offline: which flow targets match on a saved page source",
                                   description=__doc__)
    parser.add_argument("--page-source", required=True, metavar="FILE", help="UiAutomator2 or XCUITest page-source XML")
    parser.add_argument("--platform", choices=("android", "ios"), help="default: detected from the XML root")
    parser.add_argument("--locale", choices=("auto",) + LOCALES, default="auto",
                        help="labels to match (default auto: detected from the page)")
    parser.add_argument("--flow", default=DEFAULT_FLOW, metavar="NAME", help=f"flow name or file (default {DEFAULT_FLOW})")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Parse the page source, match the flow on it, print the findings."""
    flow = find_flow(args.flow)
    tree = _read_tree(args.page_source, args.platform)
    report = locate_report(flow, tree, args.locale)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render_report(report, args.page_source), end="")
    return 0


def _read_tree(path: str, platform: str | None) -> Tree:
    """The parsed page source; an unreadable or malformed file is a one-line ConfigError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read page source: {exc.strerror}", where=path) from None
    try:
        return parse_page_source(data, platform)
    except PageSourceError as exc:
        raise ConfigError(str(exc), where=path) from None


def node_json(tree: Tree, node: Node) -> dict[str, Any]:
    """The fields of a node a maintainer needs to recognise it."""
    b = node.bounds
    return {
        "role": node.role, "text": node.text, "label": node.label, "id": node.id, "value": node.value,
        "bounds": [b.left, b.top, b.right, b.bottom], "checkable": node.checkable, "checked": node.checked,
        "enabled": node.enabled, "displayed": node.displayed, "clickable": node.clickable,
        "in_webview": tree.in_webview(node),
    }


def locate_report(flow: Flow, tree: Tree, locale_arg: str) -> dict[str, Any]:
    """Everything `locate` prints, as one JSON-ready dict. The page is read in the languages it shows
    (the one given first); `locale` is the switch row's language when the switch is there."""
    given = locale_arg if locale_arg != "auto" else None
    if given is not None and given not in flow.locales:
        raise ConfigError(f"flow {flow.name} has no labels for locale '{given}' (it has {', '.join(flow.locales)})",
                          where="--locale")
    shown = shown_locales(flow, tree)
    locales = page_locales(flow, tree, given)
    locale = given or (shown[0] if shown else flow.locales[0])
    found = match_all(flow, tree, tree.platform, locales)
    matches = [{"target": m.target, "node": node_json(tree, m.node), "xpath": m.xpath, "candidate": m.candidate.spec()}
               for m in found if isinstance(m, TargetMatch)]
    ambiguous = [{"target": m.target, "candidate": m.candidate.spec(),
                  "nodes": [{"node": node_json(tree, n), "xpath": tree.xpath(n)} for n in m.nodes]}
                 for m in found if isinstance(m, AmbiguousTarget)]
    step = toggle_step(flow)
    toggle: dict[str, Any] = {"label": None, "state": None, "xpath": None}
    try:
        switch, state = read_genai_toggle(flow, tree, locales)
        if switch is not None and step is not None:
            reading = confirm_switch(flow, tree, step, locales)
            locale = reading.locale or locale
            toggle["confirmed"] = reading.locale is not None
    except AmbiguousMatch as exc:
        toggle["error"] = str(exc)
    else:
        toggle.update(state=state, xpath=tree.xpath(switch) if switch is not None else None)
    toggle["label"] = flow.label(step.confirm_label, locale)[0] if step else None
    interruption = find_interruption(flow, tree, locales)
    return {
        "platform": tree.platform,
        "locale": locale,
        "locale_source": "given" if given else ("detected" if shown else "default"),
        "locales": list(shown),
        "flow": flow.name,
        "screen": identify_screen(flow, tree, locales),
        "screens": matching_screens(flow, tree, locales),
        "matches": matches,
        "ambiguous": ambiguous,
        "toggle": toggle,
        "interruption": None if interruption is None else {
            "name": interruption[0].name,
            "dismiss": None if interruption[1] is None else {
                "node": node_json(tree, interruption[1]), "xpath": tree.xpath(interruption[1])},
        },
    }


def _summary(node: dict[str, Any]) -> str:
    """One line for a node: role, text/label/id, bounds, state."""
    bits = [node["role"].rpartition(".")[2]]
    for key in ("text", "label", "id"):
        if node[key]:
            bits.append(f"{key}={node[key]!r}")
    left, top, right, bottom = node["bounds"]
    bits.append(f"[{left},{top}][{right},{bottom}]")
    if node["checkable"]:
        bits.append("checked" if node["checked"] else "unchecked")
    return " ".join(bits)


def render_report(report: dict[str, Any], source: str) -> str:
    """The human form of `locate_report`."""
    out = [f"page source  {source}", f"platform     {report['platform']}",
           f"locale       {report['locale']} ({report['locale_source']})"
           + (f"   (page shows: {', '.join(report['locales'])})" if len(report["locales"]) > 1 else ""),
           f"flow         {report['flow']}"]
    others = [s for s in report["screens"] if s != report["screen"]]
    out.append(f"screen       {report['screen'] or 'unknown (no screen anchor matches)'}"
               + (f"   (also matches: {', '.join(others)})" if others else ""))
    out.append("targets")
    if not report["matches"] and not report["ambiguous"]:
        out.append("  none of the flow's targets is on this page")
    for m in report["matches"]:
        out += [f"  {m['target']:<14} {_summary(m['node'])}", f"  {'':<14} xpath {m['xpath']}",
                f"  {'':<14} via {m['candidate']}"]
    for a in report["ambiguous"]:
        out.append(f"  {a['target']:<14} AMBIGUOUS: {len(a['nodes'])} nodes match {a['candidate']}")
        out += [f"  {'':<14} - {_summary(n['node'])}  {n['xpath']}" for n in a["nodes"]]
    toggle = report["toggle"]
    if "error" in toggle:
        out.append(f"switch       ambiguous: {toggle['error']}")
    elif toggle["xpath"]:
        out.append(f"switch       {toggle['state'] or 'unknown state'}  ({toggle['label']})")
    else:
        out.append("switch       not on this page")
    intr = report["interruption"]
    if intr:
        dismiss = _summary(intr["dismiss"]["node"]) if intr["dismiss"] else "no single dismiss control"
        out.append(f"interruption {intr['name']}: dismiss with {dismiss}")
    return "\n".join(out) + "\n"

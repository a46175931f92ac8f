"""The safety rules as pure functions: which taps a flow may declare, and which taps may never happen.

`flow_problems` is what `validate` (and every flow load) refuses: a flow that would touch the switch
outside its one toggle step. `tap_refusal` is what the runner checks right before every tap that is not
the toggle step's: whatever the flow says, it never taps a switch, a checkable node, the node holding
one, or the switch's own label (tapping the label of a web checkbox flips it).
"""

from __future__ import annotations

from mobile.core.flow_schema import Candidate, Flow, Step, TapStep, ToggleStep
from mobile.core.locate import TOGGLE_ROLES, is_toggle, normalize_text
from mobile.core.tree import Node, Tree
from mobile.errors import AmbiguousMatch

_TOGGLE_ROLE_NAMES = frozenset({"switch", "toggle"} | {r.rpartition(".")[2].casefold() for r in TOGGLE_ROLES}
                               | {r.casefold() for r in TOGGLE_ROLES})


def _toggles(flow: Flow) -> list[ToggleStep]:
    return [s for s in flow.steps if isinstance(s, ToggleStep)]


def switch_label_keys(flow: Flow) -> frozenset[str]:
    """Label keys that name the switch: its target's label keys (inside switch_for too) and confirm_label."""
    keys: set[str] = set()
    for step in _toggles(flow):
        keys.add(step.confirm_label)
        for cands in flow.targets[step.target].candidates.values():
            for cand in cands:
                inner = cand.switch_for or cand
                if inner.label is not None:
                    keys.add(inner.label)
    return frozenset(keys)


def _switch_texts(flow: Flow, keys: frozenset[str]) -> frozenset[str]:
    return frozenset(normalize_text(t) for key in keys for texts in flow.labels[key].values() for t in texts)


def candidate_problem(flow: Flow, cand: Candidate, keys: frozenset[str] | None = None) -> str | None:
    """Why tapping what this candidate finds could touch the switch (None when it cannot, as far as a flow
    file can tell: ids are checked on the screen, right before the tap)."""
    keys = switch_label_keys(flow) if keys is None else keys
    if cand.switch_for is not None:
        return "is a switch (switch_for)"
    toggle_roles = [r for r in cand.role if r.casefold() in _TOGGLE_ROLE_NAMES]
    if toggle_roles:
        return f"has the switch role '{toggle_roles[0]}'"
    if cand.label is not None and cand.label in keys:
        return f"reads the switch's label '{cand.label}' (tapping a switch's label flips it)"
    if cand.text is not None and cand.match == "exact" and normalize_text(cand.text) in _switch_texts(flow, keys):
        return f"reads the switch's label {cand.text!r} (tapping a switch's label flips it)"
    return None


def flow_problems(flow: Flow) -> list[tuple[int, str]]:
    """(line, message) for every way the flow would touch the switch outside its one toggle step."""
    problems: list[tuple[int, str]] = []
    toggles = _toggles(flow)
    for extra in toggles[1:]:
        problems.append((extra.line, f"a second toggle step (the first is at line {toggles[0].line}): "
                                     "one toggle step touches the switch, and only one"))
    if toggles:
        last = flow.steps.index(toggles[0])
        for after in flow.steps[last + 1:]:
            if not isinstance(after, ToggleStep):
                problems.append((after.line, f"steps after the toggle step never run (it ends the run): "
                                             f"remove '{after.name}'"))
    keys = switch_label_keys(flow)
    switch_targets = {s.target for s in toggles}
    for number, step in enumerate(flow.steps, 1):
        if not isinstance(step, TapStep):
            continue
        what = f"step {number} (tap) target '{step.target}'"
        if step.target in switch_targets:
            problems.append((step.line, f"{what} is the toggle step's switch: only the toggle step may touch it"))
            continue
        problem = _target_problem(flow, step, keys)
        if problem is not None:
            problems.append((step.line, f"{what}: its candidate at line {problem[0]} {problem[1]}; only the "
                                        "toggle step may touch the switch"))
    for interruption in flow.interruptions:
        for platform, spec in interruption.platforms.items():
            for cand in spec.dismiss:
                reason = candidate_problem(flow, cand, keys)
                if reason is not None:
                    problems.append((cand.line or interruption.line,
                                     f"interruption '{interruption.name}' on {platform}: a dismiss control "
                                     f"{reason}; a dismiss control never touches the switch"))
    return sorted(problems)


def _target_problem(flow: Flow, step: Step, keys: frozenset[str]) -> tuple[int, str] | None:
    target = flow.targets[step.target]  # type: ignore[attr-defined]
    for cands in target.candidates.values():
        for cand in cands:
            reason = candidate_problem(flow, cand, keys)
            if reason is not None:
                return cand.line or step.line, reason
    return None


def switch_parts(flow: Flow, tree: Tree, locales: tuple[str, ...]) -> dict[int, str]:
    """node index -> what it is, for the flow's switch and the nodes labelling it, in any of `locales`."""
    parts: dict[int, str] = {}
    for step in _toggles(flow):
        cands = flow.targets[step.target].candidates.get(tree.platform, ())
        for locale in locales:
            for cand in cands:
                for node in _find(cand.locator(flow.labels, locale), tree):
                    parts.setdefault(node.index, f"the switch '{step.target}'")
                if cand.switch_for is not None:
                    for node in _find(cand.switch_for.locator(flow.labels, locale), tree):
                        parts.setdefault(node.index, f"the label of the switch '{step.target}'")
            confirm = Candidate(label=step.confirm_label).locator(flow.labels, locale)
            for node in _find(confirm, tree):
                parts.setdefault(node.index, f"the label of the switch '{step.target}'")
    return parts


def _find(locator: object, tree: Tree) -> tuple[Node, ...]:
    try:
        return tuple(locator.find(tree))  # type: ignore[attr-defined]
    except AmbiguousMatch as exc:
        return tuple(exc.candidates)  # several switches qualify: none of them may be tapped either


def describe(node: Node) -> str:
    """A short name for a node in a refusal message."""
    name = (node.label or node.text or node.id).strip()[:50]
    return f"{node.role.rpartition('.')[2]}" + (f" {name!r}" if name else "") + f" at {node.bounds.center}"


def tap_refusal(flow: Flow, tree: Tree, node: Node, locales: tuple[str, ...]) -> str | None:
    """Why a tap on `node` that is not the toggle step's must not happen (None: it may)."""
    if node.checkable or is_toggle(node):
        return f"{describe(node)} is a switch or checkable node"
    x, y = node.bounds.center
    for other in tree.nodes:
        if other.index == node.index or not other.displayed:
            continue
        b = other.bounds
        on_it = b.left <= x < b.right and b.top <= y < b.bottom
        if (other.checkable or is_toggle(other)) and on_it:
            return f"the tap point of {describe(node)} lies on {describe(other)}, a switch or checkable node"
    holds = [d for d in tree.descendants(node) if d.checkable or is_toggle(d)]
    if holds:
        return f"{describe(node)} holds {describe(holds[0])}, a switch or checkable node"
    for index, what in switch_parts(flow, tree, locales).items():
        b = tree.nodes[index].bounds
        if index == node.index:
            return f"{describe(node)} is {what}"
        if b.left <= x < b.right and b.top <= y < b.bottom:
            return f"the tap point of {describe(node)} lies on {what}"
    return None

"""Flow files: stage two of loading (Raw -> checked, typed `Flow`) and finding flows on disk.

Every problem is a ConfigError whose `where` is `file:line` (1-based). The format is documented in
flows/README.md. Only `load_flow`, `find_flow` and `list_flows` touch the disk; `parse_flow` is pure.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from mobile.core.flow_schema import (
    MATCH_MODES,
    AnchorSpec,
    App,
    Candidate,
    Flow,
    Interruption,
    InterruptionSpec,
    Labels,
    LaunchStep,
    SCREEN_TRANSITIONS,
    TRANSITIONS,
    Screen,
    Step,
    Target,
    TapStep,
    ToggleStep,
)
from mobile.core.flow_yaml import Checker, parse_raw
from mobile.core.yaml_lines import Raw
from mobile.core.terms import PLATFORMS
from mobile.core.guards import flow_problems
from mobile.errors import ConfigError
from mobile.resources import FLOWS, shipped

FLOWS_ENV = "LINKEDIN_OPTOUT_FLOWS"
DEFAULT_FLOW = "linkedin-genai"  # what check/apply/locate/doctor/devices read unless --flow names another
STEP_KINDS = ("launch", "tap", "toggle")
ABSENT_OUTCOMES = ("not_offered",)
_LOCALE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")


def parse_flow(text: str, source_name: str) -> Flow:
    """Parse and check flow YAML text; `source_name` names it in errors and gives the flow its name."""
    raw = parse_raw(text, source_name)
    ck = Checker(source_name)
    top = ck.mapping(
        raw,
        "the flow",
        ("description", "apps", "defaults", "locales", "labels", "screens", "targets", "steps", "interruptions"),
        ("apps", "locales", "labels", "screens", "targets", "steps"),
    )
    ok = ck.each
    description, timeout = "", 20.0
    transition_s: dict[str, float] = {}
    apps: dict[str, App] = {}
    locales: tuple[str, ...] = ("en",)
    labels: Labels = MappingProxyType({})
    with ok():
        description = ck.string(top["description"], "'description'") if "description" in top else ""
    with ok():
        apps = _apps(ck, top["apps"])
    with ok():
        if "defaults" in top:
            defaults = ck.mapping(top["defaults"], "'defaults'", ("timeout", "transition_ms"))
            if "timeout" in defaults:
                timeout = ck.number(defaults["timeout"], "'timeout' in 'defaults'")
            if "transition_ms" in defaults:
                transition_s = _transition_s(ck, defaults["transition_ms"])
    with ok():
        locales = _locales(ck, top["locales"])
    with ok():
        labels = _labels(ck, top["labels"], locales)
    ck.problems.raise_if_any()  # everything below refers to apps, locales and labels
    platforms = tuple(apps)
    # the Android app whose `pkg:id/` prefix a bare id of an Android candidate may carry
    package = apps["android"].app_id if "android" in apps else None
    screens = _screens(ck, top["screens"], labels, platforms, package)
    targets = _targets(ck, top["targets"], labels, platforms, package)
    steps = _steps(ck, top["steps"], screens, targets, labels)
    interruptions = _interruptions(ck, top["interruptions"], labels, package) if "interruptions" in top else ()
    ck.problems.raise_if_any()
    flow = Flow(
        name=Path(source_name).stem,
        description=description,
        apps=MappingProxyType(apps),
        locales=locales,
        labels=labels,
        screens=MappingProxyType(screens),
        targets=MappingProxyType(targets),
        steps=steps,
        interruptions=interruptions,
        source=source_name,
        default_timeout=timeout,
        transition_s=MappingProxyType(transition_s),
    )
    for line, message in flow_problems(flow):  # the safety rules: only the toggle step touches the switch
        ck.problems.add(ConfigError(message, where=f"{source_name}:{line}"))
    ck.problems.raise_if_any()
    return flow


MAX_TRANSITION_MS = 30000  # the longest a transition may be expected to take (a cold start on a slow phone: ~10 s)


def _transition_s(ck: Checker, raw: Raw) -> dict[str, float]:
    """`defaults: transition_ms`: the expected length (ms) of each kind of transition, in seconds."""
    spec = ck.mapping(raw, "'transition_ms' in 'defaults'", TRANSITIONS)
    lengths: dict[str, float] = {}
    for kind, value in spec.items():
        ms = ck.number(value, f"'{kind}' in 'transition_ms'")
        if not math.isfinite(ms) or ms > MAX_TRANSITION_MS:  # a typo must not hold every read for minutes
            ck.fail(f"'{kind}' in 'transition_ms' must be at most {MAX_TRANSITION_MS} ms, got {value.value}",
                    value.line)
        lengths[kind] = ms / 1000
    return lengths


def _apps(ck: Checker, raw: Raw) -> dict[str, App]:
    apps: dict[str, App] = {}
    for platform, value in ck.mapping(raw, "'apps'", PLATFORMS).items():
        if platform == "android":
            spec = ck.mapping(value, "'apps.android'", ("package", "activities"), ("package", "activities"))
            acts = tuple(ck.string(a, "an activity") for a in ck.listing(spec["activities"], "'activities'"))
            apps[platform] = App(platform, ck.string(spec["package"], "'package'"), acts)
        else:
            spec = ck.mapping(value, "'apps.ios'", ("bundle",), ("bundle",))
            apps[platform] = App(platform, ck.string(spec["bundle"], "'bundle'"))
    if not apps:
        ck.fail("'apps' must name at least one platform (android, ios)", raw.line)
    return apps


def _locales(ck: Checker, raw: Raw) -> tuple[str, ...]:
    locales: list[str] = []
    for item in ck.listing(raw, "'locales'"):
        code = ck.string(item, "a locale")
        if not _LOCALE_RE.match(code):
            ck.fail(f"locale '{code}' must look like 'en' or 'pt-BR'", item.line)
        if code in locales:
            ck.fail(f"locale '{code}' is listed twice", item.line)
        locales.append(code)
    return tuple(locales)


def _labels(ck: Checker, raw: Raw, locales: tuple[str, ...]) -> Labels:
    labels: dict[str, Mapping[str, tuple[str, ...]]] = {}
    for key, value in ck.items(raw, "'labels'").items():
        ck.name(key, raw.key_lines[key], "a label key")
        texts = ck.items(value, f"label '{key}'")
        for locale in texts:
            if locale not in locales:
                ck.fail(f"label '{key}' gives locale '{locale}', which is not in 'locales'", value.key_lines[locale])
        for locale in locales:
            if locale not in texts:
                ck.fail(f"label '{key}' has no text for locale '{locale}'", raw.key_lines[key])
        labels[key] = MappingProxyType(
            {loc: ck.strings(texts[loc], f"label '{key}' for locale '{loc}'") for loc in locales}
        )
    return MappingProxyType(labels)


def _candidate(ck: Checker, raw: Raw, what: str, labels: Labels, package: str | None) -> Candidate:
    keys = ("id", "text", "label", "match", "role", "switch_for")
    spec = ck.mapping(raw, what, keys)
    if "switch_for" in spec:
        if len(spec) > 1:
            ck.fail(f"{what}: 'switch_for' cannot be combined with other keys", raw.line)
        inner = _candidate(ck, spec["switch_for"], f"'switch_for' in {what}", labels, package)
        return Candidate(switch_for=inner, line=raw.line)
    if not any(k in spec for k in ("id", "text", "label", "role")):
        ck.fail(f"{what} needs at least one of id, text, label, role", raw.line)
    match = MATCH_MODES[ck.one_of(spec["match"], "match mode", f"in {what}", MATCH_MODES)] if "match" in spec \
        else "exact"
    if "match" in spec and not ("text" in spec or "label" in spec):
        ck.fail(f"{what}: 'match' applies only to 'text' or 'label'", spec["match"].line)
    text = ck.string(spec["text"], "'text'") if "text" in spec else None
    label = ck.one_of(spec["label"], "label key", f"in {what}", labels) if "label" in spec else None
    if match == "regex":
        patterns = [(text, spec["text"].line)] if text is not None else []
        if label is not None:
            patterns += [(p, spec["label"].line) for texts in labels[label].values() for p in texts]
        for pattern, line in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                ck.fail(f"bad regular expression {pattern!r}: {exc}", line)
    node_id = ck.string(spec["id"], "'id'") if "id" in spec else None
    return Candidate(
        id=node_id,
        text=text,
        label=label,
        match=match,
        role=ck.strings(spec["role"], "'role'") if "role" in spec else (),
        line=raw.line,
        package=package if node_id is not None else None,  # only an id carries the app's prefix
    )


def _candidates(ck: Checker, raw: Raw, what: str, labels: Labels, package: str | None) -> tuple[Candidate, ...]:
    return tuple(_candidate(ck, item, f"candidate {i} of {what}", labels, package)
                 for i, item in enumerate(ck.listing(raw, what), 1))


def _require_platforms(ck: Checker, raw: Raw, what: str, given: Mapping[str, Raw], platforms: tuple[str, ...]) -> None:
    for platform in platforms:
        if platform not in given:
            ck.fail(f"{what} has nothing for platform '{platform}' (the flow has an app for it)", raw.line)


def _on(platform: str, package: str | None) -> str | None:
    """The app package a candidate on `platform` knows: Android ids carry it, iOS names do not."""
    return package if platform == "android" else None


def _screens(ck: Checker, raw: Raw, labels: Labels, platforms: tuple[str, ...],
             package: str | None) -> dict[str, Screen]:
    screens: dict[str, Screen] = {}
    with ck.each():
        for name, value in ck.items(raw, "'screens'").items():
            with ck.each(name):
                screens[name] = _screen(ck, name, raw, value, labels, platforms, package)
    return screens


def _screen(ck: Checker, name: str, raw: Raw, value: Raw, labels: Labels, platforms: tuple[str, ...],
            package: str | None) -> Screen:
    ck.name(name, raw.key_lines[name], "a screen name")
    what = f"screen '{name}'"
    spec = ck.mapping(value, what, ("description", "keep_texts", "transition") + PLATFORMS)
    _require_platforms(ck, value, what, spec, platforms)
    anchors: dict[str, AnchorSpec] = {}
    for platform in (p for p in PLATFORMS if p in spec):
        anchors[platform] = _anchor(ck, spec[platform], f"{what} on {platform}", labels, _on(platform, package))
    desc = ck.string(spec["description"], "'description'") if "description" in spec else ""
    keep = ck.boolean(spec["keep_texts"], f"'keep_texts' of {what}") if "keep_texts" in spec else False
    transition = ck.one_of(spec["transition"], "transition", f"of {what}", SCREEN_TRANSITIONS) \
        if "transition" in spec else "native"
    return Screen(name, MappingProxyType(anchors), desc, value.line, labels, keep, transition)


def _anchor(ck: Checker, raw: Raw, what: str, labels: Labels, package: str | None) -> AnchorSpec:
    if isinstance(raw.value, list):  # shorthand: a plain list means `any:`
        return AnchorSpec(any=_candidates(ck, raw, what, labels, package))
    spec = ck.mapping(raw, what, ("all", "any", "none"))
    if "all" not in spec and "any" not in spec:
        ck.fail(f"{what} needs 'all' or 'any'", raw.line)
    parts = {k: _candidates(ck, spec[k], f"'{k}' of {what}", labels, package) for k in spec}
    return AnchorSpec(**parts)


def _targets(ck: Checker, raw: Raw, labels: Labels, platforms: tuple[str, ...],
             package: str | None) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    with ck.each():
        for name, value in ck.items(raw, "'targets'").items():
            with ck.each(name):
                ck.name(name, raw.key_lines[name], "a target name")
                what = f"target '{name}'"
                spec = ck.mapping(value, what, ("description",) + PLATFORMS)
                _require_platforms(ck, value, what, spec, platforms)
                cands: dict[str, tuple[Candidate, ...]] = {
                    p: _candidates(ck, spec[p], f"{what} on {p}", labels, _on(p, package))
                    for p in PLATFORMS if p in spec}
                desc = ck.string(spec["description"], "'description'") if "description" in spec else ""
                targets[name] = Target(name, MappingProxyType(cands), desc, value.line, labels)
    return targets


def _steps(ck: Checker, raw: Raw, screens: Mapping[str, Screen], targets: Mapping[str, Target],
           labels: Labels) -> tuple[Step, ...]:
    steps: list[Step] = []
    with ck.each():
        for number, item in enumerate(ck.listing(raw, "'steps'"), 1):
            with ck.each():
                what = f"step {number}"
                if isinstance(item.value, str):  # `- launch`
                    kind, body = item.value, Raw({}, item.line)
                else:
                    step = ck.items(item, what)
                    if len(step) != 1:
                        ck.fail(f"{what} must have exactly one of {', '.join(STEP_KINDS)}", item.line)
                    kind, body = next(iter(step.items()))
                if kind not in STEP_KINDS:
                    ck.fail(f"{what}: unknown step '{kind}' (known: {', '.join(STEP_KINDS)})", item.line)
                if isinstance(body.value, str) and kind != "launch":  # `- tap: settings`
                    body = Raw({"target": body}, body.line, {"target": body.line})
                steps.append(_step(ck, kind, body, f"{what} ({kind})", screens, targets, labels))
    return tuple(steps)


def _step(ck: Checker, kind: str, raw: Raw, what: str, screens: Mapping[str, Screen],
          targets: Mapping[str, Target], labels: Labels) -> Step:
    allowed = {
        "launch": ("name", "timeout", "expect", "signed_out", "locked"),
        "tap": ("name", "timeout", "target", "on", "expect", "scroll", "if_absent", "unsure_if_word"),
        "toggle": ("name", "timeout", "target", "on", "scroll", "confirm_label"),
    }[kind]
    required = {"launch": (), "tap": ("target",), "toggle": ("target", "confirm_label")}[kind]
    spec = ck.mapping(raw, what, allowed, required)

    def screen(key: str) -> str | None:
        return ck.one_of(spec[key], "screen", f"for '{key}' in {what}", screens) if key in spec else None

    target = ck.one_of(spec["target"], "target", f"in {what}", targets) if "target" in spec else ""
    common: dict[str, Any] = {
        "name": ck.string(spec["name"], "'name'") if "name" in spec else f"{kind} {target}".strip(),
        "timeout": ck.number(spec["timeout"], f"'timeout' of {what}") if "timeout" in spec else None,
        "line": raw.line,
    }
    scroll = ck.boolean(spec["scroll"], f"'scroll' of {what}") if "scroll" in spec else False
    if kind == "launch":
        return LaunchStep(expect=screen("expect"), signed_out=screen("signed_out"), locked=screen("locked"),
                          **common)
    if kind == "tap":
        absent = None
        if "if_absent" in spec:
            absent = ck.one_of(spec["if_absent"], "outcome", f"for 'if_absent' in {what}", ABSENT_OUTCOMES)
        unsure = None
        if "unsure_if_word" in spec:
            if absent is None:
                ck.fail(f"'unsure_if_word' in {what} needs 'if_absent'", spec["unsure_if_word"].line)
            unsure = ck.one_of(spec["unsure_if_word"], "label key", f"for 'unsure_if_word' in {what}", labels)
        return TapStep(target=target, on=screen("on"), expect=screen("expect"), scroll=scroll, if_absent=absent,
                       unsure_if_word=unsure, **common)
    confirm = ck.one_of(spec["confirm_label"], "label key", f"for 'confirm_label' in {what}", labels)
    return ToggleStep(target=target, on=screen("on"), scroll=scroll, confirm_label=confirm, **common)


def _interruptions(ck: Checker, raw: Raw, labels: Labels, package: str | None) -> tuple[Interruption, ...]:
    result: list[Interruption] = []
    with ck.each():
        for item in ck.listing(raw, "'interruptions'", non_empty=False):
            with ck.each():
                result.append(_interruption(ck, item, labels, result, package))
    return tuple(result)


def _interruption(ck: Checker, item: Raw, labels: Labels, result: list[Interruption],
                  package: str | None) -> Interruption:
    spec = ck.mapping(item, "an interruption", ("name", "description") + PLATFORMS, ("name",))
    name = ck.name(spec["name"], spec["name"].line, "an interruption name")
    if any(i.name == name for i in result):
        ck.fail(f"interruption '{name}' is defined twice", spec["name"].line)
    what = f"interruption '{name}'"
    per: dict[str, InterruptionSpec] = {}
    for platform in (p for p in PLATFORMS if p in spec):
        body = ck.mapping(spec[platform], f"{what} on {platform}", ("detect", "dismiss"), ("detect", "dismiss"))
        app = _on(platform, package)
        per[platform] = InterruptionSpec(
            _candidates(ck, body["detect"], f"'detect' of {what} on {platform}", labels, app),
            _candidates(ck, body["dismiss"], f"'dismiss' of {what} on {platform}", labels, app),
        )
    if not per:
        ck.fail(f"{what} needs 'android' and/or 'ios'", item.line)
    desc = ck.string(spec["description"], "'description'") if "description" in spec else ""
    return Interruption(name, MappingProxyType(per), desc, item.line, labels)


def load_flow(path: str | os.PathLike[str]) -> Flow:
    """Read and check one flow file; errors name `path:line` with the path as given."""
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        message = f"cannot read flow file: {exc.strerror}" if isinstance(exc, OSError) else "not a UTF-8 text file"
        raise ConfigError(message, where=source) from None
    return parse_flow(text, source)


def flows_dir() -> Path:
    """The flows directory: $LINKEDIN_OPTOUT_FLOWS, else the shipped flows/ (the checkout's, or the package's)."""
    override = os.environ.get(FLOWS_ENV)
    return Path(override) if override else shipped(FLOWS)


def list_flows() -> list[str]:
    """Names of the flows in the flows directory, sorted."""
    directory = flows_dir()
    return sorted(p.stem for p in directory.glob("*.yaml")) if directory.is_dir() else []


def find_flow(name: str) -> Flow:
    """Load a flow by name (from the flows directory) or by path to a .yaml file."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") or os.sep in name:
        return load_flow(name)
    path = flows_dir() / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(list_flows()) or "none"
        raise ConfigError(f"unknown flow '{name}' (known: {known}; directory {flows_dir()})")
    return load_flow(path)

"""Scenarios: the simulated phone's starting state, variants, interruptions, faults and latency, from YAML."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobile.core.yaml_lines import LineDict
from mobile.errors import ConfigError, Problems
from mobile.sim.activities import KNOWN, LAUNCH_ACTIVITY
from mobile.sim.app import DATA_DIR, Screen, check_keys, default_screens, load_labels, load_yaml, parse_screens, \
    parsed_once, where
from mobile.sim.scenario_checks import TRANSITION_KINDS, Latency, check_gotos, check_labels, check_vars, node_keys
from mobile.sim.scenario_checks import latency as latency_of

__all__ = ["TRANSITION_KINDS", "Latency", "Scenario", "Interruption", "known_scenarios", "load_scenario"]

SCENARIO_DIR = DATA_DIR / "scenarios"
LABELS_FILE = DATA_DIR / "screens" / "labels.yaml"
TOP_KEYS = {"name", "description", "extends", "locale", "web_locale", "state", "device", "vars", "interruptions",
            "faults", "latency", "screens", "labels", "app"}
STATE_KEYS = {"genai_enabled", "signed_in", "offered", "app_installed", "app_version", "screen_on", "locked", "lock",
              "packages"}
BOOL_STATE_KEYS = STATE_KEYS - {"app_version", "lock", "packages"}
LOCK_KINDS = ("none", "swipe", "pin")
APP_KEYS = {"running", "foreground", "screens", "launcher", "exported"}
DEVICE_KEYS = {"serial", "model", "os_version"}
FAULT_KEYS = {"crash_once_at", "no_persist"}
LATENCY_KEYS = {"scale", "commands", "transitions", "late", "profile"}
INTERRUPTION_KEYS = {"screen", "popup", "once"}


@dataclass(frozen=True)
class Interruption:
    """A popup shown over `screen` when it is entered (once, or every time)."""

    screen: str
    popup: str
    once: bool = True


@dataclass(frozen=True)
class Scenario:
    """Everything a Phone needs to start: state, variant variables, screens, labels, faults, latency."""

    name: str
    source: str
    description: str
    locale: str
    state: dict[str, Any]
    device: dict[str, dict[str, str]]
    vars: dict[str, Any]
    interruptions: tuple[Interruption, ...]
    crash_once_at: str | None
    no_persist: bool
    latency: Latency
    screens: dict[str, Screen] = field(repr=False)
    labels: dict[str, dict[str, Any]] = field(repr=False)
    web_locale: str | None = None  # web content (settings pages) in another language than the app
    app: dict[str, Any] = field(default_factory=dict)

    def label_table(self, locale: str | None = None) -> dict[str, Any]:
        """Labels for `locale` (default: the scenario's), English filling the gaps."""
        return {**self.labels["en"], **self.labels.get(locale or self.locale, {})}


def known_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a custom one from a YAML file (it extends `default`)."""
    path = _find(name_or_path)
    raw, origin = _load_merged(path, set())
    return _build(raw, origin, path)


def _find(name_or_path: str | Path, where_from: str | None = None) -> Path:
    """A scenario file by path or built-in name; `where_from` (file:line) names who asked for it."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        path = Path(text)
        if path.is_dir():
            raise ConfigError(f"scenario file {text} is a directory", where_from)
        if not path.is_file():
            raise ConfigError(f"scenario file not found: {text}", where_from)
        return path
    path = SCENARIO_DIR / f"{text}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown scenario {text!r}; known: {', '.join(known_scenarios())}", where_from)
    return path


def _load_merged(path: Path, seen: set[Path], asked_at: str | None = None) -> tuple[dict, dict[str, str]]:
    """Raw mapping after applying `extends` chains; origin maps top-level key -> file:line for errors."""
    if path.resolve() in seen:
        raise ConfigError(f"scenario extends itself (cycle through {path})", asked_at or str(path))
    seen.add(path.resolve())
    raw = parsed_once(path, load_yaml)  # read-only from here: merged into new mappings, never changed
    if raw is None:
        raise ConfigError("the scenario file is empty", f"{path}:1")
    problems = Problems()
    with problems.each():
        check_keys(path, raw, TOP_KEYS, "scenario")
    problems.raise_if_any()  # not a mapping: nothing more can be checked
    _check_sections(path, raw, problems)
    is_default = path.resolve() == (SCENARIO_DIR / "default.yaml").resolve()
    parent_name = raw.get("extends", None if is_default else "default")
    base: dict = {}
    origin: dict[str, str] = {}
    if parent_name is not None:
        with problems.each():
            if not isinstance(parent_name, str) or not parent_name:
                raise ConfigError("extends must be a scenario name or file", where(path, raw, "extends"))
            asked = where(path, raw, "extends")
            base, origin = _load_merged(_find(parent_name, asked), seen, asked)
    problems.raise_if_any()
    merged = _merge(base, raw)
    origin.update({key: where(path, raw, key) for key in raw})
    origin.update({f"{key}.{sub}": where(path, raw[key], sub) for key in raw if isinstance(raw[key], dict)
                   for sub in raw[key]})
    return merged, origin


def _check_sections(path: Path, raw: dict, problems: Problems) -> None:
    """Unknown keys are reported per file, so the line is the one in the file that has them."""
    for section, keys in (("state", STATE_KEYS), ("faults", FAULT_KEYS), ("latency", LATENCY_KEYS),
                          ("app", APP_KEYS), ("vars", None), ("labels", None), ("device", {"android", "ios"})):
        if section in raw:
            with problems.each():
                if keys is None:
                    if not isinstance(raw[section], dict):
                        raise ConfigError(f"{section} must be a mapping", where(path, raw, section))
                else:
                    check_keys(path, raw[section], keys, section)
    device = raw.get("device") or {}
    for platform, facts in device.items() if isinstance(device, dict) else ():
        with problems.each():
            check_keys(path, facts, DEVICE_KEYS, f"device.{platform}")


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = LineDict(copy.copy(base))
        out.line, out.key_lines = getattr(over, "line", 0), {**getattr(base, "key_lines", {}),
                                                             **getattr(over, "key_lines", {})}
        for key, value in over.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return over


def _build(raw: dict, origin: dict[str, str], path: Path) -> Scenario:
    """Check the merged scenario (every problem, each at its file:line) and build it."""
    def at(key: str) -> str:
        return origin.get(key) or origin.get(key.split(".")[0]) or str(path)

    problems = Problems()
    labels = load_labels(LABELS_FILE)
    with problems.each():
        check_labels(raw.get("labels") or {}, labels, at)
    for locale, table in (raw.get("labels") or {}).items():
        if str(locale) in labels and isinstance(table, dict):
            labels[str(locale)] = {**labels[str(locale)], **table}
    locale = str(raw.get("locale", "en"))
    if locale not in labels:
        problems.add(ConfigError(f"unknown locale {locale!r}; known: {', '.join(sorted(labels))}", at("locale")))
    web_locale = raw.get("web_locale")
    if web_locale is not None and str(web_locale) not in labels:
        problems.add(ConfigError(f"unknown web_locale {web_locale!r}; known: {', '.join(sorted(labels))}",
                                 at("web_locale")))
    screens = default_screens()
    if raw.get("screens"):
        with problems.each():
            screens.update(parse_screens(raw["screens"], path))
    with problems.each():
        check_gotos(screens)
    state = dict(raw.get("state", {}))
    for key in sorted(BOOL_STATE_KEYS):
        if not isinstance(state.get(key), bool):
            problems.add(ConfigError(f"state.{key} must be true or false", at(f"state.{key}")))
    if state.get("lock", "swipe") not in LOCK_KINDS:
        problems.add(ConfigError(f"state.lock must be one of {', '.join(LOCK_KINDS)}", at("state.lock")))
    packages = state.get("packages") or []
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        problems.add(ConfigError("state.packages must be a list of package names", at("state.packages")))
    with problems.each():
        check_vars(raw.get("vars") or {}, at, parsed_once(SCENARIO_DIR / "default.yaml", load_yaml).get("vars", {}))
    app: dict[str, Any] = {}
    with problems.each():
        app = _app_section(raw.get("app") or {}, screens, at)
    interruptions = []
    for item in raw.get("interruptions") or []:
        with problems.each():
            check_keys(at("interruptions"), item, INTERRUPTION_KEYS, "interruption")
            for key in ("screen", "popup"):
                if item.get(key) not in screens:
                    raise ConfigError(f"interruption {key} {item.get(key)!r} is not a known screen",
                                      where(path, item, key) if hasattr(item, "line") else at("interruptions"))
            if not isinstance(item.get("once", True), bool):
                raise ConfigError("interruption once must be true or false", where(path, item, "once"))
            interruptions.append(Interruption(item["screen"], item["popup"], item.get("once", True)))
    faults = raw.get("faults", {})
    if not isinstance(faults.get("no_persist", False), bool):
        problems.add(ConfigError("faults.no_persist must be true or false", at("faults.no_persist")))
    crash_at = faults.get("crash_once_at")
    if crash_at is not None and crash_at not in screens:
        problems.add(ConfigError(f"faults.crash_once_at {crash_at!r} is not a known screen",
                                 at("faults.crash_once_at")))
    lat = None
    with problems.each():
        lat = latency_of(raw.get("latency", {}), at, node_keys(screens))
    problems.raise_if_any()
    assert lat is not None
    return Scenario(
        name=str(raw.get("name", path.stem)), source=str(path), description=str(raw.get("description", "")),
        locale=locale, state=state, device={k: dict(v) for k, v in raw.get("device", {}).items()},
        vars=dict(raw.get("vars", {})), interruptions=tuple(interruptions), crash_once_at=crash_at,
        no_persist=bool(faults.get("no_persist", False)), latency=lat, screens=screens, labels=labels, app=app,
        web_locale=None if web_locale is None else str(web_locale),
    )


def _app_section(raw: dict, screens: dict[str, Screen], at: Any) -> dict[str, Any]:
    """`app:` - is LinkedIn already running (and on which screens), its launcher and exported activities."""
    app: dict[str, Any] = {"running": False, "foreground": False, "screens": [],
                           "launcher": LAUNCH_ACTIVITY, "exported": list(KNOWN)}
    app.update(raw)
    for key in ("running", "foreground"):
        if not isinstance(app[key], bool):
            raise ConfigError(f"app.{key} must be true or false", at(f"app.{key}"))
    for key in ("screens", "exported"):
        if not isinstance(app[key], list) or not all(isinstance(v, str) for v in app[key]):
            raise ConfigError(f"app.{key} must be a list of names", at(f"app.{key}"))
    unknown = [name for name in app["screens"] if name not in screens]
    if unknown:
        raise ConfigError(f"app.screens: unknown screen(s) {unknown}", at("app.screens"))
    if app["running"] and not app["screens"]:
        raise ConfigError("app.running needs app.screens (the screens the app shows, Home first)", at("app.running"))
    if not isinstance(app["launcher"], str) or app["launcher"] not in app["exported"]:
        raise ConfigError("app.launcher must be one of app.exported", at("app.launcher"))
    return app

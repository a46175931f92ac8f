"""Scenarios: the simulated phone's starting state, variants, interruptions, faults and latency, from YAML."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobile.errors import ConfigError
from mobile.sim.app import DATA_DIR, LineDict, Screen, check_keys, default_screens, load_labels, load_yaml, \
    parse_screens, where

SCENARIO_DIR = DATA_DIR / "scenarios"
LABELS_FILE = DATA_DIR / "screens" / "labels.yaml"
TOP_KEYS = {"name", "description", "extends", "locale", "state", "device", "vars", "interruptions", "faults",
            "latency", "screens", "labels", "app"}
STATE_KEYS = {"genai_enabled", "signed_in", "offered", "app_installed", "app_version", "screen_on", "locked", "lock",
              "packages"}
BOOL_STATE_KEYS = STATE_KEYS - {"app_version", "lock", "packages"}
LOCK_KINDS = ("none", "swipe", "pin")
APP_KEYS = {"running", "foreground", "screens", "launcher", "exported"}
DEVICE_KEYS = {"serial", "model", "os_version"}
FAULT_KEYS = {"crash_once_at", "no_persist"}
LATENCY_KEYS = {"scale", "commands", "transitions", "late"}
INTERRUPTION_KEYS = {"screen", "popup", "once"}
TRANSITION_KINDS = {"native", "webview", "system", "launch", "back"}


@dataclass(frozen=True)
class Interruption:
    """A popup shown over `screen` when it is entered (once, or every time)."""

    screen: str
    popup: str
    once: bool = True


@dataclass(frozen=True)
class Latency:
    """Milliseconds per W3C command and per screen transition, and late elements (node key -> ms)."""

    scale: float
    commands: dict[str, float]
    transitions: dict[str, float]
    late: dict[str, float]


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
    app: dict[str, Any] = field(default_factory=dict)

    def label_table(self) -> dict[str, Any]:
        """Labels for the scenario's locale, English filling the gaps."""
        return {**self.labels["en"], **self.labels.get(self.locale, {})}


def known_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a custom one from a YAML file (it extends `default`)."""
    path = _find(name_or_path)
    raw, origin = _load_merged(path, set())
    return _build(raw, origin, path)


def _find(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise ConfigError(f"scenario file not found: {text}")
        return path
    path = SCENARIO_DIR / f"{text}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown scenario {text!r}; known: {', '.join(known_scenarios())}")
    return path


def _load_merged(path: Path, seen: set[Path]) -> tuple[dict, dict[str, str]]:
    """Raw mapping after applying `extends` chains; origin maps top-level key -> file:line for errors."""
    if path.resolve() in seen:
        raise ConfigError("scenario extends itself (cycle)", str(path))
    seen.add(path.resolve())
    raw = load_yaml(path)
    check_keys(path, raw, TOP_KEYS, "scenario")
    _check_sections(path, raw)
    parent_name = raw.get("extends", None if path.resolve() == (SCENARIO_DIR / "default.yaml").resolve() else "default")
    base, origin = ({}, {}) if parent_name is None else _load_merged(_find(parent_name), seen)
    merged = _merge(base, raw)
    origin.update({key: where(path, raw, key) for key in raw})
    origin.update({f"{key}.{sub}": where(path, raw[key], sub) for key in raw if isinstance(raw[key], dict)
                   for sub in raw[key]})
    return merged, origin


def _check_sections(path: Path, raw: dict) -> None:
    """Unknown keys are reported per file, so the line is the one in the file that has them."""
    for section, keys in (("state", STATE_KEYS), ("faults", FAULT_KEYS), ("latency", LATENCY_KEYS),
                          ("app", APP_KEYS)):
        if section in raw:
            check_keys(path, raw[section], keys, section)
    device = raw.get("device") or {}
    check_keys(path, device, {"android", "ios"}, "device")
    for platform, facts in device.items():
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
    def at(key: str) -> str:
        return origin.get(key) or origin.get(key.split(".")[0]) or str(path)

    labels = load_labels(LABELS_FILE)
    for locale, table in (raw.get("labels") or {}).items():
        labels[str(locale)] = {**labels.get(str(locale), {}), **table}
    locale = str(raw.get("locale", "en"))
    if locale not in labels:
        raise ConfigError(f"unknown locale {locale!r}; known: {', '.join(sorted(labels))}", at("locale"))
    screens = default_screens()
    if raw.get("screens"):
        screens.update(parse_screens(raw["screens"], path))
    state = dict(raw.get("state", {}))
    for key in BOOL_STATE_KEYS:
        if not isinstance(state.get(key), bool):
            raise ConfigError(f"state.{key} must be true or false", at(f"state.{key}"))
    if state.get("lock", "swipe") not in LOCK_KINDS:
        raise ConfigError(f"state.lock must be one of {', '.join(LOCK_KINDS)}", at("state.lock"))
    packages = state.get("packages") or []
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise ConfigError("state.packages must be a list of package names", at("state.packages"))
    app = _app_section(raw.get("app") or {}, screens, at)
    interruptions = []
    for item in raw.get("interruptions") or []:
        check_keys(at("interruptions"), item, INTERRUPTION_KEYS, "interruption")
        for key in ("screen", "popup"):
            if item.get(key) not in screens:
                raise ConfigError(f"interruption {key} {item.get(key)!r} is not a known screen",
                                  where(path, item, key) if hasattr(item, "line") else at("interruptions"))
        interruptions.append(Interruption(item["screen"], item["popup"], bool(item.get("once", True))))
    faults = raw.get("faults", {})
    crash_at = faults.get("crash_once_at")
    if crash_at is not None and crash_at not in screens:
        raise ConfigError(f"faults.crash_once_at {crash_at!r} is not a known screen", at("faults.crash_once_at"))
    lat = raw.get("latency", {})
    transitions = dict(lat.get("transitions", {}))
    bad = set(transitions) - TRANSITION_KINDS
    if bad:
        raise ConfigError(f"unknown transition kind(s) {sorted(bad)}; known: {sorted(TRANSITION_KINDS)}",
                          at("latency.transitions"))
    latency = Latency(float(lat.get("scale", 1.0)), {k: float(v) for k, v in lat.get("commands", {}).items()},
                      {k: float(v) for k, v in transitions.items()},
                      {k: float(v) for k, v in (lat.get("late") or {}).items()})
    return Scenario(
        name=str(raw.get("name", path.stem)), source=str(path), description=str(raw.get("description", "")),
        locale=locale, state=state, device={k: dict(v) for k, v in raw.get("device", {}).items()},
        vars=dict(raw.get("vars", {})), interruptions=tuple(interruptions), crash_once_at=crash_at,
        no_persist=bool(faults.get("no_persist", False)), latency=latency, screens=screens, labels=labels, app=app,
    )


def _app_section(raw: dict, screens: dict[str, Screen], at: Any) -> dict[str, Any]:
    """`app:` - is LinkedIn already running (and on which screens), its launcher and exported activities."""
    app: dict[str, Any] = {"running": False, "foreground": False, "screens": [],
                           "launcher": "com.linkedin.android.authenticator.LaunchActivity",
                           "exported": ["com.linkedin.android.authenticator.LaunchActivity",
                                        "com.linkedin.android.splash.SplashActivity"]}
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

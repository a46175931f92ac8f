"""Checks on a merged scenario beyond its keys: labels, variables, latency, screen links (every problem)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from mobile.errors import ConfigError, Problems
from mobile.sim.app import Screen, where

TRANSITION_KINDS = {"native", "webview", "system", "launch", "back"}


@dataclass(frozen=True)
class Latency:
    """Milliseconds per W3C command and per screen transition, and late elements (node key -> ms)."""

    scale: float
    commands: dict[str, float]
    transitions: dict[str, float]
    late: dict[str, float]


def _nodes(specs: Any) -> Iterator[Any]:
    for spec in specs or []:
        if isinstance(spec, dict):
            yield spec
            yield from _nodes(spec.get("children"))


def node_keys(screens: dict[str, Screen]) -> set[str]:
    """Every node `key` the screens define (what `latency.late` may name)."""
    return {str(n["key"]) for screen in screens.values() for n in _nodes(screen.nodes) if n.get("key")}


def check_gotos(screens: dict[str, Screen]) -> None:
    """Every `on_tap: {goto: SCREEN}` names a screen that exists."""
    problems = Problems()
    for screen in screens.values():
        file = screen.source.rsplit(":", 1)[0]
        for node in _nodes(screen.nodes):
            tap = node.get("on_tap")
            if isinstance(tap, dict) and tap.get("goto") not in screens:
                problems.add(ConfigError(f"screen {screen.name!r}: on_tap goto {tap.get('goto')!r} is not a known "
                                         f"screen", where(file, node, "on_tap")))
    problems.raise_if_any()


def check_labels(given: dict, known: dict[str, dict[str, Any]], at: Callable[[str], str]) -> None:
    """Labels may only override known locales and known label keys."""
    problems = Problems()
    for locale, table in given.items():
        if str(locale) not in known:
            problems.add(ConfigError(f"labels: unknown locale {locale!r}; known: {', '.join(sorted(known))}",
                                     at(f"labels.{locale}")))
            continue
        if not isinstance(table, dict):
            problems.add(ConfigError(f"labels.{locale} must be a mapping of label key -> text", at(f"labels.{locale}")))
            continue
        for key in table:
            if key not in known["en"]:
                problems.add(ConfigError(f"labels.{locale}: unknown label key {key!r}",
                                         where(at(f"labels.{locale}").rsplit(":", 1)[0], table, key)))
    problems.raise_if_any()


def check_vars(given: dict, at: Callable[[str], str], defaults: dict) -> None:
    """A variable the default scenario defines keeps its type (whole numbers stay whole numbers >= 0)."""
    problems = Problems()
    for key, value in given.items():
        if key not in defaults:
            continue
        expected = defaults[key]
        if isinstance(expected, int) and not isinstance(expected, bool):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.add(ConfigError(f"vars.{key} must be a whole number >= 0, got {value!r}", at(f"vars.{key}")))
        elif isinstance(expected, str) and not isinstance(value, str):
            problems.add(ConfigError(f"vars.{key} must be a string, got {value!r}", at(f"vars.{key}")))
    problems.raise_if_any()


def _milliseconds(value: Any, what: str, place: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
            float("inf"), float("-inf")):
        raise ConfigError(f"{what} must be a number, got {value!r}", place)
    if value < 0:
        raise ConfigError(f"{what} must be >= 0, got {value!r}", place)
    return float(value)


def latency(lat: dict, at: Callable[[str], str], keys: set[str]) -> Latency:
    """The latency section: numbers >= 0, known transition kinds, `late` naming known node keys."""
    problems = Problems()
    scale = 1.0
    with problems.each():
        scale = _milliseconds(lat.get("scale", 1.0), "latency.scale", at("latency.scale"))
    tables: dict[str, dict[str, float]] = {}
    for section in ("commands", "transitions", "late"):
        table = lat.get(section) or {}
        tables[section] = {}
        if not isinstance(table, dict):
            problems.add(ConfigError(f"latency.{section} must be a mapping", at(f"latency.{section}")))
            continue
        file = at(f"latency.{section}").rsplit(":", 1)[0]
        for key, value in table.items():
            place = where(file, table, key) if hasattr(table, "key_lines") else at(f"latency.{section}")
            with problems.each():
                if section == "transitions" and key not in TRANSITION_KINDS:
                    raise ConfigError(f"unknown transition kind {key!r}; known: {', '.join(sorted(TRANSITION_KINDS))}",
                                      place)
                if section == "late" and key not in keys:
                    raise ConfigError(f"latency.late: no screen node has key {key!r} (known: "
                                      f"{', '.join(sorted(keys))})", place)
                tables[section][str(key)] = _milliseconds(value, f"latency.{section}.{key}", place)
    problems.raise_if_any()
    return Latency(scale, tables["commands"], tables["transitions"], tables["late"])

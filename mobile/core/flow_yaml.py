"""Stage one of loading a flow: YAML text -> `Raw` values (`yaml_lines`) with the flow's key rules, and checks on them."""

from __future__ import annotations

import re
from typing import Any, Mapping, NoReturn

from mobile.core.yaml_lines import Raw, first_bad_key, parse_yaml, plain
from mobile.errors import ConfigError, Problems

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_raw(text: str, source: str) -> Raw:
    """Parse flow YAML text (YAML 1.2 booleans: only true/false) into `Raw` values; syntax errors, an empty
    file, a repeated key and a key that is not a string are a ConfigError at `source:line`."""
    raw = parse_yaml(text, source, booleans="1.2")
    if raw is None:
        raise ConfigError("the file is empty", where=f"{source}:1")
    bad = first_bad_key(raw)
    if bad is not None:
        key = bad.key
        message = (f"keys must be strings, got {key.kind} {plain(key, source)!r}" if bad.first_line is None
                   else f"duplicate key '{key.value}'")
        raise ConfigError(message, where=f"{source}:{key.line}")
    return raw


class _Each:
    """Context manager of Checker.each()."""

    def __init__(self, checker: "Checker", name: str | None):
        self.checker, self.name = checker, name

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if isinstance(exc, ConfigError):
            self.checker.problems.add(exc)
            if self.name is not None:
                self.checker.failed.add(self.name)
            return True
        return False


class Checker:
    """Type and key checks over Raw values; every failure names `source:line`."""

    def __init__(self, source: str):
        self.source = source
        self.problems = Problems()  # what `each()` blocks found; the caller raises them all at the end
        self.failed: set[str] = set()  # names whose definition had a problem (referring to them is no new one)

    def each(self, name: str | None = None) -> Any:
        """A block whose ConfigError is recorded (every problem is reported); `name` marks what failed."""
        return _Each(self, name)

    def fail(self, message: str, line: int) -> NoReturn:
        raise ConfigError(message, where=f"{self.source}:{line}")

    def mapping(self, raw: Raw, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Raw]:
        if not isinstance(raw.value, dict):
            self.fail(f"{what} must be a mapping, got {raw.kind}", raw.line)
        problems = Problems()  # every bad or missing key of the mapping, not only the first
        for key in raw.value:
            if key not in allowed:
                problems.add(ConfigError(f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})",
                                         where=f"{self.source}:{raw.key_lines[key]}"))
        for key in required:
            if key not in raw.value:
                problems.add(ConfigError(f"{what} is missing required key '{key}'", where=f"{self.source}:{raw.line}"))
        problems.raise_if_any()
        return raw.value

    def items(self, raw: Raw, what: str) -> dict[str, Raw]:
        """A mapping whose keys are names chosen by the author (targets, screens, labels)."""
        if not isinstance(raw.value, dict):
            self.fail(f"{what} must be a mapping, got {raw.kind}", raw.line)
        return raw.value

    def listing(self, raw: Raw, what: str, non_empty: bool = True) -> list[Raw]:
        if not isinstance(raw.value, list):
            self.fail(f"{what} must be a list, got {raw.kind}", raw.line)
        if non_empty and not raw.value:
            self.fail(f"{what} must not be empty", raw.line)
        return raw.value

    def string(self, raw: Raw, what: str) -> str:
        if not isinstance(raw.value, str):
            self.fail(f"{what} must be a string, got {raw.kind}", raw.line)
        if not raw.value.strip():
            self.fail(f"{what} must not be empty", raw.line)
        return raw.value

    def strings(self, raw: Raw, what: str) -> tuple[str, ...]:
        """A string or a non-empty list of strings."""
        if isinstance(raw.value, list):
            return tuple(self.string(item, what) for item in self.listing(raw, what))
        return (self.string(raw, what),)

    def number(self, raw: Raw, what: str) -> float:
        if isinstance(raw.value, bool) or not isinstance(raw.value, (int, float)):
            self.fail(f"{what} must be a number, got {raw.kind}", raw.line)
        if raw.value <= 0:
            self.fail(f"{what} must be greater than 0", raw.line)
        return float(raw.value)

    def boolean(self, raw: Raw, what: str) -> bool:
        if not isinstance(raw.value, bool):
            hint = " (yes/no/on/off are strings in flow files)" if isinstance(raw.value, str) else ""
            self.fail(f"{what} must be true or false, got {raw.kind}{hint}", raw.line)
        return raw.value

    def name(self, raw: Raw | str, line: int, what: str) -> str:
        value = raw.value if isinstance(raw, Raw) else raw
        if not isinstance(value, str) or not _NAME_RE.match(value):
            self.fail(f"{what} must be a lower_case name, got {value!r}", line)
        return value

    def one_of(self, raw: Raw, noun: str, where: str, choices: tuple[str, ...] | Mapping[str, Any]) -> str:
        value = self.string(raw, f"{noun} {where}")
        if value not in choices and value not in self.failed:
            self.fail(f"unknown {noun} '{value}' {where} (known: {', '.join(choices)})", raw.line)
        return value

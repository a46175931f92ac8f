"""Stage one of loading a flow: YAML text -> `Raw` values that remember their 1-based line, and checks on them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, NoReturn, Union

import yaml

from mobile.core.yaml_limits import BaseLoader, check_text, check_tree, syntax_error
from mobile.errors import ConfigError, Problems

Scalar = Union[str, int, float, bool, None]
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Raw:
    """One YAML value with the line it starts on; mappings also keep each key's line."""

    value: "dict[str, Raw] | list[Raw] | Scalar"
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """A human name for the YAML type, used in error messages."""
        return type_name(self.value)


def type_name(value: object) -> str:
    """The YAML-ish name of a Python value's type."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


class _Loader(BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader whose booleans are only true/false (YAML 1.2), so `on: On` and `off: No` stay strings."""


# Drop PyYAML's YAML 1.1 bool resolver (yes/no/on/off) and add back only true/false: label words such
# as "On", "Off", "No" (Italian off) must stay strings.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_raw(text: str, source: str) -> Raw:
    """Parse YAML text into `Raw` values; syntax errors become ConfigError at `source:line`."""
    check_text(text, source)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError("the file is empty", where=f"{source}:1")
        check_tree(node, source)
        return _convert(loader, node, source)
    except yaml.YAMLError as exc:
        raise syntax_error(text, source, exc) from None
    finally:
        loader.dispose()


def _convert(loader: _Loader, node: yaml.Node, source: str) -> Raw:
    """Turn one composed YAML node (and its children) into Raw."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<: *alias` merge keys the way PyYAML would
        items: dict[str, Raw] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                raise ConfigError(f"keys must be strings, got {type_name(key)} {key!r}", where=f"{source}:{key_line}")
            if key in items:
                raise ConfigError(f"duplicate key '{key}'", where=f"{source}:{key_line}")
            items[key] = _convert(loader, value_node, source)
            key_lines[key] = key_line
        return Raw(items, line, key_lines)
    if isinstance(node, yaml.SequenceNode):
        return Raw([_convert(loader, child, source) for child in node.value], line)
    value = loader.construct_object(node)
    if not isinstance(value, (str, int, float, bool)) and value is not None:
        # dates, binary and the like are never meaningful in our files: keep the text as written
        value = str(node.value)
    return Raw(value, line)


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

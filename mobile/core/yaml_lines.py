"""The one YAML loader of the tool: text -> values that remember their 1-based line (pure: no I/O).

Flows, devices.yaml and the simulated phone's scenarios, screens and labels all go through `parse_yaml`,
so every file is bounded the same way (`yaml_limits`: size, alias bombs, recursive aliases) and every error
names `file:line`. The result is a tree of `Raw` values; each kind of file then checks it its own way:

- flows (`flow_yaml.Checker`) and devices.yaml (`reach.devices`) read the `Raw` tree directly;
- scenarios, screens and labels read `lined(raw)`: plain dicts (`LineDict`, with the line of each key),
  lists and scalars.

Only the boolean dialect differs between file kinds (`booleans`): flows take YAML 1.2's (only true/false,
so the switch words "On", "Off" and Italian "No" stay strings); devices.yaml and scenarios keep YAML 1.1's
(yes/no/on/off too), as PyYAML reads them and as people write Appium capabilities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, NamedTuple, Union

import yaml

from mobile.core.yaml_limits import BaseLoader, check_text, check_tree, syntax_error
from mobile.errors import ConfigError

Scalar = Union[str, int, float, bool, None]
Booleans = Literal["1.1", "1.2"]
_PREFIX = "tag:yaml.org,2002:"
_STR = _PREFIX + "str"
_MERGE = _PREFIX + "merge"
_NODE_KINDS = {"map": "mapping", "set": "mapping", "seq": "sequence", "omap": "sequence", "pairs": "sequence"}
# the YAML types a plain value (JSON-like) can have; others (timestamp, binary, set, omap, pairs) are kept as
# their text or structure with their tag, so that a checker can refuse them
PLAIN_TAGS = frozenset({"str", "int", "float", "bool", "null", "map", "seq"})


@dataclass(slots=True)  # not frozen: 6x cheaper to create (screens have thousands); read-only by convention
class Raw:
    """One YAML value with the line it starts on; mappings also keep each key's line and every entry.

    `value` holds a mapping's string keys (the first of a repeated key wins); `pairs` holds every
    (key, value) entry as written, in order, so a checker can report repeated keys and keys that are not
    strings. Scalars YAML types as dates or binary keep the text as written (`tag` says what they were).
    Never change one: a value an alias reaches twice is one shared Raw."""

    value: "dict[str, Raw] | list[Raw] | Scalar"
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    tag: str = "str"  # the YAML type, without its prefix: str, int, float, bool, null, map, seq, timestamp, ...
    pairs: "tuple[tuple[Raw, Raw], ...]" = ()

    @property
    def kind(self) -> str:
        """A human name for the YAML type, used in error messages."""
        return type_name(self.value)

    @property
    def text_key(self) -> str | None:
        """This value as a mapping key: its text when it is a string, else None."""
        return self.value if self.tag == "str" and isinstance(self.value, str) else None

    def walk(self) -> Iterator["Raw"]:
        """This value and every value (and key) under it, in document order."""
        yield self
        if isinstance(self.value, list):
            for item in self.value:
                yield from item.walk()
        for key, value in self.pairs:
            yield from key.walk()
            yield from value.walk()


class BadKey(NamedTuple):
    """A mapping key a file may not have: not a string (`first_line` None) or repeated."""

    key: Raw
    first_line: int | None


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


class _Yaml12Loader(BaseLoader):  # type: ignore[misc,valid-type]  # BaseLoader: CSafeLoader or SafeLoader
    """SafeLoader whose booleans are only true/false (YAML 1.2), so `on: On` and `off: No` stay strings."""


# Drop PyYAML's YAML 1.1 bool resolver (yes/no/on/off) and add back only true/false.
_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _PREFIX + "bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    _PREFIX + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_LOADERS: dict[str, Any] = {"1.1": BaseLoader, "1.2": _Yaml12Loader}


def parse_yaml(text: str, source: str, *, booleans: Booleans) -> Raw | None:
    """Parse one YAML document into `Raw` values (None for an empty document); `source` names the file in
    errors. Too large or alias-bombed text, syntax errors and unknown tags are a ConfigError at
    `source:line`. Repeated and non-string keys are kept (see `Raw.pairs`): each file kind words them."""
    check_text(text, source)
    loader = _LOADERS[booleans](text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_tree(node, source)
        return _Builder(loader, source).build(node)
    except yaml.YAMLError as exc:
        raise syntax_error(text, source, exc) from None
    finally:
        loader.dispose()


class _Builder:
    """Composed nodes -> Raw; a node an alias reaches again is converted once (Raw values are immutable)."""

    def __init__(self, loader: Any, source: str):
        self.loader, self.source = loader, source
        self.done: dict[int, Raw] = {}

    def build(self, node: yaml.Node) -> Raw:
        known = self.done.get(id(node))
        if known is None:
            known = self.done[id(node)] = self._convert(node)
        return known

    def _convert(self, node: yaml.Node) -> Raw:
        line = node.start_mark.line + 1
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            return Raw(node.value, line)  # most values: no constructor needed
        if node.tag not in self.loader.yaml_constructors:
            raise yaml.constructor.ConstructorError(
                None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark)
        tag = node.tag[len(_PREFIX):] if node.tag.startswith(_PREFIX) else node.tag
        found = _node_kind(node)
        if _NODE_KINDS.get(tag, "scalar") != found:  # e.g. `!!str {a: 1}`, `!!map [a]`
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a {_NODE_KINDS.get(tag, 'scalar')} node for {tag}, but found {found}",
                node.start_mark)
        if isinstance(node, yaml.MappingNode):
            pairs = self._entries(node)
            items: dict[str, Raw] = {}
            key_lines: dict[str, int] = {}
            for key, entry in pairs:
                text = key.text_key
                if text is not None and text not in items:
                    items[text] = entry
                    key_lines[text] = key.line
            return Raw(items, line, key_lines, tag, pairs)
        if isinstance(node, yaml.SequenceNode):
            return Raw(list(map(self.build, node.value)), line, tag=tag)
        try:
            value = self.loader.construct_object(node)
        except (ValueError, TypeError, KeyError, AttributeError):  # e.g. `!!int abc`, `!!bool maybe`
            raise ConfigError(f"invalid YAML: {node.value!r} is not a valid {tag}",
                              where=f"{self.source}:{line}") from None
        if tag not in PLAIN_TAGS:
            value = str(node.value)  # dates, binary and the like: the text as written
        return Raw(value, line, tag=tag)

    def _entries(self, node: yaml.MappingNode) -> tuple[tuple[Raw, Raw], ...]:
        """A mapping's entries: first those merged in by `<<: *alias` or `<<: [*a, *b]` (a key the mapping
        has itself, or an earlier merged map has, wins over them, without being a repeated key), then its
        own, repeats included. The composed nodes are left as they are (PyYAML's merge rewrites them)."""
        own: list[tuple[Raw, Raw]] = []
        sources: list[Raw] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                own.append((self.build(key_node), self.build(value_node)))
                continue
            merged = self.build(value_node)
            for source in merged.value if isinstance(merged.value, list) else [merged]:
                if not isinstance(source.value, dict):
                    raise yaml.constructor.ConstructorError(
                        None, None, f"expected a mapping or list of mappings for merging, but found {source.kind}",
                        value_node.start_mark)
                sources.append(source)
        if not sources:
            return tuple(own)
        taken = {key.text_key for key, _ in own}
        merged_entries: list[tuple[Raw, Raw]] = []
        for source in sources:
            for key, value in source.pairs:
                text = key.text_key
                if text is None or text not in taken:  # a key that is no string stays, for the checker to refuse
                    merged_entries.append((key, value))
                    taken.add(text)
        return (*merged_entries, *own)


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    return "sequence" if isinstance(node, yaml.SequenceNode) else "scalar"


def first_bad_key(raw: Raw) -> BadKey | None:
    """The first key, in document order, that is not a string or repeats an earlier key of its mapping."""
    if isinstance(raw.value, list):
        for item in raw.value:
            found = first_bad_key(item)
            if found is not None:
                return found
    seen: dict[str, int] = {}
    for key, value in raw.pairs:
        text = key.text_key
        if text is None:
            return BadKey(key, None)
        if text in seen:
            return BadKey(key, seen[text])
        seen[text] = key.line
        found = first_bad_key(value)
        if found is not None:
            return found
    return None


def plain(raw: Raw, source: str) -> Any:
    """The Python value of a Raw tree: dicts, lists, scalars (a repeated key: the last wins, as in PyYAML)."""
    if isinstance(raw.value, list):
        return [plain(item, source) for item in raw.value]
    if raw.pairs or isinstance(raw.value, dict):
        out: dict[Any, Any] = {}
        for key, value in raw.pairs:
            out[_hashable(key, source)] = plain(value, source)
        return out
    return raw.value


class LineDict(dict[Any, Any]):  # keys are whatever the YAML says (a checker refuses the others)
    """A YAML mapping that remembers the line of itself and of each key (what `lined` builds)."""

    line: int = 0
    key_lines: dict[Any, int]


def lined(raw: Raw | None, source: str) -> Any:
    """The tree as LineDicts, lists and scalars; a repeated key is a ConfigError at `source:line` (the first
    one in document order), naming the line of the first occurrence."""
    if raw is None:
        return None
    if isinstance(raw.value, list):
        return [lined(item, source) for item in raw.value]
    if not isinstance(raw.value, dict):
        return raw.value
    out = LineDict()
    out.line, out.key_lines = raw.line, {}
    for key_raw, value_raw in raw.pairs:
        key = _hashable(key_raw, source)
        if key in out:
            raise ConfigError(f"duplicate key {key!r} (first at line {out.key_lines.get(key)})",
                              where=f"{source}:{key_raw.line}")
        out[key] = lined(value_raw, source)
        out.key_lines[key] = key_raw.line
    return out


def _hashable(key: Raw, source: str) -> Any:
    if isinstance(key.value, (dict, list)):
        raise ConfigError("invalid YAML: found unhashable key", where=f"{source}:{key.line}")
    return key.value
